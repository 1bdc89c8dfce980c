"""`make soak`: the site under a realistic mix of readers and writers for minutes, on PostgreSQL.

1. A fresh database (SOAK_DATABASE_URL, default roadmap_soak) gets the demonstration data and simulated
   users: partner officials and IMPACS staff, each signed in with a session of their own.
2. gunicorn (2 workers, DEBUG off) serves it on the loopback; SOAK_USERS (50) threads act as those users
   for SOAK_SECONDS (600), each doing one task after another with a short pause between: partners browse
   the dashboard, country pages, the lists and exports; IMPACS staff record status updates and KPI values
   and now and then import a country's plan workbook (download, one cell changed, upload, apply); national
   focal points submit reports (a status change, "no change", a KPI value, a milestone done) for their
   countries in an open reporting cycle; IMPACS reviewers approve or return them, one or several at once.
3. It passes only with no server error (no 5xx, no failed connection), no lost write (every write the
   site accepted is in the database, and in its history where the model keeps one, counted exactly: status
   updates and KPI values, whether written directly, by an approval or by an import; every accepted
   submission, with one "submit" step; every approval with its plan change and one "approve" step; every
   return with one "return" step; nothing approved or returned that the site did not acknowledge; every
   refusal is a deliberate 400/409 page with a message) and each worker's memory (RSS from /proc) at the
   end within 20 % of its size after the warm-up.
4. It prints requests per second and the median and 95th percentile per page, and writes them into the
   "Soak" section of docs/benchmarks.md (which `make bench` keeps).

Tasks are functions, one per thing a person does, listed in TASKS by role with a weight: a branch adds a
task (a focal point submitting, a reviewer approving, a workbook import) by writing one function and
adding it to TASKS (and the role's users to ROLE_GROUPS).

Run inside Django as ``soak.py prepare`` and ``soak.py verify RUN``: the orchestrator calls those.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/roadmap_soak"
MAX_RSS_GROWTH = 0.20
SOAK_MARKER = "<!-- soak -->"
SOAK_END = "<!-- /soak -->"
# Simulated users by role: {role: (group, share of the users)}. Reviewers are IMPACS staff who review
# the focal points' submissions; each focal point reports for one country (assigned by `prepare`).
ROLE_GROUPS = {
    "partner": ("Partner officials", 0.7),
    "staff": ("IMPACS staff", 0.14),
    "reviewer": ("IMPACS staff", 0.06),
    "focal": ("National focal points", 0.1),
}
# Statuses a person sets (not "not applicable"), by value and by the workbook's label.
STATUSES = {
    "not_started": "Not started",
    "limited": "Limited progress",
    "substantial": "Substantial progress",
    "completed": "Completed",
}


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Inside Django: prepare the users and sessions, verify the writes ----------------------------


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(users: int) -> None:
    """Make the simulated users, sign each in (a session of its own) and print what the load needs."""
    django_setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from plans import services
    from plans.models import Action, IndicatorTarget
    from reporting.models import CountryAssignment, ReportingCycle

    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions: dict[str, list[str]] = defaultdict(list)
    made: dict[str, list[User]] = defaultdict(list)
    counts = split(users)
    for role, (group_name, _) in ROLE_GROUPS.items():
        group = Group.objects.get(name=group_name)
        for n in range(counts[role]):
            user, _ = User.objects.get_or_create(username=f"soak-{role}-{n}")
            user.set_unusable_password()
            user.save()
            user.groups.set([group])
            session = store()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            # Everyone's session has passed the second factor, as IMPACS staff's must with DEBUG off.
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, defaults={"name": "soak", "confirmed": True}
            )
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.create()
            sessions[role].append(session.session_key)
            made[role].append(user)
    actions = list(
        Action.objects.current()
        .order_by("pk")
        .values_list("pk", "plan_id", "goal_id", "plan__country__iso3", "plan__country_id")
    )
    # Focal points report for the countries whose actions staff write to (actions[:40]) first, so that
    # an approval sometimes meets a newer change; one country each.
    countries: list[tuple[str, int]] = []
    for a in actions[:40] + actions:
        if (a[3], a[4]) not in countries:
            countries.append((a[3], a[4]))
    focal_actions: dict[str, list[int]] = {}
    focal_countries: dict[str, str] = {}
    for n, (user, key) in enumerate(zip(made["focal"], sessions["focal"], strict=True)):
        iso3, country_id = countries[n % len(countries)]
        CountryAssignment.objects.get_or_create(user=user, country_id=country_id)
        focal_actions[key] = [a[0] for a in actions if a[4] == country_id]
        focal_countries[key] = iso3.lower()
    # An open reporting cycle for the focal points' KPI values (load_demo opens none with DEBUG off).
    if made["reviewer"] and not ReportingCycle.objects.open().exists():
        today = dt.date.today()
        services.open_cycle(
            name=f"Soak {today.year}",
            opens_on=today - dt.timedelta(days=7),
            due_on=today + dt.timedelta(days=30),
            kpi_year=today.year,
            by=User.objects.get(pk=made["reviewer"][0].pk),
        )
    kpis: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, plan_id, goal_id in IndicatorTarget.objects.values_list(
        "pk", "plan_id", "indicator__goal_id"
    ):
        kpis[(plan_id, goal_id)].append(pk)
    print(
        json.dumps(
            {
                "sessions": sessions,
                "countries": sorted({a[3].lower() for a in actions}),
                "actions": [a[0] for a in actions],
                "kpi_actions": [[a[0], kpis[(a[1], a[2])]] for a in actions if kpis[(a[1], a[2])]],
                "focal_actions": focal_actions,
                "focal_countries": focal_countries,
            }
        )
    )


def verify(run: str) -> None:
    """Print what the database holds of this run's writes: notes of status updates and KPI values, and
    the same in their change history where the model keeps one (django-simple-history); every
    submission with its state, steps and whether its approval's change is in the plan."""
    django_setup()
    from plans.models import IndicatorValue, Milestone, StatusUpdate
    from reporting.models import Event, Kind, Submission, Transition

    prefix = f"soak {run} "
    out: dict[str, Any] = {}
    models: list[tuple[str, Any]] = [("status", StatusUpdate), ("kpi", IndicatorValue)]
    for name, model in models:
        out[name] = sorted(
            model._default_manager.filter(note__startswith=prefix).values_list("note", flat=True)
        )
        history = getattr(model, "history", None)
        if history is not None:
            out[f"{name} history"] = sorted(
                history.filter(note__startswith=prefix, history_type="+").values_list(
                    "note", flat=True
                )
            )
    steps: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for submission_id, event in Transition.objects.values_list("submission_id", "event"):
        steps[submission_id][event] += 1
    submissions = {}
    for s in Submission.objects.select_related("status_update", "milestone"):
        if s.kind in (Kind.STATUS, Kind.NO_CHANGE):
            applied = s.status_update is not None and s.status_update.note == s.note
        elif s.kind == Kind.KPI:
            assert s.kpi_year is not None and s.value is not None
            applied = IndicatorValue.objects.filter(
                indicator_target_id=s.kpi_id, year=s.kpi_year, note=s.note, value=s.value
            ).exists()
        else:
            assert s.milestone is not None
            applied = (
                s.milestone.completed_on == s.completed_on
                and Milestone.history.filter(
                    id=s.milestone_id, completed_on=s.completed_on
                ).exists()
            )
        submissions[s.pk] = {
            "kind": s.kind,
            "state": s.state,
            "note": s.note,
            "applied": applied,
            "submit": steps[s.pk][Event.SUBMIT],
            "approve": steps[s.pk][Event.APPROVE],
            "return": steps[s.pk][Event.RETURN],
        }
    out["submissions"] = submissions
    print(json.dumps(out))


