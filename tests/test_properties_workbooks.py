"""Property-based tests (hypothesis) for the workbook import: the real export of a demonstration
country, edited at random (hostile values in random cells, rows removed or doubled, sheets and headers
renamed, removed or reordered) and files that are no workbook at all, uploaded through the real views.

Whatever the file: never a server error; a refusal names what is wrong and where (sheet and cell) and
writes nothing; an accepted file leaves the plan saying what the file said (exported again, every cell
the file filled reads back the same) with every change in the history as "import of <file>".

The number of examples comes from the hypothesis profile in tests/conftest.py; an example here uploads a
real workbook (and may apply it and export it again), so these tests take a share of it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from plans import demo as demo_data
from plans.models import ActionPlan, StatusUpdate
from plans.views.workbooks import safe_name
from plans.workbooks import schema
from plans.workbooks.read import Reference, Workbook, read_workbook
from roadmap.validators import has_visible_text
from tests.builders import country
from tests.conftest import DEMO_AS_OF
from tests.workbook_support import exported, snapshot, upload

URL = "/countries/jam/import/"
CELL = re.compile(r"^[A-Z]{1,3}[1-9][0-9]*$")


class Export:
    """The export as downloaded, and the same without its 500 formatted spare rows a sheet (read and
    written by every example: a third of the time). A plain class: a failing example prints its name,
    not 100 KB of bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.read: Workbook | None = None
        book = load_workbook(io.BytesIO(data))
        for sheet in book.worksheets:
            last = max(
                (c.row for row in sheet.iter_rows() for c in row if c.value is not None), default=1
            )
            if sheet.max_row > last + 5:
                sheet.delete_rows(last + 6, sheet.max_row - last - 5)
        self.trimmed = save(book)

    def __repr__(self) -> str:
        return "Export(JAM)"


@pytest.fixture
def jamaica(db: None, monkeypatch: pytest.MonkeyPatch) -> Export:
    """Jamaica's demonstration plan (the same rows as in the full demonstration, which draws each state
    from its own stream) and its exported workbook."""
    monkeypatch.setattr(demo_data, "KNOWN", {"JAM": demo_data.KNOWN["JAM"]})
    demo_data.DemoBuilder(DEMO_AS_OF).build()
    return Export(exported("JAM"))


# --- What a hostile or clumsy editor puts in a cell ---------------------------------------------------

hostile_text = st.sampled_from(
    [
        "",
        " ",
        "\u200b",
        "\ufeff1.1",
        "_x0000_",  # how a workbook escapes NUL (openpyxl reads it as written)
        "Title\x0bwith a vertical tab",
        "line\nbreak",
        "=1+1",
        '=HYPERLINK("https://example.org","click")',
        "=SUM(A1:A3)",
        "+1",
        "@SUM(1)",
        "NaN",
        "nan",
        "inf",
        "-Infinity",
        "1e999",
        "-1",
        "0",
        "0.001",
        "99999999999999999999999",
        "1,000,000",
        "0001-01-01",
        "9999-12-31",
        "2025-02-30",
        "31/02/2026",
        "29/02/2024",
        "2026-13-01",
        "TRUE",
        "#N/A",
        "Completed",
        "completed",
        "N/A",
        "Not applicable",
        "Goal 1",
        "9.9.9",
        "NOPE",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "x" * 301,
        "y" * 5001,
    ]
)
hostile_numbers = st.one_of(
    st.integers(),
    st.integers(-3, 3000),
    st.floats(),
    st.floats(-1e13, 1e13),
    st.decimals(-(10**13), 10**13, places=3, allow_nan=False),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -0.0, 0.1 + 0.2]),
)
hostile_dates = st.one_of(
    st.dates(),
    st.datetimes(),
    st.dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)),
    st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1900, 2, 28)]),
)
cell_values = st.one_of(
    hostile_text,
    st.text(max_size=30),
    hostile_numbers,
    hostile_dates,
    st.booleans(),
    st.none(),
)


# What a careful editor types: a value each column takes (the import should accept most of these).
words = st.text(st.characters(categories=["L", "N", "Zs", "P"]), min_size=1, max_size=40)
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "Title": words,
    "Lead agency": words,
    "Status note": words,
    "Note": words,
    "Start": st.dates(dt.date(2021, 1, 1), dt.date(2023, 12, 31)),
    "Due": st.dates(dt.date(2024, 1, 1), dt.date(2031, 12, 31)),
    "Done on": st.dates(dt.date(2022, 1, 1), dt.date(2026, 11, 1)),
    "Baseline status": st.sampled_from(["Not started", "Limited progress", "Not applicable"]),
    "Status": st.sampled_from(["Not started", "Limited progress", "Completed"]),
    "Baseline": st.integers(0, 1),
    "Target": st.integers(0, 1),
    "Value": st.integers(0, 1),
    "Year": st.integers(2023, 2026),
    "Baseline year": st.integers(2020, 2022),
    "Target year": st.integers(2028, 2030),
    "Goal": st.integers(1, 4),
}


