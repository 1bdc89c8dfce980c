"""WCAG 2.1 AA: axe-core (shipped inside axe-playwright-python, nothing downloaded) over every page, signed
in as each role, in each language, on a desktop and a phone. Any violation fails, with its rule, the
elements and the page.

One browser, one signed-in context per role; the language is the django_language cookie the menu sets.
To cover a new page or role, add one line to PAGES or ROLES.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import F

from plans.demo import DemoBuilder
from plans.models import Action
from tests.browser import MARKS, chromium, sign_in
from tests.builders import make_impacs, make_partner, make_user
from tests.conftest import DEMO_AS_OF

pytestmark = [*MARKS, pytest.mark.axe]

# axe's rule sets for WCAG 2.0 and 2.1, levels A and AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# AXE_LANGUAGES=es AXE_ROLES=impacs narrows a local run; CI runs everything.
LANGUAGES = (
    os.environ.get("AXE_LANGUAGES", "").split(",")
    if os.environ.get("AXE_LANGUAGES")
    else [code for code, _name in settings.LANGUAGES]
)


@dataclass(frozen=True)
class Page:
    name: str
    path: Callable[[], str]
    charts: int = 0  # Plotly charts to wait for before checking
    roles: tuple[str, ...] = ()  # () for every role


def an_action_with_kpis() -> str:
    action = Action.objects.filter(
        plan__is_current=True, plan__kpis__indicator__goal=F("goal")
    ).first()
    assert action is not None
    return action.get_absolute_url()


PAGES = [
    Page("dashboard", lambda: "/", charts=4),
    Page("countries", lambda: "/countries/"),
    Page("country with a plan", lambda: "/countries/jam/", charts=3),
    Page("country without a plan", lambda: "/countries/dma/"),
    Page("actions", lambda: "/actions/"),
    Page("actions, a filter wrong", lambda: "/actions/?due_after=not-a-date"),
    Page("action", an_action_with_kpis),
    Page("password change", lambda: "/accounts/password_change/"),
    Page("not found", lambda: "/countries/xyz/"),
]
ALL_ROLES: dict[str, Callable[[], User]] = {
    "partner": make_partner,
    "impacs": make_impacs,
    "admin": lambda: make_user("root", is_staff=True, is_superuser=True),
    # "focal": make_focal,  (branch reporting)
}
ROLES = {
    role: make
    for role, make in ALL_ROLES.items()
    if role in os.environ.get("AXE_ROLES", role).split(",")
}
ANONYMOUS_PAGES = [Page("sign in", lambda: "/accounts/login/")]


def axe_script() -> Path:
    """axe-core as axe-playwright-python ships it: installed with the test extras, never downloaded."""
    import axe_playwright_python

    return Path(axe_playwright_python.__file__).parent / "axe.min.js"


AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}


def violations(page: Any) -> list[str]:
    # axe is in every page from the start (add_init_script, once per context): nothing to inject here.
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    found = []
    for violation in results["violations"]:
        targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['impact']}): {', '.join(targets)}")
    return found


def check(page: Any, url: str, spec: Page, where: str, problems: list[str]) -> int:
    """Both screens from one load: the phone's layout is CSS, applied on resize (charts reflow too)."""
    started = time.monotonic()
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.goto(url)
    if spec.charts:
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
            arg=spec.charts,
            timeout=30_000,
        )
    TIMES.append((f"{where} · load", time.monotonic() - started))
    for screen, viewport in VIEWPORTS.items():
        started = time.monotonic()
        page.set_viewport_size(viewport)
        if spec.charts and screen != "desktop":
            page.wait_for_timeout(300)  # Plotly's responsive redraw
        problems.extend(f"{where} · {screen}: {v}" for v in violations(page))
        TIMES.append((f"{where} · {screen} · axe", time.monotonic() - started))
    return len(VIEWPORTS)


TIMES: list[tuple[str, float]] = []


def test_every_page_role_language_and_screen_passes_axe(live_server: Any) -> None:
    DemoBuilder(DEMO_AS_OF).build()
    problems: list[str] = []
    checked = 0
    started = time.monotonic()
    with chromium() as browser:
        contexts: dict[str, Any] = {}
        for role, make in ROLES.items():
            contexts[role] = browser.new_context()
            sign_in(contexts[role], live_server.url, make())
        contexts["anonymous"] = browser.new_context()
        for context in contexts.values():
            context.add_init_script(path=str(axe_script()))
        runs = [
            (role, page) for role in ROLES for page in PAGES if not page.roles or role in page.roles
        ]
        runs += [("anonymous", page) for page in ANONYMOUS_PAGES]
        urls = {page.name: page.path() for _role, page in runs}
        for language in LANGUAGES:
            for role, spec in runs:
                context = contexts[role]
                context.add_cookies(
                    [
                        {
                            "name": settings.LANGUAGE_COOKIE_NAME,
                            "value": language,
                            "url": live_server.url,
                        }
                    ]
                )
                page = context.new_page()
                where = f"{spec.name} · {role} · {language}"
                checked += check(page, live_server.url + urls[spec.name], spec, where, problems)
                page.close()
    elapsed = time.monotonic() - started
    print(f"axe: {checked} page checks in {elapsed:.0f} s; slowest:")
    for what, seconds in sorted(TIMES, key=lambda t: -t[1])[:8]:
        print(f"  {seconds:5.1f} s  {what}")
    assert not problems, "\n".join(problems)