def split(users: int) -> dict[str, int]:
    counts = {role: max(1, round(users * share)) for role, (_, share) in ROLE_GROUPS.items()}
    counts["partner"] += users - sum(counts.values())
    return counts


# --- The load -------------------------------------------------------------------------------------


@dataclass
class Stats:
    """What every simulated user saw, shared between the threads (under a lock)."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: list[str] = field(default_factory=list)
    undeliberate: list[str] = field(
        default_factory=list
    )  # refusals without a message, or unexpected
    refusals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Notes of accepted writes by kind (status, kpi, import, submission); pks for approve and return.
    accepted: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)


Form = dict[str, str] | list[tuple[str, str]]
# A deliberate refusal names itself: a message (error or warning) on the page it answers with.
REFUSAL_MESSAGE = re.compile(r'class="message message-(error|warning)"')


@dataclass
class Context:
    """One simulated user: its cookies and what it may pick from."""

    base: tuple[str, int]
    session: str
    data: dict[str, Any]
    stats: Stats
    run: str
    rng: random.Random
    sequence: list[int]  # shared counter of writes, for unique notes
    cookies: dict[str, str] = field(default_factory=dict)
    last_body: bytes = b""  # the last response's bytes (a workbook)
    key: str = ""  # the session this user started with: its entry in ``data``

    def __post_init__(self) -> None:
        self.key = self.session

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def request(
        self,
        page: str,
        path: str,
        method: str = "GET",
        form: Form | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        """One request, as a browser sends it (every cookie the site set); records its time under
        ``page`` and any server error."""
        jar = {"sessionid": self.session, **self.cookies}
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()), "Host": "localhost"}
        body: bytes | None = None
        if files is not None:
            boundary = uuid.uuid4().hex
            body = multipart(boundary, form or {}, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(*self.base, timeout=60)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            status, response_headers = response.status, dict(response.getheaders())
            # Every Set-Cookie header: a response may set the session's and the CSRF cookie both
            # (dict() above keeps only the last one).
            set_cookies = response.msg.get_all("Set-Cookie") or []
            conn.close()
        except OSError as error:
            with self.stats.lock:
                self.stats.server_errors.append(f"{method} {path}: {error!r}")
            return 0, {}, ""
        elapsed = (time.perf_counter() - started) * 1000
        for header in set_cookies:
            name, _, value = header.split(";", 1)[0].partition("=")
            if name.strip() == "sessionid":
                self.session = value.strip()
            else:
                self.cookies[name.strip()] = value.strip()
        text = raw.decode("utf-8", "replace") if b"\0" not in raw[:2000] else ""
        with self.stats.lock:
            self.stats.times[page].append(elapsed)
            if status >= 500:
                self.stats.server_errors.append(f"{method} {path}: {status}")
        self.last_body = raw
        return status, response_headers, text

    def get(self, page: str, path: str) -> str:
        status, _, text = self.request(page, path)
        if 0 < status < 500 and status != 200:
            with self.stats.lock:
                self.stats.undeliberate.append(f"GET {path}: {status}")
        return text

    def note(self, kind: str) -> str:
        with self.stats.lock:
            self.sequence[0] += 1
            return f"soak {self.run} {self.sequence[0]} {kind}: progress reported by the national commission"

    def write(
        self,
        page: str,
        path: str,
        form: Form,
        kind: str,
        accepted: Any,
        then: str = "action page",
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> tuple[int, str]:
        """POST a form; a redirect is an accepted write (``accepted`` is recorded under ``kind``), a
        400/409 with a message a deliberate refusal. Returns the status and the page the person sees
        (after the redirect)."""
        form = [*(form.items() if isinstance(form, dict) else form)]
        form.append(("csrfmiddlewaretoken", self.csrf))
        status, headers, text = self.request(page, path, "POST", form, files)
        with self.stats.lock:
            if status == 302:
                self.stats.accepted[kind].append(accepted)
            elif status in (400, 409) and REFUSAL_MESSAGE.search(text):
                self.stats.refusals[f"{kind} {status}"] += 1
            elif 0 < status < 500:
                self.stats.undeliberate.append(f"POST {path}: {status} {messages_of(text)[:200]}")
        if status == 302:  # the person sees the page with the message
            location = urllib.parse.urlsplit(headers["Location"])
            text = self.get(then, location.path + (f"?{location.query}" if location.query else ""))
        return status, text


def multipart(boundary: str, form: Form, files: dict[str, tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    for name, value in form.items() if isinstance(form, dict) else form:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


def messages_of(html: str) -> str:
    """The page's messages, as text (for the report of an unexpected answer)."""
    found = re.findall(r'<li class="message message-\w+">(.*?)</li>', html, re.S)
    return " | ".join(re.sub(r"\s+", " ", m).strip() for m in found)


