"""/healthz: what a proxy or an orchestrator probes, without signing in."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client


@pytest.mark.django_db
def test_it_answers_ok_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_answers_503_when_the_database_does_not(client: Client) -> None:
    failure = OperationalError("connection to server at 10.0.0.5 failed: password authentication")
    with mock.patch.object(connection, "cursor", side_effect=failure):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    # The database's own message (host names, user names) stays out of the answer.
    assert b"10.0.0.5" not in response.content and b"password" not in response.content


@pytest.mark.django_db
def test_it_needs_no_sign_in_and_is_never_cached(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200  # not a redirect to the sign-in page
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "max-age=0" in cache_control


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_answers_get_only(client: Client, method: str) -> None:
    assert getattr(client, method)("/healthz").status_code == 405


@pytest.mark.django_db
def test_it_is_exempt_from_the_https_redirect_so_a_probe_can_use_plain_http(
    client: Client, settings
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert client.get("/").headers["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200
