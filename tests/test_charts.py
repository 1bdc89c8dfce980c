"""The figure builders: titles that state the finding, axis titles, one palette, the same numbers as the
table beside each chart, and a slim template."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from plotly.utils import PlotlyJSONEncoder

from plans import charts, progress
from plans.choices import (
    BASELINE_COLOUR,
    CURRENT_COLOUR,
    OVERDUE_COLOUR,
    STATUS_COLOURS,
    Stage,
    Status,
)

TODAY = dt.date(2026, 11, 28)
PLANS = [
    charts.PlanProgress("Antigua and Barbuda", "ATG", 100.0, 12.5, True),
    charts.PlanProgress("Jamaica", "JAM", 58.6, 16.2, False),
    charts.PlanProgress("Saint Lucia", "LCA", 27.4, 5.0, False),
    charts.PlanProgress("Barbados", "BRB", 50.0, 10.0, False),
]
STAGES: dict[str, list[str]] = {
    Stage.NOT_STARTED: ["Dominica", "Montserrat"],
    Stage.SEMINAR_HELD: ["Dominican Republic"],
    Stage.DRAFTING: ["The Bahamas"],
    Stage.DRAFT_COMPLETED: ["Barbados", "Jamaica"],
    Stage.APPROVED: ["Antigua and Barbuda", "Saint Lucia"],
}
HEATMAP = [
    charts.PlanGoals("Jamaica", "JAM", {1: 33.3, 2: 76.7, 3: 48.1, 4: 74.0}),
    charts.PlanGoals("Barbados", "BRB", {1: 44.4, 2: 33.3, 3: None, 4: 30.0}),
]
TREND = [
    (dt.date(2022, 6, 30), 10.0),
    (dt.date(2022, 9, 30), 12.0),
    (dt.date(2022, 12, 31), 15.5),
    (TODAY, 52.0),
]
ACTIONS = [
    charts.ActionBar(
        "1.1",
        "Review the act",
        1,
        dt.date(2023, 1, 1),
        dt.date(2024, 1, 1),
        Status.LIMITED,
        True,
    ),
    charts.ActionBar(
        "1.2", "Draft rules", 1, dt.date(2023, 6, 1), dt.date(2027, 1, 1), Status.COMPLETED, False
    ),
    charts.ActionBar(
        "1.10",
        "Publish policy",
        1,
        dt.date(2024, 1, 1),
        dt.date(2028, 1, 1),
        Status.NOT_STARTED,
        False,
    ),
    charts.ActionBar(
        "2.1", "Screen cargo", 2, dt.date(2024, 1, 1), dt.date(2025, 1, 1), Status.COMPLETED, False
    ),
]
GOALS = [
    charts.GoalProgress(1, 33.3, 16.7),
    charts.GoalProgress(2, 76.7, 23.3),
    charts.GoalProgress(3, 48.1, 14.8),
    charts.GoalProgress(4, 74.1, 7.4),
]
SEIZURES = charts.KpiSeries(
    code="K2",
    title="Illicit firearms seized at ports of entry a year",
    unit="count",
    lower_is_better=False,
    baseline_value=Decimal(20),
    baseline_year=2022,
    target_value=Decimal(40),
    target_year=2030,
    values=[(2023, Decimal(22)), (2024, Decimal("25.50")), (2025, Decimal(30))],
    progress=50.0,
)


def every_chart() -> list[charts.Chart]:
    return [
        charts.plans_against_baseline(PLANS),
        charts.lifecycle(STAGES),
        charts.goal_heatmap(HEATMAP, [1, 2, 3, 4]),
        charts.regional_trend(TREND, TODAY),
        charts.action_timeline(ACTIONS, TODAY),
        charts.goals_against_baseline(GOALS),
        charts.kpi_chart(SEIZURES, 1),
        charts.kpi_chart(
            charts.KpiSeries(
                "K1", "Law aligned", "yes_no", False, Decimal(0), 2022, Decimal(1), 2030
            ),
            2,
        ),
    ]


def column(table: charts.Table, name: str) -> list[str]:
    index = table.columns.index(name)
    return [row[index] for row in table.rows]


def as_percent(values: list[float | None]) -> list[str]:
    return [progress.percent(v) for v in values]


@pytest.mark.parametrize("chart", every_chart(), ids=lambda c: c.id)
def test_every_chart_has_a_title_axis_titles_and_a_table(chart: charts.Chart) -> None:
    layout = chart.figure.layout
    assert chart.title and chart.title != "None"
    assert layout.xaxis.title.text
    assert layout.yaxis.title.text
    assert chart.table.rows and len(chart.table.columns) == len(chart.table.rows[0])
    assert chart.heading


@pytest.mark.parametrize("chart", every_chart(), ids=lambda c: c.id)
def test_every_chart_is_a_valid_plotly_figure(chart: charts.Chart) -> None:
    """The builders skip Plotly's validation for speed (charts.base.figure); here it runs in full."""
    import plotly.graph_objects as go

    validated = go.Figure(chart.figure.to_dict())  # raises ValueError on an invalid property
    assert validated.to_dict() == chart.figure.to_dict()