# --- Edits ----------------------------------------------------------------------------------------


@dataclass
class Edits:
    """What an example did to the workbook, to say where a refusal should point."""

    sheets: set[str] = field(default_factory=set)
    log: list[str] = field(default_factory=list)


def put(cell: Any, value: Any) -> None:
    """A value into a cell as a spreadsheet program would store it; control characters as the
    workbook format escapes them (openpyxl refuses them raw)."""
    try:
        cell.value = value
    except IllegalCharacterError:
        cell.value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"_x{ord(m[0]):04X}_", value)


def edit(book: Any, data: st.DataObject, edits: Edits) -> None:
    """One random edit of one sheet (drawn with ``data`` so that hypothesis can shrink it)."""
    names = [schema.PLAN, *schema.TABLE_SHEETS]
    name = data.draw(st.sampled_from(names), label="sheet")
    if name not in book.sheetnames:
        return
    sheet = book[name]
    last_col = sheet.max_column
    # The export formats 500 spare rows: the rows with values are what matters.
    filled = max(
        (c.row for row in sheet.iter_rows(min_row=1, max_col=last_col) for c in row if c.value),
        default=1,
    )
    kind = data.draw(
        st.sampled_from(
            [
                "cell",
                "cell",
                "plausible",
                "plausible",
                "plausible",
                "status",
                "copy",
                "status",
                "new row",
                "delete row",
                "copy row",
                "header",
                "swap columns",
                "rename sheet",
                "remove sheet",
                "move sheet",
            ]
        ),
        label="edit",
    )
    edits.sheets.add(name)
    row = data.draw(st.integers(2, max(filled, 2)), label="row")
    column = data.draw(st.integers(1, last_col + 1), label="column")
    if kind == "cell":
        value = data.draw(cell_values, label="value")
        put(sheet.cell(row=row, column=column), value)
    elif kind == "plausible":
        column = data.draw(st.integers(2, last_col), label="column")
        header = sheet.cell(row=1, column=column).value
        value = data.draw(PLAUSIBLE.get(header, words) if name != schema.PLAN else words)
        put(sheet.cell(row=row, column=column if name != schema.PLAN else 2), value)
    elif kind == "copy":  # another row's value in the same column: duplicated codes, valid values
        source = data.draw(st.integers(2, max(filled, 2)), label="from row")
        value = sheet.cell(row=source, column=column).value
        put(sheet.cell(row=row, column=column), value)
    elif kind == "status" and schema.ACTIONS in book.sheetnames:  # a status change with its note
        sheet = book[schema.ACTIONS]
        edits.sheets.add(schema.ACTIONS)
        row = data.draw(st.integers(2, sheet.max_row), label="action row")
        if sheet.cell(row=row, column=1).value is None:
            return
        status = data.draw(st.sampled_from(["Not started", "Limited progress", "Completed"]))
        note = data.draw(st.one_of(hostile_text, st.text(min_size=1, max_size=40)), label="note")
        sheet.cell(row=row, column=9).value = status
        put(sheet.cell(row=row, column=10), note)
    elif kind == "new row":
        values = [sheet.cell(row=row, column=c).value for c in range(1, last_col + 1)]
        at = data.draw(st.integers(0, last_col - 1), label="changed column")
        values[at] = data.draw(st.one_of(cell_values, st.text(min_size=1, max_size=12)))
        for c, value in enumerate(values, start=1):
            put(sheet.cell(row=filled + 1, column=c), value)
    elif kind == "delete row":
        sheet.delete_rows(row)
    elif kind == "copy row":
        for c in range(1, last_col + 1):
            sheet.cell(row=filled + 1, column=c).value = sheet.cell(row=row, column=c).value
    elif kind == "header":
        put(sheet.cell(row=1, column=column), data.draw(cell_values, label="header"))
    elif kind == "swap columns":  # columns in another order: read by header, so still the same
        other = data.draw(st.integers(1, last_col), label="other column")
        for r in range(1, filled + 1):
            a, b = sheet.cell(row=r, column=column), sheet.cell(row=r, column=other)
            a.value, b.value = b.value, a.value
    elif kind == "rename sheet":
        title = data.draw(
            st.one_of(st.just(name.upper()), st.just(f" {name}"), st.text(min_size=1, max_size=31))
        )
        try:
            sheet.title = title
        except ValueError:  # a title no spreadsheet program allows
            return
    elif kind == "remove sheet":
        book.remove(sheet)
    elif kind == "move sheet":
        book.move_sheet(name, offset=data.draw(st.integers(-5, 5)))
    edits.log.append(f"{kind} {name} R{row}C{column}")


