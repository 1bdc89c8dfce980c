"""Per-page cost inside one Django process: SQL queries and server time per request.

Run by bench/run.py with DATABASE_URL pointing at a database that load_demo --scale filled.
Prints one JSON object: {page: {"queries": n, "median_ms": x, "p95_ms": y, "cold_ms": c, "bytes": b}}:
queries and times of a page served from a warm process with its cached fragments (what readers get between
writes), and ``cold_ms``, the median of the first request after the cache is emptied (as after a write).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from plans.models import Action  # noqa: E402
from roadmap.middleware import LAST_SEEN  # noqa: E402


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content) if response.streaming else response.content


# Pages by group, one function each: a branch that adds pages adds its group here (and, for throughput,
# in bench/run.py's THROUGHPUT_GROUPS). Each returns {name in the report: address}.


def regional_pages() -> dict[str, str]:
    return {"/": "/", "/countries/jam/": "/countries/jam/"}


def list_pages() -> dict[str, str]:
    return {"/countries/": "/countries/", "/actions/": "/actions/"}


def action_pages() -> dict[str, str]:
    action = Action.objects.filter(plan__country__iso3="JAM", code="1.1").only("pk").get()
    return {"/actions/<id>/": f"/actions/{action.pk}/"}


def export_pages() -> dict[str, str]:
    return {"/actions/ CSV export": "/actions/?export=csv"}


PAGE_GROUPS = [regional_pages, list_pages, action_pages, export_pages]
COLD_SAMPLES = 5  # the cold budget is judged at 1x; other scales take one sample


def pages() -> dict[str, str]:
    return {name: url for group in PAGE_GROUPS for name, url in group().items()}


def timed(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    body(response)
    assert response.status_code == 200, (url, response.status_code)
    return (time.perf_counter() - started) * 1000


def reporting_pages() -> dict[str, str]:
    """The reporting cycle's pages, with an open cycle and a queue of no-change reports from Jamaica's
    focal point (made once per database, through the write functions; the same number at every scale)."""
    import datetime as dt

    from django.contrib.auth.models import Group

    from plans import services
    from plans.visibility import NATIONAL_FOCAL_POINTS
    from reporting.models import CountryAssignment, ReportingCycle
    from roadmap.models import Country

    if not ReportingCycle.objects.exists():
        bench = User.objects.get(username="bench")
        services.open_cycle(
            name="Bench cycle",
            opens_on=dt.date(2026, 10, 1),
            due_on=dt.date(2026, 12, 31),
            kpi_year=2026,
            by=bench,
        )
        focal, _ = User.objects.get_or_create(username="bench-focal")
        focal.groups.set([Group.objects.get(name=NATIONAL_FOCAL_POINTS)])
        CountryAssignment.objects.get_or_create(user=focal, country=Country.objects.get(iso3="JAM"))
        focal = User.objects.get(pk=focal.pk)
        for action in Action.objects.current().filter(plan__country__iso3="JAM")[:20]:
            services.submit_no_change(action=action, reported_on=dt.date(2026, 11, 20), by=focal)
    return {"/reporting/": "/reporting/", "/reporting/review/": "/reporting/review/"}


def seen_now(client: Client) -> None:
    session = client.session
    session[LAST_SEEN] = int(time.time())
    session.save()


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    cold_samples = int(sys.argv[2]) if len(sys.argv) > 2 else COLD_SAMPLES
    client = Client()
    client.force_login(User.objects.get(username="bench"))
    # IMPACS staff pass a second factor when DEBUG is off: this session has (bench/prepare.py made the
    # device), as wrk's session from `prepare.py session` has.
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user__username="bench").persistent_id
    session.save()
    results = {}
    for name, url in (pages() | reporting_pages()).items():
        for _ in range(2):  # warm caches and connections, as a running server would be
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            content = body(response)
        # Cold: the first request after a write, in a warm process. A write bumps the data version, so
        # no cached fragment matches; emptying the cache does the same without writing.
        colds = []
        for _ in range(1 if "export=" in url else cold_samples):  # an export is never cached
            for each in caches.all():
                each.clear()
            colds.append(timed(client, url))
        if "export=csv" in url:
            assert response["Content-Type"].startswith("text/csv"), "not a CSV export"
            assert content.count(b"\n") > Action.objects.current().count(), "export is not complete"
        body(client.get(url))
        # The session's once-a-minute touch (roadmap.middleware.IdleTimeoutMiddleware: three queries)
        # is not the page's cost: after a slow page (an export at 100x) it would fall on this request.
        seen_now(client)
        with CaptureQueriesContext(connection) as queries:
            size = len(body(client.get(url)))
        # Read now: the next request resets the connection's query log.
        query_count = len(queries.captured_queries)
        # A full export at 100x takes seconds: five are enough for its median.
        count = min(requests, 5) if "export=" in url else requests
        times = sorted(timed(client, url) for _ in range(count))
        results[name] = {
            "queries": query_count,
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1),
            "cold_ms": round(statistics.median(colds), 1),
            "bytes": size,
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
