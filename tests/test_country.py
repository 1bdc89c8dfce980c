"""The country pages at /countries/<iso3>/: one for each of the 16 states."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans import progress
from plans.choices import Status
from plans.demo import DemoBuilder
from plans.models import Action, ActionPlan, IndicatorTarget, StatusUpdate
from roadmap.models import Country
from tests.builders import make_action, make_milestone, make_plan, make_update
from tests.conftest import DEMO_AS_OF
from tests.pages import text_of

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 24  # on a cache miss: the data version, then the figures; includes a page of actions and its count for each goal


def test_every_one_of_the_16_states_has_a_page(partner_client: Client, demo) -> None:
    codes = list(Country.objects.values_list("iso3", flat=True))
    assert len(codes) == 16
    for iso3 in codes:
        response = partner_client.get(f"/countries/{iso3.lower()}/")
        assert response.status_code == 200, iso3


def test_an_unknown_code_is_not_found(partner_client: Client, demo) -> None:
    assert partner_client.get("/countries/xyz/").status_code == 404
    assert partner_client.get("/countries/jama/").status_code == 404


def test_an_upper_case_code_redirects_to_the_lower_case_address(
    partner_client: Client, demo
) -> None:
    response = partner_client.get("/countries/JAM/")
    assert response.status_code == 301
    assert response["Location"] == "/countries/jam/"


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, demo) -> None:
    response = client.get("/countries/jam/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_plan_summary_gives_stage_dates_and_document(partner_client: Client) -> None:
    make_plan(
        "JAM",
        title="Jamaica NAP",
        seminar_held_on=dt.date(2021, 6, 24),
        baseline_assessed_on=dt.date(2022, 2, 16),
        document_url="https://example.org/jam-nap.pdf",
    )
    text = text_of(partner_client.get("/countries/jam/"))
    assert "Jamaica NAP" in text
    assert "<dt>Executive seminar held</dt><dd>24 Jun 2021</dd>" in text
    assert "<dt>Baseline assessment</dt><dd>16 Feb 2022</dd>" in text
    assert "<dt>Formally approved</dt><dd>1 Oct 2022</dd>" in text
    assert 'href="https://example.org/jam-nap.pdf"' in text


def test_it_shows_completion_now_beside_completion_at_baseline(partner_client: Client) -> None:
    plan = make_plan("JAM")
    make_action(plan, status=Status.COMPLETED, baseline_status=Status.LIMITED)
    make_action(plan, status=Status.SUBSTANTIAL, baseline_status=Status.NOT_STARTED)
    make_action(plan, status=Status.NOT_APPLICABLE, baseline_status=Status.NOT_STARTED)
    now = progress.completion([Status.COMPLETED, Status.SUBSTANTIAL, Status.NOT_APPLICABLE])
    baseline = progress.completion([Status.LIMITED, Status.NOT_STARTED, Status.NOT_STARTED])
    text = text_of(partner_client.get("/countries/jam/"))
    assert f'<span class="compare-value" id="completion-now">{now:.0f} %</span>' in text
    assert f'<span class="compare-value" id="completion-baseline">{baseline:.0f} %</span>' in text
    assert "How is this calculated?" in text


def test_it_draws_charts_5_to_7_one_per_national_kpi(partner_client: Client, demo) -> None:
    plan = ActionPlan.objects.current().get(country__iso3="JAM")
    kpis = IndicatorTarget.objects.filter(plan=plan).count()
    assert kpis > 0
    response = partner_client.get("/countries/jam/")
    html = response.content.decode()
    chart_ids = re.findall(r'<div id="(chart-[\w-]+)" class="chart"', html)
    assert chart_ids == ["chart-timeline", "chart-goals"] + [
        f"chart-kpi-{n}" for n in range(1, kpis + 1)
    ]
    assert html.count('<details class="chart-table') == len(chart_ids)


def test_the_timeline_has_a_bar_for_every_action(partner_client: Client, demo) -> None:
    plan = ActionPlan.objects.current().get(country__iso3="JAM")
    response = partner_client.get("/countries/jam/")
    chart = response.context["timeline_chart"]
    assert sum(len(trace.y) for trace in chart.figure.data) == plan.actions.count()


def test_the_goal_chart_agrees_with_the_formula(partner_client: Client, demo) -> None:
    plan = ActionPlan.objects.current().get(country__iso3="JAM")
    expected = []
    for number in (1, 2, 3, 4):
        actions = Action.objects.filter(plan=plan, goal__number=number)
        expected.append(
            [
                f"Goal {number}",
                progress.percent(
                    progress.completion(actions.values_list("baseline_status", flat=True))
                ),
                progress.percent(progress.completion(actions.values_list("status", flat=True))),
            ]
        )
    chart = partner_client.get("/countries/jam/").context["goals_chart"]
    assert chart.table.rows == expected


def test_actions_are_grouped_by_goal_with_status_and_overdue_badges(
    partner_client: Client, demo
) -> None:
    plan = ActionPlan.objects.current().get(country__iso3="JAM")
    today = timezone.localdate()
    overdue = [a for a in plan.actions.all() if progress.is_overdue(a.status, a.due_date, today)]
    assert overdue
    html = partner_client.get("/countries/jam/").content.decode()
    section = html[html.index('id="actions"') :]
    headings = re.findall(r"<h3>(Goal \d):", section)
    assert headings == ["Goal 1", "Goal 2", "Goal 3", "Goal 4"]
    assert section.count('<span class="badge overdue">Overdue</span>') == len(overdue)
    assert f'href="/actions/{overdue[0].pk}/"' in section
    assert section.count('<span class="badge status-') >= plan.actions.count()


def test_action_codes_sort_naturally(partner_client: Client) -> None:
    plan = make_plan("JAM")
    for code in ["1.10", "1.2", "1.9"]:
        make_action(plan, code=code)
    codes = [a.code for a in partner_client.get("/countries/jam/").context["actions"]]
    assert codes == ["1.2", "1.9", "1.10"]


def test_milestones_due_soon_and_recent_updates(partner_client: Client) -> None:
    today = timezone.localdate()
    plan = make_plan("JAM")
    action = make_action(plan, title="Review the firearms act")
    make_milestone(action, title="Bill before parliament", due_date=today + dt.timedelta(days=20))
    make_milestone(action, title="Far away", due_date=today + dt.timedelta(days=400))
    make_milestone(action, title="Done already", due_date=today, completed_on=today)
    make_milestone(action, title="Missed", due_date=today - dt.timedelta(days=3))
    make_update(action, Status.LIMITED, today, note="Drafting instructions issued.")
    text = text_of(partner_client.get("/countries/jam/"))
    soon = text[text.index("Milestones due soon") : text.index("Recent updates")]
    assert "Bill before parliament" in soon
    assert "Far away" not in soon and "Done already" not in soon and "Missed" not in soon
    assert "1 overdue" in soon
    updates = text[text.index("Recent updates") :]
    assert "Drafting instructions issued." in updates
    assert "Not started</span>" in updates and "Limited progress</span>" in updates


@pytest.mark.parametrize("iso3", ["dma", "msr"])
def test_a_state_without_a_plan_gets_a_page_saying_where_it_stands(
    partner_client: Client, demo, iso3: str
) -> None:
    response = partner_client.get(f"/countries/{iso3}/")
    assert response.status_code == 200
    text = text_of(response)
    assert "has no national action plan" in text
    assert "counts as <strong>not started</strong>" in text
    assert 'class="chart"' not in text
    assert "plotly.min.js" not in text


@pytest.mark.parametrize(
    ("iso3", "stage"), [("bhs", "drafting"), ("dom", "executive seminar held")]
)
def test_a_plan_not_yet_drafted_gets_a_page_with_its_stage(
    partner_client: Client, demo, iso3: str, stage: str
) -> None:
    text = text_of(partner_client.get(f"/countries/{iso3}/"))
    assert f"The plan is at the stage <strong>{stage}</strong>" in text
    assert "not yet among the drafted plans" in text
    assert 'class="chart"' not in text


def test_a_drafted_plan_without_actions_or_kpis_still_renders(partner_client: Client) -> None:
    make_plan("JAM")
    text = text_of(partner_client.get("/countries/jam/"))
    assert "This plan has no actions recorded yet." in text
    assert "No national KPI has been set for this plan." in text
    assert "No status update has been recorded for this plan yet." in text


def test_the_country_page_has_no_inline_script(partner_client: Client, demo) -> None:
    html = partner_client.get("/countries/jam/").content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_the_country_page_runs_the_same_queries_at_ten_times_the_data(
    partner_client: Client, django_assert_max_num_queries
) -> None:
    DemoBuilder(DEMO_AS_OF).build()
    with CaptureQueriesContext(connection) as demo_size:
        assert partner_client.get("/countries/jam/").status_code == 200
    DemoBuilder(DEMO_AS_OF, scale=10).build()
    plan = ActionPlan.objects.current().get(country__iso3="JAM")
    assert plan.actions.count() > 200
    # Ten times the demonstration's actions, and a longer history for each.
    assert StatusUpdate.objects.filter(action__plan=plan).count() > 1000
    with django_assert_max_num_queries(QUERY_BUDGET) as ten_times:
        assert partner_client.get("/countries/jam/").status_code == 200
    assert len(ten_times) == len(demo_size) <= QUERY_BUDGET
