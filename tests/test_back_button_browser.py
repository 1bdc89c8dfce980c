"""After signing out, the back button does not bring a signed-in page back (pages are never stored)."""

from __future__ import annotations

import contextlib
from typing import Any

from tests.browser import MARKS, chromium
from tests.builders import PASSWORD, make_action, make_partner, make_plan

pytestmark = MARKS


def test_back_after_sign_out_never_shows_the_page_again(live_server: Any) -> None:
    make_action(make_plan("JAM"), code="1.1", title="Confidential action title")
    make_partner()
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", "reader")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(live_server.url + "/actions/")
        assert "Confidential action title" in page.content()
        page.click("text=Sign out")
        page.wait_for_url("**/accounts/login/")
        # Online, going back asks the site, which answers with the sign-in page.
        page.go_back()
        page.wait_for_load_state()
        assert "/accounts/login/" in page.url
        assert "Confidential action title" not in page.content()


def test_the_browser_keeps_no_copy_of_a_signed_in_page(live_server: Any) -> None:
    """Offline, going back can only show what the browser stored: nothing was."""
    make_action(make_plan("JAM"), code="1.1", title="Confidential action title")
    make_partner()
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", "reader")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(live_server.url + "/actions/")
        assert "Confidential action title" in page.content()
        page.goto(live_server.url + "/countries/")
        context.set_offline(True)
        with contextlib.suppress(Exception):  # the navigation fails: there is nothing to show
            page.go_back(wait_until="commit")
        page.wait_for_timeout(1500)
        assert "Confidential action title" not in page.content()
