"""Apply: writes through the write module, all or nothing, tied to the file and the data version."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from plans.choices import Status
from plans.models import Action, ActionPlan, IndicatorTarget, IndicatorValue, Milestone
from plans.workbooks import apply, diff
from roadmap.models import Indicator
from tests.builders import country
from tests.workbook_support import edited, exported, find_row, snapshot, upload

URL = "/countries/jam/import/"


def preview(client: Client, data: bytes) -> Any:
    response = client.post(URL, {"workbook": upload(data)})
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def token(response: Any) -> str:
    return response.context["token"]


def edit_jam(book: Any) -> None:
    actions = book["Actions"]
    row = find_row(actions, 1, "2.3")
    actions.cell(row=row, column=4).value = "Screen all outgoing containers"
    status = actions.cell(row=row, column=9)
    status.value = "Completed" if status.value != "Completed" else "Limited progress"
    actions.cell(row=row, column=10).value = "Confirmed at the November review."
    actions.append(
        ["4.20", 4, None, "Burn the surplus", "Police", dt.date(2026, 1, 5), dt.date(2027, 1, 5)]
    )
    book["Milestones"].append(["4.20", "Surplus counted", dt.date(2026, 6, 30), None])
    values = book["KPI values"]
    row = count_value_row(values)
    values.cell(row=row, column=3).value += 5


def count_value_row(sheet: Any) -> int:
    """The row of a value of a KPI counted in numbers (not yes/no, not a percentage)."""
    counted = set(
        Indicator.objects.filter(unit=Indicator.Unit.COUNT).values_list("code", flat=True)
    )
    return next(
        n for n in range(2, sheet.max_row + 1) if sheet.cell(row=n, column=1).value in counted
    )


def test_staff_apply_a_previewed_workbook(demo: dict[str, int], impacs_client: Client) -> None:
    response = preview(impacs_client, edited(exported(), edit_jam))
    page = response.content.decode()
    assert "Screen all outgoing containers" in page
    applied = impacs_client.post(URL, {"token": token(response)})
    assert applied.status_code == 302 and applied["Location"] == "/countries/jam/"
    action = Action.objects.get(plan__country__iso3="JAM", code="2.3")
    assert action.title == "Screen all outgoing containers"
    update = action.updates.latest_first().first()
    assert update is not None and update.note == "Confirmed at the November review."
    assert Milestone.objects.filter(action__code="4.20", title="Surplus counted").exists()
    history = action.history.order_by("-history_date").first()  # type: ignore[attr-defined]
    assert history.history_change_reason == "import of plan-jam.xlsx"
    assert history.history_user.username == "staff"
    # The same file again, now that it is in: nothing left to change.
    again = impacs_client.post(URL, {"workbook": upload(edited(exported(), lambda b: None))})
    assert "No changes" in again.content.decode()


def test_a_kpi_value_for_a_year_that_has_one_is_a_correction(
    demo: dict[str, int], impacs_client: Client
) -> None:
    book = load_workbook(io.BytesIO(exported()))
    row = count_value_row(book["KPI values"])
    code, year, value = (book["KPI values"].cell(row=row, column=n).value for n in (1, 2, 3))
    response = preview(
        impacs_client,
        edited(exported(), lambda b: b["KPI values"].cell(row=row, column=3, value=value + 1)),
    )
    impacs_client.post(URL, {"token": token(response)})
    kept = IndicatorValue.objects.filter(
        indicator_target__plan__country__iso3="JAM",
        indicator_target__indicator__code=code,
        year=year,
    )
    assert kept.count() == 2  # the corrected one is kept, superseded
    assert kept.in_force().get().value == Decimal(str(value + 1))


def test_apply_is_refused_when_the_data_changed_after_the_preview(
    demo: dict[str, int], impacs_client: Client, impacs: Any
) -> None:
    from plans import services

    response = preview(impacs_client, edited(exported(), edit_jam))
    other = Action.objects.filter(plan__country__iso3="BRB").first()
    assert other is not None
    services.record_status_update(
        action=other,
        to_status=Status.LIMITED,
        reported_on=dt.date.today(),
        note="Meanwhile",
        by=impacs,
        via="site",
    )
    before = snapshot()
    refused = impacs_client.post(URL, {"token": token(response)})
    assert refused.status_code == 409
    assert "changed after your preview" in refused.content.decode()
    assert 'name="token"' in refused.content.decode()  # a fresh preview to apply
    assert snapshot() == before


def test_a_write_refused_midway_leaves_everything_as_it_was(
    demo: dict[str, int], impacs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.exceptions import ValidationError

    from plans import services

    changes = diff.preview(country("JAM"), edited(exported(), edit_jam))
    before = snapshot()

    def refuse(**kwargs: Any) -> None:
        raise ValidationError({"value": "No."})

    monkeypatch.setattr(services, "record_kpi_value", refuse)
    with pytest.raises(apply.ApplyFailed):
        apply.apply_changes(changes, by=impacs, via="import of plan-jam.xlsx")
    assert snapshot() == before


def test_a_state_without_a_plan_starts_one_from_the_empty_workbook(
    demo: dict[str, int], impacs: Any
) -> None:
    def fill(book: Any) -> None:
        book["Plan"]["B2"] = "Dominica National Action Plan"
        book["Plan"]["B3"] = "Drafting"
        book["Plan"]["B9"] = 2026
        book["Actions"].append(["1.1", 1, None, "Review the act", None, "2026-01-01", "2026-12-31"])

    changes = diff.preview(country("DMA"), edited(exported("DMA"), fill))
    assert changes.problems == []
    apply.apply_changes(changes, by=impacs, via="import of plan-dma.xlsx")
    plan = ActionPlan.objects.current().get(country__iso3="DMA")
    assert plan.title == "Dominica National Action Plan" and plan.actions.count() == 1


def test_import_plan_previews_and_applies(
    demo: dict[str, int], tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "plan-jam.xlsx"
    path.write_bytes(edited(exported(), edit_jam))
    before = snapshot()
    call_command("import_plan", "JAM", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "Screen all outgoing containers" in out and "Dry run" in out
    assert snapshot() == before
    call_command("import_plan", "JAM", str(path))
    assert Action.objects.get(plan__country__iso3="JAM", code="2.3").title == (
        "Screen all outgoing containers"
    )


def _plan_workbook(actions: int) -> bytes:
    def fill(book: Any) -> None:
        book["Plan"]["B2"] = "Dominica National Action Plan"
        book["Plan"]["B9"] = 2026
        for n in range(1, actions + 1):
            code = f"{n % 4 + 1}.{n}"
            book["Actions"].append(
                [code, n % 4 + 1, None, f"Action {n}", "Police", "2026-01-01", "2027-01-01"]
            )
            book["Milestones"].append([code, "First step", "2026-06-01", None])

    return edited(exported("DMA"), fill)


def _queries(actions: int, impacs: Any) -> tuple[int, int]:
    data = _plan_workbook(actions)
    with CaptureQueriesContext(connection) as read:
        changes = diff.preview(country("DMA"), data)
    with CaptureQueriesContext(connection) as written:
        apply.apply_changes(changes, by=impacs, via="import of plan-dma.xlsx")
    from plans import services

    plan = ActionPlan.objects.current().get(country__iso3="DMA")
    services.update_plan(plan=plan, changes={"is_current": False}, by=impacs, via="site")
    return len(read.captured_queries), len(written.captured_queries)


def test_queries_do_not_grow_with_the_rows(demo: dict[str, int], impacs: Any) -> None:
    (read_10, write_10), (read_60, write_60) = _queries(10, impacs), _queries(60, impacs)
    assert read_10 == read_60
    # Bulk inserts: SQLite caps the parameters of one statement, so the history of 60 actions may
    # take a second INSERT; nothing is written row by row.
    assert write_10 <= write_60 <= write_10 + 2
    assert IndicatorTarget.objects.exists()


def test_a_new_actions_status_note_becomes_its_first_status_update(
    demo: dict[str, int], impacs_client: Client
) -> None:
    """The note of a new action was silently dropped (found by tests/test_properties_workbooks.py)."""

    def add(book: Any) -> None:
        book["Actions"].append(
            [
                "4.21",
                4,
                None,
                "Mark every state-held firearm",
                "Police",
                dt.date(2026, 1, 5),
                dt.date(2027, 1, 5),
                "Not started",
                "Limited progress",
                "Marking machines bought.",
            ]
        )

    response = preview(impacs_client, edited(exported(), add))
    assert "Marking machines bought." in response.content.decode()
    assert impacs_client.post(URL, {"token": token(response)}).status_code == 302
    action = Action.objects.get(plan__country__iso3="JAM", code="4.21")
    assert action.status == Status.LIMITED
    update = action.updates.get()
    assert update.note == "Marking machines bought."
    assert update.author is not None and update.author.username == "staff"
    sheet = load_workbook(io.BytesIO(exported()))["Actions"]
    assert sheet.cell(row=find_row(sheet, 1, "4.21"), column=10).value == "Marking machines bought."


def test_a_database_refusal_on_apply_is_a_message_and_writes_nothing(
    demo: dict[str, int], impacs_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    from plans import services

    response = preview(impacs_client, edited(exported(), edit_jam))
    before = snapshot()

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("CHECK constraint failed")

    monkeypatch.setattr(services, "bulk_create", refuse)
    applied = impacs_client.post(URL, {"token": token(response)})
    assert applied.status_code == 400
    assert (
        "Nothing was written: the database refused a value of the file" in applied.content.decode()
    )
    assert snapshot() == before