def field_value(html: str, name: str, after: str = "") -> str | None:
    start = html.find(after) if after else 0
    if start < 0:
        return None
    match = re.search(
        rf'name="{name}"[^>]*?value="([^"]*)"|value="([^"]*)"[^>]*?name="{name}"', html[start:]
    )
    return next((g for g in match.groups() if g is not None), None) if match else None


# Partner officials (and everyone): reading.


def browse_dashboard(c: Context) -> None:
    c.get("dashboard", "/")


def browse_country(c: Context) -> None:
    c.get("country page", f"/countries/{c.rng.choice(c.data['countries'])}/")


def browse_countries(c: Context) -> None:
    sort = c.rng.choice(["", "?sort=name", "?sort=-completion", "?sort=stage"])
    c.get("/countries/", f"/countries/{sort}")


def browse_actions(c: Context) -> None:
    filters = c.rng.choice(
        [
            "",
            f"?country={c.rng.choice(c.data['countries']).upper()}",
            "?status=limited&sort=-due_date",
            "?overdue=on",
            f"?goal={c.rng.randint(1, 4)}&page=2",
            "?q=customs",
        ]
    )
    c.get("/actions/", f"/actions/{filters}")


def read_action(c: Context) -> None:
    c.get("action page", f"/actions/{c.rng.choice(c.data['actions'])}/")


