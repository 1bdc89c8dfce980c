"""The actions list in a real browser on a phone: the filters fold away, and filtering gives a clean,
bookmarkable address."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from plans.choices import Status
from tests.browser import MARKS, chromium, sign_in
from tests.builders import make_action, make_partner, make_plan

pytestmark = MARKS


@pytest.fixture
def phone(live_server: Any) -> Iterator[Any]:
    """A signed-in partner official's browser tab, 390 px wide."""
    partner = make_partner()
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        sign_in(context, live_server.url, partner)
        page = context.new_page()
        page.base_url = live_server.url  # type: ignore[attr-defined]
        yield page


@pytest.fixture
def actions(db: None) -> None:
    # Made before the browser starts: once Playwright's event loop runs, database work from the test
    # would go through a connection of its own that is never closed.
    jamaica = make_plan("JAM")
    make_action(jamaica, code="1.1", title="Review the firearms act", status=Status.COMPLETED)
    make_action(jamaica, code="1.2", title="Draft brokering rules", status=Status.LIMITED)
    make_action(make_plan("BRB"), code="2.1", title="Install scanners", status=Status.COMPLETED)


def test_on_a_phone_the_filters_fold_away_and_filtering_gives_a_clean_address(
    actions: None, phone: Any
) -> None:
    phone.goto(phone.base_url + "/actions/")
    panel = phone.locator("details.filter-panel")
    assert panel.get_attribute("open") is None  # the list comes first on a phone
    assert phone.locator("table.actions-table tbody tr").count() == 3
    # The page itself never scrolls sideways; only the table does, inside its frame.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.locator("details.filter-panel > summary").click()
    phone.get_by_label("Jamaica").check()
    phone.get_by_label("Completed", exact=True).check()
    phone.get_by_role("button", name="Apply filters").click()
    phone.wait_for_load_state()

    assert phone.url == phone.base_url + "/actions/?country=JAM&status=completed"
    rows = phone.locator("table.actions-table tbody tr")
    assert rows.count() == 1
    assert "Review the firearms act" in rows.first.inner_text()
    assert "Jamaica · Completed" in phone.locator("details.filter-panel > summary").inner_text()
