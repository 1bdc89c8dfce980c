"""Sign in, sign out, change password, and the lock after repeated failed sign-ins (django-axes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.builders import PASSWORD
from tests.pages import text_of

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str, next_url: str = "", **extra: Any) -> Any:
    return client.post(
        "/accounts/login/", {"username": username, "password": password, "next": next_url}, **extra
    )


def test_the_sign_in_page_is_the_only_page_open_without_signing_in(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Sign in" in text_of(response)


def test_signing_in_returns_the_visitor_where_they_were_going(
    client: Client, partner: User
) -> None:
    response = client.get("/countries/jam/")
    assert response["Location"] == "/accounts/login/?next=/countries/jam/"
    page = text_of(client.get(response["Location"]))
    assert 'name="next" value="/countries/jam/"' in page

    response = sign_in(client, "reader", PASSWORD, "/countries/jam/")
    assert response.status_code == 302
    assert response["Location"] == "/countries/jam/"
    assert client.get("/countries/jam/").status_code == 200


def test_without_a_destination_signing_in_leads_to_the_dashboard(
    client: Client, partner: User
) -> None:
    assert sign_in(client, "reader", PASSWORD)["Location"] == "/"


def test_signing_in_never_sends_the_visitor_to_another_site(client: Client, partner: User) -> None:
    response = sign_in(client, "reader", PASSWORD, "https://evil.example/phish")
    assert response["Location"] == "/"


def test_a_wrong_password_is_refused_with_a_message(client: Client, partner: User) -> None:
    response = sign_in(client, "reader", "not the password")
    assert response.status_code == 200
    assert "Please enter a correct username and password." in text_of(response)
    assert "_auth_user_id" not in client.session


def test_signing_out_is_a_post_that_ends_on_the_sign_in_page_with_a_message(
    partner_client: Client,
) -> None:
    assert partner_client.get("/accounts/logout/").status_code == 405
    page = text_of(partner_client.get("/"))
    assert 'action="/accounts/logout/"' in page  # the header's sign-out button

    response = partner_client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "You have signed out." in text_of(response)
    assert partner_client.get("/")["Location"] == "/accounts/login/?next=/"


def test_a_password_is_changed_after_giving_the_current_one(
    partner_client: Client, partner: User
) -> None:
    new = "a much longer passphrase 2030"
    response = partner_client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert response.redirect_chain == [("/accounts/password_change/done/", 302)]
    assert "Your password was changed." in text_of(response)
    partner.refresh_from_db()
    assert partner.check_password(new)
    # Still signed in here.
    assert partner_client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("wrong", "a much longer passphrase 2030", "a much longer passphrase 2030", "incorrect"),
        (PASSWORD, "a much longer passphrase 2030", "another one entirely", "didn’t match"),
        (PASSWORD, "short", "short", "too short"),
    ],
    ids=["wrong current password", "new passwords differ", "too short"],
)
def test_a_password_change_that_fails_says_why_and_keeps_the_password(
    partner_client: Client, partner: User, old: str, new1: str, new2: str, message: str
) -> None:
    response = partner_client.post(
        "/accounts/password_change/",
        {"old_password": old, "new_password1": new1, "new_password2": new2},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    partner.refresh_from_db()
    assert partner.check_password(PASSWORD)


def test_five_failed_sign_ins_lock_that_account_from_that_address(
    client: Client, partner: User
) -> None:
    for _ in range(4):
        assert sign_in(client, "reader", "guess").status_code == 200

    locked = sign_in(client, "reader", "guess")  # the fifth

    assert locked.status_code == 429
    page = text_of(locked)
    assert "Sign-in temporarily locked" in page
    assert "Too many failed sign-in attempts for <strong>reader</strong> from this address." in page
    assert "locked for <strong>15 minutes</strong>" in page
    # Even the right password is refused while the lock holds.
    response = sign_in(client, "reader", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_for_that_account_and_address_only(
    client: Client, partner: User, impacs: User
) -> None:
    for _ in range(5):
        sign_in(client, "reader", "guess")
    # Another account from the same address signs in.
    assert sign_in(client, "staff", PASSWORD)["Location"] == "/"
    client.logout()
    # The same account from another address signs in.
    other = Client(REMOTE_ADDR="10.0.0.7")
    assert sign_in(other, "reader", PASSWORD)["Location"] == "/"


def test_the_lock_lifts_after_the_cool_off(client: Client, partner: User) -> None:
    for _ in range(5):
        sign_in(client, "reader", "guess")
    assert sign_in(client, "reader", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))

    assert sign_in(client, "reader", PASSWORD)["Location"] == "/"


def test_a_successful_sign_in_resets_the_count_of_failures(client: Client, partner: User) -> None:
    for _ in range(4):
        sign_in(client, "reader", "guess")
    sign_in(client, "reader", PASSWORD)
    client.logout()
    for _ in range(4):
        assert sign_in(client, "reader", "guess").status_code == 200
