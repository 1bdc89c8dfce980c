"""Two rules for every page the site itself answers (static files are answered earlier, by WhiteNoise).

- ``NoStoreMiddleware``: nothing the site writes for a reader may be kept by a shared cache or the
  browser's history, so that no page or export outlives the sign-out.
- ``IdleTimeoutMiddleware``: a session that has not been used for ``SESSION_IDLE_MINUTES`` ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

NO_STORE = "private, no-store"
LAST_SEEN = "last_seen"


class NoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every answer of the site.

    ``private`` keeps shared caches (a proxy, a CDN) from storing the page; ``no-store`` keeps the
    browser from writing it to disk or to its history cache, so after sign-out the back button asks the
    server again (and meets the sign-in page) instead of showing the page from memory. Signed-in pages
    and exports are law-enforcement sensitive, and the sign-in page carries a CSRF token: nothing the
    site answers is worth caching in a browser, so the rule is simply "all of it". Static files keep
    their year-long cache: WhiteNoise answers them above this middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # never_cache (/healthz) already says as much, and more.
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = NO_STORE
        return response


class IdleTimeoutMiddleware:
    """Slides the session's expiry while it is used, at most once a minute.

    The session itself lasts ``SESSION_COOKIE_AGE`` (= the idle time, settings.py) and Django refuses an
    expired one on the server side, whatever the browser sends. Saving the session on every request
    (``SESSION_SAVE_EVERY_REQUEST``) would do the same with a database write per page view; touching it
    once a minute costs one write a minute per active reader, and signs out at most a minute early.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN, 0)
            interval = min(60, settings.SESSION_COOKIE_AGE // 10)
            if not isinstance(last_seen, int) or now - last_seen >= interval:
                request.session[LAST_SEEN] = now  # modified: saved with a new expiry
        return self.get_response(request)


def seen_at_sign_in(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    """Signing in counts as activity: the session being new is saved anyway, so the first pages after
    it need no write of their own."""
    request.session[LAST_SEEN] = int(time.time())