@pytest.mark.parametrize("chart", every_chart(), ids=lambda c: c.id)
def test_every_chart_uses_svg_traces_with_hover_text(chart: charts.Chart) -> None:
    for trace in chart.figure.data:
        assert trace.type in {"bar", "scatter", "heatmap"}  # no WebGL: it needs unsafe-eval
        assert trace.hovertemplate


@pytest.mark.parametrize("chart", every_chart(), ids=lambda c: c.id)
def test_every_chart_uses_the_slim_project_template_not_plotlys_default(
    chart: charts.Chart,
) -> None:
    figure = chart.figure.to_plotly_json()
    template = json.dumps(figure["layout"]["template"], cls=PlotlyJSONEncoder)
    assert len(template) < 1500  # the default template is about 6.5 KB in every figure
    assert figure["layout"]["template"]["layout"]["font"]["family"] == charts.FONT


def test_the_plans_chart_shows_baseline_beside_now_with_the_tables_numbers() -> None:
    chart = charts.plans_against_baseline(PLANS)
    baseline, now = chart.figure.data
    assert (baseline.name, now.name) == ("At baseline", "Now")
    assert baseline.marker.color == BASELINE_COLOUR
    assert now.marker.color == CURRENT_COLOUR
    # Plotly draws bars bottom-up: the most complete plan ends on top, the table reads top-down.
    assert list(reversed(now.y)) == column(chart.table, "Plan")
    assert as_percent(list(reversed(now.x))) == column(chart.table, "Now")
    assert as_percent(list(reversed(baseline.x))) == column(chart.table, "At baseline")
    assert chart.title == "1 of 4 drafted plans complete; 3 of 4 at least half complete"


def test_the_plans_chart_shows_country_codes_on_a_phone() -> None:
    narrow = charts.plans_against_baseline(PLANS).figure.layout.meta["narrow"]
    labels = dict(zip(narrow["yaxis.tickvals"], narrow["yaxis.ticktext"], strict=True))
    assert labels["Jamaica"] == "JAM"


def test_the_lifecycle_chart_counts_the_states_at_each_stage() -> None:
    chart = charts.lifecycle(STAGES)
    (bars,) = chart.figure.data
    assert list(bars.y) == [2, 1, 1, 2, 2]
    assert column(chart.table, "States") == ["2", "1", "1", "2", "2"]
    assert column(chart.table, "Stage")[-1] == "Formally approved"
    assert "Dominica, Montserrat" in column(chart.table, "Which")
    assert chart.title == "4 of 8 states have a drafted plan; 2 formally approved"


def test_the_heatmap_has_the_tables_numbers_and_names_the_goals_ahead_and_behind() -> None:
    chart = charts.goal_heatmap(HEATMAP, [1, 2, 3, 4])
    (heatmap,) = chart.figure.data
    assert list(heatmap.y) == ["Barbados", "Jamaica"]
    for row, values in zip(chart.table.rows, heatmap.z, strict=False):
        assert row[1:] == as_percent(list(values))
    assert chart.table.rows[-1] == ["Mean of the plans", "39 %", "55 %", "48 %", "52 %"]
    assert chart.title.startswith("Goal 2 is furthest along (55 % on average), goal 1 furthest")
    assert heatmap.zmin == 0 and heatmap.zmax == 100


def test_the_trend_runs_against_the_straight_path_to_100_percent_in_2030() -> None:
    chart = charts.regional_trend(TREND, TODAY)
    line, path = chart.figure.data
    assert as_percent(list(line.y)) == column(chart.table, "Regional completion")
    assert list(path.x) == ["2022-06-30", "2030-12-31"]
    assert list(path.y) == [10.0, 100]
    expected_path = progress.straight_path(dt.date(2022, 6, 30), 10.0, TODAY)
    assert column(chart.table, "Straight path")[-1] == progress.percent(expected_path)
    assert column(chart.table, "Quarter") == [
        "2022 Q2",
        "2022 Q3",
        "2022 Q4",
        "2026 Q4 (to 28 Nov 2026)",
    ]
    gap = round(expected_path - 52.0)
    assert chart.title == (
        f"Regional completion is 52 %, {gap} points behind the straight path to 100 % by 2030"
    )


