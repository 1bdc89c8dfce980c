"""Hand a chart to the page: its figure as JSON data (no inline script) and its table beside it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import json_script
from plotly.utils import PlotlyJSONEncoder

from plans import progress
from plans.charts import Chart

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """``{{ plan.completion|percent }}``: "43 %" (progress.percent), with a no-break space so that a
    narrow line never leaves the "%" on a line of its own."""
    return progress.percent(value).replace(" ", "\u00a0")


@register.filter
def kpi_value(value: Decimal | float | None, unit: str) -> str:
    """``{{ value.value|kpi_value:kpi.indicator.unit }}``: "Yes", "12.5 %", "340" (progress.kpi_value)."""
    return progress.kpi_value(value, unit)


@register.inclusion_tag("plans/includes/chart.html")
def chart(chart: Chart) -> dict[str, Any]:
    """``{% chart c %}``: the container static/js/charts.js draws into, and the table of numbers."""
    return {
        "chart": chart,
        "data_id": f"{chart.id}-data",
        "figure_json": json_script(
            chart.to_plotly(), f"{chart.id}-data", encoder=PlotlyJSONEncoder
        ),
    }
