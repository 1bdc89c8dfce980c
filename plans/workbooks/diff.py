"""Compare a read workbook with the plan on file: the preview, as a ``ChangeSet`` of typed changes.

A change set is plain data (codes, ids, old and new values; no model instances), so that ``apply`` can
write it through the write module, and another function (the reporting branch's) can turn the same list
into submissions for review instead. Rules: rows are matched by their keys (action code; action code and
milestone title; indicator code; indicator code and year); an empty cell keeps what is on file; rows of the
plan that the file lacks are kept and listed; nothing is ever deleted.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans.choices import Stage, Status
from plans.models import (
    Action,
    ActionPlan,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)
from plans.workbooks import schema
from plans.workbooks.read import Problem, Reference, Row, Workbook, read_workbook
from roadmap.models import Country, Goal, Target

Fields = dict[str, tuple[Any, Any]]  # field -> (old, new); old is None for a new row


@dataclass(frozen=True)
class Change:
    """One change a workbook asks for. ``sheet``/``row`` say where it came from, ``key`` names the row."""

    sheet: str
    row: int
    key: str
    fields: Fields
    # field -> the cell it was read from ("D7"), to name it in a message about the change
    cells: dict[str, str] = field(default_factory=dict, compare=False, repr=False, kw_only=True)

    @property
    def is_new(self) -> bool:
        return False


@dataclass(frozen=True)
class PlanCreate(Change):
    @property
    def is_new(self) -> bool:
        return True


@dataclass(frozen=True)
class PlanUpdate(Change):
    plan_id: int = 0


@dataclass(frozen=True)
class ActionCreate(Change):
    @property
    def is_new(self) -> bool:
        return True


@dataclass(frozen=True)
class ActionUpdate(Change):
    action_id: int = 0


@dataclass(frozen=True)
class StatusChange(Change):
    """A new status with its note, or a progress note when the status stays the same."""

    action_id: int = 0
    version: int = 0
    from_status: str = ""
    to_status: str = ""
    note: str = ""
    reported_on: dt.date | None = None


@dataclass(frozen=True)
class MilestoneCreate(Change):
    action_code: str = ""

    @property
    def is_new(self) -> bool:
        return True


@dataclass(frozen=True)
class MilestoneUpdate(Change):
    milestone_id: int = 0


@dataclass(frozen=True)
class MilestoneDone(Change):
    milestone_id: int = 0
    completed_on: dt.date | None = None
    was: dt.date | None = None


@dataclass(frozen=True)
class KpiCreate(Change):
    indicator: str = ""

    @property
    def is_new(self) -> bool:
        return True


@dataclass(frozen=True)
class KpiUpdate(Change):
    kpi_id: int = 0


@dataclass(frozen=True)
class KpiValue(Change):
    """A value for a year: new, or a correction when the year has a different value."""

    indicator: str = ""
    kpi_id: int | None = None
    year: int = 0
    value: Decimal = Decimal(0)
    note: str = ""
    correction: bool = False

    @property
    def is_new(self) -> bool:
        return not self.correction


SHEET_TITLES = {
    schema.PLAN: gettext_lazy("Plan"),
    schema.ACTIONS: gettext_lazy("Actions"),
    schema.MILESTONES: gettext_lazy("Milestones"),
    schema.KPIS: gettext_lazy("KPIs"),
    schema.KPI_VALUES: gettext_lazy("KPI values"),
}


@dataclass
class ChangeSet:
    """The preview of one file against one plan, and what Apply writes."""

    country_id: int
    plan_id: int | None
    changes: list[Change] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kept: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def sheets(self) -> list[dict[str, Any]]:
        """Per sheet: new rows, changed rows, the unchanged count and the kept rows (for the preview)."""
        out = []
        for sheet, title in SHEET_TITLES.items():
            mine = [c for c in self.changes if c.sheet == sheet]
            out.append(
                {
                    "name": sheet,
                    "title": title,
                    "new": [c for c in mine if c.is_new],
                    "changed": [c for c in mine if not c.is_new],
                    "unchanged": self.unchanged.get(sheet, 0),
                    "kept": self.kept.get(sheet, []),
                }
            )
        return out

    def fingerprint(self) -> str:
        return repr([(type(c).__name__, c.key, sorted(c.fields.items())) for c in self.changes])


def preview(country: Country, data: bytes, *, today: dt.date | None = None) -> ChangeSet:
    """Read a file (raises read.WorkbookRefused) and compare it with the country's current plan."""
    plan = ActionPlan.objects.current().filter(country=country).first()
    book = read_workbook(data, Reference.load(plan))
    return compare(country, plan, book, today=today or timezone.localdate())


