"""After signing out, the back button does not bring a signed-in page back: pages are never stored."""

from __future__ import annotations

import contextlib
from typing import Any

from tests.browser import MARKS, chromium
from tests.builders import PASSWORD, make_action, make_partner, make_plan

pytestmark = MARKS


def test_no_copy_of_a_signed_in_page_outlives_the_sign_out(live_server: Any) -> None:
    make_action(make_plan("JAM"), code="1.1", title="Confidential action title")
    make_partner()
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", "reader")
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")  # the sign-in form's own submit
        page.goto(live_server.url + "/actions/")
        assert "Confidential action title" in page.content()
        # Offline, going back could only show what the browser stored: nothing was.
        page.goto(live_server.url + "/countries/")
        context.set_offline(True)
        with contextlib.suppress(Exception):  # the navigation fails: there is nothing to show
            page.go_back(wait_until="commit")
        page.wait_for_timeout(1500)
        assert "Confidential action title" not in page.content()
        # Online again, signed out: going back asks the site, which answers with the sign-in page.
        context.set_offline(False)
        page.goto(live_server.url + "/actions/")
        page.click("text=Sign out")
        page.wait_for_url("**/accounts/login/")
        page.go_back()
        page.wait_for_load_state()
        assert "/accounts/login/" in page.url
        assert "Confidential action title" not in page.content()
