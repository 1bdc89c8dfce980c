"""Read an uploaded workbook with limits, and turn its cells into checked, normalised rows.

The file is checked before openpyxl sees it: size first, then its signature (a PDF, a CSV, an encrypted
or old-format Office file is named as such), then the zip archive's directory (member count, unpacked
size and compression ratio, against zip bombs). openpyxl then reads it in read-only mode, row by row,
with a cap on rows and columns. Merged cells are found in the sheets' XML, which read-only mode skips.

What people do to spreadsheets is accepted where it is unambiguous: dates typed as text, numbers as text,
stray spaces, empty rows, columns in another order or extra columns, statuses in another case, codes typed
as numbers when only one code fits. Anything else is a ``Problem`` located at its cell, in words.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from plans.choices import Stage, Status
from plans.workbooks import schema
from roadmap.validators import has_visible_text

PDF = b"%PDF"
ZIP = b"PK\x03\x04"
CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: encrypted OOXML, or an old .xls
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
T = TypeVar("T")


class WorkbookRefused(Exception):
    """The file cannot be read as a plan workbook at all; the message says why, for its uploader."""


@dataclass(frozen=True)
class Problem:
    sheet: str
    cell: str  # "F14", or "" for the sheet as a whole
    message: str

    def __str__(self) -> str:
        return (
            f"{self.sheet}!{self.cell}: {self.message}"
            if self.cell
            else f"{self.sheet}: {self.message}"
        )


@dataclass
class Row:
    """One record of a table sheet: its normalised values by field, and where each came from."""

    sheet: str
    number: int
    values: dict[str, Any]
    cells: dict[str, str]

    def at(self, name: str) -> str:
        return self.cells.get(name) or f"A{self.number}"

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)


@dataclass
class Reference:
    """What the reader checks codes against: the reference data and the plan's existing rows."""

    goals: set[int]
    targets: dict[str, int]  # code -> goal number
    indicators: set[str]
    action_codes: set[str] = field(default_factory=set)  # of the plan on file
    kpi_indicators: set[str] = field(default_factory=set)  # of the plan on file
    units: dict[str, str] = field(default_factory=dict)  # indicator code -> unit
    kpi_baseline_years: dict[str, int] = field(default_factory=dict)  # of the plan on file

    @classmethod
    def load(cls, plan: Any = None) -> Reference:
        from plans.models import Action, IndicatorTarget
        from roadmap.models import Goal, Indicator, Target

        ref = cls(
            goals=set(Goal.objects.values_list("number", flat=True)),
            targets=dict(Target.objects.values_list("code", "goal__number")),
            indicators=set(),
        )
        ref.units = dict(Indicator.objects.values_list("code", "unit"))
        ref.indicators = set(ref.units)
        if plan is not None:
            ref.action_codes = set(Action.objects.filter(plan=plan).values_list("code", flat=True))
            ref.kpi_baseline_years = dict(
                IndicatorTarget.objects.filter(plan=plan).values_list(
                    "indicator__code", "baseline_year"
                )
            )
            ref.kpi_indicators = set(ref.kpi_baseline_years)
        return ref


@dataclass
class Workbook:
    """Everything read from a file: the Plan sheet's fields and the rows of the table sheets."""

    plan: dict[str, Any] = field(default_factory=dict)
    plan_cells: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # harmless things the reader ignored

    def problem(self, sheet: str, cell: str, message: str) -> None:
        self.problems.append(Problem(sheet, cell, message))


# --- The file ---------------------------------------------------------------------------------------


