"""End to end in Chromium: IMPACS staff sign in, complete an action, and the dashboard and the country
page move."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from plans.choices import Status
from plans.models import StatusUpdate
from tests.browser import MARKS, chromium, collect_errors
from tests.builders import PASSWORD, make_action, make_impacs, make_plan, make_update

pytestmark = MARKS


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = collect_errors(page)
        yield page
    assert errors == []


def goal_1_now(page: Any) -> str:
    """The "Now" cell of goal 1 in the table beside the country page's goals chart."""
    page.wait_for_selector("#chart-goals .main-svg")
    row = page.locator("#chart-goals ~ details.chart-table tbody tr", has_text="Goal 1")
    return str(row.locator("td").last.text_content()).strip()


def test_impacs_staff_complete_an_action_and_the_dashboard_and_country_page_change(
    live_server: Any, page: Any
) -> None:
    done = make_plan("ATG")
    make_action(done, code="1.1", status=Status.COMPLETED)
    plan = make_plan("JAM")
    action = make_action(plan, code="2.4", title="Mark every imported firearm")
    make_update(action, Status.SUBSTANTIAL, dt.date(2025, 5, 2), note="Marking machines bought.")
    make_impacs("impacs")

    # Sign in through the real form, on the way to the action page.
    page.goto(live_server.url + action.get_absolute_url())
    assert "/accounts/login/?next=" in page.url
    page.fill("#id_username", "impacs")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    assert page.url == live_server.url + action.get_absolute_url()

    page.goto(live_server.url + "/")
    assert page.inner_text(".headline-k") == "1"
    assert page.inner_text(".headline-n") == "2"

    page.goto(live_server.url + "/countries/jam/")
    assert goal_1_now(page) == "67 %"
    assert "0 % to 67 %" in page.inner_text("#chart-goals-title")

    page.goto(live_server.url + action.get_absolute_url())
    page.select_option("#id_status_status", Status.COMPLETED)
    page.fill("#id_status_note", "All imports marked since March; customs audit confirms.")
    page.fill("#id_status_evidence_url", "https://customs.example.gov/audit-2026.pdf")
    page.click("#status-update button[type=submit]")

    assert page.url == live_server.url + action.get_absolute_url()
    assert "Status update recorded: 2.4 is now completed." in page.inner_text(".messages")
    update = StatusUpdate.objects.latest("recorded_at")
    assert (update.action_id, update.to_status) == (action.pk, Status.COMPLETED)
    assert update.author is not None and update.author.username == "impacs"

    page.goto(live_server.url + "/")
    assert page.inner_text(".headline-k") == "2"
    assert "2 of 2 drafted plans complete" in " ".join(page.inner_text("#headline").split())

    page.goto(live_server.url + "/countries/jam/")
    assert goal_1_now(page) == "100 %"
    assert "0 % to 100 %" in page.inner_text("#chart-goals-title")
