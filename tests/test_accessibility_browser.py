"""WCAG 2.1 AA: axe-core (shipped inside axe-playwright-python, nothing downloaded) over every page, signed
in as each role, in each language, on a desktop and a phone. Any violation fails, with its rule, the
elements and the page.

One test per language (pytest-xdist shares them among its workers), each with one browser and one
signed-in context per role; the language is the django_language cookie the menu sets. To cover a new page
or role, add one line to PAGES or ROLES; Page(roles=...) keeps a page to the roles that may see it.
"""

from __future__ import annotations

import io
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import F
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import Workbook

from plans.demo import DemoBuilder
from plans.models import Action
from reporting import demo as reporting_demo
from reporting.models import State, Submission
from roadmap import twofactor
from tests.browser import MARKS, chromium, sign_in
from tests.builders import PASSWORD, make_impacs, make_partner, make_user
from tests.conftest import DEMO_AS_OF
from tests.workbook_support import XLSX, edited, exported

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
    # A workbook sent through the page's upload form; axe checks the page that answers (the preview).
    upload: Callable[[], bytes] | None = None
    # A session of its own (a session key from a builder) instead of a role's, made afresh for each visit:
    # for pages that only a half-finished sign-in or a one-time step reaches.
    session: Callable[[], str] | None = None


def an_action_with_kpis() -> str:
    # Jamaica's, so that its focal point sees the page (with the forms to report), not a 404.
    action = Action.objects.filter(
        plan__is_current=True, plan__country__iso3="JAM", plan__kpis__indicator__goal=F("goal")
    ).first()
    assert action is not None
    return action.get_absolute_url()


def a_submission(state: str) -> Callable[[], str]:
    def path() -> str:
        submission = Submission.objects.filter(state=state, country__iso3="JAM").first()
        assert submission is not None, f"no {state} submission in the reporting demonstration"
        return f"/reporting/submissions/{submission.pk}/"

    return path


def workbook_with_a_change() -> bytes:
    """Jamaica's plan as the site exports it, one action's title changed: the preview lists a change."""

    def retitle(book: Any) -> None:
        actions = book["Actions"]
        actions.cell(row=2, column=4).value = f"{actions.cell(row=2, column=4).value} (revised)"

    return edited(exported("JAM"), retitle)


def workbook_with_errors() -> bytes:
    """A workbook that is not a plan: the upload page lists its errors."""
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def a_user_with_two_factor(username: str) -> User:
    user = make_user(username)
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


def code_step_session() -> str:
    """Half signed in: the password was right, the code not yet given (roadmap/twofactor.py)."""
    username = f"otp-{uuid.uuid4().hex[:8]}"
    a_user_with_two_factor(username)
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response["Location"] == "/accounts/login/code/", response
    return client.cookies["sessionid"].value


def backup_codes_session() -> str:
    """Signed in, two-factor just turned on: the backup codes are in the session, shown once."""
    user = a_user_with_two_factor(f"otp-{uuid.uuid4().hex[:8]}")
    client = Client()
    client.force_login(user)
    session = client.session
    session[twofactor._NEW_CODES] = twofactor._new_backup_codes(user)
    session.save()
    return session.session_key or ""


def two_factor_on_session() -> str:
    """Signed in with two-factor sign-in on: the page offers new backup codes and turning it off."""
    user = a_user_with_two_factor(f"otp-{uuid.uuid4().hex[:8]}")
    twofactor._new_backup_codes(user)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


