"""Cached page bodies (plans/caching.py): one reader's view is never served to another who may see
something else or reads in another language, nothing of a user is cached, and a write shows at once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone, translation

from plans import caching
from plans.models import Action
from tests.builders import make_user
from tests.pages import text_of

PAGES = ["/", "/countries/", "/countries/jam/", "/actions/", "/actions/?country=JAM&sort=-code"]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the fragments built (cache misses), in order."""
    built: list[str] = []
    store = caching.cache.set

    def spy(key: str, *args: Any, **kwargs: Any) -> None:
        built.append(key)
        store(key, *args, **kwargs)

    monkeypatch.setattr(caching.cache, "set", spy)
    return built


def test_scopes_are_canonical() -> None:
    assert caching.scope_of(None) == caching.EVERYTHING
    assert caching.scope_of(["jam", "BRB"]) == caching.scope_of(["BRB", "JAM", "JAM"])
    assert caching.scope_of([]) != caching.scope_of(None)
    assert caching.scope_of(["JAM"]) != caching.scope_of(["JAM", "BRB"])


@pytest.mark.django_db
def test_the_key_holds_the_scope_the_language_the_date_the_data_version_and_the_page(
    demo, impacs_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def key(scope: str = caching.EVERYTHING, parts: tuple[str, ...] = ()) -> str:
        return caching.fragment_key("country", scope=scope, parts=parts)

    base = key()
    assert key() == base
    assert key(caching.scope_of(["JAM"])) != base
    assert key(parts=("JAM",)) != key(parts=("BRB",))
    with translation.override("es"):
        assert key() != base
    record_completed(impacs_client)  # any write bumps the data version
    assert key() != base
    bumped = key()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(caching.timezone, "localdate", lambda: tomorrow)
    assert key() != bumped


@pytest.mark.parametrize("url", PAGES)
def test_a_reader_of_another_scope_never_gets_anothers_fragment(
    url: str, demo, partner_client: Client, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the rule of branch reporting plugs in: a focal point of Jamaica has a scope of their own."""
    focal = make_user("focal-jam", "Partner officials")
    monkeypatch.setattr(
        caching,
        "visibility_scope",
        lambda user: caching.scope_of(["JAM"] if user.username == "focal-jam" else None),
    )
    assert partner_client.get(url).status_code == 200
    assert len(builds) == 1
    assert partner_client.get(url).status_code == 200
    assert len(builds) == 1, "the same reader again: served from the cache"
    focal_client = Client()
    focal_client.force_login(focal)
    assert focal_client.get(url).status_code == 200
    assert len(builds) == 2, "another scope: built for it, not taken from the partner's"
    assert builds[0] != builds[1]


@pytest.mark.parametrize("url", PAGES)
def test_another_language_gets_its_own_fragment(
    url: str, demo, partner_client: Client, builds: list[str]
) -> None:
    partner_client.get(url)
    # The language is the reader's (the menu's cookie), not the test process's.
    partner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    partner_client.get(url)
    del partner_client.cookies[settings.LANGUAGE_COOKIE_NAME]
    partner_client.get(url)
    assert len(builds) == 2


@pytest.mark.parametrize("url", PAGES)
def test_nothing_of_one_user_is_in_the_cached_fragment(
    url: str, demo, partner_client: Client, impacs_client: Client, builds: list[str]
) -> None:
    first = partner_client.get(url).content.decode()
    second = impacs_client.get(url).content.decode()
    assert len(builds) == 1, "both read the same fragment"
    assert "Paula Reyes" in first and "Paula Reyes" not in second
    assert "Ira Mitchell" in second and "Ira Mitchell" not in first
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', first)
    assert tokens, "the sign-out form carries the reader's own token"
    assert not any(token in second for token in tokens)


def test_the_cached_body_is_the_same_html_the_page_built(demo, partner_client: Client) -> None:
    for url in PAGES:
        built, served = (main_of(partner_client.get(url)) for _ in range(2))
        assert served == built, url


def main_of(response: Any) -> str:
    return text_of(response).split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize(
    "url", ["/", "/countries/", "/countries/jam/", "/actions/?country=JAM&status=completed"]
)
def test_a_status_update_shows_on_the_next_view(
    url: str, demo, impacs: User, impacs_client: Client
) -> None:
    before = impacs_client.get(url).content.decode()
    action = record_completed(impacs_client)
    after = impacs_client.get(url).content.decode()
    assert after != before
    if "status=completed" in url:
        assert action.title in after and action.title not in before


def record_completed(client: Client) -> Action:
    """Jamaica's first action not yet completed becomes completed, through the site."""
    action = (
        Action.objects.filter(plan__country__iso3="JAM")
        .exclude(status="completed")
        .order_by("code")
        .first()
    )
    assert action is not None
    response = client.post(
        f"/actions/{action.pk}/status/",
        {
            "status": "completed",
            "reported_on": timezone.localdate().isoformat(),
            "note": "Completed, reported by the commission.",
            "version": action.version,
        },
    )
    assert response.status_code == 302
    return action