def export_list(c: Context) -> None:
    country = c.rng.choice(c.data["countries"]).upper()
    path = c.rng.choice(
        [
            f"/actions/?country={country}&export=csv",
            "/countries/?export=xlsx",
            "/actions/?export=csv",
        ]
    )
    c.get("export", path)


# IMPACS staff: writing (a few actions, so that two people sometimes change the same one).


def record_status_update(c: Context) -> None:
    action = c.rng.choice(c.data["actions"][:40])
    page = c.get("action page", f"/actions/{action}/")
    version = field_value(page, "version")
    reported_on = field_value(page, "reported_on")
    if version is None or reported_on is None:
        return
    note = c.note("status")
    c.write(
        "status update (POST)",
        f"/actions/{action}/status/",
        {
            "status": c.rng.choice(list(STATUSES)),
            "reported_on": reported_on,
            "note": note,
            "evidence_url": "",
            "version": version,
        },
        "status",
        note,
    )


def record_kpi_value(c: Context) -> None:
    action, kpis = c.rng.choice(c.data["kpi_actions"])
    kpi = c.rng.choice(kpis)
    page = c.get("action page", f"/actions/{action}/")
    url = f"/actions/{action}/kpis/{kpi}/values/"
    seen = field_value(page, "seen", after=f'action="{url}"')
    year = field_value(page, "year", after=f'action="{url}"')
    if seen is None or year is None:
        return
    note = c.note("kpi")
    c.write(
        "KPI value (POST)",
        url,
        {
            "year": year,
            "value": str(c.rng.randint(0, 1)),
            "note": note,
            "correction": "on",
            "seen": seen,
        },
        "kpi",
        note,
    )


def import_workbook(c: Context) -> None:
    """Download a country's plan workbook, write a new status note (and sometimes a new status) on one
    action's row, upload it, and apply the preview."""
    from openpyxl import load_workbook

    iso3 = c.rng.choice(c.data["countries"])
    status, _, _ = c.request("plan workbook", f"/countries/{iso3}/plan.xlsx")
    if status != 200:
        with c.stats.lock:
            c.stats.undeliberate.append(f"GET /countries/{iso3}/plan.xlsx: {status}")
        return
    book = load_workbook(io.BytesIO(c.last_body))
    sheet = book["Actions"]
    header = {cell.value: cell.column for cell in sheet[1]}
    rows = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, header["Code"]).value]
    if not rows:
        return
    row = c.rng.choice(rows)
    note = c.note("import")
    sheet.cell(row, header["Status note"]).value = note
    if c.rng.random() < 0.5:
        sheet.cell(row, header["Status"]).value = c.rng.choice(list(STATUSES.values()))
    out = io.BytesIO()
    book.save(out)
    url = f"/countries/{iso3}/import/"
    c.get("import page", url)
    status, _, preview = c.request(
        "import upload (POST)",
        url,
        "POST",
        [("csrfmiddlewaretoken", c.csrf)],
        {"workbook": (f"soak-{iso3}.xlsx", out.getvalue())},
    )
    token = field_value(preview, "token")
    if status != 200 or not token:
        with c.stats.lock:
            c.stats.undeliberate.append(
                f"POST {url} (upload): {status} {messages_of(preview)[:200]}"
                + " ".join(re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', preview, re.S))[
                    :300
                ]
            )
        return
    c.write("import apply (POST)", url, {"token": token}, "import", note, then="country page")


