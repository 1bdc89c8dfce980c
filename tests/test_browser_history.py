"""End to end in Chromium: an administrator changes an action in the admin; IMPACS staff then read the
change, with who and when, on the action page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from plans import services
from tests.browser import MARKS, chromium, collect_errors, sign_in
from tests.builders import make_action, make_impacs, make_plan, make_user

pytestmark = MARKS


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def test_an_admins_change_of_due_date_and_title_shows_on_the_action_page(
    live_server: Any, browser: Any
) -> None:
    plan = make_plan("JAM")
    action = make_action(plan, code="1.1", title="Review the firearms act")
    services.update_action(
        action=action, changes={"due_date": dt.date(2027, 1, 12)}, by=None, via="test"
    )
    root = make_user("root", is_staff=True, is_superuser=True, first_name="Ada", last_name="Admin")
    staff = make_impacs("impacs")

    admin = browser.new_context(viewport={"width": 1280, "height": 900})
    sign_in(admin, live_server.url, root)
    page = admin.new_page()
    page.goto(f"{live_server.url}/admin/plans/action/{action.pk}/change/")
    page.fill("#id_title", "Review and amend the firearms act")
    page.fill("#id_due_date", "2027-06-30")
    page.click("input[name=_save]")
    assert "was changed successfully" in page.inner_text(".messagelist")
    admin.close()

    reader = browser.new_context(viewport={"width": 1280, "height": 900})
    sign_in(reader, live_server.url, staff)
    page = reader.new_page()
    errors = collect_errors(page)
    page.goto(live_server.url + action.get_absolute_url())
    changes = " ".join(page.inner_text("#changes").split())
    assert "Due date 12 Jan 2027 -> 30 Jun 2027" in changes
    assert "Title Review the firearms act -> Review and amend the firearms act" in changes
    assert "by Ada Admin" in changes and "via admin" in changes
    today = dt.date.today()
    assert f"{today.day} {today.strftime('%b %Y')}" in changes  # when
    assert errors == []
    reader.close()
