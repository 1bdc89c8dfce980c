"""Two-factor sign-in through the real forms, with real TOTP codes computed from the device's key."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.builders import PASSWORD
from tests.pages import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required(settings: Any) -> None:
    """As in production (DEBUG off): IMPACS staff and administrators must use a second factor."""
    settings.OTP_REQUIRED = True


def code_for(device: TOTPDevice) -> str:
    """The code the user's app shows now (or the next one, when this one was already used)."""
    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step)
    for step in range(
        now + device.drift - device.tolerance, now + device.drift + device.tolerance + 1
    ):
        if step > device.last_t:
            value = totp(device.bin_key, device.step, device.t0, device.digits, step - now)
            return f"{value:0{device.digits}d}"
    raise AssertionError("no unused code in the tolerance window")


def wrong_code_for(device: TOTPDevice) -> str:
    valid = {
        totp(device.bin_key, device.step, device.t0, device.digits, drift) for drift in range(-3, 4)
    }
    return next(f"{n:06d}" for n in range(123456, 999999) if n not in valid)


def sign_in(client: Client, username: str, next_url: str = "") -> Any:
    return client.post(
        "/accounts/login/", {"username": username, "password": PASSWORD, "next": next_url}
    )


def enrol(client: Client, user: User) -> list[str]:
    """Go through enrolment as the user would; returns the backup codes shown."""
    page = text_of(client.get("/accounts/two-factor/enrol/"))
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/two-factor/enrol/", {"code": code_for(device)})
    assert response.status_code == 302
    codes_page = client.get(response["Location"]).content.decode()
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)


def enrolled(username: str, user: User) -> tuple[Client, list[str]]:
    client = Client()
    sign_in(client, username)
    codes = enrol(client, user)
    client.post("/accounts/logout/")
    return client, codes


def test_staff_cannot_reach_any_page_before_enrolling(client: Client, impacs: User) -> None:
    response = sign_in(client, "staff", "/countries/jam/")
    assert response["Location"] == "/countries/jam/"
    for path in ["/", "/countries/", "/actions/", "/countries/jam/", "/accounts/two-factor/"]:
        assert client.get(path)["Location"].startswith("/accounts/two-factor/enrol/?next=")
    assert client.get("/countries/jam/")["Location"] == (
        "/accounts/two-factor/enrol/?next=%2Fcountries%2Fjam%2F"
    )


def test_administrators_cannot_reach_the_admin_before_enrolling(
    client: Client, administrator: User
) -> None:
    sign_in(client, "root")
    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/enrol/")


def test_enrolment_shows_the_secret_once_confirms_with_a_code_then_shows_backup_codes_once(
    client: Client, impacs: User
) -> None:
    sign_in(client, "staff")
    page = text_of(client.get("/accounts/two-factor/enrol/?next=/countries/"))
    assert "Set up two-factor sign-in" in page
    device = TOTPDevice.objects.get(user=impacs, confirmed=False)
    assert "otpauth" not in page  # the QR code is an image drawn here, not a link to a service
    secret = re.search(r'<code class="secret" id="secret">([A-Z2-7 ]+)</code>', page)
    assert secret is not None

    # Showing the page again makes a new secret: the first one is never shown again.
    client.get("/accounts/two-factor/enrol/?next=/countries/")
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    device = TOTPDevice.objects.get(user=impacs, confirmed=False)

    refused = client.post(
        "/accounts/two-factor/enrol/", {"code": wrong_code_for(device), "next": "/countries/"}
    )
    assert refused.status_code == 200
    assert "That code is not right." in text_of(refused)
    assert client.get("/")["Location"].startswith("/accounts/two-factor/enrol/")

    response = client.post(
        "/accounts/two-factor/enrol/", {"code": code_for(device), "next": "/countries/"}
    )
    assert response["Location"] == "/accounts/two-factor/backup-codes/?next=%2Fcountries%2F"
    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)
    assert len(codes) == 10
    assert 'href="/countries/"' in codes_page
    # Shown once.
    assert client.get("/accounts/two-factor/backup-codes/")["Location"] == "/accounts/two-factor/"
    # Now every page opens.
    assert client.get("/countries/").status_code == 200
    assert client.get("/accounts/two-factor/enrol/")["Location"] == "/accounts/two-factor/"


def test_after_enrolling_sign_in_asks_for_a_code_and_a_wrong_code_counts_toward_the_lockout(
    impacs: User,
) -> None:
    client, _codes = enrolled("staff", impacs)
    device = TOTPDevice.objects.get(user=impacs, confirmed=True)

    response = sign_in(client, "staff", "/actions/")
    assert response["Location"] == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    assert client.get("/actions/")["Location"] == "/accounts/login/?next=/actions/"

    refused = client.post("/accounts/login/code/", {"code": wrong_code_for(device)})
    assert refused.status_code == 200
    assert "That code is not right." in text_of(refused)
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="staff").failures_since_start == 1

    response = client.post("/accounts/login/code/", {"code": code_for(device)})
    assert response["Location"] == "/actions/"
    assert client.get("/actions/").status_code == 200
    # A full sign-in clears the count, as after a right password without a second factor.
    assert not AccessAttempt.objects.filter(username="staff").exists()


