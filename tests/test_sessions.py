"""Signed-in pages and exports are never stored by a cache or the browser, and an idle session ends."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from roadmap.middleware import LAST_SEEN
from tests.builders import PASSWORD, make_action, make_plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/countries/",
        "/countries/jam/",
        "/actions/",
        "/actions/?export=csv",
        "/actions/?export=xlsx",
        "/countries/?export=csv",
        "/accounts/password_change/",
    ],
)
def test_signed_in_pages_and_exports_are_private_and_never_stored(
    partner_client: Client, path: str
) -> None:
    make_action(make_plan("JAM"))
    response = partner_client.get(path)
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert not directives & {"public", "immutable"} and "max-age=3" not in response["Cache-Control"]


def test_the_sign_in_page_and_redirects_are_not_stored_either(client: Client) -> None:
    assert "no-store" in client.get("/accounts/login/")["Cache-Control"]
    assert "no-store" in client.get("/actions/")["Cache-Control"]  # the redirect to sign in


def test_after_sign_out_the_same_address_leads_to_sign_in(partner: User) -> None:
    """What the back button does once a page is not stored: it asks again, and meets the sign-in."""
    client = Client()
    client.post("/accounts/login/", {"username": "reader", "password": PASSWORD})
    assert client.get("/countries/").status_code == 200
    client.post("/accounts/logout/")
    response = client.get("/countries/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@override_settings(SESSION_COOKIE_AGE=3600)
def test_a_session_idle_longer_than_the_limit_is_signed_out(partner_client: Client) -> None:
    assert partner_client.get("/countries/").status_code == 200
    session = partner_client.session
    session.set_expiry(-1)  # as if the hour had passed with no request
    session.save()
    response = partner_client.get("/countries/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@override_settings(SESSION_COOKIE_AGE=3600)
def test_using_the_site_keeps_the_session_alive(partner_client: Client) -> None:
    session = partner_client.session
    session[LAST_SEEN] = int(time.time()) - 120  # last touched two minutes ago
    session.save()
    response = partner_client.get("/countries/")
    assert response.cookies["sessionid"]["max-age"] == 3600  # a fresh hour from now
    assert partner_client.session[LAST_SEEN] >= int(time.time()) - 5


def test_a_session_used_within_the_minute_is_not_written_again(partner_client: Client) -> None:
    partner_client.get("/countries/")
    assert "sessionid" not in partner_client.get("/countries/").cookies


def test_the_idle_time_is_eight_hours_unless_configured() -> None:
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE == 8 * 3600