# National focal points: reporting for their own country, through the review.


def focal_action(c: Context) -> tuple[int, str]:
    action = c.rng.choice(c.data["focal_actions"][c.key])
    return action, c.get("action page", f"/actions/{action}/")


def focal_country(c: Context) -> None:
    c.get("country page", f"/countries/{c.data['focal_countries'][c.key]}/")


def submit_status(c: Context) -> None:
    action, page = focal_action(c)
    url = f"/reporting/actions/{action}/status/"
    reported_on = field_value(page, "reported_on", after=f'action="{url}"')
    now = re.search(r'badge status-(\w+)"', page[page.find(f'action="{url}"') :])
    if reported_on is None or now is None:
        return
    note = c.note("submission")
    c.write(
        "submit status (POST)",
        url,
        {
            "to_status": c.rng.choice([s for s in STATUSES if s != now.group(1)]),
            "reported_on": reported_on,
            "note": note,
            "evidence_url": "",
        },
        "submission",
        note,
    )


def submit_no_change(c: Context) -> None:
    action, page = focal_action(c)
    url = f"/reporting/actions/{action}/no-change/"
    if f'action="{url}"' not in page:
        return
    note = c.note("submission")
    c.write("submit no change (POST)", url, {"note": note}, "submission", note)


def submit_kpi(c: Context) -> None:
    action, page = focal_action(c)
    urls = re.findall(rf'action="(/reporting/actions/{action}/kpis/\d+/)"', page)
    if not urls:
        return
    note = c.note("submission")
    c.write(
        "submit KPI value (POST)",
        c.rng.choice(urls),
        {"value": str(c.rng.randint(0, 40)), "note": note},
        "submission",
        note,
    )


def submit_milestone(c: Context) -> None:
    _action, page = focal_action(c)
    urls = re.findall(r'action="(/reporting/milestones/\d+/done/)"', page)
    if not urls:
        return
    url = c.rng.choice(urls)
    completed_on = field_value(page, "completed_on", after=f'action="{url}"')
    if completed_on is None:
        return
    note = c.note("submission")
    c.write(
        "submit milestone (POST)",
        url,
        {"completed_on": completed_on, "note": note},
        "submission",
        note,
    )


# IMPACS reviewers: the queue, oldest first; two reviewers sometimes take the same submission.


def review_one(c: Context) -> None:
    queue = c.get("review queue", "/reporting/review/")
    pks = list(dict.fromkeys(re.findall(r'name="submission" value="(\d+)"', queue)))
    if not pks:
        return
    pk = c.rng.choice(pks[:4])
    page = c.get("submission page", f"/reporting/submissions/{pk}/")
    if f'action="/reporting/submissions/{pk}/approve/"' not in page:
        return  # decided by another reviewer meanwhile: the page says so, no form
    if c.rng.random() < 0.85:
        status, _ = c.write(
            "approve (POST)",
            f"/reporting/submissions/{pk}/approve/",
            {},
            "approve",
            int(pk),
            then="submission page",
        )
        if status == 409:  # the action changed since: as the page advises, return it
            c.write(
                "return (POST)",
                f"/reporting/submissions/{pk}/return/",
                {"comment": "The action changed after your report: please report again."},
                "return",
                int(pk),
                then="review queue",
            )
    else:
        c.write(
            "return (POST)",
            f"/reporting/submissions/{pk}/return/",
            {"comment": "Please add the evidence and the date it took effect."},
            "return",
            int(pk),
            then="review queue",
        )


def approve_several(c: Context) -> None:
    queue = c.get("review queue", "/reporting/review/")
    pks = list(dict.fromkeys(re.findall(r'name="submission" value="(\d+)"', queue)))
    if not pks:
        return
    chosen = c.rng.sample(pks[:8], min(len(pks[:8]), c.rng.randint(2, 3)))
    form = [("csrfmiddlewaretoken", c.csrf), *(("submission", pk) for pk in chosen)]
    status, headers, _ = c.request(
        "approve several (POST)", "/reporting/review/approve/", "POST", form
    )
    if status != 302:
        if 0 < status < 500:
            with c.stats.lock:
                c.stats.undeliberate.append(f"POST /reporting/review/approve/: {status}")
        return
    # The queue says how many were approved and lists each refused one (#pk: why).
    page = c.get("review queue", urllib.parse.urlsplit(headers["Location"]).path)
    said = messages_of(page)
    refused = set(re.findall(r"#(\d+):", said))
    count = re.search(r"(\d+) submissions approved", said)
    approved = [int(pk) for pk in chosen if pk not in refused]
    with c.stats.lock:
        if (int(count.group(1)) if count else 0) != len(approved) or not refused <= set(chosen):
            c.stats.undeliberate.append(f"approve several {chosen}: the queue said {said[:200]!r}")
        c.stats.accepted["approve"].extend(approved)
        if refused:
            c.stats.refusals["approve (in a batch, listed)"] += len(refused)


