"""The regional dashboard and the country pages.

The views gather numbers with a fixed number of queries whatever the size of the data: progress.py's SQL
annotations aggregate in the database, plans/charts/ draws, the templates show.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig

from plans import changes, charts, progress, visibility
from plans.caching import cached_fragment, query_part
from plans.choices import Stage
from plans.models import (
    Action,
    ActionPlan,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)
from plans.tables import ActionTable, PresortedRows
from plans.views.access import viewer_required
from plans.views.workbooks import may_import
from roadmap.models import Country, Goal, Indicator

GOAL_TABLE_ROWS = 50  # a goal with more actions pages, so the page's cost stays bounded
LATEST = 8  # rows in the "most overdue" and "latest updates" lists
SOON = dt.timedelta(days=90)


@viewer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The regional dashboard, its body cached as HTML until the data or the date changes.

    Drawing four figures costs far more than the page's framework overhead, and every figure depends only
    on the plan data and today's date (overdue). The cache key holds the data version, which every write
    bumps in its own transaction, so all server processes show a change on their next request
    (plans/caching.py).
    """
    today = timezone.localdate()
    body = cached_fragment(
        "dashboard",
        request,
        lambda: render_to_string(
            "plans/includes/dashboard_body.html",
            _dashboard_context(today, visibility.visible_country_ids(request.user)),
        ),
    )
    return render(request, "plans/dashboard.html", {"body": body})


def _dashboard_context(today: dt.date, countries: frozenset[int] | None = None) -> dict[str, Any]:
    """The dashboard's figures; ``countries`` narrows what names a plan to those a reader may see.

    A national focal point (``countries`` given) sees the regional aggregates as everyone does (the
    headline, regional completion, the trend, and the stage of each state, which is public), but the
    per-plan chart, the heatmap, the overdue count and list, and the latest updates show their own
    countries only: no name or count of another state's plan reaches them.
    """
    drafted = list(ActionPlan.objects.drafted().with_progress(today).select_related("country"))
    shown = drafted if countries is None else [p for p in drafted if p.country_id in countries]
    stages = _states_by_stage()
    current_actions = Action.objects.current()
    updates = StatusUpdate.objects.filter(action__plan__is_current=True)
    if countries is not None:
        current_actions = current_actions.filter(plan__country__in=countries)
        updates = updates.filter(action__plan__country__in=countries)
    overdue = current_actions.overdue(today)
    context: dict[str, Any] = {
        "today": today,
        "scoped": countries is not None,
        "headline": progress.headline(plan.is_complete for plan in drafted),
        "plans": shown,
        "regional": progress.mean(plan.completion for plan in drafted),
        "regional_baseline": progress.mean(plan.baseline_completion for plan in drafted),
        "stages": [(stage, stages.get(stage, [])) for stage in Stage],
        "state_count": sum(len(names) for names in stages.values()),
        "overdue_count": overdue.count(),
        "most_overdue": [
            (action, timesince(action.due_date, today, depth=2))
            for action in overdue.select_related("plan__country").order_by(
                "due_date", "plan__country__name", "code"
            )[:LATEST]
        ],
        "latest_updates": list(
            updates.select_related("action__plan__country", "author").order_by(
                "-recorded_at", "-pk"
            )[:LATEST]
        ),
        "charts": [
            charts.plans_against_baseline(
                [
                    charts.PlanProgress(
                        plan.country.name,
                        plan.country.iso3,
                        plan.completion,
                        plan.baseline_completion,
                        plan.is_complete,
                    )
                    for plan in shown
                ]
            ),
            _goal_heatmap(shown, today),
            _trend(drafted, today),
            charts.lifecycle(stages),
        ],
        "explanation": progress.EXPLANATION,
        "trend_explanation": progress.TREND_EXPLANATION,
    }
    return context


