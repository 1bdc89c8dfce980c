"""Plain builders for test data: each makes one valid object and takes overrides.

They write through plans/services.py like every other writer ("via" is "test"), so the data they make has
a history and moves the data version, as the site's would.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User

from plans import services
from plans.choices import Stage, Status
from plans.models import (
    Action,
    ActionPlan,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)
from plans.roles import IMPACS_STAFF, PARTNER_OFFICIALS
from roadmap.models import Country, Goal, Indicator

_seq = itertools.count(1)
VIA = "test"
PASSWORD = "correct horse battery staple"


def make_user(username: str, group: str | None = None, **kwargs: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **kwargs)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_impacs(username: str = "staff") -> User:
    return make_user(username, IMPACS_STAFF, first_name="Ira", last_name="Mitchell")


def make_partner(username: str = "reader") -> User:
    return make_user(username, PARTNER_OFFICIALS, first_name="Paula", last_name="Reyes")


def country(iso3: str = "JAM") -> Country:
    return Country.objects.get(iso3=iso3)


def goal(number: int = 1) -> Goal:
    return Goal.objects.get(number=number)


def make_plan(iso3: str = "JAM", **kwargs: Any) -> ActionPlan:
    fields: dict[str, Any] = {
        "country": country(iso3),
        "title": f"{iso3} National Action Plan",
        "stage": Stage.APPROVED,
        "start_year": 2022,
        "baseline_assessed_on": dt.date(2022, 6, 1),
        "draft_completed_on": dt.date(2022, 8, 1),
        "approved_on": dt.date(2022, 10, 1),
    }
    fields.update(kwargs)
    return services.create_plan(by=None, via=VIA, **fields)


def make_action(plan: ActionPlan, **kwargs: Any) -> Action:
    fields: dict[str, Any] = {
        "plan": plan,
        "goal": goal(1),
        "code": f"A{next(_seq)}",
        "title": "Review the firearms act",
        "lead_agency": "Ministry of National Security",
        "start_date": dt.date(2023, 1, 1),
        "due_date": dt.date(2029, 12, 31),
    }
    fields.update(kwargs)
    if "status" in fields and "baseline_status" not in fields:
        fields["baseline_status"] = Status.NOT_STARTED
    return services.create_action(by=None, via=VIA, **fields)


def make_update(
    action: Action, to_status: str, reported_on: dt.date, **kwargs: Any
) -> StatusUpdate:
    """Record a change the way the site does: history row plus the action's new status."""
    return services.record_status_update(
        action=action,
        to_status=to_status,
        reported_on=reported_on,
        note=kwargs.pop("note", "Reported at the quarterly review."),
        by=kwargs.pop("author", None),
        via=VIA,
        **kwargs,
    )


def make_milestone(action: Action, **kwargs: Any) -> Milestone:
    fields: dict[str, Any] = {
        "action": action,
        "title": "Draft agreed",
        "due_date": dt.date(2025, 6, 30),
    }
    fields.update(kwargs)
    return services.create_milestone(by=None, via=VIA, **fields)


def make_indicator(code: str = "K1", **kwargs: Any) -> Indicator:
    fields: dict[str, Any] = {"code": code, "goal": goal(2), "title": "Firearms seized"}
    fields.update(kwargs)
    return services.create_indicator(by=None, via=VIA, **fields)


def make_kpi(
    plan: ActionPlan, indicator: Indicator | None = None, **kwargs: Any
) -> IndicatorTarget:
    fields: dict[str, Any] = {
        "plan": plan,
        "indicator": indicator or make_indicator(f"K{next(_seq)}"),
        "baseline_value": Decimal(10),
        "baseline_year": 2022,
        "target_value": Decimal(30),
        "target_year": 2030,
    }
    fields.update(kwargs)
    return services.create_kpi(by=None, via=VIA, **fields)


def make_value(
    kpi: IndicatorTarget,
    year: int,
    value: float | int,
    *,
    author: User | None = None,
    superseded_at: Any = None,
    **kwargs: Any,
) -> IndicatorValue:
    """A KPI value; one for a year that already has a value corrects it (the old one is kept).

    ``superseded_at`` is accepted for readability only: a value is superseded by the next one.
    """
    standing = IndicatorValue.objects.in_force().filter(indicator_target=kpi, year=year).exists()
    kwargs.setdefault("correction", standing)
    return services.record_kpi_value(
        kpi=kpi, year=year, value=Decimal(str(value)), by=author, via=VIA, **kwargs
    )


def make_focal_point(username: str = "focal", *iso3: str) -> User:
    """A national focal point assigned to these countries (Jamaica by default)."""
    from plans.visibility import NATIONAL_FOCAL_POINTS
    from reporting.models import CountryAssignment

    user = make_user(username, NATIONAL_FOCAL_POINTS, first_name="Fiona", last_name="Campbell")
    user.email = f"{username}@example.org"
    user.save()
    for code in iso3 or ("JAM",):
        CountryAssignment.objects.create(user=user, country=country(code))
    return User.objects.get(pk=user.pk)


def make_cycle(by: User, **kwargs: Any) -> Any:
    from plans import services

    fields: dict[str, Any] = {
        "name": "Annual report 2026",
        "opens_on": dt.date(2026, 10, 1),
        "due_on": dt.date(2026, 12, 31),
        "kpi_year": 2026,
    }
    fields.update(kwargs)
    return services.open_cycle(by=by, **fields)
