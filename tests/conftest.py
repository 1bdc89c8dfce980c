"""The personas every view test uses: anonymous, partner official, IMPACS staff, administrator."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from hypothesis import HealthCheck, settings

from plans.demo import DemoBuilder
from tests.builders import make_impacs, make_partner, make_user

DEMO_AS_OF = dt.date(2026, 11, 28)

# Property-based tests (tests/test_properties.py): enough examples to find the usual mistakes while the
# whole suite stays fast; no deadline, since an example may make a request and touch the database.
# HYPOTHESIS_PROFILE=thorough tries ten times as many.
settings.register_profile(
    "default",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=250)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with empty caches: the data version restarts with every test database."""
    for each in caches.all():
        each.clear()


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Each test starts in the site's default language. The test client runs a request in the test's
    own thread, and LocaleMiddleware leaves that request's language active after it (as it does in a
    server's worker until the next request), so a test that asked for Spanish would otherwise hand
    Spanish to whichever test the process runs next."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def partner(db: None) -> User:
    return make_partner()


@pytest.fixture
def impacs(db: None) -> User:
    return make_impacs()


@pytest.fixture
def administrator(db: None) -> User:
    return make_user("root", is_staff=True, is_superuser=True)


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def partner_client(partner: User) -> Client:
    return _signed_in(partner)


@pytest.fixture
def impacs_client(impacs: User) -> Client:
    return _signed_in(impacs)


@pytest.fixture
def admin_user_client(administrator: User) -> Client:
    return _signed_in(administrator)


@pytest.fixture
def demo(db: None) -> dict[str, int]:
    """The demonstration data at a fixed date, so tests see the same data every day."""
    return DemoBuilder(DEMO_AS_OF).build()
