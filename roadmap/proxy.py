"""The client's address behind reverse proxies, for sign-in lockouts (django-axes)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """Behind N proxies that each append the address they saw to X-Forwarded-For, the client is the
    N-th address from the right; anything further left came from the client and proves nothing."""
    count = settings.PROXY_COUNT
    if count:
        forwarded = [
            address.strip()
            for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if address.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
