"""What an adversarial test of the site found (issue 14, point 8): each finding, as a hostile user
would try it, refused."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse

from plans import services
from plans.demo import DEMO_PASSWORD, create_demo_users
from plans.models import IndicatorValue, Milestone, StatusUpdate
from tests.builders import PASSWORD, make_action, make_plan
from tests.pages import text_of
from tests.updates_support import Site, db_state, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db: None) -> Site:
    return make_site()


def change_password(client: Client, old: str, new: str) -> Any:
    return client.post(
        "/accounts/password_change/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


# --- Password change guessing -----------------------------------------------------------------------


@override_settings(AXES_FAILURE_LIMIT=5)
def test_guessing_the_old_password_on_the_change_form_locks_like_sign_in(
    impacs_client: Client, impacs: User
) -> None:
    for attempt in range(5):
        response = change_password(
            impacs_client, f"guess number {attempt}", "a brand new passphrase"
        )
    assert AccessAttempt.objects.get(username="staff").failures_since_start == 5
    # The right password no longer helps: the account is locked as after five failed sign-ins.
    response = change_password(impacs_client, PASSWORD, "a brand new passphrase")
    assert response.status_code == 429
    impacs.refresh_from_db()
    assert impacs.check_password(PASSWORD)
    assert (
        Client().post("/accounts/login/", {"username": "staff", "password": PASSWORD}).status_code
        == 429
    )


def test_the_right_old_password_still_changes_it(impacs_client: Client, impacs: User) -> None:
    response = change_password(impacs_client, PASSWORD, "a brand new passphrase")
    assert response.status_code == 302
    impacs.refresh_from_db()
    assert impacs.check_password("a brand new passphrase")


# --- Passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (" " * 12, "cannot be made of spaces only"),
        ("\u200b" * 10 + "  ", "cannot be made of spaces only"),
        (PASSWORD, "must differ from your current one"),
        (DEMO_PASSWORD, "This password is public"),
    ],
)
def test_a_blank_unchanged_or_public_new_password_is_refused(
    impacs_client: Client, impacs: User, new: str, message: str
) -> None:
    before = User.objects.get(pk=impacs.pk).password
    response = change_password(impacs_client, PASSWORD, new)
    assert response.status_code == 200
    assert message in text_of(response)
    assert User.objects.get(pk=impacs.pk).password == before


# --- Demonstration accounts ----------------------------------------------------------------------


@override_settings(DEBUG=False)
def test_with_debug_off_the_demonstration_accounts_cannot_sign_in(client: Client) -> None:
    create_demo_users()
    for username in ("admin", "impacs", "partner"):
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200, username
        assert "demonstration accounts cannot sign in" in text_of(response)
        assert "_auth_user_id" not in client.session


@override_settings(DEBUG=True)
def test_with_debug_on_they_can(client: Client) -> None:
    create_demo_users()
    response = client.post("/accounts/login/", {"username": "impacs", "password": DEMO_PASSWORD})
    assert response.status_code == 302


# --- Chart text ---------------------------------------------------------------------------------


def drawn_texts(figure: dict[str, Any]) -> list[str]:
    """Every string plotly.js would draw from a figure (templates aside)."""
    found: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if key.endswith("template"):
            return
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    walk(figure)
    return found


def test_chart_labels_and_hover_text_never_carry_markup(partner_client: Client) -> None:
    hostile = '<a href="https://evil.example">click</a> & <b>bold</b>'
    plan = make_plan("JAM")
    services.update_country(country=plan.country, changes={"name": hostile}, by=None, via="admin")
    make_action(plan, code="<b>1.1</b>", title=hostile)
    pages = [partner_client.get("/"), partner_client.get("/countries/jam/")]
    figures = [
        json.loads(data)
        for page in pages
        for data in re.findall(
            r'<script id="[\w-]+-data" type="application/json">(.*?)</script>',
            page.content.decode(),
        )
    ]
    assert figures
    texts = [text for figure in figures for text in drawn_texts(figure)]
    assert any("&lt;a href" in text for text in texts)  # the hostile name is there, as text
    # The only markup left is the line breaks the charts ask for.
    assert not any("<" in text.replace("<br>", "") for text in texts)
    assert not any(re.search(r"&(?!amp;|lt;)", text) for text in texts)


def test_plain_text_turns_markup_into_entities_plotly_shows_literally() -> None:
    from plans.charts.base import plain

    assert plain("<b>A&B</b>") == "&lt;b>A&amp;B&lt;/b>"
    assert plain("&lt;") == "&amp;lt;"


# --- Dates, counts, notes ---------------------------------------------------------------------------


def test_a_milestone_cannot_be_done_on_0001_01_01(impacs_client: Client, site: Site) -> None:
    before = db_state()
    url = reverse("milestone_done", args=[site.open_milestone.pk])
    response = impacs_client.post(url, {"completed_on": "0001-01-01", "loaded": ""})
    assert response.status_code == 400
    assert "cannot be before 1 Jan 2000" in text_of(response)
    assert db_state() == before


def test_the_model_refuses_dates_out_of_range_whichever_door(site: Site) -> None:
    from django.core.exceptions import ValidationError

    milestone = Milestone(action=site.action, title="x", due_date=dt.date(1, 1, 1))
    with pytest.raises(ValidationError) as refused:
        milestone.full_clean()
    assert "due_date" in refused.value.message_dict


def test_a_count_kpi_takes_whole_numbers_only(impacs_client: Client, site: Site) -> None:
    before = db_state()
    response = impacs_client.post(site.kpi_url(), site.kpi_data(value="0.01"))
    assert response.status_code == 400
    assert "whole numbers only" in text_of(response)
    assert db_state() == before
    with pytest.raises(Exception, match="whole numbers"):
        IndicatorValue(indicator_target=site.kpi, year=2025, value="0.01").full_clean()


@pytest.mark.parametrize("note", ["\u200b", " \u200b\u200d\ufeff \n", "\u00a0\u2060"])
def test_a_note_of_invisible_characters_is_no_narrative(
    impacs_client: Client, site: Site, note: str
) -> None:
    before = db_state()
    response = impacs_client.post(site.status_url(), site.status_data(note=note))
    assert response.status_code == 400
    assert "only spaces or invisible characters" in text_of(response)
    assert db_state() == before
    update = StatusUpdate(
        action=site.action,
        from_status=site.action.status,
        to_status=site.action.status,
        reported_on=dt.date(2025, 1, 1),
        note=note,
    )
    with pytest.raises(Exception, match="invisible"):
        update.full_clean()


# --- Search length ----------------------------------------------------------------------------------


def test_a_60000_character_search_is_refused_with_a_message(partner_client: Client) -> None:
    make_action(make_plan("JAM"), code="1.1")
    response = partner_client.get("/actions/", {"q": "x" * 60_000})
    assert response.status_code == 200
    assert "at most 200 characters" in text_of(response)
