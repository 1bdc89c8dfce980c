"""CSV and Excel exports: the filtered list, every page of it, as plain values, named with the date."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from plans import progress
from plans.choices import Status
from plans.demo import DemoBuilder
from plans.models import Action
from plans.views.lists import countries_with_progress
from tests.builders import make_action, make_plan
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.django_db
QUERY_BUDGET = 5  # session, user, two permission look-ups, the rows

ACTION_HEADERS = [
    "Country",
    "Code",
    "Title",
    "Goal",
    "Target",
    "Lead agency",
    "Start",
    "Due",
    "Status",
    "Overdue",
    "Last update",
]


def expected_action_row(action: Action) -> list[Any]:
    """What a user should find in the export for an action, as plain values."""
    overdue = progress.is_overdue(action.status, action.due_date, timezone.localdate())
    return [
        action.plan.country.name,
        action.code,
        action.title,
        action.goal.number,
        action.target.code if action.target else None,
        action.lead_agency,
        action.start_date,
        action.due_date,
        action.get_status_display(),
        "Yes" if overdue else "No",
        action.status_changed_on,
    ]


def as_csv_text(row: list[Any]) -> list[str]:
    return ["" if v is None else v.isoformat() if isinstance(v, dt.date) else str(v) for v in row]


def read_csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def read_xlsx(response) -> list[list[Any]]:  # type: ignore[no-untyped-def]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    return [
        [v.date() if isinstance(v, dt.datetime) else v for v in row]
        for row in sheet.iter_rows(values_only=True)
    ]


def jamaica_completed() -> list[Action]:
    return list(
        Action.objects.current()
        .filter(plan__country__iso3="JAM", status=Status.COMPLETED)
        .select_related("plan__country", "goal", "target")
    )


def test_the_csv_holds_the_filtered_actions_as_plain_values(partner_client: Client, demo) -> None:
    response = partner_client.get("/actions/?country=JAM&status=completed&export=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = read_csv(response)
    assert header == ACTION_HEADERS
    expected = [as_csv_text(expected_action_row(a)) for a in jamaica_completed()]
    assert expected
    assert sorted(rows) == sorted(expected)
    assert not any("<" in cell for row in rows for cell in row)  # no HTML in an export


def test_the_xlsx_holds_the_same_rows(partner_client: Client, demo) -> None:
    response = partner_client.get("/actions/?country=JAM&status=completed&export=xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    header, *rows = read_xlsx(response)
    assert list(header) == ACTION_HEADERS
    expected = [expected_action_row(a) for a in jamaica_completed()]
    key = repr
    assert sorted(rows, key=key) == sorted(expected, key=key)


def test_the_page_and_the_export_show_the_same_rows_in_the_same_order(
    partner_client: Client, demo
) -> None:
    query = "/actions/?country=JAM&status=completed&sort=-due_date"
    page = partner_client.get(query)
    shown = [(r.record.code, r.record.title) for r in page.context["table"].paginated_rows]
    exported = [(row[1], row[2]) for row in read_csv(partner_client.get(query + "&export=csv"))[1:]]
    assert exported == shown
    assert len(shown) == len(jamaica_completed())


def test_an_export_holds_every_page_not_just_the_one_shown(partner_client: Client, demo) -> None:
    total = Action.objects.current().count()
    assert total > 200
    rows = read_csv(partner_client.get("/actions/?page=3&per_page=25&export=csv"))[1:]
    assert len(rows) == total
    assert len(read_xlsx(partner_client.get("/actions/?export=xlsx"))[1:]) == total


def test_the_file_is_named_with_the_date(partner_client: Client, demo) -> None:
    today = timezone.localdate().isoformat()
    csv_response = partner_client.get("/actions/?export=csv")
    assert csv_response["Content-Disposition"] == (
        f'attachment; filename="roadmap-actions-{today}.csv"'
    )
    xlsx_response = partner_client.get("/countries/?export=xlsx")
    assert xlsx_response["Content-Disposition"] == (
        f'attachment; filename="roadmap-countries-{today}.xlsx"'
    )


def test_the_countries_export_matches_the_list(partner_client: Client, demo) -> None:
    header, *rows = read_csv(partner_client.get("/countries/?export=csv"))
    assert header == [
        "Country",
        "ISO",
        "CARICOM",
        "Plan stage",
        "Stage reached",
        "Actions",
        "Baseline",
        "Completion now",
        "Change",
        "Overdue",
    ]
    assert len(rows) == 16
    by_iso = {row[1]: row for row in rows}
    for country in countries_with_progress():
        row = by_iso[country.iso3]
        assert row[0] == country.name
        if country.completion is None:
            assert row[7] == ""
        else:
            assert float(row[7]) == pytest.approx(country.completion, abs=0.05)
    assert by_iso["DOM"][2] == "No"
    assert by_iso["MSR"][3:] == ["Not started", "", "", "", "", "", ""]


def test_text_that_looks_like_a_formula_is_exported_as_text(partner_client: Client) -> None:
    plan = make_plan("JAM")
    make_action(
        plan, code="1.1", title='=HYPERLINK("http://example.com","click")', lead_agency="@SUM(A1)"
    )
    csv_row = read_csv(partner_client.get("/actions/?export=csv"))[1]
    assert csv_row[2] == '\'=HYPERLINK("http://example.com","click")'
    assert csv_row[5] == "'@SUM(A1)"
    xlsx = openpyxl.load_workbook(
        io.BytesIO(partner_client.get("/actions/?export=xlsx").content)
    ).active
    assert xlsx is not None
    # A typed text cell: never evaluated, so shown exactly as written, with no apostrophe.
    assert xlsx["C2"].data_type == "s"
    assert xlsx["C2"].value == '=HYPERLINK("http://example.com","click")'
    assert xlsx["F2"].value == "@SUM(A1)"


@pytest.mark.parametrize(
    "title",
    [
        " =1+2",  # a leading space
        "\n=1+2",  # a line feed
        '"=1+2',  # a quote
        "\uff1d1+2",  # a full-width equals sign
        "  \t+cmd|' /C calc'!A0",
        "\u3000-2+3",
    ],
)
def test_csv_defusing_sees_through_what_a_spreadsheet_skips(
    partner_client: Client, title: str
) -> None:
    make_action(make_plan("JAM"), code="1.1", title=title)
    csv_row = read_csv(partner_client.get("/actions/?export=csv"))[1]
    assert csv_row[2] == "'" + title
    sheet = openpyxl.load_workbook(
        io.BytesIO(partner_client.get("/actions/?export=xlsx").content)
    ).active
    assert sheet is not None
    assert (sheet["C2"].data_type, sheet["C2"].value) == ("s", title)


def test_ordinary_text_is_exported_unchanged(partner_client: Client) -> None:
    make_action(make_plan("JAM"), code="1.1", title="Review the act (2024) = priority")
    assert read_csv(partner_client.get("/actions/?export=csv"))[1][2] == (
        "Review the act (2024) = priority"
    )


def test_an_invalid_filter_exports_no_rows_rather_than_everything(
    partner_client: Client, demo
) -> None:
    response = partner_client.get("/actions/?status=bogus&export=csv")
    assert response.status_code == 200
    assert read_csv(response) == [ACTION_HEADERS]


def test_a_format_the_site_does_not_offer_shows_the_page(partner_client: Client, demo) -> None:
    for fmt in ("json", "xls", "ods", "yaml", "latex", "nonsense"):
        response = partner_client.get(f"/actions/?export={fmt}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")


def test_anonymous_visitors_cannot_export(client: Client, demo) -> None:
    response = client.get("/actions/?export=csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_export_takes_the_same_queries_at_ten_times_the_data(
    partner_client: Client, demo, django_assert_max_num_queries
) -> None:
    urls = ["/actions/?export=csv", "/actions/?overdue=on&export=xlsx", "/countries/?export=csv"]

    def count(url: str) -> int:
        with django_assert_max_num_queries(QUERY_BUDGET) as queries:
            assert partner_client.get(url).status_code == 200
        return len(queries)

    small = [count(url) for url in urls]
    DemoBuilder(DEMO_AS_OF, scale=10).build()
    assert [count(url) for url in urls] == small
