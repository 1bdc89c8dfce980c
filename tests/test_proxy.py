"""Behind a reverse proxy, sign-in lockouts count the client's address, not the proxy's."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.http import HttpRequest
from django.test import Client, RequestFactory

from roadmap.proxy import client_ip


def request_from(peer: str, forwarded_for: str | None = None) -> HttpRequest:
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=peer)
    if forwarded_for is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return request


def test_without_a_proxy_the_peer_is_the_client_whatever_the_header_says(settings) -> None:
    settings.PROXY_COUNT = 0
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@pytest.mark.parametrize(
    "count, forwarded_for, expected",
    [
        (1, "198.51.100.1", "198.51.100.1"),
        # A client can write its own X-Forwarded-For: the proxy appends the real address after it.
        (1, "10.9.9.9, 198.51.100.1", "198.51.100.1"),
        (2, "10.9.9.9, 198.51.100.1, 172.18.0.5", "198.51.100.1"),
        # Fewer addresses than proxies: the request did not come through them all.
        (2, "198.51.100.1", "172.18.0.2"),
    ],
)
def test_behind_proxies_the_client_is_counted_from_the_right(
    settings, count: int, forwarded_for: str, expected: str
) -> None:
    settings.PROXY_COUNT = count
    assert client_ip(request_from("172.18.0.2", forwarded_for)) == expected


@pytest.mark.django_db
def test_failed_sign_ins_are_recorded_against_the_client_not_the_proxy(
    client: Client, settings
) -> None:
    settings.PROXY_COUNT = 1
    client.post(
        "/accounts/login/",
        {"username": "someone", "password": "wrong"},
        REMOTE_ADDR="172.18.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.1"]
