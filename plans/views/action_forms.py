"""The update forms' part of the action page's context (see plans/views/updates.py).

``forms_for(request, action, bound)`` returns the extra template context for
templates/plans/includes/{status,milestone,kpi}_form.html, which also use the page's ``action``.
Everyone who may read the page gets the KPI value history; only users who may write get forms. ``bound``
holds the forms of a POST that failed, so that the page shows them with what was typed and the errors.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from plans.forms import StatusUpdateForm
from plans.models import Action, IndicatorValue

STATUS_PERMISSION = "plans.add_statusupdate"
MILESTONE_PERMISSION = "plans.change_milestone"
KPI_PERMISSION = "plans.add_indicatorvalue"
# A correction supersedes the standing value, which changes that row.
KPI_CORRECT_PERMISSION = "plans.change_indicatorvalue"


def forms_for(
    request: HttpRequest, action: Action, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Template context for the update forms on an action page.

    It costs one query, for the KPI value history, and only if the page shows a KPI.
    """
    user = request.user
    bound = bound or {}
    context: dict[str, Any] = {
        "kpi_history": SimpleLazyObject(lambda: kpi_history(action.plan_id)),
        "can_update_milestones": user.has_perm(MILESTONE_PERMISSION),
        "can_enter_kpi_values": user.has_perm(KPI_PERMISSION),
        "can_correct_kpi_values": user.has_perm(KPI_CORRECT_PERMISSION),
        "bound_milestone_form": bound.get("milestone"),
        "bound_kpi_form": bound.get("kpi"),
    }
    if user.has_perm(STATUS_PERMISSION):
        context["status_form"] = bound.get("status") or StatusUpdateForm(action=action)
    return context


def kpi_history(plan_id: int) -> dict[int, list[IndicatorValue]]:
    """Every value of the plan's KPIs, newest first, corrected ones included, keyed by KPI."""
    values = (
        IndicatorValue.objects.filter(indicator_target__plan_id=plan_id)
        .select_related("author")
        .order_by("-year", "-recorded_at", "-pk")
    )
    history: dict[int, list[IndicatorValue]] = defaultdict(list)
    for value in values:
        history[value.indicator_target_id].append(value)
    return dict(history)
