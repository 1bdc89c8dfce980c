"""Page fragments cached as HTML: the expensive bodies of the dashboard, the country pages and the lists.

A fragment may depend only on what every reader with the same view of the data would see the same way:
the data version (every write bumps it, in its own transaction, so every server process shows a change on
its next request), today's date (overdue), the language, what the reader may see (their *visibility scope*)
and the page's query string (filters, sort, page). Nothing of one user may be in a fragment: forms, CSRF
tokens, messages and the user's name stay outside it, in the page around it, rendered per request.

``fragment_key`` is the one place where these keys are made, so that nobody forgets a part of one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import caches
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from plans import visibility
from plans.models import DataVersion

FRAGMENT_SECONDS = 24 * 3600  # a day: the date is in the key anyway
cache = caches["fragments"]
EVERYTHING = "all"

User = AbstractBaseUser | AnonymousUser
T = TypeVar("T")


def scope_of(country_codes: Iterable[str] | None) -> str:
    """The visibility scope of a reader who may see these countries (None: every country).

    Two readers with the same scope see the same fragments; readers with different scopes never share one.
    """
    if country_codes is None:
        return EVERYTHING
    return "countries-" + ("-".join(sorted({code.upper() for code in country_codes})) or "none")


def visibility_scope(user: User) -> str:
    """What this reader may see, as a cache key part (plans/visibility.py decides)."""
    return visibility.scope_key(user)


class _Seen:
    stamp = ""  # the data stamp this process last built or served a fragment for


def fragment_key(name: str, *, scope: str, parts: Iterable[str] = ()) -> str:
    """The cache key of fragment ``name`` for readers of ``scope``, with the page's own ``parts``
    (a country code, a query string...), at today's data version, date and language.

    When the data version has moved since this process last looked, its fragments of older data can never
    be served again: they are dropped at once (the cache is this process's own), so memory holds the
    fragments of the current data only."""
    stamp = data_stamp()
    if stamp != _Seen.stamp:
        cache.clear()
        _Seen.stamp = stamp
    detail = "\x1f".join(parts)
    digest = hashlib.sha256(detail.encode()).hexdigest()[:24] if detail else "-"
    return ":".join(
        [
            "fragment",
            name,
            stamp,
            timezone.localdate().isoformat(),
            get_language() or "-",
            hashlib.sha256(scope.encode()).hexdigest()[:16] if len(scope) > 40 else scope,
            digest,
        ]
    )


def data_stamp() -> str:
    """The data version, with the time of its last bump: a restored or recreated database that starts
    counting again never meets a fragment of the data it replaced. One primary-key read."""
    row = DataVersion.objects.filter(pk=1).values_list("number", "changed_at").first()
    return f"{row[0]}-{row[1].timestamp():.6f}" if row else "0"


def query_part(request: HttpRequest) -> str:
    """The query string in a canonical order: the same filters in another order share a fragment."""
    return "&".join(
        f"{key}={value}" for key in sorted(request.GET) for value in request.GET.getlist(key)
    )


def cached_fragment(
    name: str, request: HttpRequest, build: Callable[[], T], *, parts: Iterable[str] = ()
) -> T:
    """The fragment (its HTML, or a tuple of HTML and flags) from the cache, or ``build()`` it and keep
    it for the next reader."""
    key = fragment_key(name, scope=visibility_scope(request.user), parts=parts)
    fragment: T | None = cache.get(key)
    if fragment is None:
        fragment = build()
        cache.set(key, fragment, FRAGMENT_SECONDS)
    return fragment
