"""Write a country's current plan as a workbook (DESIGN.md "Plans as workbooks").

Real dates and numbers (not text), codes as text (so that 1.10 stays 1.10), drop-down lists for goals,
targets, statuses and stages, a frozen header row and an Instructions sheet. A state without a plan gets
the same workbook, empty, to start one. An unedited export imports as "No changes".

Headers, field labels, instructions, statuses and stages are in the active language (the reader's);
sheet names stay in English (schema.py). The reader accepts all of them in any of the site's languages.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

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
from roadmap.models import Country, Goal, Target, natural_sort_key

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
TEXT = "@"
# Room for rows people add below the exported ones, for the drop-downs and formats.
SPARE_ROWS = 500


def filename(country: Country) -> str:
    return f"plan-{country.iso3.lower()}.xlsx"


def current_plan(country: Country) -> ActionPlan | None:
    return ActionPlan.objects.current().filter(country=country).first()


def export_plan(country: Country) -> bytes:
    """The workbook of the country's current plan (empty sheets when it has none), as bytes."""
    plan = current_plan(country)
    book = Workbook()
    instructions = book.active
    assert instructions is not None
    instructions.title = schema.INSTRUCTIONS
    _instructions(instructions, country, plan)
    lists = _lists(book)
    _plan_sheet(book.create_sheet(schema.PLAN), plan, lists)
    rows = _rows(plan)
    for sheet_name in schema.TABLE_SHEETS:
        _table(book.create_sheet(sheet_name), sheet_name, rows[sheet_name], lists)
    book.move_sheet(schema.LISTS, offset=len(book.sheetnames))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions(sheet: Worksheet, country: Country, plan: ActionPlan | None) -> None:
    sheet.column_dimensions["A"].width = 110
    title = str(plan.title) if plan else country.name
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    for n, text in enumerate(schema.INSTRUCTIONS_TEXT, start=3):
        cell = sheet.cell(row=n, column=1, value=str(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if n == 3:
            cell.font = HEADER_FONT


def _lists(book: Workbook) -> dict[str, str]:
    """A hidden sheet of the drop-downs' choices; returns each list's range by name."""
    sheet = book.create_sheet(schema.LISTS)
    sheet.sheet_state = "hidden"
    columns: dict[str, list[Any]] = {
        "goal": [goal for goal in Goal.objects.values_list("number", flat=True)],
        "target": sorted(Target.objects.values_list("code", flat=True), key=natural_sort_key),
        "status": [str(label) for label in Status.labels],
        "stage": [str(label) for label in Stage.labels],
    }
    ranges: dict[str, str] = {}
    for n, (name, values) in enumerate(columns.items(), start=1):
        letter = get_column_letter(n)
        for row, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=n, value=value)
            if isinstance(value, str):
                cell.number_format = TEXT
        # A defined name, so the validation formula stays valid in Excel and LibreOffice alike.
        ref = f"'{schema.LISTS}'!${letter}$1:${letter}${max(len(values), 1)}"
        book.defined_names[f"list_{name}"] = DefinedName(f"list_{name}", attr_text=ref)
        ranges[name] = f"list_{name}"
    return ranges


def _dropdown(sheet: Worksheet, list_name: str, cells: str) -> None:
    validation = DataValidation(type="list", formula1=f"={list_name}", allow_blank=True)
    validation.error = _("Choose a value from the list.")
    validation.errorStyle = "warning"  # people may still paste; the import checks every value
    sheet.add_data_validation(validation)
    validation.add(cells)


def _header(sheet: Worksheet, headers: Iterable[StrOrPromise], widths: Iterable[int]) -> None:
    sheet.append([str(header) for header in headers])
    for n, width in enumerate(widths, start=1):
        sheet.cell(row=1, column=n).font = HEADER_FONT
        sheet.cell(row=1, column=n).fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"


def _set(cell: Any, value: Any, kind: str = "") -> None:
    """A value into a cell: text stays text even when it starts with "=" (never a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    if kind == "date":
        cell.number_format = schema.DATE_FORMAT
    elif kind == "text":
        cell.number_format = TEXT


def _plan_sheet(sheet: Worksheet, plan: ActionPlan | None, lists: dict[str, str]) -> None:
    _header(sheet, schema.PLAN_HEADERS, (28, 60))
    for n, field in enumerate(schema.PLAN_FIELDS, start=2):
        sheet.cell(row=n, column=1, value=str(field.label)).font = HEADER_FONT
        value: Any = getattr(plan, field.field) if plan else None
        if field.kind == "stage" and plan:
            value = str(Stage(value).label)
        cell = sheet.cell(row=n, column=2)
        _set(cell, value if value not in ("", None) else None, field.kind)
        if field.kind == "stage":
            _dropdown(sheet, lists["stage"], cell.coordinate)


KINDS: dict[str, str] = {
    "code": "text",
    "target": "text",
    "action_code": "text",
    "indicator": "text",
    "start_date": "date",
    "due_date": "date",
    "completed_on": "date",
}


def _table(
    sheet: Worksheet, sheet_name: str, rows: list[dict[str, Any]], lists: dict[str, str]
) -> None:
    columns = schema.COLUMNS[sheet_name]
    _header(sheet, (c.header for c in columns), (c.width for c in columns))
    for n, row in enumerate(rows, start=2):
        for m, column in enumerate(columns, start=1):
            value = row.get(column.field)
            _set(
                sheet.cell(row=n, column=m),
                None if value == "" else value,
                KINDS.get(column.field, ""),
            )
    last = len(rows) + 1 + SPARE_ROWS
    for m, column in enumerate(columns, start=1):
        letter = get_column_letter(m)
        kind = KINDS.get(column.field)
        if kind:  # the spare rows get the format too, so that typed codes stay text
            for n in range(len(rows) + 2, last + 1):
                sheet.cell(row=n, column=m).number_format = (
                    TEXT if kind == "text" else schema.DATE_FORMAT
                )
        cells = f"{letter}2:{letter}{last}"
        if sheet_name == schema.ACTIONS and column.field in ("goal", "target"):
            _dropdown(sheet, lists[column.field], cells)
        elif column.field in ("status", "baseline_status"):
            _dropdown(sheet, lists["status"], cells)


def _rows(plan: ActionPlan | None) -> dict[str, list[dict[str, Any]]]:
    """Every row of the four table sheets, in a fixed number of queries."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in schema.TABLE_SHEETS}
    if plan is None:
        return out
    latest_note = (
        StatusUpdate.objects.filter(action=OuterRef("pk"))
        .order_by("-reported_on", "-recorded_at", "-pk")
        .values("note")[:1]
    )
    actions = sorted(
        Action.objects.filter(plan=plan)
        .annotate(latest_note=Subquery(latest_note))
        .values(
            "code",
            "goal__number",
            "target__code",
            "title",
            "lead_agency",
            "start_date",
            "due_date",
            "baseline_status",
            "status",
            "latest_note",
        ),
        key=lambda a: (a["goal__number"], natural_sort_key(a["code"])),
    )
    for a in actions:
        out[schema.ACTIONS].append(
            {
                "code": a["code"],
                "goal": a["goal__number"],
                "target": a["target__code"],
                "title": a["title"],
                "lead_agency": a["lead_agency"],
                "start_date": a["start_date"],
                "due_date": a["due_date"],
                "baseline_status": str(Status(a["baseline_status"]).label),
                "status": str(Status(a["status"]).label),
                "status_note": a["latest_note"],
            }
        )
    order = {a["code"]: n for n, a in enumerate(actions)}
    milestones = Milestone.objects.filter(action__plan=plan).values(
        "action__code", "title", "due_date", "completed_on", "pk"
    )
    for m in sorted(milestones, key=lambda m: (order[m["action__code"]], m["due_date"], m["pk"])):
        out[schema.MILESTONES].append(
            {
                "action_code": m["action__code"],
                "title": m["title"],
                "due_date": m["due_date"],
                "completed_on": m["completed_on"],
            }
        )
    for k in (
        IndicatorTarget.objects.filter(plan=plan)
        .order_by("indicator__code")
        .values("indicator__code", "baseline_value", "baseline_year", "target_value", "target_year")
    ):
        out[schema.KPIS].append(
            {
                "indicator": k["indicator__code"],
                "baseline_value": k["baseline_value"],
                "baseline_year": k["baseline_year"],
                "target_value": k["target_value"],
                "target_year": k["target_year"],
            }
        )
    for v in (
        IndicatorValue.objects.in_force()
        .filter(indicator_target__plan=plan)
        .order_by("indicator_target__indicator__code", "year")
        .values("indicator_target__indicator__code", "year", "value", "note")
    ):
        out[schema.KPI_VALUES].append(
            {
                "indicator": v["indicator_target__indicator__code"],
                "year": v["year"],
                "value": v["value"],
                "note": v["note"],
            }
        )
    return out
