"""Who may see and change what, at every address of the site, for every persona, with GET and POST.

Wherever a request is refused (or only reads), the database is exactly as it was before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from plans.roles import IMPACS_STAFF, PARTNER_OFFICIALS
from reporting import urls as reporting_urls
from tests.builders import make_user
from tests.updates_support import Site, db_state, make_site

pytestmark = pytest.mark.django_db

ANONYMOUS, PARTNER, IMPACS, ADMIN, NO_GROUP = "anonymous", "partner", "impacs", "admin", "no group"
PERSONAS = [ANONYMOUS, PARTNER, IMPACS, ADMIN, NO_GROUP]
READERS = {PARTNER, IMPACS, ADMIN}
WRITERS = {IMPACS, ADMIN}

# Status codes with a meaning in the matrix.
OK, FOUND, BAD_REQUEST, FORBIDDEN, NOT_ALLOWED = 200, 302, 400, 403, 405
TO_SIGN_IN = "to sign-in"  # 302 to /accounts/login/?next=<the address>
TO_ADMIN_SIGN_IN = "to admin sign-in"  # 302 to /admin/login/ (which sends on to the site's sign-in)
SIGNED_OUT = "signed out"  # 302 to /accounts/login/, which says "You have signed out."
TO_ACTION = "to the action page"  # 302 to /actions/<id>/
READ_ONLY_POST = "read page"  # 200 or 405: the page ignores or refuses the POST; nothing changes
START_AGAIN = "start again"  # 302 to /accounts/login/: the code step without a password step first


@dataclass
class Address:
    route: str  # the URL pattern, to prove that every route of the site is in the matrix
    url: Callable[[Site], str]
    get: dict[str, Any]
    post: dict[str, Any]
    data: Callable[[Site], dict[str, Any]] = lambda site: {}
    writes_for: set[str] = field(default_factory=set)  # personas whose POST changes data


def read_page(route: str, url: Callable[[Site], str]) -> Address:
    return Address(
        route,
        url,
        get={ANONYMOUS: TO_SIGN_IN, NO_GROUP: FORBIDDEN} | dict.fromkeys(READERS, OK),
        post={ANONYMOUS: TO_SIGN_IN, NO_GROUP: FORBIDDEN} | dict.fromkeys(READERS, READ_ONLY_POST),
    )


def write_endpoint(
    route: str, url: Callable[[Site], str], data: Callable[[Site], dict[str, Any]]
) -> Address:
    refused = {ANONYMOUS: TO_SIGN_IN, PARTNER: FORBIDDEN, NO_GROUP: FORBIDDEN}
    return Address(
        route,
        url,
        # A GET changes nothing: writers are sent to the action page (e.g. after signing in).
        get=refused | dict.fromkeys(WRITERS, TO_ACTION),
        post=refused | dict.fromkeys(WRITERS, TO_ACTION),
        data=data,
        writes_for=WRITERS,
    )


def signed_in_everywhere(
    route: str, url: Callable[[Site], str], get: Any, post: Any, data: Any = None
) -> Address:
    signed_in = [PARTNER, IMPACS, ADMIN, NO_GROUP]
    return Address(
        route,
        url,
        get={ANONYMOUS: TO_SIGN_IN} | dict.fromkeys(signed_in, get),
        post={ANONYMOUS: TO_SIGN_IN} | dict.fromkeys(signed_in, post),
        data=data or (lambda site: {}),
    )


ADDRESSES = [
    read_page("", lambda s: "/"),
    read_page("countries/", lambda s: "/countries/"),
    read_page("countries/<str:iso3>/", lambda s: "/countries/jam/"),
    read_page("actions/", lambda s: "/actions/"),
    read_page("actions/<int:pk>/", lambda s: f"/actions/{s.action.pk}/"),
    write_endpoint("actions/<int:pk>/status/", lambda s: s.status_url(), lambda s: s.status_data()),
    write_endpoint(
        "milestones/<int:pk>/done/",
        lambda s: f"/milestones/{s.open_milestone.pk}/done/",
        lambda s: {"completed_on": "2026-01-15", "loaded": ""},
    ),
    write_endpoint(
        "milestones/<int:pk>/reopen/",
        lambda s: f"/milestones/{s.done_milestone.pk}/reopen/",
        lambda s: {"loaded": "2024-03-01"},
    ),
    write_endpoint(
        "actions/<int:pk>/kpis/<int:kpi_pk>/values/",
        lambda s: s.kpi_url(),
        lambda s: s.kpi_data(year=2024, value="13", correction="on"),
    ),
    Address(
        "accounts/login/",
        lambda s: "/accounts/login/",
        # Anyone may see the sign-in page; an empty POST shows the form again with its errors.
        get=dict.fromkeys(PERSONAS, OK),
        post=dict.fromkeys(PERSONAS, OK),
    ),
    signed_in_everywhere(
        "accounts/logout/", lambda s: "/accounts/logout/", get=NOT_ALLOWED, post=SIGNED_OUT
    ),
    signed_in_everywhere(
        # An empty POST is refused by the form: the password stays.
        "accounts/password_change/",
        lambda s: "/accounts/password_change/",
        get=OK,
        post=OK,
    ),
    signed_in_everywhere(
        "accounts/password_change/done/",
        lambda s: "/accounts/password_change/done/",
        get=OK,
        post=NOT_ALLOWED,
    ),
    Address(
        # The code step of sign-in: only after the password step, whoever asks.
        "accounts/login/code/",
        lambda s: "/accounts/login/code/",
        get=dict.fromkeys(PERSONAS, START_AGAIN),
        post=dict.fromkeys(PERSONAS, START_AGAIN),
    ),
    # Two-factor sign-in, for everyone signed in. Without a device: the page offers to turn it on (an
    # empty POST changes nothing), enrolment shows a new secret (an empty POST starts it again), and
    # there are no new backup codes to show.
    signed_in_everywhere("accounts/two-factor/", lambda s: "/accounts/two-factor/", OK, OK),
    signed_in_everywhere(
        "accounts/two-factor/enrol/", lambda s: "/accounts/two-factor/enrol/", OK, FOUND
    ),
    signed_in_everywhere(
        "accounts/two-factor/backup-codes/",
        lambda s: "/accounts/two-factor/backup-codes/",
        FOUND,
        FOUND,
    ),
    # Plan workbooks: everyone who may read the country page downloads; IMPACS staff import (an empty
    # upload is refused with the form's error, 400, and nothing is written).
    read_page("countries/<str:iso3>/plan.xlsx", lambda s: "/countries/jam/plan.xlsx"),
    Address(
        "countries/<str:iso3>/import/",
        lambda s: "/countries/jam/import/",
        get={ANONYMOUS: TO_SIGN_IN, PARTNER: FORBIDDEN, NO_GROUP: FORBIDDEN}
        | dict.fromkeys(WRITERS, OK),
        post={ANONYMOUS: TO_SIGN_IN, PARTNER: FORBIDDEN, NO_GROUP: FORBIDDEN}
        | dict.fromkeys(WRITERS, BAD_REQUEST),
    ),
    # The reference-data workbook, behind the admin's own door (the site's sign-in comes first).
    Address(
        "admin/reference-workbook/reference.xlsx",
        lambda s: "/admin/reference-workbook/reference.xlsx",
        get={ADMIN: OK}
        | {ANONYMOUS: TO_SIGN_IN}
        | dict.fromkeys([PARTNER, IMPACS, NO_GROUP], TO_ADMIN_SIGN_IN),
        post={ADMIN: OK}
        | {ANONYMOUS: TO_SIGN_IN}
        | dict.fromkeys([PARTNER, IMPACS, NO_GROUP], TO_ADMIN_SIGN_IN),
    ),
    Address(
        "admin/reference-workbook/import/",
        lambda s: "/admin/reference-workbook/import/",
        get={ADMIN: OK}
        | {ANONYMOUS: TO_SIGN_IN}
        | dict.fromkeys([PARTNER, IMPACS, NO_GROUP], TO_ADMIN_SIGN_IN),
        post={ADMIN: BAD_REQUEST}
        | {ANONYMOUS: TO_SIGN_IN}
        | dict.fromkeys([PARTNER, IMPACS, NO_GROUP], TO_ADMIN_SIGN_IN),
    ),
    Address(
        "admin/",
        lambda s: "/admin/",
        get={ADMIN: OK} | dict.fromkeys([ANONYMOUS, PARTNER, IMPACS, NO_GROUP], TO_ADMIN_SIGN_IN),
        post={ADMIN: OK} | dict.fromkeys([ANONYMOUS, PARTNER, IMPACS, NO_GROUP], TO_ADMIN_SIGN_IN),
    ),
    Address(
        "admin/login/",
        lambda s: "/admin/login/?next=/admin/",
        get=dict.fromkeys(PERSONAS, TO_SIGN_IN),
        post=dict.fromkeys(PERSONAS, TO_SIGN_IN),
    ),
    signed_in_everywhere("admin/logout/", lambda s: "/admin/logout/", NOT_ALLOWED, SIGNED_OUT),
    Address(
        # The language menu: anyone may choose (the sign-in page has it too); a GET is refused.
        "i18n/setlang/",
        lambda s: "/i18n/setlang/",
        get=dict.fromkeys(PERSONAS, NOT_ALLOWED),
        post=dict.fromkeys(PERSONAS, FOUND),
        data=lambda s: {"language": "es", "next": "/"},
    ),
    Address(
        "healthz",
        lambda s: "/healthz",
        get=dict.fromkeys(PERSONAS, OK),
        post=dict.fromkeys(PERSONAS, NOT_ALLOWED),
    ),
]


def make_client(persona: str) -> Client:
    client = Client()
    user: User | None = {
        ANONYMOUS: lambda: None,
        PARTNER: lambda: make_user("reader", PARTNER_OFFICIALS),
        IMPACS: lambda: make_user("staff", IMPACS_STAFF),
        ADMIN: lambda: make_user("root", is_staff=True, is_superuser=True),
        NO_GROUP: lambda: make_user("nobody"),
    }[persona]()
    if user is not None:
        client.force_login(user)
    return client


CASES = [
    pytest.param(address, persona, method, id=f"{method} /{address.route} as {persona}")
    for address in ADDRESSES
    for persona in PERSONAS
    for method in ("GET", "POST")
]


@pytest.mark.parametrize(("address", "persona", "method"), CASES)
def test_permission_matrix(address: Address, persona: str, method: str) -> None:
    site = make_site()
    client = make_client(persona)
    url = address.url(site)
    before = db_state()

    if method == "GET":
        response = client.get(url)
        expected = address.get[persona]
    else:
        response = client.post(url, address.data(site))
        expected = address.post[persona]

    location = response.get("Location", "")
    if expected == TO_SIGN_IN:
        assert response.status_code == FOUND
        assert location.startswith("/accounts/login/?next=")
    elif expected == START_AGAIN:
        assert response.status_code == FOUND
        assert location == "/accounts/login/"
    elif expected == SIGNED_OUT:
        assert response.status_code == FOUND
        assert location == "/accounts/login/"
        assert "_auth_user_id" not in client.session
    elif expected == TO_ADMIN_SIGN_IN:
        assert response.status_code == FOUND
        assert location.startswith("/admin/login/?next=/admin/")
    elif expected == TO_ACTION:
        assert response.status_code == FOUND
        assert location == site.action.get_absolute_url()
    elif expected == READ_ONLY_POST:
        assert response.status_code in {OK, NOT_ALLOWED}
    else:
        assert response.status_code == expected

    writes = method == "POST" and persona in address.writes_for
    if writes:
        assert db_state() != before
    else:
        assert db_state() == before


def test_the_matrix_covers_every_address_of_the_site() -> None:
    def routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> set[str]:
        found: set[str] = set()
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                # The admin's own pages are its business (tests/test_admin.py); its door is /admin/.
                if route == "admin/":
                    found.add(route)
                else:
                    found |= routes(pattern.url_patterns, route)
            else:
                found.add(route)
        return found

    # The reporting app's addresses are in tests/test_reporting_permissions.py (focal points too).
    reporting = {
        route for route in routes(get_resolver().url_patterns) if route.startswith("reporting/")
    }
    assert reporting == {"reporting/" + str(p.pattern) for p in reporting_urls.urlpatterns}
    assert routes(get_resolver().url_patterns) - reporting == {
        address.route for address in ADDRESSES
    }


def test_the_admins_sign_in_sends_on_to_the_sites_sign_in_page(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/plans/action/")
    assert response["Location"] == "/accounts/login/?next=/admin/plans/action/"


def test_there_is_no_password_reset_by_email(client: Client) -> None:
    # Administrators reset passwords in the admin; no page but sign-in is open to anonymous visitors.
    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.get("/accounts/reset/MQ/set-password/").status_code == 404


def test_partner_officials_see_the_action_page_without_any_form(partner_client: Client) -> None:
    site = make_site()
    page = partner_client.get(site.action.get_absolute_url()).content.decode()
    # The only forms are the header's language menu and sign-out button.
    assert page.count("<form") == 2
    assert 'action="/accounts/logout/"' in page
    for address in (site.status_url(), site.kpi_url(), f"/milestones/{site.open_milestone.pk}/"):
        assert address not in page


def test_impacs_staff_see_every_update_form_on_the_action_page(impacs_client: Client) -> None:
    site = make_site()
    page = impacs_client.get(site.action.get_absolute_url()).content.decode()
    assert f'action="{site.status_url()}"' in page
    assert f'action="/milestones/{site.open_milestone.pk}/done/"' in page
    assert f'action="/milestones/{site.done_milestone.pk}/reopen/"' in page
    assert f'action="{site.kpi_url()}"' in page


def test_a_partner_cannot_correct_a_kpi_value_either(partner_client: Client) -> None:
    site = make_site()
    before = db_state()
    data = site.kpi_data(year=2024, value="99", correction="on")
    assert partner_client.post(site.kpi_url(), data).status_code == 403
    assert db_state() == before