def compare(
    country: Country, plan: ActionPlan | None, book: Workbook, *, today: dt.date
) -> ChangeSet:
    out = ChangeSet(country.pk, plan.pk if plan else None, problems=list(book.problems))
    out.notes = list(book.notes)
    if out.problems:
        return out
    _plan(out, plan, book)
    if out.problems:
        return out
    _actions(out, plan, book, today)
    _milestones(out, plan, book)
    _kpis(out, plan, book)
    _check_rules(out, plan, book)
    return out


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, str) and isinstance(new, str):
        return old.strip() == new.strip()
    return bool(old == new)


def _fields(current: dict[str, Any], row: dict[str, Any], names: list[str]) -> Fields:
    """The fields the file changes: present in the file (an empty cell keeps the value) and different."""
    return {
        name: (current.get(name), row[name])
        for name in names
        if row.get(name) is not None and not _same(current.get(name), row[name])
    }


def _plan(out: ChangeSet, plan: ActionPlan | None, book: Workbook) -> None:
    names = [f.field for f in schema.PLAN_FIELDS]
    if plan is None:
        wanted = any(book.rows.get(s) for s in schema.TABLE_SHEETS) or book.plan
        if not wanted:
            return
        labels = {f.field: f.label for f in schema.PLAN_FIELDS}
        for name in ("title", "start_year"):
            if not book.plan.get(name):
                out.problems.append(
                    Problem(
                        schema.PLAN,
                        book.plan_cells.get(name, ""),
                        _("“%(field)s” is needed to start the plan.") % {"field": labels[name]},
                    )
                )
        fields = {name: (None, book.plan[name]) for name in names if name in book.plan}
        fields.setdefault("stage", (None, Stage.NOT_STARTED))
        out.changes.append(
            PlanCreate(
                schema.PLAN, 0, str(book.plan.get("title", "")), fields, cells=book.plan_cells
            )
        )
        return
    current = {name: getattr(plan, name) for name in names}
    changed = _fields(current, book.plan, names)
    end = book.plan.get("end_year", plan.end_year)
    start = book.plan.get("start_year", plan.start_year)
    if end < start:
        out.problems.append(
            Problem(
                schema.PLAN,
                book.plan_cells.get("end_year", ""),
                _("the plan period ends (%(end)s) before it starts (%(start)s).")
                % {"end": end, "start": start},
            )
        )
    if changed:
        out.changes.append(
            PlanUpdate(schema.PLAN, 0, plan.title, changed, cells=book.plan_cells, plan_id=plan.pk)
        )
    else:
        out.unchanged[schema.PLAN] += 1


ACTION_FIELDS = [
    "goal",
    "target",
    "title",
    "lead_agency",
    "start_date",
    "due_date",
    "baseline_status",
]


def _actions(out: ChangeSet, plan: ActionPlan | None, book: Workbook, today: dt.date) -> None:
    existing: dict[str, dict[str, Any]] = {}
    if plan is not None:
        latest = (
            StatusUpdate.objects.filter(action=OuterRef("pk"))
            .order_by("-reported_on", "-recorded_at", "-pk")
            .values("note")[:1]
        )
        for a in (
            Action.objects.filter(plan=plan)
            .annotate(latest_note=Subquery(latest))
            .values(
                "pk",
                "code",
                "goal__number",
                "target__code",
                "title",
                "lead_agency",
                "start_date",
                "due_date",
                "baseline_status",
                "status",
                "version",
                "latest_note",
            )
        ):
            a["goal"], a["target"] = a.pop("goal__number"), a.pop("target__code")
            existing[a["code"]] = a
    seen = set()
    for row in book.rows.get(schema.ACTIONS, []):
        code = row["code"]
        seen.add(code)
        current = existing.get(code)
        if current is None:
            values = {name: row[name] for name in ACTION_FIELDS if row[name] is not None}
            values["status"] = row["status"] or Status.NOT_STARTED
            if row["status_note"]:  # the new action's first status update
                values["status_note"] = row["status_note"]
            out.changes.append(
                ActionCreate(
                    schema.ACTIONS,
                    row.number,
                    code,
                    {k: (None, v) for k, v in values.items()},
                    cells=row.cells,
                )
            )
            continue
        changed = _fields(current, row.values, ACTION_FIELDS)
        status_change = _status_change(out, row, current, today)
        if changed:
            out.changes.append(
                ActionUpdate(
                    schema.ACTIONS,
                    row.number,
                    code,
                    changed,
                    cells=row.cells,
                    action_id=current["pk"],
                )
            )
        if status_change:
            out.changes.append(status_change)
        if not changed and not status_change:
            out.unchanged[schema.ACTIONS] += 1
    for code in sorted(set(existing) - seen):
        out.kept[schema.ACTIONS].append(f"{code} {existing[code]['title']}")


