"""export_data and import_data: a backup of all plan data that comes back with nothing lost."""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.utils import timezone

from plans import backup
from plans.choices import Status
from plans.models import (
    Action,
    ActionPlan,
    IndicatorTarget,
    Milestone,
    StatusUpdate,
)
from roadmap.models import Indicator, Target
from tests.builders import (
    goal,
    make_action,
    make_kpi,
    make_milestone,
    make_plan,
    make_update,
    make_value,
)

pytestmark = pytest.mark.django_db


def export() -> dict[str, Any]:
    out = io.StringIO()
    call_command("export_data", stdout=out, stderr=io.StringIO())
    data = json.loads(out.getvalue())
    data.pop("exported_at")
    return data


def import_file(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_data", str(path), *args, stdout=out)
    return out.getvalue()


def flush_plan_data() -> None:
    """What a restore starts from: no plans, and no targets or indicators either."""
    ActionPlan.objects.all().delete()
    Target.objects.all().delete()
    Indicator.objects.all().delete()


@pytest.fixture
def history(demo: dict[str, int], impacs: User) -> None:
    """The demonstration plus what it lacks: named authors, a target, a correction, an old plan."""
    target = Target.objects.create(goal=goal(1), code="1.3", title="Illustrative target")
    action = Action.objects.filter(plan__country__iso3="JAM", goal__number=1).first()
    assert action is not None
    action.target = target
    action.save()
    make_update(
        action,
        Status.SUBSTANTIAL,
        dt.date(2026, 11, 20),
        author=impacs,
        evidence_url="https://example.org/gazette/2026-11",
        note="Bill passed its second reading — “substantial”.",
    )
    kpi = (
        # A percent KPI: its values may have decimals (a count takes whole numbers only).
        IndicatorTarget.objects.filter(plan__country__iso3="JAM", indicator__unit="percent").first()
    )
    assert kpi is not None
    wrong = kpi.values.in_force().order_by("year").first()
    assert wrong is not None
    wrong.superseded_at = timezone.now()
    wrong.save()
    make_value(kpi, wrong.year, 13, author=impacs, note="Corrected after the audit")
    make_plan("JAM", title="Jamaica's first plan", is_current=False, start_year=2016, end_year=2020)


@pytest.fixture
def small(impacs: User) -> None:
    """A little of everything, for the tests that check refusals: quicker than the demonstration."""
    jam = make_plan("JAM")
    make_plan("JAM", title="Jamaica's first plan", is_current=False, start_year=2016, end_year=2020)
    tto = make_plan("TTO")
    target = Target.objects.create(goal=goal(1), code="1.3", title="Illustrative target")
    first = make_action(jam, target=target)
    second = make_action(tto, goal=goal(2))
    make_update(first, Status.LIMITED, dt.date(2024, 3, 1), author=impacs)
    make_update(first, Status.SUBSTANTIAL, dt.date(2025, 3, 1), author=impacs)
    make_update(second, Status.NOT_APPLICABLE, dt.date(2024, 5, 1))
    make_milestone(first)
    make_milestone(second, completed_on=dt.date(2025, 1, 10))
    kpi = make_kpi(jam)
    make_value(kpi, 2023, 12, author=impacs, superseded_at=timezone.now())
    make_value(kpi, 2023, 14, author=impacs, note="Corrected")


def write_backup(path: Path) -> Path:
    call_command("export_data", "-o", str(path), stdout=io.StringIO())
    return path


@pytest.fixture
def backup_file(history: None, tmp_path: Path) -> Path:
    return write_backup(tmp_path / "backup.json")


@pytest.fixture
def small_backup(small: None, tmp_path: Path) -> Path:
    return write_backup(tmp_path / "small.json")


def test_a_round_trip_loses_nothing(backup_file: Path) -> None:
    before = export()
    flush_plan_data()
    import_file(backup_file)
    assert export() == before
    # All of it was there to lose: the old plan, the target, the correction, the named author.
    assert len(before["plans"]) == 15 and len(before["status_updates"]) > 500
    assert [t["code"] for t in before["targets"]] == ["1.3"]
    assert any(v["superseded_at"] for v in before["kpi_values"])
    assert any(u["author"] == "staff" for u in before["status_updates"])


def test_ids_are_kept_and_new_rows_get_fresh_ones(backup_file: Path) -> None:
    ids = set(Action.objects.values_list("pk", flat=True))
    flush_plan_data()
    import_file(backup_file)
    assert set(Action.objects.values_list("pk", flat=True)) == ids  # /actions/<id>/ still works
    # The database's own counters moved past the imported ids.
    plan = ActionPlan.objects.get(country__iso3="JAM", is_current=True)
    assert make_action(plan).pk > max(ids)
    assert make_update(Action.objects.get(pk=min(ids)), Status.COMPLETED, dt.date(2026, 11, 27))


def test_the_file_names_the_authors_but_holds_no_password(backup_file: Path, impacs: User) -> None:
    text = backup_file.read_text()
    assert json.loads(text)["users"] == [
        {"username": "staff", "first_name": "Ira", "last_name": "Mitchell", "email": ""}
    ]
    assert "password" not in text and impacs.password not in text


def test_the_file_is_readable_by_its_owner_only(backup_file: Path) -> None:
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600


def test_authors_without_an_account_come_back_inactive_without_a_password(
    backup_file: Path,
) -> None:
    flush_plan_data()
    User.objects.filter(username="staff").delete()
    out = import_file(backup_file)
    assert "inactive and without a usable password: staff" in out
    user = User.objects.get(username="staff")
    assert (user.first_name, user.last_name) == ("Ira", "Mitchell")
    assert not user.is_active and not user.has_usable_password()
    assert StatusUpdate.objects.filter(author=user).exists()


def test_it_refuses_a_database_with_plans_unless_told_to_replace(small_backup: Path) -> None:
    before = export()
    make_plan("DMA", title="Added since the backup")
    with pytest.raises(CommandError, match=r"already has 4 plans.*--replace"):
        import_file(small_backup)
    assert ActionPlan.objects.filter(country__iso3="DMA").exists()
    import_file(small_backup, "--replace")
    assert not ActionPlan.objects.filter(country__iso3="DMA").exists()
    assert export() == before


def test_it_reads_standard_input(small_backup: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flush_plan_data()
    monkeypatch.setattr("sys.stdin", io.StringIO(small_backup.read_text()))
    assert "Imported 3 plans, 2 actions" in import_file(Path("-"))


def _set(section: str, index: int, **values: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data[section][index].update(values)

    return change


def _second_current_plan(data: dict[str, Any]) -> None:
    for plan in data["plans"]:
        plan["country"] = "JAM"


def _new_target_then_a_bad_action(data: dict[str, Any]) -> None:
    data["targets"].append({"code": "2.9", "goal": 2, "title": "New in the file"})
    data["actions"][0]["status"] = "finished"


BAD_FILES: dict[str, tuple[Callable[[dict[str, Any]], Any] | str, str]] = {
    "not JSON": ("<html>Not a backup</html>", "This is not a JSON file"),
    "another format": (lambda d: d.update(format="csv"), "not a Roadmap Tracker data file"),
    "a newer version": (
        lambda d: d.update(version=2),
        "format version 2; this site reads version 1",
    ),
    "a missing section": (lambda d: d.pop("milestones"), 'section "milestones" is missing'),
    "a missing field": (lambda d: d["actions"][0].pop("due_date"), "actions[0] lacks due_date"),
    "an unknown field": (_set("plans", 0, colour="red"), "plans[0] has unknown fields colour"),
    "a missing target": (
        _set("actions", 0, target="9.9.9"),
        "target '9.9.9' is neither in the file",
    ),
    "a missing indicator": (_set("kpis", 0, indicator="NOPE"), "indicator 'NOPE' is neither"),
    "a missing author": (_set("status_updates", 0, author="ghost"), "user 'ghost' is neither"),
    "a missing plan": (_set("actions", 0, plan=999999), "plan id 999999 is not in the file"),
    "a bad date": (_set("milestones", 0, due_date="2026-02-30"), "due_date: “2026-02-30” value"),
    "a status off the scale": (
        _new_target_then_a_bad_action,
        "status: Value 'finished' is not a valid choice.",
    ),
    "due before start": (
        _set("actions", 0, start_date="2025-01-01", due_date="2024-01-01"),
        "The due date cannot be before the start date.",
    ),
    "a plan ending before it starts": (
        _set("plans", 0, start_year=2024, end_year=2020),
        "The plan period cannot end before it starts.",
    ),
    "two current plans": (_second_current_plan, "This country already has a current plan."),
    "an empty note": (_set("status_updates", 1, note=""), "note: This field cannot be blank."),
    "a repeated id": (
        lambda d: d["milestones"].append(dict(d["milestones"][0])),
        "this id appears twice",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_written(
    case: str, small_backup: Path
) -> None:
    change, message = BAD_FILES[case]
    if isinstance(change, str):
        small_backup.write_text(change)
    else:
        data = json.loads(small_backup.read_text())
        change(data)
        small_backup.write_text(json.dumps(data))
    flush_plan_data()
    User.objects.filter(username="staff").delete()  # a good file would make this account
    with pytest.raises(CommandError) as refused:
        import_file(small_backup)
    assert message in str(refused.value)
    assert str(refused.value).startswith("Nothing was imported.")
    assert not ActionPlan.objects.exists()
    assert not Target.objects.exists() and not Indicator.objects.exists()
    assert not User.objects.filter(username="staff").exists()


def test_a_failure_while_writing_rolls_everything_back(small_backup: Path) -> None:
    flush_plan_data()
    User.objects.filter(username="staff").delete()
    with (
        mock.patch.object(
            Milestone.objects, "bulk_create", side_effect=IntegrityError("disk on fire")
        ),
        pytest.raises(CommandError, match=r"database refused the data.*disk on fire"),
    ):
        import_file(small_backup)
    assert not ActionPlan.objects.exists() and not Action.objects.exists()
    assert not Target.objects.exists()
    assert not User.objects.filter(username="staff").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_export_outside_a_transaction_reads_one_snapshot(demo: dict[str, int]) -> None:
    # Outside the test's own transaction, so PostgreSQL takes the repeatable-read path.
    out = io.StringIO()
    call_command("export_data", stdout=out, stderr=io.StringIO())
    assert len(json.loads(out.getvalue())["plans"]) == demo["plans"]


def test_the_format_is_pinned_so_that_a_model_change_means_a_new_version() -> None:
    # A field added to or removed from these models changes what a file must hold: files written
    # before would be refused. Decide how old files are read, bump backup.VERSION, then update this.
    assert backup.VERSION == 1
    assert {
        section.name: [f.name for f in backup.fields_of(section)]
        for section in backup.REFERENCE + backup.PLAN_DATA
    } == {
        "goals": [
            "number", "title", "description", "title_es", "title_fr", "title_nl",
            "description_es", "description_fr", "description_nl",
        ],
        "countries": ["iso3", "name", "caricom_member", "adopted_on"],
        "targets": ["goal", "code", "title", "title_es", "title_fr", "title_nl"],
        "indicators": [
            "code", "goal", "title", "title_es", "title_fr", "title_nl", "unit", "direction"
        ],
        "plans": [
            "id", "country", "title", "stage", "seminar_held_on", "drafting_started_on",
            "draft_completed_on", "approved_on", "start_year", "end_year", "baseline_assessed_on",
            "document_url", "is_current", "is_demo",
        ],
        "actions": [
            "id", "plan", "goal", "target", "code", "title", "lead_agency", "start_date",
            "due_date", "baseline_status", "status", "status_changed_on", "version",
        ],
        "milestones": ["id", "action", "title", "due_date", "completed_on"],
        "status_updates": [
            "id", "action", "from_status", "to_status", "reported_on", "note", "evidence_url",
            "author", "recorded_at",
        ],
        "kpis": [
            "id", "plan", "indicator", "baseline_value", "baseline_year", "target_value",
            "target_year",
        ],
        "kpi_values": [
            "id", "indicator_target", "year", "value", "note", "author", "recorded_at",
            "superseded_at",
        ],
    }  # fmt: skip
