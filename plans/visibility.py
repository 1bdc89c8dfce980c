"""Which countries' plans a user may see: the one place every page, list, export and chart asks.

National focal points see their assigned countries only; everyone else who may read sees every country.
Another state's pages are 404 to a focal point (``get_visible_country``), and no list, filter choice,
export or chart names or counts another state's plan. Caches of per-reader HTML key on ``scope_key``,
so one reader's page is never served to another who may see less.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from roadmap.models import Country

# The group whose members report for their own countries (made by reporting/migrations/0002_groups.py).
NATIONAL_FOCAL_POINTS = "National focal points"
# Seeing every country is the rule; a focal point, unless also IMPACS staff or an administrator, sees less.
SEE_ALL_PERMISSION = "reporting.review_submission"


# What makes a user a focal point: the group's own permission (read from the permission cache that
# every page's access check has loaded already, so asking costs no query).
FOCAL_POINT_PERMISSION = "reporting.submit_report"


def is_focal_point(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(FOCAL_POINT_PERMISSION))


def visible_country_ids(user: Any) -> frozenset[int] | None:
    """The ids of the countries this user may see; None means all of them. Cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if hasattr(user, "_visible_country_ids"):
        cached: frozenset[int] | None = user._visible_country_ids
        return cached
    ids: frozenset[int] | None
    if user.is_superuser or user.has_perm(SEE_ALL_PERMISSION) or not is_focal_point(user):
        ids = None
    else:
        ids = frozenset(user.country_assignments.values_list("country_id", flat=True))
    user._visible_country_ids = ids
    return ids


def visible_countries(user: Any) -> QuerySet[Country] | None:
    """The countries this user may see, or None for all (the contract other branches code against)."""
    ids = visible_country_ids(user)
    return None if ids is None else Country.objects.filter(pk__in=ids)


def scope_key(user: Any) -> str:
    """What this reader may see, as a short cache-key part: "all" or "c1.7"."""
    ids = visible_country_ids(user)
    return "all" if ids is None else "c" + ".".join(str(pk) for pk in sorted(ids))


def country_q(user: Any, path: str = "") -> Q:
    """A filter on ``<path>country`` (e.g. path="plan__") keeping only what the user may see."""
    ids = visible_country_ids(user)
    if ids is None:
        return Q()
    return Q(**{f"{path}country__in": ids}) if path else Q(pk__in=ids)


def scoped(queryset: QuerySet[Any], user: Any, path: str) -> QuerySet[Any]:
    """``queryset`` narrowed to the user's countries; ``path`` leads to a Country ("" for Country)."""
    ids = visible_country_ids(user)
    if ids is None:
        return queryset
    if path == "":
        return queryset.filter(pk__in=ids)
    return queryset.filter(**{f"{path}__in": ids})


def may_see_country(user: Any, country_id: int) -> bool:
    ids = visible_country_ids(user)
    return ids is None or country_id in ids


def check_country(user: Any, country_id: int) -> None:
    """404 for another state's object: a focal point does not learn that it exists."""
    if not may_see_country(user, country_id):
        raise Http404