def test_the_timeline_colours_each_action_by_status_and_marks_today_and_overdue() -> None:
    chart = charts.action_timeline(ACTIONS, TODAY)
    by_status = {trace.name: trace for trace in chart.figure.data}
    assert set(by_status) == {"Not started", "Limited progress", "Completed"}
    for status in (Status.NOT_STARTED, Status.LIMITED, Status.COMPLETED):
        assert by_status[status.label].marker.color == STATUS_COLOURS[status]
    limited = by_status["Limited progress"]
    assert list(limited.marker.line.color) == [OVERDUE_COLOUR]
    assert limited.base == ("2023-01-01",)
    assert limited.x == (365 * 86_400_000,)  # a year, in milliseconds
    # Codes are categories in the plan's order, 1.10 after 1.2, not numbers.
    assert chart.figure.layout.yaxis.type == "category"
    assert list(chart.figure.layout.yaxis.categoryarray) == ["1.1", "1.2", "1.10", "2.1"]
    (today_line,) = chart.figure.layout.shapes
    assert today_line.x0 == today_line.x1 == "2026-11-28"
    assert column(chart.table, "Overdue") == ["yes", "no", "no", "no"]
    assert chart.title == "2 of 4 applicable actions completed; 1 overdue"


def test_the_goal_chart_names_the_goal_that_moved_furthest() -> None:
    chart = charts.goals_against_baseline(GOALS)
    baseline, now = chart.figure.data
    assert as_percent(list(now.x)) == column(chart.table, "Now")
    assert as_percent(list(baseline.x)) == column(chart.table, "At baseline")
    assert chart.title == "Goal 4 has moved furthest since the baseline: 7 % to 74 % (+67 points)"


def test_a_kpi_chart_shows_baseline_target_line_and_annual_values() -> None:
    chart = charts.kpi_chart(SEIZURES, 1)
    traces = {trace.name: trace for trace in chart.figure.data}
    assert list(traces["Target"].y) == [40.0, 40.0]
    assert list(traces["Target"].x) == [2022, 2030]
    assert list(traces["Baseline"].y) == [20.0]
    assert list(traces["Annual value"].x) == [2022, 2023, 2024, 2025]
    assert list(traces["Annual value"].y) == [20.0, 22.0, 25.5, 30.0]
    assert chart.table.rows == [
        ["2022", "20", "baseline"],
        ["2023", "22", "reported"],
        ["2024", "25.5", "reported"],
        ["2025", "30", "reported"],
        ["2030", "40", "target"],
    ]
    assert chart.title == (
        "Illicit firearms seized at ports of entry a year: "
        "50 % of the way from baseline to target (2025 value)"
    )


def test_a_yes_no_kpi_reads_yes_and_no() -> None:
    kpi = charts.KpiSeries(
        "K1",
        "Law aligned",
        "yes_no",
        False,
        Decimal(0),
        2022,
        Decimal(1),
        2030,
        [(2024, Decimal(1))],
    )
    chart = charts.kpi_chart(kpi, 1)
    assert list(chart.figure.layout.yaxis.ticktext) == ["No", "Yes"]
    assert column(chart.table, "Value") == ["No", "Yes", "Yes"]


def test_charts_without_numbers_say_so() -> None:
    assert charts.regional_trend([], TODAY).title == "No regional completion to show yet"
    no_values = charts.KpiSeries(
        "K", "Seizures", "count", False, Decimal(1), 2022, Decimal(2), 2030
    )
    assert (
        charts.kpi_chart(no_values, 1).title == "Seizures: no value reported since the baseline yet"
    )
    assert charts.goals_against_baseline([charts.GoalProgress(1, None, None)]).title == (
        "No applicable actions under any goal yet"
    )


def test_a_status_has_the_same_colour_in_the_charts_and_the_badges() -> None:
    css = (Path(__file__).parent.parent / "static" / "css" / "site.css").read_text()
    for status, colour in STATUS_COLOURS.items():
        match = re.search(rf"--s-{status}:\s*(#[0-9a-fA-F]{{6}})", css)
        assert match, status
        assert match.group(1).lower() == colour.lower()