def save(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- What the database holds ------------------------------------------------------------------------


def history_rows() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    }


def new_history(before: dict[str, int]) -> list[Any]:
    rows: list[Any] = []
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            rows += model._default_manager.order_by("pk")[before[model._meta.label] :]
    return rows


def keyed(book: Workbook) -> dict[str, dict[Any, dict[str, Any]]]:
    """The records of each table sheet by their key, as the import matches them."""
    keys = {
        schema.ACTIONS: lambda r: r["code"],
        schema.MILESTONES: lambda r: (r["action_code"], (r["title"] or "").casefold()),
        schema.KPIS: lambda r: r["indicator"],
        schema.KPI_VALUES: lambda r: (r["indicator"], r["year"]),
    }
    return {
        sheet: {key(row): row.values for row in book.rows.get(sheet, [])}
        for sheet, key in keys.items()
    }


def same(field_name: str, wanted: Any, got: Any) -> bool:
    if isinstance(wanted, str) and isinstance(got, str):
        if field_name == "title":  # milestones are matched by title in any case
            return wanted.strip().casefold() == got.strip().casefold()
        return wanted.strip() == got.strip()
    if isinstance(wanted, Decimal) and isinstance(got, Decimal):
        return wanted == got
    return bool(wanted == got)


def nothing_dropped(sent: bytes, read: Workbook) -> None:
    """Every filled cell under a known header was read as a value, or refused: never ignored."""
    book = load_workbook(io.BytesIO(sent))
    located: list[tuple[str, str, bool]] = [
        (schema.PLAN, cell, name in read.plan) for name, cell in read.plan_cells.items()
    ]
    for rows in read.rows.values():
        for row in rows:
            located += [(row.sheet, cell, name in row.values) for name, cell in row.cells.items()]
    names = {name.strip().casefold(): name for name in book.sheetnames}
    for sheet, cell, taken in located:
        value = book[names[sheet.casefold()]][cell].value
        filled = value is not None and (not isinstance(value, str) or has_visible_text(value))
        assert taken or not filled, f"{sheet}!{cell}: {value!r} was ignored"


def reads_back_as_the_file_said(sent: Workbook, again: Workbook, before: Workbook) -> None:
    """Every value the file gave reads back from a fresh export; rows the file lacked are kept."""
    for name, value in sent.plan.items():
        assert same(name, value, again.plan.get(name)), (name, value, again.plan.get(name))
    wanted, got, had = keyed(sent), keyed(again), keyed(before)
    for sheet, rows in wanted.items():
        assert set(had[sheet]) <= set(got[sheet]), f"{sheet}: a row was lost"
        for key, values in rows.items():
            assert key in got[sheet], f"{sheet}: {key} was not written"
            for name, value in values.items():
                # A KPI value's note is recorded with a new or corrected value; the same value with
                # another note counts as unchanged (KPI values are never edited in place).
                if (sheet, name) == (schema.KPI_VALUES, "note") and had[sheet].get(key, {}).get(
                    "value"
                ) == values["value"]:
                    continue
                assert same(name, value, got[sheet][key].get(name)), (
                    sheet,
                    key,
                    name,
                    value,
                    got[sheet][key].get(name),
                )


# --- The properties ---------------------------------------------------------------------------------


def located(problem: Any, edits: Edits) -> bool:
    """A problem names a sheet of the workbook and a cell, or the sheet as a whole (a missing sheet
    or column); and it is on a sheet the example edited or one that refers to it."""
    if problem.sheet not in (schema.PLAN, *schema.TABLE_SHEETS):
        return False
    if problem.cell and not CELL.match(problem.cell):
        return False
    related = {
        schema.ACTIONS: {schema.MILESTONES},
        schema.KPIS: {schema.KPI_VALUES},
        schema.PLAN: set(schema.TABLE_SHEETS),
    }
    near = set(edits.sheets).union(*(related.get(s, set()) for s in edits.sheets))
    return problem.sheet in near