def test_wrong_codes_lock_the_account_like_wrong_passwords(impacs: User) -> None:
    client, _codes = enrolled("staff", impacs)
    device = TOTPDevice.objects.get(user=impacs, confirmed=True)
    # Two wrong passwords, then wrong codes: the same count of five.
    for _ in range(2):
        client.post("/accounts/login/", {"username": "staff", "password": "guess"})
    sign_in(client, "staff")
    for _ in range(2):
        assert (
            client.post("/accounts/login/code/", {"code": wrong_code_for(device)}).status_code
            == 200
        )

    locked = client.post("/accounts/login/code/", {"code": wrong_code_for(device)})

    assert locked.status_code == 429
    assert "Sign-in temporarily locked" in text_of(locked)
    # Neither the right password nor, after it, the right code gets in while the lock holds.
    assert sign_in(client, "staff").status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_backup_code_signs_in_once(impacs: User) -> None:
    client, codes = enrolled("staff", impacs)

    sign_in(client, "staff")
    response = client.post("/accounts/login/code/", {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain[-1] == ("/", 302)
    assert "You signed in with a backup code; 9 are left." in text_of(response)
    client.post("/accounts/logout/")

    sign_in(client, "staff")
    refused = client.post("/accounts/login/code/", {"code": codes[0]})
    assert refused.status_code == 200
    assert "That code is not right." in text_of(refused)
    assert "_auth_user_id" not in client.session
    assert client.post("/accounts/login/code/", {"code": codes[1]})["Location"] == "/"


def test_the_code_step_expires_and_cannot_be_reached_without_the_password(
    client: Client, impacs: User
) -> None:
    response = client.get("/accounts/login/code/", follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "Sign in again" in text_of(response)


def test_a_partner_is_not_asked_to_enrol_but_may_turn_it_on_and_off(
    partner_client: Client, partner: User
) -> None:
    assert partner_client.get("/").status_code == 200
    page = text_of(partner_client.get("/accounts/two-factor/"))
    assert "Off." in page
    assert 'href="/accounts/two-factor/"' in text_of(partner_client.get("/"))  # the account menu

    codes = enrol(partner_client, partner)
    assert len(codes) == 10
    device = TOTPDevice.objects.get(user=partner, confirmed=True)
    page = text_of(partner_client.get("/accounts/two-factor/"))
    assert "On." in page
    assert "10 backup codes left." in page

    # New backup codes, with a current code: the old ones stop working.
    response = partner_client.post(
        "/accounts/two-factor/", {"action": "codes", "code": code_for(device)}
    )
    assert response["Location"] == "/accounts/two-factor/backup-codes/"
    new_codes = re.findall(
        r"<li><code>([a-z2-7]{8})</code></li>",
        partner_client.get(response["Location"]).content.decode(),
    )
    assert len(new_codes) == 10
    assert not StaticToken.objects.filter(token__in=codes).exists()

    refused = partner_client.post("/accounts/two-factor/", {"action": "off", "code": "12345678"})
    assert "That code is not right." in text_of(refused)
    partner_client.post("/accounts/two-factor/", {"action": "off", "code": new_codes[0]})
    assert "Off." in text_of(partner_client.get("/accounts/two-factor/"))
    assert not TOTPDevice.objects.filter(user=partner).exists()


def test_staff_cannot_turn_it_off(impacs: User) -> None:
    client, codes = enrolled("staff", impacs)
    sign_in(client, "staff")
    client.post("/accounts/login/code/", {"code": codes[0]})
    assert "Turn two-factor sign-in off" not in text_of(client.get("/accounts/two-factor/"))
    client.post("/accounts/two-factor/", {"action": "off", "code": codes[1]})
    assert TOTPDevice.objects.filter(user=impacs, confirmed=True).exists()


def test_an_administrator_resets_a_users_devices_and_the_user_enrols_again(
    impacs: User, administrator: User
) -> None:
    enrolled("staff", impacs)
    admin_client, codes = enrolled("root", administrator)
    sign_in(admin_client, "root")
    admin_client.post("/accounts/login/code/", {"code": codes[0]})

    response = admin_client.post(
        "/admin/auth/user/",
        {"action": "reset_two_factor", "_selected_action": [impacs.pk]},
        follow=True,
    )

    assert "Two-factor sign-in reset for staff." in text_of(response)
    assert not TOTPDevice.objects.filter(user=impacs).exists()
    assert not StaticToken.objects.filter(device__user=impacs).exists()
    staff_client = Client()
    assert sign_in(staff_client, "staff")["Location"] == "/"
    assert staff_client.get("/")["Location"].startswith("/accounts/two-factor/enrol/")


def test_a_session_that_never_gave_a_code_is_signed_out(impacs: User) -> None:
    enrolled("staff", impacs)
    client = Client()
    client.force_login(impacs)  # e.g. a session from before the device was set up elsewhere
    assert client.get("/countries/")["Location"] == "/accounts/login/?next=/countries/"
    assert "_auth_user_id" not in client.session


def test_with_the_setting_off_staff_are_offered_it_but_not_made_to(
    client: Client, impacs: User, settings: Any
) -> None:
    settings.OTP_REQUIRED = False
    sign_in(client, "staff")
    assert client.get("/").status_code == 200
    assert "Turn two-factor sign-in on" in text_of(client.get("/accounts/two-factor/"))
