"""The dashboard and a country page in real Chromium: the charts draw, with no console error, under the
site's Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from plans import progress
from plans.demo import DemoBuilder
from plans.models import ActionPlan, IndicatorTarget
from tests.browser import MARKS, chromium, collect_errors, sign_in
from tests.builders import make_partner
from tests.conftest import DEMO_AS_OF

pytestmark = MARKS


@pytest.fixture
def signed_in(live_server: Any) -> Iterator[Any]:
    """A page signed in as a partner official, with the demonstration data loaded."""
    DemoBuilder(DEMO_AS_OF).build()
    partner = make_partner()
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        sign_in(context, live_server.url, partner)
        page = context.new_page()
        page.errors = collect_errors(page)
        yield page


def wait_for_plots(page: Any, count: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n && "
        "document.querySelectorAll('.js-plotly-plot').length === n",
        arg=count,
        timeout=20_000,
    )


def test_the_dashboard_draws_its_four_charts_and_the_headline(
    signed_in: Any, live_server: Any
) -> None:
    page = signed_in
    page.goto(live_server.url + "/")
    wait_for_plots(page, 4)
    assert page.locator(".js-plotly-plot").count() == 4
    # Heatmap, bars and lines are drawn in SVG, each plot with its own.
    assert page.locator(".js-plotly-plot .main-svg").count() >= 4
    expected = progress.headline(
        p.is_complete for p in ActionPlan.objects.drafted().with_progress()
    )
    assert page.locator(".headline-k").inner_text() == str(expected.complete)
    assert page.locator(".headline-n").inner_text() == "12"
    assert page.locator("#chart-plans .bars .point").count() == 24  # 12 plans, baseline and now
    assert page.errors == []


def test_the_country_page_draws_the_timeline_goals_and_kpi_charts(
    signed_in: Any, live_server: Any
) -> None:
    page = signed_in
    kpis = IndicatorTarget.objects.filter(plan__country__iso3="JAM", plan__is_current=True).count()
    page.goto(live_server.url + "/countries/jam/")
    wait_for_plots(page, 2 + kpis)
    assert page.locator(".js-plotly-plot").count() == 2 + kpis
    assert page.locator("#chart-timeline .shapelayer path").count() == 1  # the line for today
    assert page.errors == []


def test_on_a_phone_the_pages_fit_the_screen(signed_in: Any, live_server: Any) -> None:
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    for path, plots in [("/", 4), ("/countries/jam/", None)]:
        page.goto(live_server.url + path)
        if plots:
            wait_for_plots(page, plots)
        else:
            page.wait_for_selector("#chart-timeline .main-svg")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    # Country codes instead of names on the plans chart, so that the bars keep their room.
    page.goto(live_server.url + "/")
    wait_for_plots(page, 4)
    assert "JAM" in page.locator("#chart-plans .yaxislayer-above").text_content()
    assert page.errors == []


def test_a_country_page_prints_without_navigation_and_with_its_charts(
    signed_in: Any, live_server: Any
) -> None:
    page = signed_in
    page.goto(live_server.url + "/countries/jam/")
    page.wait_for_selector("#chart-goals .main-svg")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-nav").is_visible()
    assert page.locator("#chart-goals .main-svg").first.is_visible()
    svg_width = "document.querySelector('#chart-goals .main-svg').getAttribute('width')"
    assert page.evaluate(svg_width) == "640"  # redrawn at the width of an A4 page
    # The numbers print too: the table beside the chart is open.
    assert page.locator("#chart-goals ~ details.chart-table table").is_visible()
    assert page.errors == []
