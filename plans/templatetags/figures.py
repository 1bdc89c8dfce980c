"""Hand a chart to the page: its figure as JSON data (no inline script) and its table beside it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import json_script
from plotly.utils import PlotlyJSONEncoder

from plans.charts import Chart

register = template.Library()


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
