"""Every task with the keyboard alone, in Chromium: sign in, filter the actions list, record a status
update, open a chart's table, switch the language. At every Tab the focused element shows a visible focus
ring."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plans.choices import Status
from plans.models import StatusUpdate
from tests.browser import MARKS, chromium, collect_errors
from tests.builders import PASSWORD, make_action, make_impacs, make_plan, make_update

pytestmark = MARKS

FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";  // past the last stop, Tab leaves for the browser
  const style = getComputedStyle(el);
  const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  return ring || style.boxShadow !== "none" ? "" : "no visible focus (" + style.outlineStyle + " " + style.outlineWidth + " " + el.matches(":focus") + ") on " + el.outerHTML.slice(0, 120);
}"""


def tab_to(page: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until ``selector`` has the focus, checking the focus is visible at every stop."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        problem = page.evaluate(FOCUS_SHOWN)
        assert not problem, problem
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def test_a_keyboard_user_does_every_task_with_a_visible_focus(live_server: Any) -> None:
    plan = make_plan("JAM")
    action = make_action(plan, code="2.4", title="Mark every imported firearm")
    make_action(plan, code="1.1", title="Review the firearms act")
    make_update(action, Status.LIMITED, dt.date(2025, 5, 2), note="Marking machines bought.")
    make_impacs("impacs")

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = collect_errors(page)

        # Sign in.
        page.goto(live_server.url + "/accounts/login/")
        tab_to(page, "#id_username")
        page.keyboard.type("impacs")
        tab_to(page, "#id_password")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + "/")

        # Filter the actions list.
        tab_to(page, ".site-nav a[href='/actions/']")
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + "/actions/")
        tab_to(page, "#id_q")
        page.keyboard.type("imported")
        page.keyboard.press("Enter")
        page.wait_for_url("**/actions/?q=imported*")
        assert page.locator(".actions-table tbody tr").count() == 1

        # Record a status update.
        tab_to(page, f".actions-table a[href='{action.get_absolute_url()}']")
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + action.get_absolute_url())
        tab_to(page, "#id_status_status")
        page.keyboard.type("Substantial")
        tab_to(page, "#id_status_note")
        page.keyboard.type("Half the ports mark every import.")
        tab_to(page, "#status-update button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_selector(".messages")
        assert "2.4 is now substantial progress" in page.inner_text(".messages")
        assert StatusUpdate.objects.latest("recorded_at").to_status == Status.SUBSTANTIAL

        # Open a chart's table.
        page.goto(live_server.url + "/countries/jam/")
        page.wait_for_selector("#chart-goals .main-svg")
        tab_to(page, "#chart-goals ~ details.chart-table summary", limit=250)
        page.keyboard.press("Enter")
        assert page.locator("#chart-goals ~ details.chart-table").get_attribute("open") is not None
        assert page.locator("#chart-goals ~ details.chart-table table").is_visible()

        # Switch the language: the menu's select, then its button.
        page.goto(live_server.url + "/countries/jam/")
        tab_to(page, "#language-select")
        page.keyboard.type("Espa")
        tab_to(page, ".language-menu button")
        # Waited for as a navigation, not by polling an expression: a string polled while the page is
        # replaced can be evaluated in the new page, whose policy refuses eval (a console error).
        with page.expect_navigation(url=live_server.url + "/countries/jam/"):
            page.keyboard.press("Enter")
        assert page.evaluate("document.documentElement.lang") == "es"
        assert page.url == live_server.url + "/countries/jam/"
        assert "Acciones por objetivo" in page.inner_text("#actions-heading")
        assert errors == []
