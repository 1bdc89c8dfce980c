"""Bump the data version on every write that can change a figure (see DataVersion)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from plans.models import (
    Action,
    ActionPlan,
    DataVersion,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)
from roadmap.models import Country, Goal, Indicator, Target


def bump(sender: type, **kwargs: Any) -> None:
    if not kwargs.get("raw"):  # not while loading fixtures
        DataVersion.bump()


def connect() -> None:
    for model in (
        Country,
        Goal,
        Target,
        Indicator,
        ActionPlan,
        Action,
        Milestone,
        IndicatorTarget,
        IndicatorValue,
    ):
        post_save.connect(bump, sender=model, dispatch_uid=f"bump-save-{model.__name__}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"bump-delete-{model.__name__}")
    # Status updates are only ever added; they are deleted only with their action, whose own delete
    # bumps. Leaving post_delete unconnected keeps Django's fast bulk delete for the history.
    post_save.connect(bump, sender=StatusUpdate, dispatch_uid="bump-save-StatusUpdate")
