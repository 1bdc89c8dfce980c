"""The Roadmap's targets and regional KPI definitions as a workbook, for administrators (the admin).

The same rules as a plan's workbook: read with the same limits, a preview of new, changed, unchanged and
kept rows with every error at its cell, and an Apply that writes everything or nothing through the write
module, refused if the data changed after the preview. An import never deletes.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl.styles import Alignment, Font

from plans import services
from plans.workbooks import diff, export, read, schema
from plans.workbooks.apply import ApplyFailed, Stale, _describe, lock_version
from roadmap.models import Goal, Indicator, Target, dotted_code_validator, natural_sort_key

TARGETS = "Targets"
INDICATORS = "KPI definitions"
COLUMNS: dict[str, list[schema.Column]] = {
    TARGETS: [
        schema.Column(gettext_lazy("Goal"), "goal", 7, required=True),
        schema.Column(gettext_lazy("Code"), "code", 10, required=True),
        schema.Column(gettext_lazy("Title"), "title", 90, required=True),
    ],
    INDICATORS: [
        schema.Column(gettext_lazy("Code"), "code", 12, required=True),
        schema.Column(gettext_lazy("Goal"), "goal", 7, required=True),
        schema.Column(gettext_lazy("Title"), "title", 80, required=True),
        schema.Column(gettext_lazy("Unit"), "unit", 10),
        schema.Column(gettext_lazy("Direction"), "direction", 18),
    ],
}
# Sheet names stay in English, as in the plan workbook; headers are in the reader's language.
TITLES = {TARGETS: gettext_lazy("Targets"), INDICATORS: gettext_lazy("KPI definitions")}
UNITS = {
    **{str(label).casefold(): value for value, label in Indicator.Unit.choices},
    **{value.replace("_", " "): value for value in Indicator.Unit.values},
    "yes_no": Indicator.Unit.YES_NO,
    "%": Indicator.Unit.PERCENT,
}
DIRECTIONS = {
    **{str(label).casefold(): value for value, label in Indicator.Direction.choices},
    **{value: value for value in Indicator.Direction.values},
}
INSTRUCTIONS = [
    gettext_lazy("The Roadmap's targets and regional KPI definitions"),
    gettext_lazy(
        "Official texts only: type them from the Roadmap's own publications. Targets are matched by "
        "their dotted code, KPI definitions by their code; a new code adds one. Nothing is deleted, and "
        "an empty cell keeps what is on file."
    ),
    gettext_lazy(
        "Codes are text: type 1.10, not the number 1.1. Unit is count, percent or yes/no; Direction is "
        "“higher is better” or “lower is better”."
    ),
]


def export_reference() -> bytes:
    book = OpenpyxlWorkbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = schema.INSTRUCTIONS
    sheet.column_dimensions["A"].width = 110
    for n, text in enumerate(INSTRUCTIONS, start=1):
        cell = sheet.cell(row=n, column=1, value=str(text))
        cell.alignment = Alignment(wrap_text=True)
        if n == 1:
            cell.font = Font(bold=True, size=14)
    rows = {
        TARGETS: [
            {"goal": t.goal.number, "code": t.code, "title": t.title}
            for t in Target.objects.select_related("goal").order_by("sort_key")
        ],
        INDICATORS: [
            {
                "code": i.code,
                "goal": i.goal.number,
                "title": i.title,
                "unit": str(i.get_unit_display()),
                "direction": str(i.get_direction_display()),
            }
            for i in Indicator.objects.select_related("goal").order_by("code")
        ],
    }
    for name, columns in COLUMNS.items():
        table = book.create_sheet(name)
        export._header(table, (c.header for c in columns), (c.width for c in columns))
        for n, row in enumerate(rows[name], start=2):
            for m, column in enumerate(columns, start=1):
                export._set(
                    table.cell(row=n, column=m),
                    row[column.field],
                    "text" if column.field == "code" else "",
                )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class ReferenceChanges(diff.ChangeSet):
    def sheets(self) -> list[dict[str, Any]]:
        out = []
        for sheet, title in TITLES.items():
            mine = [c for c in self.changes if c.sheet == sheet]
            out.append(
                {
                    "name": sheet,
                    "title": title,
                    "new": [c for c in mine if isinstance(c, diff.PlanCreate)],
                    "changed": [c for c in mine if not isinstance(c, diff.PlanCreate)],
                    "unchanged": self.unchanged.get(sheet, 0),
                    "kept": self.kept.get(sheet, []),
                }
            )
        return out


class _Known:
    def __init__(self) -> None:
        self.goals = set(Goal.objects.values_list("number", flat=True))
        self.targets = dict(Target.objects.values_list("code", "goal__number"))
        self.indicators = set(Indicator.objects.values_list("code", flat=True))


def _convert(sheet: str, name: str, raw: Any, known: _Known, out: Any, row: Any) -> Any:
    if name == "goal":
        text = re.sub(r"^goal\s*", "", read._text(raw), flags=re.IGNORECASE)
        if not text.isdigit() or int(text) not in known.goals:
            raise ValueError(_("“%(value)s” is not a goal number.") % {"value": read._text(raw)})
        return int(text)
    if name == "code":
        codes = set(known.targets) if sheet == TARGETS else known.indicators
        code = read.to_code(raw, codes, _("code"))
        if len(code) > 20:
            raise ValueError(_("a code has at most 20 characters."))
        if sheet == TARGETS and not re.fullmatch(dotted_code_validator.regex, code):
            raise ValueError(
                _("“%(code)s” is not a dotted code of whole numbers, such as 1.3 or 1.3.3.")
                % {"code": code}
            )
        return code
    if name == "unit":
        return read._choice(raw, UNITS, _("unit"))
    if name == "direction":
        return read._choice(raw, DIRECTIONS, _("direction"))
    text = read._text(raw)
    limit = 500 if sheet == TARGETS else 300
    if len(text) > limit:
        raise ValueError(
            _("at most %(limit)s characters, not %(count)s.") % {"limit": limit, "count": len(text)}
        )
    return text


def preview(data: bytes) -> ReferenceChanges:
    """Read a reference workbook (raises read.WorkbookRefused) and compare it with what is on file."""
    known = _Known()
    book = read.Workbook()
    with read.open_workbook(data) as (archive, opened):
        for name, columns in COLUMNS.items():
            sheet = read.find_sheet(archive, opened, name, book)
            if sheet is not None:
                read._read_table(sheet, name, book, known, columns, _convert)
    out = ReferenceChanges(0, None, problems=list(book.problems), notes=list(book.notes))
    if out.problems:
        return out
    current: dict[str, dict[str, dict[str, Any]]] = {
        TARGETS: {
            t["code"]: {**t, "goal": t["goal__number"]}
            for t in Target.objects.values("pk", "code", "title", "goal__number")
        },
        INDICATORS: {
            i["code"]: {**i, "goal": i["goal__number"]}
            for i in Indicator.objects.values(
                "pk", "code", "title", "unit", "direction", "goal__number"
            )
        },
    }
    for name, columns in COLUMNS.items():
        seen: dict[str, read.Row] = {}
        fields = [c.field for c in columns if c.field != "code"]
        for row in book.rows.get(name, []):
            code = row["code"]
            if code is None:
                continue
            if code in seen:
                out.problems.append(
                    read.Problem(
                        name,
                        row.at("code"),
                        _("the code %(code)s appears twice (also in row %(row)s).")
                        % {"code": code, "row": seen[code].number},
                    )
                )
                continue
            seen[code] = row
            if name == TARGETS and row["goal"] and code.split(".")[0] != str(row["goal"]):
                out.problems.append(
                    read.Problem(
                        name,
                        row.at("code"),
                        _("a target of goal %(goal)s has a code starting “%(goal)s.”.")
                        % {"goal": row["goal"]},
                    )
                )
            on_file = current[name].get(code)
            if on_file is None:
                new = {f: (None, row[f]) for f in fields if row[f] is not None}
                out.changes.append(diff.PlanCreate(name, row.number, code, new))
                continue
            changed = diff._fields(on_file, row.values, fields)
            if changed:
                out.changes.append(diff.PlanUpdate(name, row.number, code, changed, on_file["pk"]))
            else:
                out.unchanged[name] += 1
        for code in sorted(set(current[name]) - set(seen), key=natural_sort_key):
            out.kept[name].append(f"{code} {current[name][code]['title']}")
    return out


def apply_reference(
    changes: ReferenceChanges, *, by: User | None, via: str, expected_version: int | None = None
) -> Counter[str]:
    """Write every change or none, through the write module."""
    if changes.problems:
        raise ApplyFailed(_("The file has errors; nothing was written."))
    s = services
    done: Counter[str] = Counter()
    goals = {g.number: g for g in Goal.objects.all()}
    try:
        with transaction.atomic():
            lock_version(expected_version)
            for change in changes.changes:
                values = {k: new for k, (_old, new) in change.fields.items()}
                if "goal" in values:
                    values["goal"] = goals[values["goal"]]
                model = Target if change.sheet == TARGETS else Indicator
                noun = "target" if model is Target else "indicator"
                if isinstance(change, diff.PlanCreate):
                    getattr(s, f"create_{noun}")(by=by, via=via, code=change.key, **values)
                else:
                    obj = model.objects.get(pk=change.plan_id)  # type: ignore[attr-defined]
                    getattr(s, f"update_{noun}")(**{noun: obj}, changes=values, by=by, via=via)
                done[str(TITLES[change.sheet])] += 1
    except Stale:
        raise
    except Exception as error:
        from django.core.exceptions import ValidationError

        if isinstance(error, ValidationError):
            raise ApplyFailed(_describe(error)) from error
        raise
    return done
