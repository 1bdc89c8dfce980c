"""Plotly figure builders: numbers in, figures out.

Every builder is pure. It takes figures already computed by progress.py (through the views) and returns a
``Chart``: the Plotly figure and a table with the same numbers, built from the same values so that the
two cannot disagree. Pages hand the figure over with ``json_script`` and static/js/charts.js draws it.

All figures share one slim template (the default Plotly template adds about 6.5 KB of JSON to each
figure), use SVG traces only (WebGL needs ``unsafe-eval`` in the Content-Security-Policy) and take their
colours from plans/choices.py, so that a status has the same colour on every chart and badge.
"""

from __future__ import annotations

from plans.charts.base import FONT, TEMPLATE, TITLE_SPACE, Chart, Table
from plans.charts.country import (
    ActionBar,
    GoalProgress,
    KpiSeries,
    action_timeline,
    goals_against_baseline,
    kpi_chart,
)
from plans.charts.regional import (
    PlanGoals,
    PlanProgress,
    goal_heatmap,
    lifecycle,
    plans_against_baseline,
    quarter_label,
    regional_trend,
)

__all__ = [
    "FONT",
    "TEMPLATE",
    "TITLE_SPACE",
    "ActionBar",
    "Chart",
    "GoalProgress",
    "KpiSeries",
    "PlanGoals",
    "PlanProgress",
    "Table",
    "action_timeline",
    "goal_heatmap",
    "goals_against_baseline",
    "kpi_chart",
    "lifecycle",
    "plans_against_baseline",
    "quarter_label",
    "regional_trend",
]