def _states_by_stage() -> dict[str, list[str]]:
    """Country names by the stage of their current plan; a state without one has not started."""
    current_stage = ActionPlan.objects.current().filter(country=OuterRef("pk")).values("stage")[:1]
    out: dict[str, list[str]] = defaultdict(list)
    for name, stage in Country.objects.annotate(stage=Subquery(current_stage)).values_list(
        "name", "stage"
    ):
        out[stage or Stage.NOT_STARTED].append(name)
    return out


def _goal_heatmap(drafted: list[ActionPlan], today: dt.date) -> charts.Chart:
    goals = list(Goal.objects.values_list("number", flat=True))
    cells: dict[int, dict[int, float | None]] = {plan.pk: {} for plan in drafted}
    rows = (
        Action.objects.filter(plan__in=list(cells))
        .values("plan_id", "goal__number")
        .annotate(**progress.completion_annotations(today=today))
        .order_by()
    )
    for row in rows:
        cells[row["plan_id"]][row["goal__number"]] = row["completion"]
    return charts.goal_heatmap(
        [
            charts.PlanGoals(plan.country.name, plan.country.iso3, cells[plan.pk])
            for plan in drafted
        ],
        goals,
    )


def _trend(drafted: list[ActionPlan], today: dt.date) -> charts.Chart:
    """Chart 4 from the status history: per plan and day, the summed change in score (one query).

    Grouping by the plain date rather than by quarter keeps the work in SQL on SQLite too, where a quarter
    is computed by a Python function for every row (ten times slower at 100x); there are at most a few
    thousand days, and ``replay`` undoes every change reported after each point.
    """
    changes: dict[int, list[tuple[dt.date, float, int]]] = defaultdict(list)
    rows = (
        StatusUpdate.objects.filter(action__plan__in=[plan.pk for plan in drafted])
        .values("action__plan_id", "reported_on")
        .annotate(**progress.change_annotations())
        .order_by()
    )
    for row in rows:
        changes[row["action__plan_id"]].append(
            (row["reported_on"], row["d_score"] or 0.0, row["d_applicable"] or 0)
        )
    baselines = [plan.baseline_assessed_on for plan in drafted if plan.baseline_assessed_on]
    periods = [period for plan_changes in changes.values() for period, _, _ in plan_changes]
    start = min(baselines or periods or [today])
    points = progress.regional_trend(
        ((plan.score_sum, plan.applicable_count, changes[plan.pk]) for plan in drafted),
        start,
        today,
    )
    return charts.regional_trend(points, today)


@viewer_required
def country(request: HttpRequest, iso3: str) -> HttpResponse:
    """A country page: its body (figures, tables, lists) cached as HTML like the dashboard's, per query
    string (each goal table sorts and pages on its own)."""
    country = get_object_or_404(Country, iso3=iso3.upper())
    visibility.check_country(request.user, country.pk)
    if iso3 != iso3.lower():
        return redirect(country, permanent=True)
    head, body, has_charts = cached_fragment(
        "country",
        request,
        lambda: _country_body(request, country),
        parts=[country.iso3, query_part(request)],
    )
    can_import = may_import(request.user, country)
    context = {
        "country": country,
        "head": head,
        "body": body,
        "has_charts": has_charts,
        "can_import": can_import,
    }
    return render(request, "plans/country.html", context)


def _country_body(request: HttpRequest, country: Country) -> tuple[str, str, bool]:
    """The country page's heading and body as HTML, and whether it holds charts (the page then loads
    plotly.js)."""
    today = timezone.localdate()
    plan = (
        ActionPlan.objects.current()
        .filter(country=country)
        .with_progress(today)
        .select_related("country")
        .first()
    )
    context: dict[str, Any] = {
        "country": country,
        "plan": plan,
        "today": today,
        "explanation": progress.EXPLANATION,
        "changes": changes.page_of(changes.country_changes(country), request.GET.get("changes")),
    }
    if plan is not None and plan.is_drafted:
        context.update(_plan_context(plan, today))
        if plan.action_count:
            context["goal_tables"] = _goal_tables(
                request, plan, context["actions"], context["goals"].values(), today
            )
    head = render_to_string("plans/includes/country_head.html", context, request=request)
    html = render_to_string("plans/includes/country_body.html", context, request=request)
    return head, html, plan is not None and plan.is_drafted


