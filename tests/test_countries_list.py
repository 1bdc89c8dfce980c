"""The countries list: all 16 states, their current plan's stage and figures, sortable by every column."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from plans import progress
from plans.choices import Stage, Status
from plans.demo import DemoBuilder
from plans.models import ActionPlan
from plans.tables import CountryTable
from plans.views.lists import countries_with_progress
from roadmap.models import Country
from tests.builders import make_action, make_plan
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.django_db
QUERY_BUDGET = 7  # session, user, two permission look-ups, demo banner, data version, the countries


def rows(response) -> list:  # type: ignore[no-untyped-def]
    return list(response.context["table"].paginated_rows)


def test_it_lists_all_16_states_with_the_most_complete_first(partner_client: Client, demo) -> None:
    response = partner_client.get("/countries/")
    assert response.status_code == 200
    records = [row.record for row in rows(response)]
    assert len(records) == 16
    completions = [r.completion for r in records if r.completion is not None]
    assert completions == sorted(completions, reverse=True)
    # States without figures come last, not first, in a descending sort.
    assert all(r.completion is None for r in records[len(completions) :])
    assert records[0].iso3 in {"ATG", "KNA"}  # complete in the demonstration


def test_a_state_without_a_current_plan_shows_not_started_and_no_figures(
    partner_client: Client, demo
) -> None:
    response = partner_client.get("/countries/")
    montserrat = next(row for row in rows(response) if row.record.iso3 == "MSR")
    assert montserrat.record.stage == Stage.NOT_STARTED
    assert "Not started" in montserrat.get_cell("stage")
    for column in ("action_count", "baseline_completion", "completion", "completion_change"):
        assert montserrat.get_cell(column) == "–"


def test_the_figures_are_those_of_progress(partner_client: Client, demo) -> None:
    plans = {p.country.iso3: p for p in ActionPlan.objects.current().with_progress()}
    for country in countries_with_progress():
        plan = plans.get(country.iso3)
        if plan is None:
            assert country.action_count == 0
            continue
        assert country.action_count == plan.action_count
        assert country.overdue_count == plan.overdue_count
        assert country.completion == pytest.approx(plan.completion)
        assert country.baseline_completion == pytest.approx(plan.baseline_completion)
        assert country.completion_change == pytest.approx(
            progress.completion_change(plan.completion, plan.baseline_completion)
        )


def test_an_earlier_plan_is_not_counted(partner_client: Client) -> None:
    old = make_plan("JAM", is_current=False, title="Jamaica NAP 2018", start_year=2018)
    long_ago = {"start_date": dt.date(2019, 1, 1), "due_date": dt.date(2020, 1, 1)}
    for _ in range(3):
        make_action(old, status=Status.COMPLETED, **long_ago)
    make_action(old, status=Status.NOT_STARTED, **long_ago)  # overdue, but in the old plan
    current = make_plan("JAM", stage=Stage.DRAFT_COMPLETED, approved_on=None)
    make_action(current, status=Status.LIMITED, baseline_status=Status.NOT_STARTED)
    make_action(current, status=Status.NOT_STARTED, baseline_status=Status.NOT_STARTED)

    jamaica = countries_with_progress().get(iso3="JAM")
    assert jamaica.action_count == 2
    assert jamaica.overdue_count == 0
    assert jamaica.completion == pytest.approx(100 / 6)
    assert jamaica.baseline_completion == 0
    assert jamaica.stage == Stage.DRAFT_COMPLETED
    assert jamaica.stage_reached_on == current.draft_completed_on

    response = partner_client.get("/countries/")
    row = next(row for row in rows(response) if row.record.iso3 == "JAM")
    assert row.get_cell_value("action_count") == 2
    assert row.get_cell_value("stage") == "Draft completed"


def test_a_state_whose_only_plan_is_not_current_has_no_figures() -> None:
    old = make_plan("BRB", is_current=False)
    make_action(old, status=Status.COMPLETED)
    barbados = countries_with_progress().get(iso3="BRB")
    assert barbados.plan_id is None
    assert barbados.stage == Stage.NOT_STARTED
    assert barbados.action_count == 0
    assert barbados.completion is None


def test_every_column_sorts_both_ways_and_renders(partner_client: Client, demo) -> None:
    table = CountryTable(countries_with_progress())
    for column in table.columns:
        if not column.orderable:
            continue
        for sort in (column.name, f"-{column.name}"):
            response = partner_client.get("/countries/", {"sort": sort})
            assert response.status_code == 200, sort
            assert len(rows(response)) == 16
            assert response.context["table"].order_by == (sort,)


def test_numeric_columns_sort_as_numbers_with_empty_figures_last(partner_client: Client) -> None:
    many = make_plan("JAM")
    for _ in range(10):
        make_action(many)
    few = make_plan("BRB")
    for _ in range(2):
        make_action(few)
    make_plan("GUY")  # a plan with no actions: no completion

    by_count = [r.record.iso3 for r in rows(partner_client.get("/countries/?sort=-action_count"))]
    assert by_count[:2] == ["JAM", "BRB"]  # 10 before 2: numbers, not text

    ascending = [r.record for r in rows(partner_client.get("/countries/?sort=completion"))]
    assert ascending[0].completion is not None
    assert ascending[-1].completion is None


def test_stage_sorts_by_the_lifecycle_not_the_alphabet(partner_client: Client, demo) -> None:
    stages = [r.record.stage for r in rows(partner_client.get("/countries/?sort=-stage"))]
    order = [Stage.APPROVED, Stage.DRAFT_COMPLETED, Stage.DRAFTING, Stage.SEMINAR_HELD]
    assert stages == sorted(stages, key=lambda s: order.index(s) if s in order else 9)


def test_names_link_to_country_pages_and_counts_to_the_actions_list(
    partner_client: Client, demo
) -> None:
    html = partner_client.get("/countries/").content.decode()
    assert 'href="/countries/jam/"' in html
    assert 'href="/actions/?country=JAM"' in html
    assert 'href="/actions/?country=JAM&amp;overdue=on"' in html


def test_the_page_explains_its_figures(partner_client: Client, demo) -> None:
    html = partner_client.get("/countries/").content.decode()
    assert "How is this calculated?" in html
    assert "Export CSV" in html and "Export Excel" in html


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/countries/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_in_no_group_is_refused(client: Client, django_user_model) -> None:
    client.force_login(django_user_model.objects.create_user("nobody", password="x-123456789"))
    assert client.get("/countries/").status_code == 403


def test_the_query_count_does_not_grow_with_the_data(
    partner_client: Client, demo, django_assert_max_num_queries
) -> None:
    def count() -> int:
        with django_assert_max_num_queries(QUERY_BUDGET) as queries:
            assert partner_client.get("/countries/").status_code == 200
        return len(queries)

    small = count()
    DemoBuilder(DEMO_AS_OF, scale=10).build()
    assert Country.objects.count() == 16
    assert count() == small
