"""The chart pages draw in real Chromium under the enforced Content-Security-Policy, with nothing refused.

live_server answers through the same middleware as production, so the policy is the real one
(script-src 'self'; styles may be inline, which plotly.js needs for its SVG).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.templatetags.static import static
from django.test import Client

from tests.browser import MARKS, chromium

pytestmark = MARKS
CHART_PAGES = ["/", "/countries/jam/"]

# Runs before any script of the page: keeps every policy violation where the test can read it.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} refused ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def browser() -> Iterator[Any]:
    # One browser per test, started after the database is ready: while Playwright runs, Django's
    # connection is another object, without the copy that serialized_rollback restores from.
    with chromium() as launched:
        yield launched


class Visit:
    """A signed-in tab that records console errors and policy violations."""

    def __init__(self, browser: Any, base_url: str, user: User):
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}]
        )
        self.base_url = base_url
        self.page = self.context.new_page()
        self.page.add_init_script(RECORD_VIOLATIONS)
        self.console_errors: list[str] = []
        self.page.on(
            "console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def open(self, path: str) -> None:
        response = self.page.goto(self.base_url + path, wait_until="networkidle")
        assert response is not None and response.status == 200, path
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self';" in policy + ";", policy  # enforced, not report-only

    def violations(self) -> list[str]:
        return list(self.page.evaluate("window.cspViolations"))

    def includes_plotly(self) -> bool:
        return bool(self.page.locator('script[src*="plotly"]').count())


@pytest.fixture
def visit(browser: Any, live_server: Any, impacs: User) -> Iterator[Visit]:
    tab = Visit(browser, live_server.url, impacs)
    yield tab
    tab.context.close()


@pytest.mark.parametrize("path", CHART_PAGES)
def test_the_chart_pages_load_with_no_violation_and_no_console_error(
    visit: Visit, demo: dict[str, int], path: str
) -> None:
    visit.open(path)
    assert visit.includes_plotly()
    assert visit.page.evaluate("typeof window.Plotly") == "object", "plotly.js did not load"
    assert visit.violations() == []
    assert visit.console_errors == []


@pytest.mark.parametrize("path", CHART_PAGES)
def test_the_charts_are_drawn(visit: Visit, demo: dict[str, int], path: str) -> None:
    visit.open(path)
    visit.page.wait_for_selector(".js-plotly-plot .main-svg")
    assert visit.page.locator(".js-plotly-plot").count() > 0
    assert visit.violations() == []
    assert visit.console_errors == []


def test_plotly_draws_an_interactive_chart_under_the_policy(visit: Visit) -> None:
    # Whatever the pages hold today: the site's own plotly.js, loaded as the pages load it, draws
    # (SVG, inline styles, hover) without asking for anything the policy refuses.
    visit.open("/")
    visit.page.add_script_tag(url=static("vendor/plotly.min.js"))
    visit.page.evaluate(
        """() => {
          const div = document.createElement("div");
          div.id = "probe";
          document.querySelector("main").append(div);
          return Plotly.newPlot(div, [{type: "bar", x: ["ATG", "JAM"], y: [80, 45]}],
                                {title: {text: "Completion"}});
        }"""
    )
    # Plotly listens on a drag layer above the bars: point at the bar through it.
    visit.page.hover("#probe .bars .point path", force=True)
    visit.page.wait_for_selector("#probe .hoverlayer .hovertext")
    assert visit.page.locator("#probe.js-plotly-plot .main-svg").count() > 0
    assert visit.violations() == []
    assert visit.console_errors == []


def test_the_policy_is_enforced_and_a_violation_would_be_seen(visit: Visit) -> None:
    # The control for the tests above: an inline script is refused, and the refusal is recorded.
    visit.open("/")
    visit.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
        }"""
    )
    assert visit.page.evaluate("window.injected") is None
    assert visit.violations() == ["script-src-elem refused inline"]
    assert any("Content Security Policy" in error for error in visit.console_errors)