# {role: [(weight, task)]}. Still to add: a focal point answering a returned submission (resubmit).
TASKS: dict[str, list[tuple[int, Callable[[Context], None]]]] = {
    "partner": [
        (4, browse_dashboard),
        (4, browse_country),
        (2, browse_countries),
        (3, browse_actions),
        (2, read_action),
        (1, export_list),
    ],
    "staff": [
        (4, browse_dashboard),
        (4, browse_country),
        (4, read_action),
        (6, record_status_update),
        (4, record_kpi_value),
        (1, import_workbook),
    ],
    "reviewer": [
        (1, browse_dashboard),
        (5, review_one),
        (1, approve_several),
    ],
    "focal": [
        (2, browse_dashboard),
        (2, focal_country),
        (3, submit_status),
        (1, submit_no_change),
        (2, submit_kpi),
        (1, submit_milestone),
    ],
}


def simulated_user(c: Context, role: str, until: float, pause: tuple[float, float]) -> None:
    weights = [w for w, _ in TASKS[role]]
    tasks = [t for _, t in TASKS[role]]
    while time.monotonic() < until:
        task = c.rng.choices(tasks, weights)[0]
        try:
            task(c)
        except Exception as error:  # a bug in the script must not look like a server fault
            with c.stats.lock:
                c.stats.undeliberate.append(f"{task.__name__}: script error {error!r}")
        time.sleep(c.rng.uniform(*pause))


# --- Orchestration --------------------------------------------------------------------------------


def env_for(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY="soak-" + "k" * 50,
        ALLOWED_HOSTS="localhost,127.0.0.1",
        DATABASE_URL=database_url,
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def fresh_database(url: str) -> None:
    import psycopg

    server, name = url.split("?", 1)[0].rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def workers(master: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(parts[1]) == master:
            children.append(int(stat.parent.name))
    return sorted(children)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", default="soak", choices=["soak", "prepare", "verify"])
    parser.add_argument("run", nargs="?", default="")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS") or 600))
    parser.add_argument("--users", type=int, default=int(os.environ.get("SOAK_USERS") or 50))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SOAK_PORT") or 8108))
    parser.add_argument(
        "--pause", type=float, nargs=2, default=(1.0, 5.0), help="think time between tasks, seconds"
    )
    parser.add_argument(
        "--database", default=os.environ.get("SOAK_DATABASE_URL") or DEFAULT_DATABASE
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--conditions", default=os.environ.get("SOAK_CONDITIONS", ""))
    args = parser.parse_args()
    if args.command == "prepare":
        return prepare(args.users)
    if args.command == "verify":
        return verify(args.run)
    if not args.database.startswith(("postgres://", "postgresql://")):
        sys.exit("the soak runs on PostgreSQL: set SOAK_DATABASE_URL to a postgres:// URL")

    env = env_for(args.database)
    log(
        f"fresh database {args.database.rsplit('/', 1)[1]}: migrate, demonstration data, {args.users} users"
    )
    fresh_database(args.database)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PY, "manage.py", "load_demo"], env)
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    data = json.loads(
        run([PY, __file__, "prepare", "--users", str(args.users)], env).splitlines()[-1]
    )

    gunicorn = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "roadmap.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        result = soak(args, data, gunicorn.pid)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=60)
    stored = json.loads(run([PY, __file__, "verify", result["run"]], env).splitlines()[-1])
    failures = judge(result, stored)
    report = render(result, stored, failures, args)
    print(report)
    write_section(args.output, report)
    log(f"wrote the soak section of {args.output}")
    if failures:
        sys.exit("soak failed:\n- " + "\n- ".join(failures))


def soak(args: argparse.Namespace, data: dict[str, Any], master: int) -> dict[str, Any]:
    base = ("127.0.0.1", args.port)
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection(*base, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "localhost"})
            if conn.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        sys.exit("gunicorn did not start")
    stats, sequence = Stats(), [0]
    run_id = time.strftime("%Y%m%d%H%M%S")
    started = time.monotonic()
    until = started + args.seconds
    threads = []
    for role, sessions in data["sessions"].items():
        for n, session in enumerate(sessions):
            context = Context(
                base, session, data, stats, run_id, random.Random(f"{role}{n}"), sequence
            )
            thread = threading.Thread(
                target=simulated_user, args=(context, role, until, args.pause)
            )
            threads.append(thread)
    log(f"{len(threads)} simulated users for {args.seconds} s on 127.0.0.1:{args.port}")
    for thread in threads:
        thread.start()
    warm_up = min(60.0, args.seconds / 5)
    time.sleep(warm_up)
    pids = workers(master)
    after_warm_up = {pid: rss_kb(pid) for pid in pids}
    log(f"after {warm_up:.0f} s warm-up: worker RSS {after_warm_up} KB")
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    now = workers(master)
    at_end = {pid: rss_kb(pid) for pid in now}
    log(f"at the end: worker RSS {at_end} KB")
    return {
        "run": run_id,
        "stats": stats,
        "elapsed": elapsed,
        "warm_up": warm_up,
        "rss_warm": after_warm_up,
        "rss_end": at_end,
        "users": len(threads),
    }


