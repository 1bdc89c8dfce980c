"""Template helpers for the update forms on the action page (see plans/views/updates.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms, template
from django.utils.formats import number_format

from plans.forms import KpiValueForm, milestone_form
from plans.models import IndicatorTarget, IndicatorValue, Milestone

register = template.Library()


@register.filter
def plain_number(value: Decimal | float | int | None) -> str:
    """12.50 as 12.5, 100.00 as 100: KPI values are stored with two decimal places."""
    if value is None:
        return "–"
    number = Decimal(str(value)).normalize()
    return number_format(number)


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A cool-off period in words: 15 minutes, 1 hour, 1 hour 30 minutes."""
    if not value:
        return "a while"
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


@register.simple_tag(takes_context=True)
def form_for_milestone(context: template.Context, milestone: Milestone) -> forms.Form | None:
    """The bound form if this milestone's last POST failed, else the form for its present state."""
    if not context.get("can_update_milestones"):
        return None
    bound = context.get("bound_milestone_form")
    if bound is not None and bound.milestone.pk == milestone.pk:
        return bound
    return milestone_form(milestone)


@register.simple_tag(takes_context=True)
def form_for_kpi(context: template.Context, kpi: IndicatorTarget) -> KpiValueForm | None:
    if not context.get("can_enter_kpi_values"):
        return None
    bound = context.get("bound_kpi_form")
    if bound is not None and bound.kpi.pk == kpi.pk:
        return bound
    history: dict[int, list[IndicatorValue]] = context.get("kpi_history") or {}
    values = history.get(kpi.pk, [])
    return KpiValueForm(
        kpi=kpi,
        seen=max((value.pk for value in values), default=0),
        latest_year=max((value.year for value in values), default=None),
    )


@register.simple_tag(takes_context=True)
def history_of_kpi(context: template.Context, kpi: IndicatorTarget) -> list[IndicatorValue]:
    history: dict[int, list[IndicatorValue]] = context.get("kpi_history") or {}
    return history.get(kpi.pk, [])