def _goal_tables(
    request: HttpRequest,
    plan: ActionPlan,
    actions: list[Action],
    goals: Iterable[Goal],
    today: dt.date,
) -> list[tuple[Goal, ActionTable]]:
    """The plan's actions in the actions list's table, one per goal, each sortable on its own.

    In their default order (by code) a goal's actions come from ``actions``, which the page fetched for
    its timeline already in that order; another sort asks the database."""
    out = []
    for goal in goals:
        prefix = f"g{goal.number}-"
        data: Any
        if request.GET.get(f"{prefix}sort", "code") == "code":
            data = PresortedRows([action for action in actions if action.goal_id == goal.pk])
        else:
            data = Action.objects.filter(plan=plan, goal=goal)
        table = ActionTable(
            data,
            exclude=("country", "goal"),
            order_by=("code",),
            prefix=prefix,
            today=today,
            empty_text=_("No actions under this goal."),
            attrs={"class": "data-table country-actions-table"},
        )
        RequestConfig(request, paginate={"per_page": GOAL_TABLE_ROWS}).configure(table)
        out.append((goal, table))
    return out


def _plan_context(plan: ActionPlan, today: dt.date) -> dict[str, Any]:
    actions = list(
        Action.objects.filter(plan=plan).select_related("goal", "target").in_code_order()
    )
    by_goal = {
        row["goal__number"]: row
        for row in Action.objects.filter(plan=plan)
        .values("goal__number")
        .annotate(**progress.completion_annotations(today=today))
        .order_by()
    }
    goals = list(Goal.objects.all())
    kpis = list(
        plan.kpis.select_related("indicator").prefetch_related(
            Prefetch(
                "values",
                queryset=IndicatorValue.objects.in_force().order_by("year"),
                to_attr="values_in_force",
            )
        )
    )
    open_milestones = Milestone.objects.filter(action__plan=plan).open()
    return {
        "actions": actions,
        "goals": {goal.number: goal for goal in goals},
        "timeline_chart": charts.action_timeline(
            [
                charts.ActionBar(
                    a.code,
                    a.title,
                    a.goal.number,
                    a.start_date,
                    a.due_date,
                    a.status,
                    progress.is_overdue(a.status, a.due_date, today),
                )
                for a in actions
            ],
            today,
        ),
        "goals_chart": charts.goals_against_baseline(
            [
                charts.GoalProgress(
                    goal.number,
                    by_goal.get(goal.number, {}).get("completion"),
                    by_goal.get(goal.number, {}).get("baseline_completion"),
                )
                for goal in goals
            ]
        ),
        "kpi_charts": [charts.kpi_chart(_kpi_series(kpi), n) for n, kpi in enumerate(kpis, 1)],
        "milestones_soon": open_milestones.filter(due_date__gte=today, due_date__lte=today + SOON)
        .select_related("action")
        .order_by("due_date", "pk")[:LATEST],
        "milestones_late": open_milestones.late(today).count(),
        "recent_updates": StatusUpdate.objects.filter(action__plan=plan)
        .select_related("action", "author")
        .order_by("-reported_on", "-recorded_at", "-pk")[:LATEST],
    }


def _kpi_series(kpi: IndicatorTarget) -> charts.KpiSeries:
    values = [(value.year, value.value) for value in kpi.values_in_force]  # type: ignore[attr-defined]
    return charts.KpiSeries(
        code=kpi.indicator.code,
        title=kpi.indicator.official("title", get_language() or "en")[0],
        unit=kpi.indicator.unit,
        lower_is_better=kpi.indicator.direction == Indicator.Direction.LOWER,
        baseline_value=kpi.baseline_value,
        baseline_year=kpi.baseline_year,
        target_value=kpi.target_value,
        target_year=kpi.target_year,
        values=values,
        progress=kpi.progress_percent(values[-1][1] if values else None),
    )