def _status_change(
    out: ChangeSet, row: Row, current: dict[str, Any], today: dt.date
) -> StatusChange | None:
    status, note = row["status"], (row["status_note"] or "").strip()
    latest = (current["latest_note"] or "").strip()
    new_note = bool(note) and note != latest
    if status is not None and status != current["status"]:
        if not new_note:
            out.problems.append(
                Problem(
                    schema.ACTIONS,
                    row.at("status_note"),
                    _(
                        "the status of %(code)s changes from %(old)s to %(new)s: write a new "
                        "Status note saying why."
                    )
                    % {
                        "code": row["code"],
                        "old": Status(current["status"]).label,
                        "new": Status(status).label,
                    },
                )
            )
            return None
    elif not new_note:
        return None
    to_status = status or current["status"]
    return StatusChange(
        schema.ACTIONS,
        row.number,
        row["code"],
        {"status": (current["status"], to_status), "status_note": (latest or None, note)},
        cells=row.cells,
        action_id=current["pk"],
        version=current["version"],
        from_status=current["status"],
        to_status=to_status,
        note=note,
        reported_on=today,
    )


def _milestones(out: ChangeSet, plan: ActionPlan | None, book: Workbook) -> None:
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    if plan is not None:
        for m in Milestone.objects.filter(action__plan=plan).values(
            "pk", "action__code", "title", "due_date", "completed_on"
        ):
            existing.setdefault((m["action__code"], m["title"].strip().casefold()), dict(m))
    seen = set()
    for row in book.rows.get(schema.MILESTONES, []):
        key = (row["action_code"], row["title"].casefold())
        seen.add(key)
        label = f"{row['action_code']}: {row['title']}"
        current = existing.get(key)
        if current is None:
            fields = {
                name: (None, row[name])
                for name in ("title", "due_date", "completed_on")
                if row[name] is not None
            }
            out.changes.append(
                MilestoneCreate(
                    schema.MILESTONES,
                    row.number,
                    label,
                    fields,
                    cells=row.cells,
                    action_code=row["action_code"],
                )
            )
            continue
        changed = _fields(current, row.values, ["due_date"])
        done = row["completed_on"]
        any_change = False
        if changed:
            out.changes.append(
                MilestoneUpdate(
                    schema.MILESTONES,
                    row.number,
                    label,
                    changed,
                    cells=row.cells,
                    milestone_id=current["pk"],
                )
            )
            any_change = True
        if done is not None and done != current["completed_on"]:
            out.changes.append(
                MilestoneDone(
                    schema.MILESTONES,
                    row.number,
                    label,
                    {"completed_on": (current["completed_on"], done)},
                    cells=row.cells,
                    milestone_id=current["pk"],
                    completed_on=done,
                    was=current["completed_on"],
                )
            )
            any_change = True
        if not any_change:
            out.unchanged[schema.MILESTONES] += 1
    for key in sorted(set(existing) - seen):
        out.kept[schema.MILESTONES].append(f"{key[0]}: {existing[key]['title']}")


KPI_FIELDS = ["baseline_value", "baseline_year", "target_value", "target_year"]


def _kpis(out: ChangeSet, plan: ActionPlan | None, book: Workbook) -> None:
    kpis: dict[str, dict[str, Any]] = {}
    values: dict[tuple[str, int], dict[str, Any]] = {}
    if plan is not None:
        for k in IndicatorTarget.objects.filter(plan=plan).values(
            "pk", "indicator__code", *KPI_FIELDS
        ):
            kpis[k["indicator__code"]] = k
        for v in (
            IndicatorValue.objects.in_force()
            .filter(indicator_target__plan=plan)
            .values("indicator_target__indicator__code", "year", "value", "note")
        ):
            values[(v["indicator_target__indicator__code"], v["year"])] = dict(v)
    seen = set()
    for row in book.rows.get(schema.KPIS, []):
        code = row["indicator"]
        seen.add(code)
        current = kpis.get(code)
        if current is None:
            fields = {name: (None, row[name]) for name in KPI_FIELDS}
            out.changes.append(
                KpiCreate(schema.KPIS, row.number, code, fields, cells=row.cells, indicator=code)
            )
            continue
        changed = _fields(current, row.values, KPI_FIELDS)
        if changed:
            out.changes.append(
                KpiUpdate(
                    schema.KPIS, row.number, code, changed, cells=row.cells, kpi_id=current["pk"]
                )
            )
        else:
            out.unchanged[schema.KPIS] += 1
    for code in sorted(set(kpis) - seen):
        out.kept[schema.KPIS].append(code)
    seen_values = set()
    for row in book.rows.get(schema.KPI_VALUES, []):
        code, year = row["indicator"], row["year"]
        seen_values.add((code, year))
        standing = values.get((code, year))
        note = row["note"] or ""
        if standing is not None and standing["value"] == row["value"]:
            out.unchanged[schema.KPI_VALUES] += 1
            continue
        old = standing["value"] if standing else None
        out.changes.append(
            KpiValue(
                schema.KPI_VALUES,
                row.number,
                f"{code} {year}",
                {"value": (old, row["value"])},
                cells=row.cells,
                indicator=code,
                kpi_id=kpis[code]["pk"] if code in kpis else None,
                year=year,
                value=row["value"],
                note=note,
                correction=standing is not None,
            )
        )
    for key in sorted(set(values) - seen_values):
        out.kept[schema.KPI_VALUES].append(f"{key[0]} {key[1]}")


