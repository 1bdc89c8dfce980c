"""The small plotly.js bundle (build/plotly: bar, heatmap and scatter only) draws every chart as the
full one does.

The browser test loads each page twice, once with each bundle answering the page's plotly.js request,
and compares what was drawn. It needs the small bundle built (`make plotly-bundle`; .ci/run does it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from plans.demo import DemoBuilder
from plans.models import IndicatorTarget
from roadmap.staticfinders import FULL_BUNDLE
from tests.browser import MARKS, chromium, collect_errors, sign_in
from tests.builders import make_partner
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parent.parent
SMALL_BUNDLE = ROOT / "build" / "plotly" / "dist" / "plotly.min.js"
REGISTERED = re.findall(
    r"require\('plotly\.js/lib/(\w+)'\)", (ROOT / "build/plotly/index.js").read_text()
)
PAGES = ["/", "/countries/jam/"]


def figures_of(html: str) -> list[dict[str, Any]]:
    return [
        json.loads(data)
        for data in re.findall(
            r'<script id="[\w-]+-data" type="application/json">(.*?)</script>', html, re.S
        )
    ]


@pytest.mark.django_db
def test_the_small_bundle_registers_every_trace_type_the_pages_use(partner_client: Client) -> None:
    DemoBuilder(DEMO_AS_OF).build()
    used = {
        trace.get("type", "scatter")
        for path in PAGES
        for figure in figures_of(partner_client.get(path).content.decode())
        for trace in figure["data"]
    }
    assert used == {"bar", "heatmap", "scatter"}
    assert used <= set(REGISTERED)


# What a reader sees of each chart: its traces by type, the marks drawn, the tick labels, the legend.
DRAWN = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(plot => ({
  id: plot.id,
  traces: plot._fullData.map(t => t.type + ':' + t.visible),
  bars: plot.querySelectorAll('.bars .point').length,
  lines: plot.querySelectorAll('.scatterlayer .js-line').length,
  markers: plot.querySelectorAll('.scatterlayer .point').length,
  heatmaps: plot.querySelectorAll('.hm image').length,
  ticks: Array.from(plot.querySelectorAll('.xtick text, .ytick text')).map(t => t.textContent),
  legend: Array.from(plot.querySelectorAll('.legendtext')).map(t => t.textContent),
  size: [plot.querySelector('.main-svg').getAttribute('width'),
         plot.querySelector('.main-svg').getAttribute('height')],
}))"""


@pytest.fixture
def browser_page(live_server: Any) -> Iterator[Any]:
    DemoBuilder(DEMO_AS_OF).build()
    partner = make_partner()
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        sign_in(context, live_server.url, partner)
        yield context


def drawn_with(context: Any, base_url: str, bundle: Path) -> dict[str, Any]:
    page = context.new_page()
    errors = collect_errors(page)
    body = bundle.read_bytes()
    page.route(
        re.compile(r".*/static/vendor/plotly\.min(\.\w+)?\.js$"),
        lambda route: route.fulfill(body=body, content_type="text/javascript"),
    )
    drawn: dict[str, Any] = {}
    for path in PAGES:
        page.goto(base_url + path)
        count = page.locator(".chart[data-figure]").count()
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
            arg=count,
            timeout=20_000,
        )
        drawn[path] = page.evaluate(DRAWN)
        drawn[path + " version"] = page.evaluate("Plotly.version")
        # Hover behaves the same: over the first chart's middle, the same label appears.
        box = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)
        drawn[path + " hover"] = page.locator(".hoverlayer").first.text_content()
    page.close()
    assert errors == [], f"console errors with {bundle}: {errors}"
    return drawn


@pytest.mark.skipif(not SMALL_BUNDLE.exists(), reason="build it first: make plotly-bundle")
@MARKS[2]
@MARKS[1]
@MARKS[0]
def test_every_chart_looks_the_same_with_the_small_bundle(
    browser_page: Any, live_server: Any
) -> None:
    full = drawn_with(browser_page, live_server.url, FULL_BUNDLE)
    small = drawn_with(browser_page, live_server.url, SMALL_BUNDLE)
    kpis = IndicatorTarget.objects.filter(plan__country__iso3="JAM", plan__is_current=True).count()
    assert len(full["/"]) == 4 and len(full["/countries/jam/"]) == 2 + kpis
    assert small == full
