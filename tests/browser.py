"""What every browser test shares: Debian's Chromium driven by Playwright, against the live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it: apt-get install chromium)",
    ),
    # The live server sees only committed data; serialized_rollback restores the reference data
    # (countries, goals, groups) that the flush after each test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium; never a downloaded browser."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls tests make here are safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                yield browser
            finally:
                browser.close()
                # Queries made while Playwright's loop runs use connections of their own, which only
                # this context can close; left open, PostgreSQL cannot drop the test database.
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def collect_errors(page: Any) -> list[str]:
    """Console errors and uncaught exceptions of a page, as they happen."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def sign_in(context: Any, base_url: str, user: User) -> None:
    """Give a browser context the session cookie of a signed-in user (faster than the form)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )
