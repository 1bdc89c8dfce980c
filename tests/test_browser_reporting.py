"""End to end in Chromium: Jamaica's focal point proposes a change, sees it awaiting review; a partner
does not; IMPACS staff approve it from the submission's page, and the country page's figure moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from plans.choices import Status
from reporting.models import Submission
from tests.browser import MARKS, chromium, collect_errors, sign_in
from tests.builders import (
    make_action,
    make_cycle,
    make_focal_point,
    make_impacs,
    make_partner,
    make_plan,
    make_update,
)

pytestmark = MARKS


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def _page(browser: Any, base: str, user: Any) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    sign_in(context, base, user)
    page = context.new_page()
    return context, page, collect_errors(page)


def goal_1_now(page: Any) -> str:
    page.wait_for_selector("#chart-goals .main-svg")
    row = page.locator("#chart-goals ~ details.chart-table tbody tr", has_text="Goal 1")
    return str(row.locator("td").last.text_content()).strip()


def test_a_focal_point_reports_and_impacs_approves(live_server: Any, browser: Any) -> None:
    base = live_server.url
    plan = make_plan("JAM")
    action = make_action(plan, code="2.4", title="Mark every imported firearm")
    make_update(action, Status.SUBSTANTIAL, dt.date(2025, 5, 2), note="Marking machines bought.")
    impacs = make_impacs("impacs")
    make_cycle(impacs)
    focal = make_focal_point("focal")
    partner = make_partner("partner")

    context, page, errors = _page(browser, base, focal)
    page.goto(base + action.get_absolute_url())
    page.select_option("#report_status_to_status", Status.COMPLETED)
    page.fill("#report_status_note", "All imports marked; customs audit confirms.")
    page.click("#report form[action$='/status/'] button[type=submit]")
    assert "sent for review" in page.inner_text(".messages")
    assert "Awaiting review" in page.inner_text("#awaiting-review")
    page.goto(base + "/countries/jam/")
    assert goal_1_now(page) == "67 %"  # pending: the figure has not moved
    context.close()
    assert errors == []

    context, page, errors = _page(browser, base, partner)
    page.goto(base + action.get_absolute_url())
    assert "Awaiting review" not in page.content()
    context.close()

    submission = Submission.objects.get()
    context, page, errors = _page(browser, base, impacs)
    page.goto(base + submission.get_absolute_url())
    assert "All imports marked" in page.inner_text("main")
    page.click("#approve")
    assert "Approved" in page.inner_text(".messages")
    page.goto(base + "/countries/jam/")
    assert goal_1_now(page) == "100 %"
    context.close()
    assert errors == []
