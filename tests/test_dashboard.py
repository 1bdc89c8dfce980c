"""The regional dashboard at /: headline, stages, overdue actions, charts 1-4, lists."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans import progress
from plans.choices import DRAFTED_STAGES, Stage
from plans.demo import DemoBuilder
from plans.models import Action, ActionPlan, StatusUpdate
from tests.conftest import DEMO_AS_OF
from tests.pages import text_of

pytestmark = pytest.mark.django_db

# Session, user, two permission lookups, then the page's own queries; the same at any data size.
QUERY_BUDGET = 14  # session, user, permissions, demo banner, data version, then the figures


def test_the_headline_counts_the_complete_drafted_plans(partner_client: Client, demo) -> None:
    # Computed here from the actions themselves, not from the SQL the page uses.
    flags = []
    for plan in ActionPlan.objects.filter(is_current=True, stage__in=DRAFTED_STAGES):
        statuses = list(plan.actions.values_list("status", flat=True))
        flags.append(progress.is_complete(statuses))
    expected = progress.headline(flags)
    assert expected.drafted == 12

    response = partner_client.get("/")
    text = text_of(response)
    assert (
        f'<span class="headline-k">{expected.complete}</span> of '
        f'<span class="headline-n">12</span> drafted plans complete' in text
    )
    assert "How is this calculated?" in text
    assert progress.EXPLANATION.split(".")[0] in response.content.decode()


def test_it_counts_all_16_states_by_stage_states_without_a_plan_as_not_started(
    partner_client: Client, demo
) -> None:
    response = partner_client.get("/")
    counts = {stage: len(names) for stage, names in response.context["stages"]}
    assert counts == {
        Stage.NOT_STARTED: 2,  # Dominica and Montserrat: no plan
        Stage.SEMINAR_HELD: 1,
        Stage.DRAFTING: 1,
        Stage.DRAFT_COMPLETED: 5,
        Stage.APPROVED: 7,
    }
    text = text_of(response)
    assert "Where the 16 states stand" in text
    assert re.search(r"stage-not_started\">\s*<span class=\"stage-count-value\">2<", text)
    assert "Dominica, Montserrat" in text


def test_a_current_plan_not_started_counts_as_not_started(partner_client: Client, demo) -> None:
    ActionPlan.objects.filter(country__iso3="DOM").update(stage=Stage.NOT_STARTED)
    counts = Counter(
        {stage: len(names) for stage, names in partner_client.get("/").context["stages"]}
    )
    assert counts[Stage.NOT_STARTED] == 3
    assert counts[Stage.SEMINAR_HELD] == 0


def test_it_shows_the_number_of_overdue_actions(partner_client: Client, demo) -> None:
    today = timezone.localdate()
    expected = sum(
        progress.is_overdue(status, due, today)
        for status, due in Action.objects.filter(plan__is_current=True).values_list(
            "status", "due_date"
        )
    )
    assert expected > 0
    response = partner_client.get("/")
    assert response.context["overdue_count"] == expected
    assert f'<p class="stat-value" id="overdue-count">{expected}</p>' in text_of(response)


def test_the_most_overdue_actions_come_first_and_link_to_their_pages(
    partner_client: Client, demo
) -> None:
    response = partner_client.get("/")
    listed = [action for action, _ in response.context["most_overdue"]]
    oldest = Action.objects.current().overdue().order_by("due_date").first()
    assert oldest is not None
    assert listed[0].due_date == oldest.due_date
    assert [a.due_date for a in listed] == sorted(a.due_date for a in listed)
    assert f'href="/actions/{listed[0].pk}/"' in response.content.decode()


def test_the_latest_status_updates_are_listed_newest_first(partner_client: Client, demo) -> None:
    response = partner_client.get("/")
    latest = StatusUpdate.objects.order_by("-recorded_at", "-pk").first()
    assert latest is not None
    shown = list(response.context["latest_updates"])
    assert shown[0] == latest
    assert latest.action.title in response.content.decode()


def test_it_draws_charts_1_to_4_each_with_a_table(partner_client: Client, demo) -> None:
    html = partner_client.get("/").content.decode()
    ids = ["chart-plans", "chart-heatmap", "chart-trend", "chart-stages"]
    for chart_id in ids:
        assert f'<div id="{chart_id}" class="chart" data-figure="{chart_id}-data"' in html
        data = re.search(
            rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', html, re.S
        )
        assert data, chart_id
        figure = json.loads(data.group(1))
        assert figure["layout"]["title"]["text"]
        assert figure["data"]
    assert html.count('<details class="chart-table') == 4
    assert html.count('class="chart-title"') == 4


def test_the_plans_chart_gives_each_drafted_plans_completion(partner_client: Client, demo) -> None:
    response = partner_client.get("/")
    chart = response.context["charts"][0]
    plans = ActionPlan.objects.drafted().with_progress().select_related("country")
    expected = {p.country.name: progress.percent(p.completion) for p in plans}
    assert {row[0]: row[2] for row in chart.table.rows} == expected


def test_the_trend_chart_ends_at_todays_regional_completion(partner_client: Client, demo) -> None:
    response = partner_client.get("/")
    trend = next(c for c in response.context["charts"] if c.id == "chart-trend")
    plans = ActionPlan.objects.drafted().with_progress()
    assert trend.table.rows[-1][1] == progress.percent(progress.mean(p.completion for p in plans))
    assert f"Regional completion is {progress.percent(response.context['regional'])}" in (
        trend.title
    )


def test_the_page_has_no_inline_script(partner_client: Client, demo) -> None:
    html = partner_client.get("/").content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert '<script src="/static/vendor/plotly.min.js" defer></script>' in html
    assert '<script src="/static/js/charts.js" defer></script>' in html


def test_the_dashboard_works_without_any_plan(partner_client: Client) -> None:
    response = partner_client.get("/")
    assert response.status_code == 200
    assert "0</span> of <span" in text_of(response)
    assert "No action is overdue." in response.content.decode()


def test_the_dashboard_runs_the_same_queries_at_ten_times_the_data(
    partner_client: Client, django_assert_max_num_queries
) -> None:
    DemoBuilder(DEMO_AS_OF).build()
    with CaptureQueriesContext(connection) as demo_size:
        assert partner_client.get("/").status_code == 200
    DemoBuilder(DEMO_AS_OF, scale=10).build()
    assert Action.objects.count() > 3000
    with django_assert_max_num_queries(QUERY_BUDGET) as ten_times:
        assert partner_client.get("/").status_code == 200
    assert len(ten_times) == len(demo_size) <= QUERY_BUDGET


def test_a_repeat_view_is_served_from_the_cache_with_few_queries(
    partner_client: Client, demo, django_assert_max_num_queries
) -> None:
    def main(html: bytes) -> bytes:  # the header's sign-out form has a fresh CSRF token each time
        return html.split(b"<main", 1)[1].split(b"</main>", 1)[0]

    first = partner_client.get("/").content
    with django_assert_max_num_queries(6):  # session, user, permissions, demo banner, data version
        second = partner_client.get("/").content
    assert main(second) == main(first)


def test_a_recorded_change_shows_on_the_next_view_despite_the_cache(
    partner_client: Client, demo
) -> None:
    from tests.builders import make_update

    before = partner_client.get("/").content.decode()
    assert "Completed for the test" not in before
    action = Action.objects.current().filter(status="limited").first()
    assert action is not None
    make_update(action, "completed", DEMO_AS_OF, note="Completed for the test")
    after = partner_client.get("/").content.decode()
    assert after != before
    assert action.title in after.split("Latest status updates", 1)[1]
