"""Export: /countries/<iso3>/plan.xlsx and manage.py export_plan."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from plans.models import Action
from plans.workbooks import schema
from tests.builders import make_action, make_plan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_partners_download_a_countrys_plan_as_a_workbook(
    demo: dict[str, int], partner_client: Client
) -> None:
    response = partner_client.get("/countries/jam/plan.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert 'filename="plan-jam.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:6] == [
        "Instructions",
        "Plan",
        "Actions",
        "Milestones",
        "KPIs",
        "KPI values",
    ]
    actions = book["Actions"]
    assert [c.value for c in actions[1]] == [c.header for c in schema.COLUMNS["Actions"]]
    assert actions.freeze_panes == "A2"
    assert actions.max_row >= Action.objects.filter(plan__country__iso3="JAM").count() + 1
    # Real dates, codes as text, labels for statuses, drop-downs for goal, target and statuses.
    assert isinstance(actions["F2"].value, dt.datetime)
    assert isinstance(actions["A2"].value, str)
    assert actions["I2"].value in {
        "Not started",
        "Limited progress",
        "Substantial progress",
        "Completed",
        "Not applicable",
    }
    validated = {str(v.sqref).split(":")[0] for v in actions.data_validations.dataValidation}
    assert {"B2", "C2", "H2", "I2"} <= validated
    assert book["Lists"].sheet_state == "hidden"
    assert isinstance(book["KPIs"]["B2"].value, int | float)


def test_a_state_without_a_plan_gets_the_same_workbook_empty(
    demo: dict[str, int], partner_client: Client
) -> None:
    response = partner_client.get("/countries/dma/plan.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book["Actions"]["A2"].value is None
    assert book["Plan"]["A2"].value == "Title"
    assert book["Plan"]["B2"].value is None


def test_text_that_looks_like_a_formula_stays_text(db: None, partner_client: Client) -> None:
    plan = make_plan()
    make_action(plan, code="1.1", title='=HYPERLINK("http://evil")')
    book = load_workbook(io.BytesIO(partner_client.get("/countries/jam/plan.xlsx").content))
    cell = book["Actions"]["D2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil")'


def test_anonymous_visitors_cannot_download(db: None, client: Client) -> None:
    assert client.get("/countries/jam/plan.xlsx").status_code == 302


def test_the_country_page_links_the_workbook(demo: dict[str, int], partner_client: Client) -> None:
    page = partner_client.get("/countries/jam/").content.decode()
    assert "/countries/jam/plan.xlsx" in page
    assert "/countries/jam/import/" not in page  # partners do not import


def test_export_plan_writes_the_file(demo: dict[str, int], tmp_path: Path) -> None:
    target = tmp_path / "jam.xlsx"
    call_command("export_plan", "JAM", "-o", str(target))
    assert load_workbook(target)["Plan"]["B2"].value
