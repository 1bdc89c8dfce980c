"""TEMPORARY stand-in for branch acct's write module, with its signatures (TEAM.md contract).

Approving a submission writes the approved change into the plan's tables. The one write module,
``plans/services.py``, is being built on branch ``acct``; once it is merged, ``reporting/services.py``
imports these three functions and ``Conflict`` from there and this file is deleted. Each function
locks what it changes and refuses a change made over a newer one, like the site's own forms.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from plans.models import Action, IndicatorTarget, IndicatorValue, Milestone, StatusUpdate

_UNSET: Any = object()


class Conflict(Exception):
    """The row changed since the change was prepared; ``newer`` describes the newer state."""

    def __init__(self, message: str, newer: Any = None) -> None:
        super().__init__(message)
        self.newer = newer


def record_status_update(
    *,
    action: Action,
    to_status: str,
    reported_on: dt.date,
    note: str,
    evidence_url: str = "",
    by: User | None,
    via: str = "site",
    expected_version: int | None = None,
) -> StatusUpdate:
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        if expected_version is not None and locked.version != expected_version:
            newer = locked.updates.select_related("author").order_by("-recorded_at", "-pk").first()
            raise Conflict("The action changed since.", newer)
        update = StatusUpdate(
            action=locked,
            from_status=locked.status,
            to_status=to_status,
            reported_on=reported_on,
            note=note,
            evidence_url=evidence_url,
            author=by,
        )
        update.full_clean()
        update.save()
        locked.status = to_status
        locked.status_changed_on = reported_on
        locked.version += 1
        locked.save(update_fields=["status", "status_changed_on", "version"])
        action.status, action.version = locked.status, locked.version
        return update


def complete_milestone(
    *,
    milestone: Milestone,
    completed_on: dt.date,
    by: User | None,
    via: str = "site",
    expected_completed_on: Any = _UNSET,
) -> Milestone:
    with transaction.atomic():
        locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if expected_completed_on is not _UNSET and locked.completed_on != expected_completed_on:
            raise Conflict("The milestone changed since.", locked)
        locked.completed_on = completed_on
        locked.save(update_fields=["completed_on"])
        return locked


def record_kpi_value(
    *,
    kpi: IndicatorTarget,
    year: int,
    value: Decimal,
    note: str = "",
    by: User | None,
    via: str = "site",
    correction: bool = False,
    seen: int | None = None,
) -> IndicatorValue:
    with transaction.atomic():
        IndicatorTarget.objects.select_for_update().get(pk=kpi.pk)
        standing = kpi.values.in_force().filter(year=year).select_related("author").first()
        if standing is not None and (seen is not None and standing.pk > seen):
            raise Conflict("A newer value was entered.", standing)
        if standing is not None and not correction:
            raise Conflict("This year already has a value.", standing)
        now = timezone.now()
        if standing is not None:
            standing.superseded_at = now
            standing.save(update_fields=["superseded_at"])
        return IndicatorValue.objects.create(
            indicator_target=kpi, year=year, value=value, note=note, author=by, recorded_at=now
        )
