"""Focal points in the permission matrix: their own country's pages and another state's, on every
address of the site (exports included), and every persona on the reporting addresses. Each refusal
leaves the database as it was."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from plans import services
from plans.choices import Status
from tests import test_permissions as matrix
from tests.builders import make_action, make_cycle, make_focal_point, make_plan
from tests.updates_support import db_state, make_site

pytestmark = pytest.mark.django_db

FOCAL, FOCAL_ELSEWHERE = "focal point (JAM)", "focal point (BRB)"
OK, FOUND, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 302, 403, 404, 405


def _world() -> dict[str, Any]:
    site = make_site()
    impacs = matrix.make_user("staff2", matrix.IMPACS_STAFF)
    make_cycle(impacs)
    focal = make_focal_point("focal", "JAM")
    submission = services.submit_status_change(
        action=site.action,
        to_status=Status.SUBSTANTIAL,
        reported_on=matrix_today(),
        note="Bill tabled.",
        by=focal,
    )
    brb = make_action(make_plan("BRB"), code="9.9")
    return {"site": site, "focal": focal, "submission": submission, "brb": brb}


def _text(content: bytes, export: str) -> str:
    if export == "csv":
        return content.decode()
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    return " ".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row)


def matrix_today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


# What a focal point gets at the site's existing addresses (the Jamaican site of test_permissions).
# Own country: read pages 200; IMPACS's direct write endpoints 403.
FOCAL_ON_SITE = {
    "": OK,
    "countries/": OK,
    "countries/<str:iso3>/": OK,
    "actions/": OK,
    "actions/<int:pk>/": OK,
    "actions/<int:pk>/status/": FORBIDDEN,
    "milestones/<int:pk>/done/": FORBIDDEN,
    "milestones/<int:pk>/reopen/": FORBIDDEN,
    "actions/<int:pk>/kpis/<int:kpi_pk>/values/": FORBIDDEN,
    # The plan workbook: a reader's download; a focal point's import is sent for review.
    "countries/<str:iso3>/plan.xlsx": OK,
    "countries/<str:iso3>/import/": OK,
}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "address",
    [a for a in matrix.ADDRESSES if a.route in FOCAL_ON_SITE],
    ids=lambda a: a.route or "/",
)
@pytest.mark.parametrize("persona", [FOCAL, FOCAL_ELSEWHERE])
def test_focal_points_on_the_sites_addresses(address: Any, persona: str) -> None:
    world = _world()
    site = world["site"]
    user = world["focal"] if persona == FOCAL else make_focal_point("other", "BRB")
    client = _client(user)
    url = address.url(site)
    before = db_state()
    response = client.get(url)
    expected = FOCAL_ON_SITE[address.route]
    if persona == FOCAL_ELSEWHERE and address.route in {
        "countries/<str:iso3>/",
        "actions/<int:pk>/",
        "countries/<str:iso3>/plan.xlsx",
        "countries/<str:iso3>/import/",
    }:
        expected = NOT_FOUND
    if expected == FORBIDDEN:
        assert response.status_code == FORBIDDEN
        assert client.post(url, address.data(site)).status_code == FORBIDDEN
    else:
        assert response.status_code == expected
        if expected == NOT_FOUND:
            assert client.post(url, address.data(site)).status_code == NOT_FOUND
    assert db_state() == before


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_another_states_actions_never_reach_a_focal_points_lists_or_exports(export: str) -> None:
    world = _world()
    client = _client(world["focal"])
    listed = client.get("/actions/?export=csv").content.decode()
    assert "9.9" not in listed and "Barbados" not in listed
    assert "Review the firearms act" in listed
    # Asking for Barbados by name is an invalid choice: nothing listed, nothing exported.
    page = client.get("/actions/?country=BRB")
    assert "Barbados" not in page.content.decode()
    assert "9.9" not in _text(client.get(f"/actions/?country=BRB&export={export}").content, export)
    countries = _text(client.get(f"/countries/?export={export}").content, export)
    assert "Barbados" not in countries and "Jamaica" in countries
    reporting = _text(client.get(f"/reporting/?export={export}").content, export)
    assert "Barbados" not in reporting and "Jamaica" in reporting


def test_the_dashboard_shows_a_focal_point_their_own_plans_only_and_is_cached_per_scope(
    impacs_client: Client,
) -> None:
    world = _world()
    brb = world["brb"]
    brb.due_date = brb.start_date
    brb.save()  # overdue, so it would show in "most overdue"
    # The stage of each state is public (it names them all); the lists and plan charts are not.
    assert f"/actions/{brb.pk}/" in impacs_client.get("/").content.decode()
    page = _client(world["focal"]).get("/").content.decode()
    assert f"/actions/{brb.pk}/" not in page
    assert "your countries only" in page
    assert f"/actions/{brb.pk}/" in impacs_client.get("/").content.decode()


REVIEW, SUBMISSION, MINE, COUNTRY_REPORT, OVERVIEW = (
    "/reporting/review/",
    "submission",
    "/reporting/mine/",
    "/reporting/countries/jam/",
    "/reporting/",
)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (
            "partner",
            {
                OVERVIEW: OK,
                REVIEW: FORBIDDEN,
                SUBMISSION: FORBIDDEN,
                MINE: FORBIDDEN,
                COUNTRY_REPORT: FORBIDDEN,
            },
        ),
        (
            "impacs",
            {OVERVIEW: OK, REVIEW: OK, SUBMISSION: OK, MINE: FORBIDDEN, COUNTRY_REPORT: FORBIDDEN},
        ),
        (FOCAL, {OVERVIEW: OK, REVIEW: FORBIDDEN, SUBMISSION: OK, MINE: OK, COUNTRY_REPORT: OK}),
        (
            FOCAL_ELSEWHERE,
            {
                OVERVIEW: OK,
                REVIEW: FORBIDDEN,
                SUBMISSION: NOT_FOUND,
                MINE: OK,
                COUNTRY_REPORT: NOT_FOUND,
            },
        ),
        (
            "no group",
            {
                OVERVIEW: FORBIDDEN,
                REVIEW: FORBIDDEN,
                SUBMISSION: FORBIDDEN,
                MINE: FORBIDDEN,
                COUNTRY_REPORT: FORBIDDEN,
            },
        ),
    ],
)
def test_the_reporting_pages(persona: str, expected: dict[str, int]) -> None:
    world = _world()
    user = {
        "partner": lambda: matrix.make_user("reader", matrix.PARTNER_OFFICIALS),
        "impacs": lambda: matrix.make_user("staff", matrix.IMPACS_STAFF),
        FOCAL: lambda: world["focal"],
        FOCAL_ELSEWHERE: lambda: make_focal_point("other", "BRB"),
        "no group": lambda: matrix.make_user("nobody"),
    }[persona]()
    client = _client(user)
    submission = world["submission"]
    before = db_state()
    for url, status in expected.items():
        url = submission.get_absolute_url() if url == SUBMISSION else url
        assert client.get(url).status_code == status, url
    # Writes that this persona may not make change nothing.
    posts = {
        f"/reporting/submissions/{submission.pk}/approve/": "impacs",
        f"/reporting/submissions/{submission.pk}/return/": "impacs",
        f"/reporting/submissions/{submission.pk}/withdraw/": FOCAL,
        "/reporting/review/approve/": "impacs",
        f"/reporting/actions/{world['site'].action.pk}/no-change/": FOCAL,
        f"/reporting/actions/{world['site'].action.pk}/status/": FOCAL,
        f"/reporting/milestones/{world['site'].open_milestone.pk}/done/": FOCAL,
        f"/reporting/actions/{world['site'].action.pk}/kpis/{world['site'].kpi.pk}/": FOCAL,
        "/reporting/cycles/open/": "impacs",
    }
    for url, allowed in posts.items():
        if allowed == persona:
            continue
        response = client.post(
            url,
            {
                "submission": submission.pk,
                "comment": "x",
                "note": "n",
                "value": "3",
                "completed_on": "2026-01-01",
                "to_status": "completed",
                "reported_on": "2026-01-01",
            },
        )
        assert response.status_code in {FORBIDDEN, NOT_FOUND}, (url, response.status_code)
        assert db_state() == before, url


def test_anonymous_visitors_are_sent_to_sign_in_from_every_reporting_address(
    client: Client,
) -> None:
    for url in [OVERVIEW, REVIEW, MINE, COUNTRY_REPORT, "/reporting/submissions/1/"]:
        response = client.get(url)
        assert response.status_code == FOUND
        assert response["Location"].startswith("/accounts/login/")