STAFF = ("impacs", "admin")
SUBMITTERS = ("focal", "admin")
READERS_OF_SUBMISSIONS = ("impacs", "admin", "focal")
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
    # Reporting.
    Page("reporting", lambda: "/reporting/", charts=1),
    Page("review queue", lambda: "/reporting/review/", roles=STAFF),
    Page("forbidden", lambda: "/reporting/review/", roles=("partner",)),
    Page(
        "submission awaiting review",
        a_submission(State.SUBMITTED),
        roles=READERS_OF_SUBMISSIONS,
    ),
    Page("submission returned", a_submission(State.RETURNED), roles=READERS_OF_SUBMISSIONS),
    Page("my submissions", lambda: "/reporting/mine/", roles=SUBMITTERS),
    Page("country report", lambda: "/reporting/countries/jam/", roles=("focal",)),
    # Workbooks.
    Page("workbook upload", lambda: "/countries/jam/import/", roles=STAFF),
    Page(
        "workbook preview",
        lambda: "/countries/jam/import/",
        roles=("impacs",),
        upload=workbook_with_a_change,
    ),
    Page(
        "workbook with errors",
        lambda: "/countries/jam/import/",
        roles=("impacs",),
        upload=workbook_with_errors,
    ),
    Page(
        "workbook refused",
        lambda: "/countries/jam/import/",
        roles=("impacs",),
        upload=lambda: b"not a workbook",
    ),
    # Two-factor sign-in.
    Page("two-factor, off", lambda: "/accounts/two-factor/"),
    Page("two-factor enrolment", lambda: "/accounts/two-factor/enrol/"),
    # The administration. Its change forms are left out: Django's own markup there fails axe where the
    # site cannot fix it without rewriting the admin's templates (tabular inlines' inputs have no labels,
    # only column headings; the autocomplete widget's select2 box has no accessible name; the
    # breadcrumbs' links differ from their text by colour alone).
    Page("admin index", lambda: "/admin/", roles=("admin",)),
    Page("admin changelist", lambda: "/admin/plans/action/", roles=("admin",)),
    Page("admin reference workbook", lambda: "/admin/reference-workbook/import/", roles=("admin",)),
]
ALL_ROLES: dict[str, Callable[[], User]] = {
    "partner": make_partner,
    "impacs": make_impacs,
    "admin": lambda: make_user("root", is_staff=True, is_superuser=True),
    # Jamaica's focal point of the reporting demonstration (reporting/demo.py).
    "focal": lambda: User.objects.get(username="focal"),
}
ROLES = {
    role: make
    for role, make in ALL_ROLES.items()
    if role in os.environ.get("AXE_ROLES", role).split(",")
}
ANONYMOUS_PAGES = [
    Page("sign in", lambda: "/accounts/login/"),
    Page("sign-in code step", lambda: "/accounts/login/code/", session=code_step_session),
    Page(
        "backup codes", lambda: "/accounts/two-factor/backup-codes/", session=backup_codes_session
    ),
    Page("two-factor, on", lambda: "/accounts/two-factor/", session=two_factor_on_session),
]


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


def check(
    page: Any, url: str, spec: Page, where: str, problems: list[str], times: list[tuple[str, float]]
) -> int:
    """Both screens from one load: the phone's layout is CSS, applied on resize (charts reflow too)."""
    started = time.monotonic()
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.goto(url)
    if spec.upload:
        page.set_input_files(
            "#id_workbook",
            files=[{"name": "plan-jam.xlsx", "mimeType": XLSX, "buffer": spec.upload()}],
        )
        with page.expect_navigation():
            page.click("form[enctype] button[type=submit]")
    if spec.charts:
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
            arg=spec.charts,
            timeout=30_000,
        )
    times.append((f"{where} · load", time.monotonic() - started))
    for screen, viewport in VIEWPORTS.items():
        started = time.monotonic()
        page.set_viewport_size(viewport)
        if spec.charts and screen != "desktop":
            page.wait_for_timeout(300)  # Plotly's responsive redraw
        problems.extend(f"{where} · {screen}: {v}" for v in violations(page))
        times.append((f"{where} · {screen} · axe", time.monotonic() - started))
    return len(VIEWPORTS)


def new_context(browser: Any, base_url: str, language: str, session: str = "") -> Any:
    """A browser context with axe in every page (add_init_script) and the language the menu sets."""
    context = browser.new_context()
    context.add_init_script(path=str(axe_script()))
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
    if session:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url})
    context.add_cookies(cookies)
    return context


# One test per language, so that pytest-xdist shares the languages among its workers.
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_role_and_screen_passes_axe(live_server: Any, language: str) -> None:
    DemoBuilder(DEMO_AS_OF).build()
    # The reporting cycle of the demonstration: focal's submissions, some awaiting review, one returned.
    reporting_demo.load(DEMO_AS_OF, make_impacs("reviewer"))
    problems: list[str] = []
    times: list[tuple[str, float]] = []
    checked = 0
    started = time.monotonic()
    base = live_server.url
    with chromium() as browser:
        contexts: dict[str, Any] = {}
        for role, make in ROLES.items():
            contexts[role] = new_context(browser, base, language)
            sign_in(contexts[role], base, make())
        contexts["anonymous"] = new_context(browser, base, language)
        runs = [
            (role, page) for role in ROLES for page in PAGES if not page.roles or role in page.roles
        ]
        runs += [("anonymous", page) for page in ANONYMOUS_PAGES]
        for role, spec in runs:
            if spec.session:
                context = new_context(browser, base, language, spec.session())
                role = "own session"
            else:
                context = contexts[role]
            page = context.new_page()
            where = f"{spec.name} · {role} · {language}"
            checked += check(page, base + spec.path(), spec, where, problems, times)
            page.close()
            if spec.session:
                context.close()
    elapsed = time.monotonic() - started
    loading = sum(seconds for what, seconds in times if what.endswith("load"))
    print(
        f"axe ({language}): {checked} page checks in {elapsed:.0f} s "
        f"({loading:.0f} s loading pages, {elapsed - loading:.0f} s in axe and set-up); slowest:"
    )
    for what, seconds in sorted(times, key=lambda t: -t[1])[:8]:
        print(f"  {seconds:5.1f} s  {what}")
    assert not problems, "\n".join(problems)
