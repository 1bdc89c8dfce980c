"""Shared by the update tests: a small site to update, and a snapshot of every row a write could touch
(a refused request must leave it as it was)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from plans.choices import Status
from plans.models import (
    Action,
    ActionPlan,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)
from reporting.models import ReportingCycle, Submission, Transition
from tests.builders import (
    make_action,
    make_indicator,
    make_kpi,
    make_milestone,
    make_plan,
    make_update,
    make_value,
)

TODAY = timezone.localdate()
BASELINE = dt.date(2022, 6, 1)


def db_state() -> dict[str, list[Any]]:
    """Status history, actions, milestones, KPI values and passwords, row by row."""
    return {
        "updates": list(StatusUpdate.objects.order_by("pk").values_list()),
        "actions": list(
            Action.objects.order_by("pk").values_list(
                "pk", "status", "status_changed_on", "version"
            )
        ),
        "milestones": list(Milestone.objects.order_by("pk").values_list("pk", "completed_on")),
        "kpi_values": list(IndicatorValue.objects.order_by("pk").values_list()),
        "passwords": list(User.objects.order_by("pk").values_list("pk", "password")),
        "submissions": list(Submission.objects.order_by("pk").values_list("pk", "state", "note")),
        "decisions": list(Transition.objects.order_by("pk").values_list()),
        "cycles": list(ReportingCycle.objects.order_by("pk").values_list()),
    }


@dataclass
class Site:
    """One plan with an action that has history, an open and a done milestone, and a KPI with a value."""

    plan: ActionPlan
    action: Action
    open_milestone: Milestone
    done_milestone: Milestone
    kpi: IndicatorTarget
    value_2024: IndicatorValue

    def status_url(self) -> str:
        return reverse("action_status", args=[self.action.pk])

    def kpi_url(self) -> str:
        return reverse("kpi_value", args=[self.action.pk, self.kpi.pk])

    def status_data(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "status": Status.SUBSTANTIAL,
            "reported_on": TODAY.isoformat(),
            "note": "The amendment bill passed its second reading.",
            "evidence_url": "https://parliament.example.org/hansard/2026-11-20",
            "version": self.action.version,
        }
        data.update(overrides)
        return data

    def kpi_data(self, **overrides: Any) -> dict[str, Any]:
        data = {"year": 2025, "value": "17", "note": "Customs annual report.", "seen": self.seen()}
        data.update(overrides)
        return data

    def seen(self) -> int:
        return max(self.kpi.values.values_list("pk", flat=True), default=0)


def make_site() -> Site:
    plan = make_plan("JAM", baseline_assessed_on=BASELINE)
    action = make_action(plan, code="1.1", title="Review the firearms act")
    make_update(action, Status.LIMITED, dt.date(2024, 3, 1), note="Working group formed.")
    action.refresh_from_db()
    # The action page shows the national KPIs of the action's goal.
    kpi = make_kpi(plan, make_indicator("SEIZED", goal=action.goal), baseline_year=2022)
    return Site(
        plan=plan,
        action=action,
        open_milestone=make_milestone(action, title="Bill drafted", due_date=dt.date(2026, 6, 30)),
        done_milestone=make_milestone(
            action, title="Working group formed", completed_on=dt.date(2024, 3, 1)
        ),
        kpi=kpi,
        value_2024=make_value(kpi, 2024, 12),
    )
