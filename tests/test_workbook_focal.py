"""A national focal point's workbook import: the changes they may report become submissions for
review; the plan itself is written only when IMPACS approves them."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from plans import services
from plans.choices import Status
from plans.models import Action, IndicatorValue, Milestone
from reporting.models import Event, Kind, State, Submission
from tests.builders import make_focal_point
from tests.test_one_door import history_count
from tests.workbook_support import edited, exported, find_row, snapshot, upload

pytestmark = pytest.mark.django_db
URL = "/countries/jam/import/"


@pytest.fixture
def focal(demo: dict[str, int]) -> User:
    return make_focal_point("fiona", "JAM")


@pytest.fixture
def focal_client(focal: User) -> Client:
    client = Client()
    client.force_login(focal)
    return client


def report(book: Any) -> None:
    """What a focal point reports in the workbook: two statuses, a milestone done, two KPI values."""
    actions = book["Actions"]
    row = find_row(actions, 1, "1.2")  # Not started -> Limited progress
    actions.cell(row=row, column=9).value = "Limited progress"
    actions.cell(row=row, column=10).value = "Drafting began in October."
    row = find_row(actions, 1, "1.7")  # the same status, a new note: "no change"
    actions.cell(row=row, column=10).value = "Still before the committee."
    milestones = book["Milestones"]
    row = next(
        n
        for n in range(2, milestones.max_row + 1)
        if milestones.cell(row=n, column=1).value == "1.2"
        and milestones.cell(row=n, column=2).value == "Terms of reference agreed"
    )
    milestones.cell(row=row, column=4).value = dt.date(2026, 11, 20)
    values = book["KPI values"]
    row = next(
        n
        for n in range(2, values.max_row + 1)
        if values.cell(row=n, column=1).value == "DEMO-2.1"
        and values.cell(row=n, column=2).value == 2025
    )
    values.cell(row=row, column=3).value = 60  # was 56: a correction
    values.cell(row=row, column=4).value = "Recounted."
    values.append(["DEMO-2.1", 2026, 61, "Preliminary."])


def preview(client: Client, data: bytes, status: int = 200) -> Any:
    response = client.post(URL, {"workbook": upload(data)})
    changes = response.context.get("changes")
    assert response.status_code == status, (
        changes.problems if changes else response.context["form"].errors
    )
    return response


def text(response: Any) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_a_focal_points_import_sends_submissions_and_writes_nothing_to_the_plan(
    focal: User, focal_client: Client
) -> None:
    response = preview(focal_client, edited(exported(), report))
    page = text(response)
    assert "Submit for review" in page and "Apply these changes" not in page
    assert "5 changes to send for review" in page
    before, history = snapshot(), history_count()
    sent = focal_client.post(URL, {"token": response.context["token"]})
    assert sent.status_code == 302 and sent["Location"] == "/reporting/mine/"
    assert snapshot() == before  # no plan data, not even the data version
    assert history_count() == history  # no history on plan models
    made = Submission.objects.filter(submitted_by=focal).order_by("pk")
    assert [s.kind for s in made] == [
        Kind.STATUS,
        Kind.NO_CHANGE,
        Kind.MILESTONE,
        Kind.KPI,
        Kind.KPI,
    ]
    assert {s.state for s in made} == {State.SUBMITTED}
    assert {s.country.iso3 for s in made} == {"JAM"}
    status, same, milestone, correction, new = made
    assert status.action and same.action and milestone.milestone
    assert (status.action.code, status.from_status, status.to_status) == (
        "1.2",
        Status.NOT_STARTED,
        Status.LIMITED,
    )
    assert status.note == "Drafting began in October."
    assert same.action.code == "1.7" and same.note == "Still before the committee."
    assert milestone.milestone.title == "Terms of reference agreed"
    assert milestone.completed_on == dt.date(2026, 11, 20)
    assert (correction.kpi_year, correction.value, correction.note) == (
        2025,
        Decimal(60),
        "Recounted.",
    )
    assert correction.seen_value_id != 0  # approving it supersedes the standing value
    assert (new.kpi_year, new.value, new.seen_value_id) == (2026, Decimal(61), 0)
    submitted = status.transitions.get(event=Event.SUBMIT)
    assert submitted.by == focal and submitted.comment == "import of plan-jam.xlsx"
    mine = text(focal_client.get("/reporting/mine/"))
    assert "5 changes sent for review" in mine and "1.2" in mine
    page = text(focal_client.get(f"/reporting/submissions/{status.pk}/"))
    assert "import of plan-jam.xlsx" in page


def test_the_submissions_wait_in_the_review_queue_and_an_approval_writes_them(
    focal: User, focal_client: Client, impacs: User, impacs_client: Client
) -> None:
    data = edited(exported(), report)
    response = preview(focal_client, data)
    focal_client.post(URL, {"token": response.context["token"]})
    queue = text(impacs_client.get("/reporting/review/"))
    assert "Fiona Campbell" in queue or "fiona" in queue
    for submission in Submission.objects.filter(submitted_by=focal).order_by("pk"):
        services.approve_submission(submission=submission, by=impacs)
    action = Action.objects.get(plan__country__iso3="JAM", code="1.2")
    assert action.status == Status.LIMITED
    latest = action.updates.latest_first().first()
    assert latest is not None and latest.note == "Drafting began in October."
    record = action.history.order_by("-history_date").first()  # type: ignore[attr-defined]
    assert record.history_change_reason == "review" and record.history_user == impacs
    done = Milestone.objects.get(action=action, title="Terms of reference agreed")
    assert done.completed_on == dt.date(2026, 11, 20)
    values = IndicatorValue.objects.filter(
        indicator_target__plan__country__iso3="JAM",
        indicator_target__indicator__code="DEMO-2.1",
    )
    assert values.in_force().get(year=2025).value == Decimal(60)
    assert values.filter(year=2025).count() == 2  # the corrected value is kept, superseded
    assert values.in_force().get(year=2026).value == Decimal(61)
    # The plan now holds the reports: the same file again has nothing to send.
    again = preview(focal_client, data)
    assert "No changes" in text(again)


def test_changes_only_impacs_staff_make_are_refused_with_their_cell(
    focal: User, focal_client: Client
) -> None:
    rows: dict[str, int] = {}

    def overreach(book: Any) -> None:
        report(book)
        actions = book["Actions"]
        rows["title"] = find_row(actions, 1, "1.4")
        actions.cell(row=rows["title"], column=4).value = "A better title"
        actions.append(["4.20", 4, None, "Burn the surplus", "Police", "2026-01-05", "2027-01-05"])
        rows["new"] = actions.max_row
        kpis = book["KPIs"]
        rows["kpi"] = find_row(kpis, 1, "DEMO-2.1")
        kpis.cell(row=rows["kpi"], column=4).value = 90

    before, history = snapshot(), history_count()
    response = preview(focal_client, edited(exported(), overreach), status=400)
    page = text(response)
    assert (
        f"Actions!D{rows['title']}: only IMPACS staff may change titles; a focal point's import "
        "reports a status, a milestone done or a KPI value." in page
    )
    assert f"Actions!A{rows['new']}: only IMPACS staff may add actions" in page
    assert f"KPIs!D{rows['kpi']}: only IMPACS staff may change a KPI's baseline and target" in page
    assert "nothing was written" in page and 'name="token"' not in page
    assert not Submission.objects.exists()
    assert snapshot() == before and history_count() == history


def test_a_kpi_value_breaking_the_kpis_rules_is_refused_at_its_cell(
    focal: User, focal_client: Client
) -> None:
    def early(book: Any) -> None:
        book["KPIs"].cell(row=find_row(book["KPIs"], 1, "DEMO-2.1"), column=3).value = 2020
        book["KPI values"].append(["DEMO-2.1", 2021, 12, "Before the baseline."])

    response = preview(focal_client, edited(exported(), early), status=400)
    row = response.context["changes"]
    assert any(
        str(p).startswith("KPI values!B") and "baseline year 2022" in str(p) for p in row.problems
    )
    assert not Submission.objects.exists()


def test_a_changed_status_needs_a_new_status_note_as_for_staff(focal_client: Client) -> None:
    def bare(book: Any) -> None:
        actions = book["Actions"]
        actions.cell(row=find_row(actions, 1, "1.2"), column=9).value = "Completed"

    response = preview(focal_client, edited(exported(), bare), status=400)
    assert "write a new Status note" in text(response)


def test_a_stale_preview_is_refused_and_a_fresh_one_offered(
    focal: User, focal_client: Client, impacs: User
) -> None:
    response = preview(focal_client, edited(exported(), report))
    other = Action.objects.filter(plan__country__iso3="BRB").first()
    assert other is not None
    services.record_status_update(
        action=other,
        to_status=Status.LIMITED,
        reported_on=dt.date.today(),
        note="Meanwhile",
        by=impacs,
    )
    refused = focal_client.post(URL, {"token": response.context["token"]})
    assert refused.status_code == 409
    page = text(refused)
    assert "changed after your preview, so nothing was sent" in page
    assert 'name="token"' in refused.content.decode() and "Submit for review" in page
    assert not Submission.objects.exists()
    again = focal_client.post(URL, {"token": refused.context["token"]})
    assert again.status_code == 302
    assert Submission.objects.filter(submitted_by=focal).count() == 5


def test_another_countrys_import_is_404_to_a_focal_point(focal_client: Client) -> None:
    assert focal_client.get("/countries/brb/import/").status_code == 404
    data = edited(exported("BRB"), lambda book: None)
    assert (
        focal_client.post("/countries/brb/import/", {"workbook": upload(data)}).status_code == 404
    )
    assert not Submission.objects.exists()


def test_partners_still_may_not_import(demo: dict[str, int], partner_client: Client) -> None:
    assert partner_client.get(URL).status_code == 403
    data = edited(exported(), report)
    assert partner_client.post(URL, {"workbook": upload(data)}).status_code == 403


def test_the_import_page_tells_a_focal_point_their_changes_go_for_review(
    focal_client: Client,
) -> None:
    page = text(focal_client.get(URL))
    assert "Your changes are sent to IMPACS for review" in page


def test_the_country_page_offers_the_import_to_a_focal_point_for_their_own_country(
    demo: dict[str, int], focal_client: Client, partner_client: Client
) -> None:
    make_focal_point("brb", "BRB")
    assert 'href="/countries/jam/import/"' in focal_client.get("/countries/jam/").content.decode()
    assert focal_client.get("/countries/brb/").status_code == 404
    assert (
        'href="/countries/jam/import/"'
        not in partner_client.get("/countries/jam/").content.decode()
    )
    # A focal point of two countries sees the link on each of their pages only.
    both = make_focal_point("both", "JAM", "BRB")
    client = Client()
    client.force_login(both)
    assert 'href="/countries/brb/import/"' in client.get("/countries/brb/").content.decode()
    assert client.get("/countries/tto/").status_code == 404
