"""The actions list: every action of every current plan; filters in the URL, sorting, pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client, RequestFactory

from plans.choices import Status
from plans.demo import DemoBuilder
from plans.models import Action
from plans.tables import ActionTable
from tests.builders import goal, make_action, make_plan
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.django_db
# session, user, two permission look-ups, demo banner, count, page, filter choices (countries, goals),
# and the validation of the countries asked for
QUERY_BUDGET = (
    11  # on a cache miss: the data version, then the filtered page of actions and its count
)


def listed(response) -> list[Action]:  # type: ignore[no-untyped-def]
    return [row.record for row in response.context["table"].paginated_rows]


def codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [action.code for action in listed(response)]


@pytest.fixture
def plans(db: None) -> dict[str, object]:
    """Two current plans with a few distinct actions, and an earlier plan that must never show."""
    jam = make_plan("JAM")
    brb = make_plan("BRB")
    old = make_plan("TTO", is_current=False)
    return {
        "jam-done": make_action(
            jam,
            code="1.1",
            title="Review the firearms act",
            status=Status.COMPLETED,
            due_date=dt.date(2024, 6, 30),
        ),
        "jam-late": make_action(
            jam,
            code="2.1",
            goal=goal(2),
            title="Install cargo scanners",
            lead_agency="Customs and Excise Department",
            status=Status.LIMITED,
            start_date=dt.date(2022, 1, 1),
            due_date=dt.date(2023, 3, 31),
        ),
        "brb-open": make_action(
            brb,
            code="3.1",
            goal=goal(3),
            title="Connect to iARMS",
            lead_agency="Police Firearms Unit",
            status=Status.NOT_STARTED,
            due_date=dt.date(2028, 12, 31),
        ),
        "brb-na": make_action(
            brb, code="4.1", goal=goal(4), title="Mark state firearms", status=Status.NOT_APPLICABLE
        ),
        "old": make_action(old, code="9.9", title="Old plan action"),
    }


def test_it_lists_every_action_of_every_current_plan(partner_client: Client, plans) -> None:
    response = partner_client.get("/actions/")
    assert response.status_code == 200
    assert sorted(codes(response)) == ["1.1", "2.1", "3.1", "4.1"]
    html = response.content.decode()
    assert "Old plan action" not in html
    assert f'href="/actions/{plans["jam-done"].pk}/"' in html
    assert 'href="/countries/jam/"' in html


def test_every_column_sorts_both_ways_and_renders(partner_client: Client, demo) -> None:
    table = ActionTable(Action.objects.current())
    sortable = [column.name for column in table.columns if column.orderable]
    assert len(sortable) == 11
    for name in sortable:
        for sort in (name, f"-{name}"):
            response = partner_client.get("/actions/", {"sort": sort})
            assert response.status_code == 200, sort
            assert response.context["table"].order_by == (sort,)
            assert len(listed(response)) == 50


def test_the_country_page_can_use_the_same_table_without_the_country_column(plans) -> None:
    jamaica = Action.objects.current().filter(plan__country__iso3="JAM")
    table = ActionTable(
        jamaica, exclude=("country",), order_by="-due_date", today=dt.date(2025, 1, 1)
    )
    assert "country" not in [column.name for column in table.columns]
    assert [row.record.code for row in table.rows] == ["1.1", "2.1"]
    assert [row.get_cell_value("overdue") for row in table.rows] == ["No", "Yes"]
    html = table.as_html(RequestFactory().get("/countries/jam/"))
    assert "Install cargo scanners" in html
    assert "/countries/jam/" not in html


def test_an_unknown_sort_keeps_the_default_order(partner_client: Client, plans) -> None:
    response = partner_client.get("/actions/?sort=nonsense")
    assert response.status_code == 200
    assert codes(response) == codes(partner_client.get("/actions/"))
    assert codes(response) == ["3.1", "4.1", "1.1", "2.1"]  # Barbados, then Jamaica


def test_codes_sort_naturally(partner_client: Client) -> None:
    plan = make_plan("JAM")
    for code in ["1.10", "1.2", "1.9", "2.1", "1.1.3", "A3", "10.1"]:
        make_action(plan, code=code)
    assert codes(partner_client.get("/actions/?sort=code")) == [
        "1.1.3",
        "1.2",
        "1.9",
        "1.10",
        "2.1",
        "10.1",
        "A3",
    ]
    assert codes(partner_client.get("/actions/?sort=-code"))[:3] == ["A3", "10.1", "2.1"]


def test_status_sorts_along_the_scale(partner_client: Client, plans) -> None:
    statuses = [a.status for a in listed(partner_client.get("/actions/?sort=status"))]
    assert statuses == [
        Status.NOT_STARTED,
        Status.LIMITED,
        Status.COMPLETED,
        Status.NOT_APPLICABLE,
    ]


def test_overdue_actions_sort_first(partner_client: Client, plans) -> None:
    assert codes(partner_client.get("/actions/?sort=overdue"))[0] == "2.1"
    assert codes(partner_client.get("/actions/?sort=-overdue"))[-1] == "2.1"


def test_dates_sort_with_empty_values_last(partner_client: Client, plans) -> None:
    Action.objects.filter(code="3.1").update(status_changed_on=dt.date(2025, 1, 1))
    for sort in ("status_changed_on", "-status_changed_on"):
        assert codes(partner_client.get("/actions/", {"sort": sort}))[0] == "3.1"


def test_it_filters_by_several_countries(partner_client: Client, plans) -> None:
    make_action(make_plan("GUY"), code="5.5")
    assert sorted(codes(partner_client.get("/actions/?country=JAM"))) == ["1.1", "2.1"]
    assert sorted(codes(partner_client.get("/actions/?country=JAM&country=BRB"))) == [
        "1.1",
        "2.1",
        "3.1",
        "4.1",
    ]


def test_it_filters_by_goal_number(partner_client: Client, plans) -> None:
    assert codes(partner_client.get("/actions/?goal=2")) == ["2.1"]


def test_it_filters_by_several_statuses(partner_client: Client, plans) -> None:
    response = partner_client.get("/actions/?status=completed&status=not_started")
    assert sorted(codes(response)) == ["1.1", "3.1"]


def test_it_filters_overdue_actions_only(partner_client: Client, plans) -> None:
    assert codes(partner_client.get("/actions/?overdue=on")) == ["2.1"]
    assert len(codes(partner_client.get("/actions/?overdue="))) == 4


def test_it_filters_by_due_date(partner_client: Client, plans) -> None:
    assert sorted(codes(partner_client.get("/actions/?due_before=2024-06-30"))) == ["1.1", "2.1"]
    assert sorted(codes(partner_client.get("/actions/?due_after=2024-06-30"))) == [
        "1.1",
        "3.1",
        "4.1",
    ]
    both = partner_client.get("/actions/?due_after=2024-01-01&due_before=2025-01-01")
    assert codes(both) == ["1.1"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("2.1", ["2.1"]), ("firearms act", ["1.1"]), ("customs", ["2.1"]), ("IARMS", ["3.1"])],
)
def test_search_looks_in_code_title_and_lead_agency(
    partner_client: Client, plans, q: str, expected: list[str]
) -> None:
    assert codes(partner_client.get("/actions/", {"q": q})) == expected


def test_a_blank_search_leaves_the_list_alone(partner_client: Client, plans) -> None:
    assert len(codes(partner_client.get("/actions/?q=+++"))) == 4


def test_filters_combine(partner_client: Client, plans) -> None:
    response = partner_client.get("/actions/?country=JAM&status=limited&overdue=on&q=cargo")
    assert codes(response) == ["2.1"]
    assert response.context["filter"].active_count == 4


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=bogus", "status", "Select a valid choice. bogus is not one of"),
        ("due_before=notadate", "due_before", "Enter a valid date."),
        ("due_after=2026-13-45", "due_after", "Enter a valid date."),
        ("country=XXX", "country", "Select a valid choice. XXX is not one of"),
        ("goal=9", "goal", "Select a valid choice."),
    ],
)
def test_an_invalid_filter_shows_its_error_and_lists_nothing(
    partner_client: Client, plans, query: str, field: str, message: str
) -> None:
    response = partner_client.get(f"/actions/?{query}")
    assert response.status_code == 200
    assert field in response.context["filter"].errors
    assert listed(response) == []
    html = response.content.decode()
    assert message in html
    assert "Some filters could not be applied." in html
    assert f'<a href="#id_{field}">' in html  # the summary leads to the field
    assert 'href="/actions/">Clear all filters' in html


def test_an_empty_result_says_so_and_offers_to_clear_the_filters(
    partner_client: Client, plans
) -> None:
    html = partner_client.get("/actions/?q=nothing-like-this").content.decode()
    assert "No actions match these filters." in html
    assert 'href="/actions/">Clear all filters' in html


def test_the_filters_live_in_the_url(partner_client: Client, plans) -> None:
    html = partner_client.get("/actions/?country=JAM&status=limited").content.decode()
    assert 'method="get"' in html
    assert re.search(r'<input type="checkbox" name="country" value="JAM"[^>]* checked>', html)
    assert re.search(r'<input type="checkbox" name="status" value="limited"[^>]* checked>', html)
    # Sorting and exports keep the filters.
    assert "?country=JAM&amp;status=limited&amp;sort=title" in html
    assert "?country=JAM&amp;status=limited&amp;export=csv" in html
    assert "?country=JAM&amp;status=limited&amp;export=xlsx" in html


def test_it_shows_50_actions_a_page_with_a_choice_of_page_size(
    partner_client: Client, demo
) -> None:
    total = Action.objects.current().count()
    response = partner_client.get("/actions/")
    assert len(listed(response)) == 50
    assert f"Showing 1–50 of {total}" in response.content.decode()
    for size in (25, 100, 200):
        assert len(listed(partner_client.get("/actions/", {"per_page": size}))) == size
    # Sizes the page does not offer fall back to 50: nobody loads every row by accident.
    assert len(listed(partner_client.get("/actions/?per_page=100000"))) == 50
    assert len(listed(partner_client.get("/actions/?per_page=abc"))) == 50


def test_a_page_past_the_end_shows_the_last_page(partner_client: Client, demo) -> None:
    response = partner_client.get("/actions/?page=999")
    assert response.status_code == 200
    assert response.context["table"].page.number == response.context["table"].paginator.num_pages


def test_jamaicas_completed_actions_in_the_demonstration(partner_client: Client, demo) -> None:
    expected = Action.objects.current().filter(plan__country__iso3="JAM", status=Status.COMPLETED)
    response = partner_client.get("/actions/?country=JAM&status=completed")
    assert expected.exists()
    assert {a.pk for a in listed(response)} == set(expected.values_list("pk", flat=True))


def test_a_partner_official_can_read_the_list(partner_client: Client, plans) -> None:
    assert partner_client.get("/actions/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/actions/?country=JAM")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/actions/")


def test_a_user_in_no_group_is_refused(client: Client, django_user_model) -> None:
    client.force_login(django_user_model.objects.create_user("nobody", password="x-123456789"))
    assert client.get("/actions/").status_code == 403


def test_the_query_count_does_not_grow_with_the_data(
    partner_client: Client, demo, django_assert_max_num_queries
) -> None:
    urls = [
        "/actions/?per_page=200",
        "/actions/?country=JAM&country=BRB&status=limited&sort=-code&per_page=200",
        "/actions/?overdue=on&sort=status&per_page=200",
        "/actions/?q=customs&goal=2&sort=-overdue&per_page=200",
    ]

    def count(url: str) -> int:
        with django_assert_max_num_queries(QUERY_BUDGET) as queries:
            response = partner_client.get(url)
        assert response.status_code == 200
        assert listed(response)
        return len(queries)

    small = [count(url) for url in urls]
    DemoBuilder(DEMO_AS_OF, scale=10).build()
    assert [count(url) for url in urls] == small