def check_file(data: bytes) -> zipfile.ZipFile:
    """Refuse what is not a workbook of a sensible size before any parser reads it."""
    if not data:
        raise WorkbookRefused(_("The file is empty."))
    if len(data) > schema.MAX_FILE_BYTES:
        raise WorkbookRefused(
            _("The file is %(size)s MB; a plan workbook may be at most %(limit)s MB.")
            % {
                "size": f"{len(data) / 1024 / 1024:.1f}",
                "limit": schema.MAX_FILE_BYTES // 1024 // 1024,
            }
        )
    head = data[:8]
    if head.startswith(CFB):
        if ENCRYPTION_INFO in data:
            raise WorkbookRefused(
                _(
                    "The workbook is protected by a password, so it cannot be read. Save it again "
                    "without a password (File > Info > Protect Workbook in Excel) and upload that copy."
                )
            )
        raise WorkbookRefused(
            _(
                "This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) and upload "
                "that copy."
            )
        )
    if head.startswith(PDF):
        raise WorkbookRefused(
            _(
                "This is a PDF document, not an Excel workbook (.xlsx). Export the plan workbook again."
            )
        )
    if not head.startswith(ZIP):
        if _looks_like_text(data[:4096]):
            raise WorkbookRefused(
                _(
                    "This is a text file (such as a CSV), not an Excel workbook (.xlsx). Open it in "
                    "Excel or LibreOffice and save it as an Excel workbook."
                )
            )
        raise WorkbookRefused(_("This file is not an Excel workbook (.xlsx)."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise WorkbookRefused(_("The workbook is damaged and cannot be read.")) from error
    too_big = _("The workbook unpacks to far more data than a plan holds, so it is not read.")
    if len(members) > schema.MAX_ARCHIVE_MEMBERS:
        raise WorkbookRefused(too_big)
    if sum(m.file_size for m in members) > schema.MAX_UNCOMPRESSED_BYTES:
        raise WorkbookRefused(too_big)
    for member in members:
        if member.file_size > 1024 * 1024 and (
            member.file_size > schema.MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise WorkbookRefused(too_big)
    if "xl/workbook.xml" not in archive.namelist():
        raise WorkbookRefused(
            _("This is a zip archive or another Office document, not an Excel workbook (.xlsx).")
        )
    return archive


def _looks_like_text(sample: bytes) -> bool:
    if b"\x00" in sample:
        return False
    for cut in range(4):  # a multi-byte character may be cut at the sample's end
        try:
            sample[: len(sample) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def _merged(archive: zipfile.ZipFile, path: str) -> list[str]:
    """The merged ranges of a sheet, read from its XML in chunks (read-only mode does not parse them)."""
    found: list[str] = []
    tail = b""
    with archive.open(path.lstrip("/")) as source:
        while chunk := source.read(1 << 20):
            text = tail + chunk
            found += [m.decode() for m in MERGE_CELL.findall(text)]
            cut = text.rfind(b"<")
            tail = text[cut:] if cut >= 0 and len(text) - cut < 200 else b""
            if found:
                break
    return found


# --- The sheets -------------------------------------------------------------------------------------


def read_workbook(data: bytes, ref: Reference) -> Workbook:
    """Read and check a file; raise WorkbookRefused when it cannot be read at all."""
    out = Workbook()
    with open_workbook(data) as (archive, book):
        _read_sheets(archive, book, out, ref)
    if not out.problems:
        _check_rows(out, ref)
    return out


@contextlib.contextmanager
def open_workbook(data: bytes) -> Iterator[tuple[zipfile.ZipFile, Any]]:
    """The checked archive and openpyxl's read-only workbook; any failure inside is WorkbookRefused."""
    archive = check_file(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds on a malformed file
        raise WorkbookRefused(_("The workbook is damaged and cannot be read.")) from error
    try:
        yield archive, book
    except WorkbookRefused:
        raise
    except Exception as error:
        raise WorkbookRefused(_("The workbook is damaged and cannot be read.")) from error
    finally:
        book.close()


def find_sheet(archive: zipfile.ZipFile, book: Any, wanted: str, out: Workbook) -> Any:
    """The sheet of that name (any case), or None with the problem recorded (missing or merged)."""
    names = {name.strip().casefold(): name for name in book.sheetnames}
    actual = names.get(wanted.casefold())
    if actual is None:
        out.problem(
            wanted,
            "",
            _("the sheet “%(sheet)s” is missing; export the workbook again to get it.")
            % {"sheet": wanted},
        )
        return None
    sheet = book[actual]
    merged = _merged(archive, sheet._worksheet_path)
    if merged:
        out.problem(
            wanted,
            merged[0].split(":")[0],
            _("merged cells (%(range)s); unmerge them so that each value has its own cell.")
            % {"range": merged[0]},
        )
        return None
    return sheet


def _read_sheets(archive: zipfile.ZipFile, book: Any, out: Workbook, ref: Reference) -> None:
    for wanted in [schema.PLAN, *schema.TABLE_SHEETS]:
        sheet = find_sheet(archive, book, wanted, out)
        if sheet is None:
            continue
        if wanted == schema.PLAN:
            _read_plan(sheet, out)
        else:
            _read_table(sheet, wanted, out, ref)


def _cells(sheet: Any, name: str) -> Any:
    """Rows of (coordinate, value, kind) up to the limits; refuses a sheet with too many rows."""
    count = 0
    for row in sheet.iter_rows(max_col=schema.MAX_COLUMNS):
        cells = [c for c in row if getattr(c, "value", None) is not None]
        if not cells or all(
            isinstance(c.value, str) and not has_visible_text(c.value) for c in cells
        ):
            continue
        count += 1
        if count > schema.MAX_ROWS + 1:  # the header and 10,000 records
            raise WorkbookRefused(
                _("The sheet “%(sheet)s” has more than %(limit)s rows; a plan has far fewer.")
                % {"sheet": name, "limit": f"{schema.MAX_ROWS:,}"}
            )
        yield row


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return _trim(str(value))


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in {"Cf", "Cc"}


def _trim(text: str) -> str:
    """Without spaces or invisible characters (zero-width spaces, a byte-order mark) at either end:
    they are not part of a code or a title, and "1.1" with a zero-width space is "1.1"."""
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def _bad_cell(out: Workbook, name: str, cell: Any) -> bool:
    kind = getattr(cell, "data_type", "")
    if kind == "f":
        out.problem(
            name,
            cell.coordinate,
            _("a formula (%(formula)s); type the value itself.") % {"formula": cell.value},
        )
        return True
    if kind == "e":
        out.problem(name, cell.coordinate, _("an error value (%(value)s).") % {"value": cell.value})
        return True
    return False


def _read_plan(sheet: Any, out: Workbook) -> None:
    labels = by_name((f.label, f) for f in schema.PLAN_FIELDS)
    header = by_name([(schema.PLAN_HEADERS[0], None)])
    for row in _cells(sheet, schema.PLAN):
        if len(row) < 1 or row[0].value is None or _key(row[0].value) in header:
            continue
        found, _languages = labels.get(_key(row[0].value), (None, None))
        if found is None:
            if len(row) > 1 and getattr(row[1], "value", None) not in (None, ""):
                out.notes.append(
                    _(
                        "%(sheet)s!A%(row)s: the field “%(label)s” is not part of the workbook and "
                        "was ignored."
                    )
                    % {"sheet": schema.PLAN, "row": row[0].row, "label": _text(row[0].value)}
                )
            continue
        cell = row[1] if len(row) > 1 else None
        coordinate = f"B{row[0].row}"
        out.plan_cells[found.field] = coordinate
        if (
            cell is None
            or getattr(cell, "value", None) is None
            or _bad_cell(out, schema.PLAN, cell)
        ):
            continue
        try:
            value = _convert(found.kind, cell.value)
        except ValueError as error:
            out.problem(schema.PLAN, coordinate, str(error))
            continue
        if value not in (None, ""):
            out.plan[found.field] = value


def _read_table(
    sheet: Any,
    name: str,
    out: Workbook,
    ref: Any,
    spec: list[schema.Column] | None = None,
    convert: Any = None,
) -> None:
    """Read a table sheet whose header row names its columns (``spec``), converting each cell.

    A header may be in any of the site's languages. A message names a column as the file writes it;
    a missing column is named in the language of the file's other headers (the reader's when none
    is recognised), so that the name to type matches the rest of the header row.
    """
    spec = spec or schema.COLUMNS[name]
    convert = convert or _field
    columns = by_name((c.header, c) for c in spec)
    rows = _cells(sheet, name)
    header = next(rows, None)
    positions: dict[int, Any] = {}
    shown: dict[str, str] = {}  # field -> its header as the file writes it
    votes: Counter[str] = Counter()  # language -> headers of the file written in it
    if header is not None:
        for cell in header:
            value = getattr(cell, "value", None)
            if value is None:
                continue
            column, languages = columns.get(_key(value), (None, frozenset()))
            if column is None:
                out.notes.append(
                    _(
                        "%(sheet)s: the column “%(header)s” is not part of the workbook and was ignored."
                    )
                    % {"sheet": name, "header": _text(value)}
                )
            elif column in positions.values():
                out.problem(
                    name,
                    cell.coordinate,
                    _("the column “%(header)s” appears twice.") % {"header": _text(value)},
                )
            else:
                positions[cell.column - 1] = column
                shown[column.field] = _text(value)
                votes.update(languages)
    language = _file_language(votes)
    missing = [
        schema.spellings(c.header)[language]
        for c in spec
        if c.required and c not in positions.values()
    ]
    if missing:
        out.problem(
            name,
            "A1" if header is None else "",
            _("the header row lacks the column(s) %(columns)s.")
            % {"columns": ", ".join(f"“{m}”" for m in missing)},
        )
        return
    records: list[Row] = []
    for cells in rows:
        number = next(c.row for c in cells if getattr(c, "row", None))
        record = Row(name, number, {}, {})
        for index, column in positions.items():
            coordinate = f"{get_column_letter(index + 1)}{number}"
            record.cells[column.field] = coordinate
            cell = cells[index] if index < len(cells) else None
            raw = getattr(cell, "value", None)
            if isinstance(raw, str) and not has_visible_text(raw):
                raw = None
            if raw is None:
                if column.required:
                    out.problem(
                        name,
                        coordinate,
                        _("“%(header)s” is empty.") % {"header": shown[column.field]},
                    )
                continue
            if _bad_cell(out, name, cell):
                continue
            try:
                record.values[column.field] = convert(name, column.field, raw, ref, out, record)
            except ValueError as error:
                out.problem(name, coordinate, str(error))
        records.append(record)
    out.rows[name] = records


def _file_language(votes: Counter[str]) -> str:
    """The language most of a header row is written in; the reader's on a tie or when none is known."""
    active = translation.get_language() or ""
    if not votes or votes[active] == max(votes.values()):
        return active if active in schema.language_codes() else schema.language_codes()[0]
    return votes.most_common(1)[0][0]


# --- Names in every language ------------------------------------------------------------------------


def _key(value: Any) -> str:
    """How a name is compared: spaces collapsed, any case."""
    return re.sub(r"\s+", " ", _text(value)).casefold()


def by_name(items: Iterable[tuple[StrOrPromise, T]]) -> dict[str, tuple[T, frozenset[str]]]:
    """Each item by its name in each of the site's languages, with the languages that name it so.

    Built on every call, from explicit translations (``schema.spellings``), so that what is accepted
    never depends on the language active when a module was imported. Should two languages give one
    name to different items, the reader's language decides, then the order of settings.LANGUAGES.
    """
    names = [(schema.spellings(text), item) for text, item in items]
    active = translation.get_language()
    order = sorted(schema.language_codes(), key=lambda code: code != active)
    found: dict[str, T] = {}
    languages: dict[str, set[str]] = {}
    for code in order:
        for spelt, item in names:
            key = _key(spelt[code])
            if found.setdefault(key, item) is item:
                languages.setdefault(key, set()).add(code)
    return {key: (item, frozenset(languages[key])) for key, item in found.items()}


def choice_names(
    choices: Iterable[tuple[str, StrOrPromise]], aliases: dict[str, str] | None = None
) -> dict[str, str]:
    """A choice's value by its label in any of the site's languages, by its value, and by aliases."""
    with translation.override(schema.language_codes()[0]):  # the same names whoever asks first
        named = {
            key: value
            for key, (value, _langs) in by_name((label, value) for value, label in choices).items()
        }
    return {
        **{value.replace("_", " "): value for value, _label in choices},
        **(aliases or {}),
        **named,
    }


@functools.cache
def status_names() -> dict[str, str]:
    return choice_names(
        Status.choices,
        {
            "limited": Status.LIMITED,
            "substantial": Status.SUBSTANTIAL,
            "n/a": Status.NOT_APPLICABLE,
        },
    )


@functools.cache
def stage_names() -> dict[str, str]:
    return choice_names(Stage.choices)


# --- Values -----------------------------------------------------------------------------------------

DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
LENGTHS = {"code": 20, "title": 500, "lead_agency": 200, "action_code": 20}


def _convert(kind: str, value: Any) -> Any:
    if kind == "date":
        return to_date(value)
    if kind == "year":
        return to_year(value)
    if kind == "stage":
        return _choice(value, stage_names(), _("stage"), Stage.labels)
    if kind == "url":
        text = _text(value)
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError as error:
            raise ValueError(_("“%(value)s” is not a web address.") % {"value": text}) from error
        return text
    text = _text(value)
    if len(text) > 300:
        raise ValueError(_("at most 300 characters, not %(count)s.") % {"count": len(text)})
    return text


def to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        return dt.date.fromisoformat(text[:10] if re.match(r"^\d{4}-\d\d-\d\d", text) else text)
    except ValueError:
        pass
    match = DAY_FIRST.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            pass
    raise ValueError(
        _("“%(value)s” is not a date; type a date such as 2026-03-12 or 12/03/2026 (day first).")
        % {"value": text}
    )


def to_year(value: Any) -> int:
    text = _text(value)
    if not re.fullmatch(r"\d{4}", text) or not 2000 <= int(text) <= 2100:
        raise ValueError(_("“%(value)s” is not a year between 2000 and 2100.") % {"value": text})
    return int(text)


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = _text(value).replace("\u00a0", "").replace(" ", "")
        if THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": _text(value)}) from error
    if not number.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": _text(value)})
    if number != number.quantize(Decimal("0.01")) or abs(number) >= Decimal(10) ** 12:
        raise ValueError(
            _("%(value)s: a value has at most 12 digits before the point and 2 after it.")
            % {"value": _text(value)}
        )
    return number.quantize(Decimal("0.01")).normalize() if number else Decimal(0)


def _choice(
    value: Any, names: dict[str, str], what: str, shown: Iterable[StrOrPromise] = ()
) -> str:
    """A choice's value from its name; the error lists ``shown`` (the labels in the reader's language)."""
    key = _key(value)
    if key in names:
        return names[key]
    labels = [str(label) for label in shown] or sorted(
        {str(k).capitalize() for k in names if " " in k or k.isalpha()}
    )
    raise ValueError(
        _("“%(value)s” is not a %(what)s; choose one of the list (%(choices)s).")
        % {"value": _text(value), "what": what, "choices": ", ".join(labels)}
    )


def to_code(value: Any, known: set[str], what: str) -> str:
    """A dotted code; a number (1.1 from a typed 1.10) only when exactly one known code fits."""
    if not isinstance(value, float) or value.is_integer():
        code = _text(value)
        if any(unicodedata.category(char) == "Cf" for char in code):
            raise ValueError(
                _(
                    "“%(code)s” holds an invisible character (such as a zero-width space); type the "
                    "code again."
                )
                % {"code": code}
            )
        return code
    shown = repr(value)
    candidates = {shown + "0" * extra for extra in range(3)} & known
    if len(candidates) == 1:
        return candidates.pop()
    raise ValueError(
        _(
            "the %(what)s %(value)s was typed as a number, so 1.10 and 1.1 cannot be told apart; "
            "format the cell as text and type the code again."
        )
        % {"what": what, "value": shown}
    )


def _field(sheet: str, name: str, raw: Any, ref: Reference, out: Workbook, row: Row) -> Any:
    if name in ("start_date", "due_date", "completed_on"):
        return to_date(raw)
    if name in ("baseline_year", "target_year", "year"):
        return to_year(raw)
    if name in ("baseline_value", "target_value", "value"):
        return to_decimal(raw)
    if name in ("status", "baseline_status"):
        return _choice(raw, status_names(), _("status"), Status.labels)
    if name == "goal":
        text = _text(raw)
        text = re.sub(r"^goal\s*", "", text, flags=re.IGNORECASE)
        if not text.isdigit() or int(text) not in ref.goals:
            raise ValueError(
                _("“%(value)s” is not a goal; type its number (%(goals)s).")
                % {"value": _text(raw), "goals": ", ".join(str(g) for g in sorted(ref.goals))}
            )
        return int(text)
    if name == "target":
        code = to_code(raw, set(ref.targets), _("target"))
        if code not in ref.targets:
            raise ValueError(
                _("“%(code)s” is not a target of the Roadmap (see the Lists of the export).")
                % {"code": code}
            )
        return code
    if name == "indicator":
        code = to_code(raw, ref.indicators, _("indicator code"))
        if code not in ref.indicators:
            raise ValueError(_("“%(code)s” is not an indicator of the Roadmap.") % {"code": code})
        return code
    if name in ("code", "action_code"):
        return to_code(raw, ref.action_codes | _file_codes(out), _("code"))
    text = _text(raw)
    limit = LENGTHS.get(name, 300 if sheet == schema.MILESTONES else 5000)
    if len(text) > limit:
        raise ValueError(
            _("at most %(limit)s characters, not %(count)s.") % {"limit": limit, "count": len(text)}
        )
    return text


def _file_codes(out: Workbook) -> set[str]:
    return {row["code"] for row in out.rows.get(schema.ACTIONS, []) if row["code"]}


# --- Rules across rows ------------------------------------------------------------------------------


def _check_rows(out: Workbook, ref: Reference) -> None:
    actions = out.rows.get(schema.ACTIONS, [])
    seen: dict[Any, Row] = {}
    for row in actions:
        code = row["code"]
        if code is None:
            continue
        if len(code) > 20:
            out.problem(schema.ACTIONS, row.at("code"), _("a code has at most 20 characters."))
        if code in seen:
            out.problem(
                schema.ACTIONS,
                row.at("code"),
                _("the code %(code)s appears twice (also in row %(row)s).")
                % {"code": code, "row": seen[code].number},
            )
        seen[code] = row
        start, due = row["start_date"], row["due_date"]
        if start and due and due < start:
            out.problem(
                schema.ACTIONS,
                row.at("due_date"),
                _("due %(due)s is before the start %(start)s.")
                % {"due": due.isoformat(), "start": start.isoformat()},
            )
        target, goal = row["target"], row["goal"]
        if target and goal and ref.targets.get(target) != goal:
            out.problem(
                schema.ACTIONS,
                row.at("target"),
                _("target %(target)s belongs to goal %(target_goal)s, not to goal %(goal)s.")
                % {"target": target, "target_goal": ref.targets.get(target), "goal": goal},
            )
    codes = set(seen) | ref.action_codes
    pairs: dict[Any, Row] = {}
    for row in out.rows.get(schema.MILESTONES, []):
        code = row["action_code"]
        if code and code not in codes:
            out.problem(
                schema.MILESTONES,
                row.at("action_code"),
                _("there is no action with the code %(code)s.") % {"code": code},
            )
        key = (code, (row["title"] or "").casefold())
        if code and row["title"] and key in pairs:
            out.problem(
                schema.MILESTONES,
                row.at("title"),
                _(
                    "the milestone “%(title)s” of action %(code)s appears twice (also in row %(row)s)."
                )
                % {"title": row["title"], "code": code, "row": pairs[key].number},
            )
        pairs[key] = row
        done = row["completed_on"]
        if done and done > timezone.localdate():
            out.problem(
                schema.MILESTONES,
                row.at("completed_on"),
                _("done on %(day)s is in the future.") % {"day": done.isoformat()},
            )
    kpis: dict[Any, Row] = {}
    for row in out.rows.get(schema.KPIS, []):
        code = row["indicator"]
        if code in kpis:
            out.problem(
                schema.KPIS,
                row.at("indicator"),
                _("the indicator %(code)s appears twice (also in row %(row)s).")
                % {"code": code, "row": kpis[code].number},
            )
        if code:
            kpis[code] = row
        base, target = row["baseline_year"], row["target_year"]
        if base and target and target < base:
            out.problem(
                schema.KPIS,
                row.at("target_year"),
                _("the target year %(target)s is before the baseline year %(base)s.")
                % {"target": target, "base": base},
            )
    indicators = set(kpis) | ref.kpi_indicators
    years: dict[Any, Row] = {}
    for row in out.rows.get(schema.KPI_VALUES, []):
        code, year = row["indicator"], row["year"]
        if code and code not in indicators:
            out.problem(
                schema.KPI_VALUES,
                row.at("indicator"),
                _("the plan has no KPI %(code)s; add it on the KPIs sheet first.") % {"code": code},
            )
        if code and year and (code, year) in years:
            out.problem(
                schema.KPI_VALUES,
                row.at("year"),
                _("%(code)s has two values for %(year)s (also in row %(row)s).")
                % {"code": code, "year": year, "row": years[(code, year)].number},
            )
        years[(code, year)] = row
        base = kpis[code]["baseline_year"] if code in kpis else ref.kpi_baseline_years.get(code)
        if code and year and base and year < base:
            out.problem(
                schema.KPI_VALUES,
                row.at("year"),
                _("%(year)s is before the KPI's baseline year %(base)s.")
                % {"year": year, "base": base},
            )
        _check_unit(out, row, ref.units.get(code or ""))


def _check_unit(out: Workbook, row: Row, unit: str | None) -> None:
    value = row["value"]
    if value is None:
        return
    message = None
    if unit == "yes_no" and value not in (0, 1):
        message = _("%(code)s is a yes/no KPI: type 1 for yes or 0 for no, not %(value)s.")
    elif unit == "percent" and not 0 <= value <= 100:
        message = _("%(code)s is a percentage: %(value)s is not between 0 and 100.")
    elif unit == "count" and value < 0:
        message = _("%(code)s is a count: %(value)s is negative.")
    elif unit == "count" and value % 1:
        message = _("%(code)s is a count: %(value)s is not a whole number.")
    if message:
        out.problem(
            schema.KPI_VALUES,
            row.at("value"),
            message % {"code": row["indicator"], "value": f"{value:f}"},
        )