# A generated date far outside Excel's range is written as a serial that openpyxl reads back as an error
# cell, warning as it does: that is the hostile input under test, and the import must refuse it cleanly.
@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")
@given(data=st.data(), count=st.integers(1, 3), name=st.sampled_from(["plan-jam.xlsx", "x" * 120]))
def test_any_edit_of_the_workbook_is_refused_where_it_is_wrong_or_applied_exactly(
    impacs_client: Client,
    impacs: User,
    jamaica: Export,
    data: st.DataObject,
    count: int,
    name: str,
) -> None:
    book = load_workbook(io.BytesIO(jamaica.trimmed))
    edits = Edits()
    for _ in range(count):
        edit(book, data, edits)
    sent = save(book)
    with transaction.atomic():  # each example starts from the same plan
        check_import(impacs_client, impacs, sent, name, edits, jamaica)
        transaction.set_rollback(True)


def check_import(
    client: Client, user: User, sent: bytes, name: str, edits: Edits, export: Export
) -> None:
    before, history = snapshot(), history_rows()
    response = client.post(URL, {"workbook": upload(sent, name)})
    assert response.status_code in (200, 400), response.status_code
    assert snapshot() == before and history_rows() == history  # a preview writes nothing
    if response.status_code == 400:
        event("refused")
        refusal_is_explained(response, edits)
        return
    changes, token = response.context["changes"], response.context["token"]
    assert not changes.problems
    plan = ActionPlan.objects.current().filter(country=country("JAM")).first()
    wanted = read_workbook(sent, Reference.load(plan))
    nothing_dropped(sent, wanted)
    if not token:
        event("no changes")
        assert changes.is_empty and "No changes" in response.content.decode()
        return
    if export.read is None:  # what the plan said before (each example starts from it)
        export.read = read_workbook(export.data, Reference.load(plan))
    was = export.read
    applied = client.post(URL, {"token": token})
    assert applied.status_code in (302, 400, 409), applied.status_code
    if applied.status_code != 302:
        assert snapshot() == before and history_rows() == history
        said = [str(m) for m in applied.context["messages"]]
        pytest.fail(f"previewed without errors, refused on Apply: {said} ({edits.log})")
    event("applied")
    again = read_workbook(exported("JAM"), Reference.load(plan))
    assert not again.problems, again.problems
    reads_back_as_the_file_said(wanted, again, was)
    recorded = new_history(history)
    reason = f"import of {safe_name(name)}"[:100]
    assert recorded, "an applied change left no history"
    assert {r.history_change_reason for r in recorded} == {reason}
    assert {r.history_user_id for r in recorded} == {user.pk}
    assert len(recorded) >= len(changes.changes)
    for change in changes.changes:
        if type(change).__name__ == "StatusChange":
            assert StatusUpdate.objects.filter(
                action_id=change.action_id, note=change.note, author=user
            ).exists()


def refusal_is_explained(response: Any, edits: Edits) -> None:
    page = response.content.decode()
    form = response.context["form"]
    errors = form.errors.get("workbook", [])
    assert errors, "refused without a message"
    changes = response.context.get("changes")
    if changes is None or not changes.problems:
        return  # the file as a whole (damaged, not a workbook): the message says so
    for problem in changes.problems[:200]:
        assert located(problem, edits), (str(problem), edits.log)
        assert problem.message.strip()
    from django.utils.html import escape

    assert escape(str(changes.problems[0])) in page


# --- Files that are no workbook ---------------------------------------------------------------------


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return out.getvalue()


def not_a_workbook(export: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=2000),
        st.just(b""),
        st.integers(0, len(export) - 1).map(lambda n: export[:n]),  # truncated
        st.tuples(st.integers(0, len(export) - 1), st.binary(min_size=1, max_size=64)).map(
            lambda t: export[: t[0]] + t[1] + export[t[0] + len(t[1]) :]  # damaged in place
        ),
        st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b),
        st.dictionaries(
            st.sampled_from(
                ["xl/workbook.xml", "word/document.xml", "mimetype", "[Content_Types].xml"]
            ),
            st.binary(max_size=200),
            max_size=3,
        ).map(zipped),
        st.lists(st.lists(st.text(max_size=10), max_size=5), max_size=5).map(
            lambda rows: "\n".join(",".join(r) for r in rows).encode()  # a CSV
        ),
        st.text(max_size=200).map(lambda t: t.encode("utf-16")),
    )


@given(data=st.data())
def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(
    impacs_client: Client, jamaica: Export, data: st.DataObject
) -> None:
    content = data.draw(not_a_workbook(jamaica.data))
    before = snapshot()
    response = impacs_client.post(URL, {"workbook": upload(content)})
    assert response.status_code in (200, 400)
    assert snapshot() == before
    if response.status_code == 400:
        assert response.context["form"].errors.get("workbook")
