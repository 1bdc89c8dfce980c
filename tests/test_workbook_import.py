"""Import: upload, preview, and every kind of bad file refused with its message, nothing written."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from plans.workbooks import diff, schema
from plans.workbooks.read import WorkbookRefused
from tests.builders import country
from tests.workbook_support import edited, exported, find_row, snapshot, upload

URL = "/countries/jam/import/"


def post(client: Client, data: bytes, name: str = "plan-jam.xlsx") -> Any:
    return client.post(URL, {"workbook": upload(data, name)})


def refused(client: Client, data: bytes, name: str = "plan-jam.xlsx") -> str:
    """Upload a bad file: 400, the upload form again with the message, nothing written."""
    before = snapshot()
    response = post(client, data, name)
    assert response.status_code == 400, response.content[:500]
    assert snapshot() == before
    return response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(db: None, client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_partners_may_not_import(demo: dict[str, int], partner_client: Client) -> None:
    assert partner_client.get(URL).status_code == 403
    assert post(partner_client, exported()).status_code == 403


def test_staff_see_the_upload_form_linked_from_the_country_page(
    demo: dict[str, int], impacs_client: Client
) -> None:
    assert URL in impacs_client.get("/countries/jam/").content.decode()
    page = impacs_client.get(URL).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "/countries/jam/plan.xlsx" in page


def test_an_unedited_export_previews_as_no_changes(
    demo: dict[str, int], impacs_client: Client
) -> None:
    response = post(impacs_client, exported())
    assert response.status_code == 200
    page = response.content.decode()
    assert "No changes" in page
    assert 'name="token"' not in page


def test_the_preview_shows_new_changed_unchanged_and_kept_rows(
    demo: dict[str, int], impacs_client: Client
) -> None:
    def change(book: Any) -> None:
        actions = book["Actions"]
        actions["D2"] = "A better title"
        actions.delete_rows(3)  # a row the file lacks: kept
        actions.append(["9.9", 1, None, "A new action", "Police", "2026-01-01", "2027-01-01"])

    before = snapshot()
    response = post(impacs_client, edited(exported(), change))
    page = response.content.decode()
    assert response.status_code == 200
    assert "A better title" in page and "A new action" in page
    assert "on file but not in the workbook (kept)" in page
    assert 'name="token"' in page
    assert snapshot() == before  # nothing is written until Apply


# --- Bad files --------------------------------------------------------------------------------------


def test_an_empty_file_is_refused(demo: dict[str, int], impacs_client: Client) -> None:
    assert "The submitted file is empty." in refused(impacs_client, b"")


def test_a_csv_renamed_xlsx_is_refused(demo: dict[str, int], impacs_client: Client) -> None:
    page = refused(impacs_client, b"Code,Goal,Title\n1.1,1,Review the act\n")
    assert "text file (such as a CSV), not an Excel workbook" in page


def test_a_pdf_renamed_xlsx_is_refused(demo: dict[str, int], impacs_client: Client) -> None:
    assert "This is a PDF document" in refused(
        impacs_client, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"
    )


def test_a_file_that_is_no_workbook_is_refused(demo: dict[str, int], impacs_client: Client) -> None:
    assert "not an Excel workbook (.xlsx)" in refused(impacs_client, bytes(range(256)) * 4)


def test_a_zip_that_is_no_workbook_is_refused(demo: dict[str, int], impacs_client: Client) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "not an Excel workbook" in refused(impacs_client, out.getvalue())


def test_a_zip_bomb_is_refused_before_it_is_unpacked(
    demo: dict[str, int], impacs_client: Client
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    assert len(out.getvalue()) < 100_000
    assert "unpacks to far more data than a plan holds" in refused(impacs_client, out.getvalue())


def test_a_password_protected_workbook_is_refused(
    demo: dict[str, int], impacs_client: Client
) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(exported())).encrypt("secret", encrypted)
    assert "protected by a password" in refused(impacs_client, encrypted.getvalue())


def test_a_file_over_5_mb_is_refused_before_it_is_read(
    demo: dict[str, int], impacs_client: Client
) -> None:
    page = refused(impacs_client, b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024 + 10))
    assert "a plan workbook may be at most 5 MB" in page


def test_a_missing_sheet_is_named(demo: dict[str, int], impacs_client: Client) -> None:
    page = refused(impacs_client, edited(exported(), lambda b: b.remove(b["Milestones"])))
    assert "the sheet “Milestones” is missing" in page


def test_a_missing_column_is_named(demo: dict[str, int], impacs_client: Client) -> None:
    page = refused(impacs_client, edited(exported(), lambda b: b["Actions"].delete_cols(7)))
    assert "Actions: the header row lacks the column(s) “Due”." in page


def test_duplicate_codes_are_located(demo: dict[str, int], impacs_client: Client) -> None:
    def duplicate(book: Any) -> None:
        book["Actions"]["A3"] = book["Actions"]["A2"].value

    page = refused(impacs_client, edited(exported(), duplicate))
    assert "Actions!A3: the code" in page and "appears twice (also in row 2)" in page


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("B2", 7, "Actions!B2: “7” is not a goal"),
        ("C2", "9.9.9", "Actions!C2: “9.9.9” is not a target of the Roadmap"),
        ("I2", "Finished", "Actions!I2: “Finished” is not a status"),
        ("G2", "2020-01-01", "is before the start"),
        ("F2", "31/02/2026", "Actions!F2: “31/02/2026” is not a date"),
    ],
)
def test_unknown_codes_and_bad_values_are_located(
    demo: dict[str, int], impacs_client: Client, cell: str, value: Any, message: str
) -> None:
    def change(book: Any) -> None:
        book["Actions"][cell] = value

    assert message in refused(impacs_client, edited(exported(), change))


def test_an_unknown_indicator_is_located(demo: dict[str, int], impacs_client: Client) -> None:
    page = refused(impacs_client, edited(exported(), lambda b: b["KPIs"].__setitem__("A2", "NOPE")))
    assert "KPIs!A2: “NOPE” is not an indicator of the Roadmap." in page


def test_formulas_are_refused_at_their_cell(demo: dict[str, int], impacs_client: Client) -> None:
    page = refused(
        impacs_client, edited(exported(), lambda b: b["Actions"].__setitem__("G5", "=F5+30"))
    )
    assert "Actions!G5: a formula (=F5+30); type the value itself." in page


def test_merged_cells_are_refused(demo: dict[str, int], impacs_client: Client) -> None:
    page = refused(impacs_client, edited(exported(), lambda b: b["Actions"].merge_cells("D2:E2")))
    assert "Actions!D2: merged cells (D2:E2)" in page


def test_a_sheet_over_10000_rows_is_refused(demo: dict[str, int], impacs_client: Client) -> None:
    def grow(book: Any) -> None:
        sheet = book["Milestones"]
        for n in range(schema.MAX_ROWS + 1):
            sheet.append(["1.1", f"Step {n}", "2026-01-01"])

    assert "has more than 10,000 rows" in refused(impacs_client, edited(exported(), grow))


def test_a_missing_status_note_for_a_changed_status_is_located(
    demo: dict[str, int], impacs_client: Client
) -> None:
    def change(book: Any) -> None:
        sheet = book["Actions"]
        current = sheet["I2"].value
        sheet["I2"] = "Completed" if current != "Completed" else "Limited progress"

    assert "Actions!J2: the status of" in refused(impacs_client, edited(exported(), change))


# --- What people do to spreadsheets -----------------------------------------------------------------


def test_messy_but_unambiguous_cells_are_accepted(demo: dict[str, int]) -> None:
    """Dates and numbers as text, stray spaces, empty rows, columns reordered, an extra column."""

    def mess(book: Any) -> None:
        actions = book["Actions"]
        row = find_row(actions, 1, "1.1")
        actions.cell(row=row, column=4).value = "  " + actions.cell(row=row, column=4).value + "  "
        start = actions.cell(row=row, column=6).value
        actions.cell(row=row, column=6).value = start.strftime("%d/%m/%Y")
        due = actions.cell(row=row, column=7).value
        actions.cell(row=row, column=7).value = due.strftime("%Y-%m-%d")
        actions.cell(row=row, column=9).value = actions.cell(row=row, column=9).value.upper()
        actions.cell(row=row, column=2).value = str(actions.cell(row=row, column=2).value)
        actions.move_range("A1:A200", cols=12)  # Code moves to column M
        actions.cell(row=1, column=14).value = "Comments"
        actions.append([])
        actions.append([None, "   "])
        kpis = book["KPIs"]
        kpis["B2"] = f" {kpis['B2'].value} "

    changes = diff.preview(country("JAM"), edited(exported(), mess))
    assert changes.problems == []
    assert changes.changes == []
    assert any("Comments" in note for note in changes.notes)


def test_codes_typed_as_numbers_are_read_when_only_one_fits(demo: dict[str, int]) -> None:
    def as_number(book: Any) -> None:
        actions = book["Actions"]
        actions.cell(row=find_row(actions, 1, "3.1"), column=1).value = 3.1  # no 3.10 on file

    changes = diff.preview(country("JAM"), edited(exported(), as_number))
    assert changes.problems == [] and changes.changes == []


def test_an_ambiguous_code_typed_as_a_number_is_an_error(demo: dict[str, int]) -> None:
    def ambiguous(book: Any) -> None:
        actions = book["Actions"]
        actions.cell(row=find_row(actions, 1, "1.1"), column=1).value = 1.1  # 1.1 or 1.10?

    changes = diff.preview(country("JAM"), edited(exported(), ambiguous))
    assert [p.message for p in changes.problems] == [
        "the code 1.1 was typed as a number, so 1.10 and 1.1 cannot be told apart; format the "
        "cell as text and type the code again."
    ]


def test_a_workbook_that_is_not_a_plan_is_refused_by_the_reader(demo: dict[str, int]) -> None:
    out = io.BytesIO()
    Workbook().save(out)
    changes = diff.preview(country("JAM"), out.getvalue())
    assert [str(p) for p in changes.problems][:1] == [
        "Plan: the sheet “Plan” is missing; export the workbook again to get it."
    ]
    with pytest.raises(WorkbookRefused):
        diff.preview(country("JAM"), b"not a workbook")


# --- Found by the property-based tests (tests/test_properties_workbooks.py) -------------------------


def test_a_code_of_only_invisible_characters_is_empty(
    demo: dict[str, int], impacs_client: Client
) -> None:
    # A zero-width space became an invisible new action's code.
    page = refused(
        impacs_client, edited(exported(), lambda b: b["Actions"].__setitem__("A2", "\u200b"))
    )
    assert "Actions!A2: “Code” is empty." in page


def test_invisible_characters_around_a_code_are_ignored(demo: dict[str, int]) -> None:
    def pad(book: Any) -> None:
        book["Actions"]["A2"] = "\ufeff" + book["Actions"]["A2"].value + "\u200b"

    changes = diff.preview(country("JAM"), edited(exported(), pad))
    assert changes.problems == [] and changes.changes == []


def test_an_invisible_character_inside_a_code_is_located(
    demo: dict[str, int], impacs_client: Client
) -> None:
    page = refused(
        impacs_client, edited(exported(), lambda b: b["Actions"].__setitem__("A2", "1\u200b.1"))
    )
    assert "Actions!A2: “1\u200b.1” holds an invisible character" in page


def test_the_models_rules_are_checked_in_the_preview_at_their_cells(
    demo: dict[str, int], impacs_client: Client
) -> None:
    """A new milestone done on 0001-01-01 went in unchecked (new rows are written in bulk); a changed
    one was refused on Apply with no cell named."""

    def change(book: Any) -> None:
        milestones = book["Milestones"]
        milestones["C2"] = dt.date(1, 1, 1)
        code = book["Actions"]["A2"].value
        milestones.append([code, "Counted again", dt.date(2026, 1, 5), dt.date(1999, 12, 31)])

    page = refused(impacs_client, edited(exported(), change))
    last = edited(exported(), change)
    assert "Milestones!C2: The date must be between 2000-01-01" in page
    rows = load_workbook(io.BytesIO(last))["Milestones"].max_row
    assert f"Milestones!D{rows}: The date must be between 2000-01-01" in page


def test_a_count_takes_whole_numbers(demo: dict[str, int], impacs_client: Client) -> None:
    from roadmap.models import Indicator

    counted = set(
        Indicator.objects.filter(unit=Indicator.Unit.COUNT).values_list("code", flat=True)
    )

    def change(book: Any) -> None:
        values = book["KPI values"]
        row = next(n for n in range(2, values.max_row + 1) if values.cell(n, 1).value in counted)
        values.cell(row, 3).value = 2.5

    page = refused(impacs_client, edited(exported(), change))
    assert "is a count: 2.5 is not a whole number." in page


def test_a_plan_field_the_workbook_does_not_know_is_named_as_ignored(demo: dict[str, int]) -> None:
    def rename(book: Any) -> None:
        plan = book["Plan"]
        row = find_row(plan, 1, "Title")
        plan.cell(row=row, column=1).value = "Plan title"  # typed over the label
        plan.append(["Remarks", ""])  # an empty stray row says nothing

    changes = diff.preview(country("JAM"), edited(exported(), rename))
    assert changes.problems == []
    assert changes.notes == [
        f"Plan!A{find_row(load_workbook(io.BytesIO(exported()))['Plan'], 1, 'Title')}: the field "
        "“Plan title” is not part of the workbook and was ignored."
    ]
    unchanged = diff.preview(country("JAM"), exported())
    assert unchanged.notes == []  # the header row and the known fields are not notes
