"""The pages shown when something fails: the database away (503), a server error (500), a refused form
(CSRF, 403). None shows a traceback or the database's own words."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from tests.builders import make_action, make_plan
from tests.pages import text_of
from tests.updates_support import Site, db_state, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db: None) -> Site:
    return make_site()


DATABASE_MESSAGE = 'connection to server at "10.0.0.5", port 5432 failed: Connection refused'


def unreachable_database() -> mock._patch[mock.MagicMock]:
    """Every new query fails as it does while PostgreSQL is stopped."""
    return mock.patch.object(
        BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError(DATABASE_MESSAGE)
    )


def production_client(user: User | None = None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/", "/countries/jam/", "/actions/", "/accounts/login/"])
def test_while_the_database_is_away_pages_answer_503_with_a_plain_page(
    partner: User, path: str
) -> None:
    client = production_client(partner)
    with unreachable_database():
        response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = text_of(response)
    assert "temporarily unavailable" in page
    assert "10.0.0.5" not in page and "Traceback" not in page and "connection" not in page.lower()


def test_a_write_while_the_database_is_away_says_it_was_not_saved(impacs: User, site: Site) -> None:
    client = production_client(impacs)
    before = db_state()
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=InterfaceError("connection already closed"),
    ):
        response = client.post(site.status_url(), site.status_data())
    assert response.status_code == 503
    assert "most likely not saved" in text_of(response)
    assert db_state() == before


def test_a_bug_is_a_500_that_does_not_promise_anything_was_saved(partner: User) -> None:
    make_action(make_plan("JAM"))
    client = production_client(partner)
    with mock.patch("plans.views.lists.ActionList.get_queryset", side_effect=ValueError("bug")):
        response = client.get("/actions/")
    assert response.status_code == 500
    page = text_of(response)
    assert "Nothing you saved is lost" not in page
    assert "may not have been saved" in page
    assert "bug" not in page and "Traceback" not in page


def test_a_refused_form_explains_and_gives_back_what_was_typed(impacs: User, site: Site) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(impacs)
    note = "Second reading passed <with amendments> & more."
    response = client.post(
        site.status_url(),
        site.status_data(note=note, csrfmiddlewaretoken="stale-token"),
        HTTP_REFERER="http://testserver" + site.action.get_absolute_url(),
    )
    assert response.status_code == 403
    page = text_of(response)
    assert "Your form was not sent" in page
    assert "nothing was saved" in page
    # What was typed, escaped, ready to copy; not the token or the hidden "as loaded" version.
    assert "Second reading passed &lt;with amendments&gt; &amp; more." in page
    assert "stale-token" not in page
    assert f'href="http://testserver{site.action.get_absolute_url()}"' in page
    assert 'class="site-header"' in page  # the site's own styled page, not Django's bare one


def test_a_refused_sign_in_never_shows_the_password_again(partner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": "reader", "password": "my secret passphrase"}
    )
    assert response.status_code == 403
    assert "my secret passphrase" not in text_of(response)
    assert "reader" in text_of(response)