def expected_writes(stats: Stats, stored: dict[str, Any]) -> dict[str, list[str]]:
    """The notes each table must hold: direct writes, imports, and the approved submissions' changes."""
    approved = [s for s in stored["submissions"].values() if s["state"] == "approved"]
    return {
        "status": sorted(
            stats.accepted["status"]
            + stats.accepted["import"]
            + [s["note"] for s in approved if s["kind"] in ("status", "no_change")]
        ),
        "kpi": sorted(stats.accepted["kpi"] + [s["note"] for s in approved if s["kind"] == "kpi"]),
    }


def judge(result: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    stats: Stats = result["stats"]
    failures = [f"server error: {e}" for e in stats.server_errors[:20]]
    failures += [f"not a deliberate refusal: {e}" for e in stats.undeliberate[:20]]
    expected = expected_writes(stats, stored)
    for kind in ("status", "kpi"):
        accepted = expected[kind]
        for where in (kind, f"{kind} history"):
            if where not in stored:
                continue
            if stored[where] != accepted:
                lost = len(set(accepted) - set(stored[where]))
                extra = len(stored[where]) - len(accepted) + lost
                failures.append(
                    f"{where}: {len(accepted)} writes accepted, {len(stored[where])} stored "
                    f"({lost} lost, {extra} not acknowledged or doubled)"
                )
    # Submissions: every accepted one stored once, submitted once; approvals and returns exactly those
    # the site acknowledged, each one step, and each approval's change in the plan.
    submissions = {int(pk): s for pk, s in stored["submissions"].items()}
    prefix = f"soak {result['run']} "
    ours = sorted(s["note"] for s in submissions.values() if s["note"].startswith(prefix))
    if ours != sorted(stats.accepted["submission"]):
        failures.append(
            f"submissions: {len(stats.accepted['submission'])} accepted, {len(ours)} stored "
            f"({len(set(stats.accepted['submission']) - set(ours))} lost)"
        )
    for pk, s in submissions.items():
        if s["note"].startswith(prefix) and s["submit"] != 1:
            failures.append(f"submission {pk}: {s['submit']} submit steps")
    for event, state in (("approve", "approved"), ("return", "returned")):
        acknowledged = stats.accepted[event]
        if len(acknowledged) != len(set(acknowledged)):
            failures.append(f"{event}: a submission acknowledged twice")
        in_state = {pk for pk, s in submissions.items() if s["state"] == state}
        if in_state != set(acknowledged):
            failures.append(
                f"{event}: {len(set(acknowledged))} acknowledged, {len(in_state)} {state} "
                f"({len(set(acknowledged) - in_state)} lost, {len(in_state - set(acknowledged))} "
                "not acknowledged)"
            )
        for pk in in_state:
            if submissions[pk][event] != 1:
                failures.append(f"submission {pk}: {submissions[pk][event]} {event} steps")
    for pk, s in submissions.items():
        if s["state"] == "approved" and not s["applied"]:
            failures.append(f"submission {pk} ({s['kind']}) approved, its change not in the plan")
    if set(result["rss_warm"]) != set(result["rss_end"]):
        failures.append(
            f"workers changed: {sorted(result['rss_warm'])} -> {sorted(result['rss_end'])}"
        )
    for pid, warm in result["rss_warm"].items():
        end = result["rss_end"].get(pid)
        if end and end > warm * (1 + MAX_RSS_GROWTH):
            failures.append(
                f"worker {pid} grew from {warm} KB to {end} KB (budget +{MAX_RSS_GROWTH:.0%})"
            )
    return failures


def render(result: dict[str, Any], stored: dict[str, Any], failures: list[str], args: Any) -> str:
    stats: Stats = result["stats"]
    total = sum(len(v) for v in stats.times.values())
    lines = [
        SOAK_MARKER,
        "## Soak (`make soak`)",
        "",
        f"Written by `make soak` ({time.strftime('%Y-%m-%d %H:%M %Z')}): {result['users']} simulated users "
        f"({', '.join(f'{len(v)} {k}' for k, v in sorted(stats_roles(args).items()))}) for "
        f"{result['elapsed']:.0f} s, think time {args.pause[0]:g}-{args.pause[1]:g} s, against gunicorn "
        "(2 workers, DEBUG off) on PostgreSQL, loopback. "
        f"Conditions: {args.conditions or 'not stated'}; load average at the end "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        "",
        f"{total} requests, {total / result['elapsed']:.1f} requests/s.",
        "",
        "| page | requests | median (ms) | p95 (ms) |",
        "|---|---:|---:|---:|",
    ]
    for page, times in sorted(stats.times.items()):
        lines.append(
            f"| {page} | {len(times)} | {statistics.median(times):.0f} | {percentile(times, 0.95):.0f} |"
        )
    accepted = {k: len(v) for k, v in stats.accepted.items()}
    expected = expected_writes(stats, stored)

    def history(kind: str) -> str:
        if f"{kind} history" in stored:
            return str(len(stored[f"{kind} history"]))
        return "- (the table is the append-only history)"

    states: dict[str, int] = defaultdict(int)
    for s in stored["submissions"].values():
        states[s["state"]] += 1
    lines += [
        "",
        f"- Writes accepted: {accepted.get('status', 0)} status updates, {accepted.get('kpi', 0)} KPI "
        f"values, {accepted.get('import', 0)} workbook imports, {accepted.get('submission', 0)} "
        f"submissions by focal points, {accepted.get('approve', 0)} approvals, "
        f"{accepted.get('return', 0)} returns. Status updates and KPI values expected "
        f"(direct, imported, approved): {len(expected['status'])} and {len(expected['kpi'])}; "
        f"in the database afterwards: {len(stored['status'])} and {len(stored['kpi'])}; in the change "
        f"history: {history('status')} and {history('kpi')}. Submissions stored by state: "
        + ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
        + ".",
        "- Refused deliberately (a 400/409 page with a message): "
        + (", ".join(f"{n} {k}" for k, n in sorted(stats.refusals.items())) or "none")
        + f"; server errors: {len(stats.server_errors)}; other refusals: {len(stats.undeliberate)}.",
        "- Worker memory (RSS) after the warm-up and at the end: "
        + ", ".join(
            f"{result['rss_warm'][pid] / 1024:.0f} -> {result['rss_end'].get(pid, 0) / 1024:.0f} MB"
            for pid in sorted(result["rss_warm"])
        )
        + f" (budget +{MAX_RSS_GROWTH:.0%}).",
        "- Result: " + ("passed." if not failures else "FAILED: " + "; ".join(failures[:5])),
        SOAK_END,
    ]
    return "\n".join(lines)


def stats_roles(args: Any) -> dict[str, list[int]]:
    return {role: list(range(n)) for role, n in split(args.users).items()}


def write_section(path: Path, section: str) -> None:
    """Put the soak section into docs/benchmarks.md, replacing the previous one."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if SOAK_MARKER in text and SOAK_END in text:
        before, rest = text.split(SOAK_MARKER, 1)
        text = before + section + rest.split(SOAK_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