# --- The models' own rules --------------------------------------------------------------------------

# Foreign keys the changes name by code; the reader has checked those codes.
RELATIONS = [
    "country",
    "plan",
    "goal",
    "target",
    "action",
    "indicator",
    "indicator_target",
    "author",
]


def _check_rules(out: ChangeSet, plan: ActionPlan | None, book: Workbook) -> None:
    """Every changed row against its model's own rules (lengths, dates in range, whole counts),
    located at the file's cells. Apply writes new rows in bulk, without a per-row check, and a refusal
    there could only say that nothing was written, not where."""
    rows = {(r.sheet, r.number): r for sheet in book.rows.values() for r in sheet}
    ids: dict[type[models.Model], list[int]] = defaultdict(list)
    for change in out.changes:
        if isinstance(change, ActionUpdate | StatusChange):
            ids[Action].append(change.action_id)
        elif isinstance(change, MilestoneUpdate | MilestoneDone):
            ids[Milestone].append(change.milestone_id)
        elif isinstance(change, KpiUpdate):
            ids[IndicatorTarget].append(change.kpi_id)
    on_file = {model: model._default_manager.in_bulk(pks) for model, pks in ids.items()}
    goals = {g.number: g for g in Goal.objects.all()}
    targets = {t.code: t for t in Target.objects.all()}
    for change in out.changes:
        instance, names = _instance(change, plan, on_file, goals, targets)
        try:
            instance.clean_fields(exclude=RELATIONS)
            instance.clean()
        except ValidationError as error:
            row = rows.get((change.sheet, change.row))
            for name, messages in error.message_dict.items():
                name = names.get(name, name)
                cell = row.at(name) if row else book.plan_cells.get(name, "")
                out.problems.append(Problem(change.sheet, cell, " ".join(messages)))


def _instance(
    change: Change,
    plan: ActionPlan | None,
    on_file: dict[type[models.Model], dict[Any, Any]],
    goals: dict[int, Goal],
    targets: dict[str, Target],
) -> tuple[Any, dict[str, str]]:
    """The row as the change would leave it (unsaved), and the file's names of its fields."""
    new = {name: value for name, (_old, value) in change.fields.items()}
    instance: Any
    names: dict[str, str] = {}
    if isinstance(change, PlanCreate):
        instance = ActionPlan(country_id=0)
    elif isinstance(change, PlanUpdate):
        instance = copy.copy(plan)
    elif isinstance(change, ActionCreate):
        instance = Action(code=change.key)
        new.pop("status_note", None)
    elif isinstance(change, ActionUpdate):
        instance = copy.copy(on_file[Action][change.action_id])
    elif isinstance(change, StatusChange):
        instance = StatusUpdate(
            action_id=change.action_id,
            from_status=change.from_status,
            reported_on=change.reported_on or timezone.localdate(),
        )
        new = {"to_status": change.to_status, "note": change.note}
        names = {"note": "status_note", "to_status": "status", "reported_on": "status"}
    elif isinstance(change, MilestoneCreate):
        instance = Milestone()
    elif isinstance(change, MilestoneUpdate | MilestoneDone):
        instance = copy.copy(on_file[Milestone][change.milestone_id])
    elif isinstance(change, KpiCreate):
        instance = IndicatorTarget()
    elif isinstance(change, KpiUpdate):
        instance = copy.copy(on_file[IndicatorTarget][change.kpi_id])
    else:
        assert isinstance(change, KpiValue)
        instance = IndicatorValue(year=change.year, value=change.value, note=change.note)
        new = {}
    if "goal" in new:
        instance.goal = goals[new.pop("goal")]
    if "target" in new:
        code = new.pop("target")
        instance.target = targets[code] if code else None
    for name, value in new.items():
        setattr(instance, name, value)
    return instance, names
