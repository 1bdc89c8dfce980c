"""The workbook's sheets and columns (DESIGN.md "Plans as workbooks"): the contract with people's files."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise

# Sheet names stay in English in every language: they are the contract (DESIGN.md), the Instructions
# text names them, and a file passed between readers of different languages keeps its sheets.
INSTRUCTIONS = "Instructions"
PLAN = "Plan"
ACTIONS = "Actions"
MILESTONES = "Milestones"
KPIS = "KPIs"
KPI_VALUES = "KPI values"
# Hidden sheet holding the drop-down lists' choices.
LISTS = "Lists"

# Limits of what an upload may be; checked before and while reading (read.py).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000  # data rows of one sheet
MAX_COLUMNS = 40
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024  # the whole archive, unpacked
MAX_COMPRESSION_RATIO = 200  # of one part of the archive (a zip bomb packs far tighter)
MAX_ARCHIVE_MEMBERS = 200


@dataclass(frozen=True)
class Column:
    header: StrOrPromise  # written in the reader's language; read in any of the site's languages
    field: str  # the key of the row read from this column
    width: int = 14
    required: bool = False


# Sheet name -> its columns, in the order the export writes them. Headers are the contract: the reader
# finds columns by header (any order, any case, any of the site's languages), not by position.
COLUMNS: dict[str, list[Column]] = {
    ACTIONS: [
        Column(_("Code"), "code", 9, required=True),
        Column(_("Goal"), "goal", 7, required=True),
        Column(pgettext_lazy("regional target", "Target"), "target", 9),
        Column(_("Title"), "title", 60, required=True),
        Column(_("Lead agency"), "lead_agency", 30),
        Column(_("Start"), "start_date", 12, required=True),
        Column(_("Due"), "due_date", 12, required=True),
        Column(_("Baseline status"), "baseline_status", 22),
        Column(_("Status"), "status", 22),
        Column(_("Status note"), "status_note", 50),
    ],
    MILESTONES: [
        Column(_("Action code"), "action_code", 12, required=True),
        Column(_("Title"), "title", 60, required=True),
        Column(_("Due"), "due_date", 12, required=True),
        Column(_("Done on"), "completed_on", 12),
    ],
    KPIS: [
        Column(_("Indicator code"), "indicator", 15, required=True),
        Column(_("Baseline"), "baseline_value", 12, required=True),
        Column(_("Baseline year"), "baseline_year", 14, required=True),
        Column(pgettext_lazy("KPI target value", "Target"), "target_value", 12, required=True),
        Column(_("Target year"), "target_year", 12, required=True),
    ],
    KPI_VALUES: [
        Column(_("Indicator code"), "indicator", 15, required=True),
        Column(_("Year"), "year", 8, required=True),
        Column(_("Value"), "value", 12, required=True),
        Column(_("Note"), "note", 60),
    ],
}
TABLE_SHEETS = [ACTIONS, MILESTONES, KPIS, KPI_VALUES]


@dataclass(frozen=True)
class PlanField:
    label: StrOrPromise
    field: str
    kind: str  # "text", "stage", "date", "year", "url"


# The Plan sheet: one field a row, label in column A, value in column B.
PLAN_FIELDS: list[PlanField] = [
    PlanField(_("Title"), "title", "text"),
    PlanField(_("Stage"), "stage", "stage"),
    PlanField(_("Executive seminar held on"), "seminar_held_on", "date"),
    PlanField(_("Drafting started on"), "drafting_started_on", "date"),
    PlanField(_("Draft completed on"), "draft_completed_on", "date"),
    PlanField(_("Formally approved on"), "approved_on", "date"),
    PlanField(_("Baseline assessment on"), "baseline_assessed_on", "date"),
    PlanField(_("Plan period start year"), "start_year", "year"),
    PlanField(_("Plan period end year"), "end_year", "year"),
    PlanField(_("Plan document link"), "document_url", "url"),
]
PLAN_HEADERS = (_("Field"), _("Value"))

DATE_FORMAT = "yyyy-mm-dd"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def spellings(text: StrOrPromise) -> dict[str, str]:
    """A translatable text as each of the site's languages writes it (language code -> text).

    The reader accepts a header, a label or a status in any of them, whatever language is active: a
    workbook exported in Spanish imports unchanged for a French reader. Each is computed under an
    explicit ``translation.override``, never from whichever language was active when a module was
    imported.
    """
    out: dict[str, str] = {}
    for code in language_codes():
        with translation.override(code):
            out[code] = str(text)
    return out


# Text written into the Instructions sheet, one paragraph a row.
INSTRUCTIONS_TEXT = [
    _("How to edit this workbook"),
    _(
        "Edit the sheets Plan, Actions, Milestones, KPIs and KPI values, then upload the file on the "
        "country page (Import a workbook). Nothing is saved until you check the preview and press Apply."
    ),
    _(
        "Keep the header row (row 1) of each sheet; columns may be in any order, and extra columns are "
        "ignored. One record a row; do not merge cells and type values, not formulas."
    ),
    _(
        "Actions are matched by their Code, milestones by their action code and title, KPIs and KPI values "
        "by their indicator code (and year). A new code adds a row."
    ),
    _(
        "An import never deletes and an empty cell never erases what is on file: rows missing from the file "
        "are kept. To remove something, use the site or ask an administrator."
    ),
    _(
        "To change an action's status, choose the new Status and write a new Status note explaining it: the "
        "change is recorded in the action's history with the date of the import. A new note with the same "
        "status is recorded as a progress note."
    ),
    _(
        "A KPI value for a year that already has one is recorded as a correction; the earlier value stays "
        "in the history."
    ),
    _(
        "Dates: a date cell, or text such as 2026-03-12 or 12/03/2026 (day first). Codes are text: type "
        "1.10, not the number 1.1."
    ),
    _("Goal is the goal's number (1 to 4); Target is a target's dotted code under that goal."),
]
