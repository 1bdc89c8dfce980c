"""Plotly figure builders: numbers in, figures out.

Every builder is pure. It takes figures already computed by progress.py (through the views) and returns a
``Chart``: the Plotly figure and a table with the same numbers, built from the same values so that the
two cannot disagree. Pages hand the figure over with ``json_script`` and static/js/charts.js draws it.

All figures share one slim template (the default Plotly template adds about 6.5 KB of JSON to each
figure), use SVG traces only (WebGL needs ``unsafe-eval`` in the Content-Security-Policy) and take their
colours from plans/choices.py, so that a status has the same colour on every chart and badge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import plotly.graph_objects as go

from plans import progress
from plans.choices import (
    BASELINE_COLOUR,
    CURRENT_COLOUR,
    OVERDUE_COLOUR,
    STATUS_COLOURS,
    Stage,
    Status,
)

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
INK, MUTED, GRID = "#1b2430", "#56606d", "#e6e9ee"
TARGET_COLOUR = STATUS_COLOURS[Status.COMPLETED]
# Sequential, single hue: readable with every kind of colour blindness.
COMPLETION_SCALE = [[0.0, "#f2f6fa"], [0.5, "#7fb3d9"], [1.0, CURRENT_COLOUR]]

_axis = {
    "gridcolor": GRID,
    "linecolor": "#c5ccd4",
    "zerolinecolor": "#c5ccd4",
    "automargin": True,
    "title": {"font": {"size": 12, "color": MUTED}, "standoff": 8},
}
TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": FONT, "size": 12, "color": INK},
        "title": {
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "pad": {"l": 4},
            "y": 0.98,
            "yref": "container",
            "yanchor": "top",
            "font": {"size": 15, "color": INK},
        },
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 8, "r": 16, "t": 56, "b": 8},
        "colorway": [CURRENT_COLOUR, "#E69F00", "#009E73", "#56B4E9", "#D55E00", "#CC79A7"],
        "xaxis": _axis,
        "yaxis": _axis,
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
            "font": {"size": 12},
        },
        "hoverlabel": {"bgcolor": "#ffffff", "bordercolor": "#c5ccd4", "font": {"color": INK}},
        "bargap": 0.25,
    }
)
WITH_LEGEND = {"t": 84}
# The page shows the title as text above the chart (it wraps there; Plotly's titles do not), so
# static/js/charts.js takes this much off the top of the plot. Keep the two in step.
TITLE_SPACE = 44
PERCENT_AXIS = {
    "title": {"text": "Completion (%)"},
    "range": [0, 104],
    "tickvals": [0, 25, 50, 75, 100],
}


@dataclass(frozen=True)
class Table:
    """The numbers of a chart as a table: screen readers, print and copy-paste."""

    caption: str
    columns: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()  # indexes of right-aligned columns


@dataclass(frozen=True)
class Chart:
    id: str
    heading: str
    figure: go.Figure
    table: Table
    # Left out of the printed brief when another section already prints the same numbers.
    print_table: bool = True

    @property
    def title(self) -> str:
        return str(self.figure.layout.title.text)

    @property
    def height(self) -> int:
        return int(self.figure.layout.height)

    @property
    def plot_height(self) -> int:
        """The height of the drawn plot, once charts.js has moved the title out."""
        return self.height - TITLE_SPACE


def _figure(title: str, height: int, **layout: object) -> go.Figure:
    return go.Figure(
        layout={"template": TEMPLATE, "title": {"text": title}, "height": height, **layout}
    )


def pct(value: float | None) -> str:
    return progress.percent(value)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _codes_on(axis: str, names: Sequence[str], codes: Sequence[str]) -> dict[str, object]:
    """Layout changes charts.js makes on a phone: country codes instead of names on an axis."""
    return {
        f"{axis}.tickmode": "array",
        f"{axis}.tickvals": list(names),
        f"{axis}.ticktext": list(codes),
        f"{axis}.title.text": "",
    }


# --- Dashboard ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanProgress:
    name: str
    iso3: str
    completion: float | None
    baseline: float | None
    complete: bool


def plans_against_baseline(plans: Sequence[PlanProgress]) -> Chart:
    """Chart 1: a bar per drafted plan, baseline completion beside current completion."""
    ordered = sorted(plans, key=lambda p: (p.completion or 0, p.name))  # Plotly draws bottom-up
    complete = sum(p.complete for p in plans)
    half = sum((p.completion or 0) >= 50 for p in plans)
    title = (
        f"{complete} of {len(plans)} drafted plans complete; "
        f"{half} of {len(plans)} at least half complete"
    )
    names = [p.name for p in ordered]
    fig = _figure(
        title,
        height=120 + 34 * max(len(plans), 3),
        margin=WITH_LEGEND,
        barmode="group",
        xaxis=PERCENT_AXIS,
        yaxis={"title": {"text": "Drafted plan"}},
        legend={"traceorder": "reversed"},
        meta={"narrow": _codes_on("yaxis", names, [p.iso3 for p in ordered])},
    )
    for label, colour, values in [
        ("At baseline", BASELINE_COLOUR, [p.baseline for p in ordered]),
        ("Now", CURRENT_COLOUR, [p.completion for p in ordered]),
    ]:
        fig.add_bar(
            name=label,
            orientation="h",
            y=names,
            x=[_rounded(v) for v in values],
            marker_color=colour,
            hovertemplate=f"%{{y}}<br>{label}: %{{x:.0f}} %<extra></extra>",
        )
    table = Table(
        "Completion of each drafted plan, at baseline and now",
        ["Plan", "At baseline", "Now", "Complete"],
        [
            [p.name, pct(p.baseline), pct(p.completion), "yes" if p.complete else "no"]
            for p in reversed(ordered)
        ],
        frozenset({1, 2}),
    )
    return Chart("chart-plans", "Plans against their baseline", fig, table)


SHORT_STAGES = ["Not<br>started", "Seminar<br>held", "Drafting", "Draft<br>done", "Approved"]


def lifecycle(states: Mapping[str, Sequence[str]]) -> Chart:
    """Chart 2: how many of the states are at each stage. ``states`` maps a stage to country names."""
    stages = list(Stage)
    counts = [len(states.get(stage, [])) for stage in stages]
    total = sum(counts)
    drafted = len(states.get(Stage.DRAFT_COMPLETED, [])) + len(states.get(Stage.APPROVED, []))
    approved = len(states.get(Stage.APPROVED, []))
    title = f"{drafted} of {total} states have a drafted plan; {approved} formally approved"
    labels = [stage.label.replace(" ", "<br>", 1) for stage in stages]
    fig = _figure(
        title,
        height=380,
        meta={
            "narrow": {
                "xaxis.tickmode": "array",
                "xaxis.tickvals": labels,
                "xaxis.ticktext": SHORT_STAGES,
            }
        },
        xaxis={"title": {"text": "Plan stage"}, "tickangle": 0},
        yaxis={"title": {"text": "Number of states"}, "dtick": 2, "rangemode": "tozero"},
        showlegend=False,
    )
    fig.add_bar(
        x=labels,
        y=counts,
        text=counts,
        textposition="outside",
        cliponaxis=False,
        marker_color=[
            STATUS_COLOURS[Status.NOT_STARTED] if stage == Stage.NOT_STARTED else CURRENT_COLOUR
            for stage in stages
        ],
        hovertext=[_names(states.get(stage, [])) for stage in stages],
        hovertemplate="%{y} states<br>%{hovertext}<extra></extra>",
    )
    fig.update_yaxes(range=[0, max([*counts, 1]) * 1.2])
    table = Table(
        "Number of states at each plan stage",
        ["Stage", "States", "Which"],
        [
            [stage.label, str(count), ", ".join(states.get(stage, [])) or "–"]
            for stage, count in zip(stages, counts, strict=True)
        ],
        frozenset({1}),
    )
    return Chart("chart-stages", "Where the states stand", fig, table)


def _names(names: Sequence[str], per_line: int = 3) -> str:
    if not names:
        return "none"
    lines = [", ".join(names[i : i + per_line]) for i in range(0, len(names), per_line)]
    return "<br>".join(lines)


@dataclass(frozen=True)
class PlanGoals:
    name: str
    iso3: str
    by_goal: Mapping[int, float | None]


def goal_heatmap(plans: Sequence[PlanGoals], goals: Sequence[int]) -> Chart:
    """Chart 3: completion of each drafted plan under each goal."""
    plans = sorted(plans, key=lambda p: p.name)
    z = [[_rounded(p.by_goal.get(g)) for g in goals] for p in plans]
    by_goal = {g: progress.mean(p.by_goal.get(g) for p in plans) for g in goals}
    known = {g: v for g, v in by_goal.items() if v is not None}
    if known:
        best, worst = max(known, key=known.__getitem__), min(known, key=known.__getitem__)
        title = (
            f"Goal {best} is furthest along ({pct(known[best])} on average), "
            f"goal {worst} furthest behind ({pct(known[worst])})"
        )
    else:
        title = "No drafted plan has applicable actions yet"
    labels = [f"Goal {g}" for g in goals]
    names = [p.name for p in plans]
    fig = _figure(
        title,
        height=110 + 30 * max(len(plans), 3),
        xaxis={"title": {"text": "Roadmap goal"}, "showgrid": False, "tickangle": 0},
        yaxis={"title": {"text": "Drafted plan"}, "autorange": "reversed", "showgrid": False},
        meta={
            "narrow": _codes_on("yaxis", names, [p.iso3 for p in plans])
            | {
                "xaxis.tickmode": "array",
                "xaxis.tickvals": labels,
                "xaxis.ticktext": [str(g) for g in goals],
            }
        },
    )
    fig.add_heatmap(
        x=labels,
        y=names,
        z=z,
        zmin=0,
        zmax=100,
        colorscale=COMPLETION_SCALE,
        xgap=2,
        ygap=2,
        texttemplate="%{z:.0f}",
        hovertemplate="%{y}, %{x}: %{z:.0f} % complete<extra></extra>",
        colorbar={"title": {"text": "%", "side": "top"}, "thickness": 10, "len": 0.8},
    )
    table = Table(
        "Completion (%) of each drafted plan under each goal",
        ["Plan", *labels],
        [[p.name, *[pct(p.by_goal.get(g)) for g in goals]] for p in plans]
        + [["Mean of the plans", *[pct(by_goal[g]) for g in goals]]],
        frozenset(range(1, len(goals) + 1)),
    )
    return Chart("chart-heatmap", "Progress by country and goal", fig, table)


def quarter_label(when: dt.date) -> str:
    return f"{when.year} Q{(when.month - 1) // 3 + 1}"


def regional_trend(points: Sequence[tuple[dt.date, float | None]], today: dt.date) -> Chart:
    """Chart 4: regional completion quarter by quarter, against the straight path to 100 % in 2030."""
    known = [(when, value) for when, value in points if value is not None]
    first = points[0][0] if points else today
    path_rows: list[float | None] = [None] * len(points)
    if known:
        start, start_value = known[0]
        path_rows = [progress.straight_path(start, start_value, when) for when, _ in points]
        latest = known[-1][1]
        gap = latest - progress.straight_path(start, start_value, known[-1][0])
        where = "ahead of" if gap >= 0 else "behind"
        title = (
            f"Regional completion is {pct(latest)}, {abs(gap):.0f} points {where} "
            "the straight path to 100 % by 2030"
        )
    else:
        title = "No regional completion to show yet"
    fig = _figure(
        title,
        height=380,
        margin=WITH_LEGEND,
        xaxis={
            "title": {"text": "Quarter"},
            "type": "date",
            "range": [first - dt.timedelta(days=90), progress.PATH_END + dt.timedelta(days=90)],
        },
        yaxis={"title": {"text": "Regional completion (%)"}, "range": [0, 100], "ticksuffix": " %"},
        hovermode="x unified",
    )
    fig.add_scatter(
        name="Drafted plans (mean)",
        x=[when.isoformat() for when, _ in points],
        y=[_rounded(value) for _, value in points],
        mode="lines+markers",
        line={"color": CURRENT_COLOUR, "width": 3},
        marker={"size": 5},
        hovertemplate="%{y:.0f} %<extra>Regional completion</extra>",
    )
    if known:
        start, start_value = known[0]
        fig.add_scatter(
            name="Straight path to 100 % in 2030",
            x=[start.isoformat(), progress.PATH_END.isoformat()],
            y=[round(start_value, 1), 100],
            mode="lines",
            line={"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
            hovertemplate="%{y:.0f} %<extra>Straight path</extra>",
        )
    table = Table(
        "Regional completion at the end of each quarter, and the straight path to 100 % in 2030",
        ["Quarter", "Regional completion", "Straight path", "Difference (points)"],
        [
            [
                quarter_label(when) + (f" (to {when:%-d %b %Y})" if when == today else ""),
                pct(value),
                pct(path),
                "–" if value is None or path is None else f"{value - path:+.0f}",
            ]
            for (when, value), path in zip(points, path_rows, strict=True)
        ],
        frozenset({1, 2, 3}),
    )
    return Chart("chart-trend", "Regional progress over time", fig, table)


# --- Country page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionBar:
    code: str
    title: str
    goal: int
    start: dt.date
    due: dt.date
    status: str
    overdue: bool


def action_timeline(actions: Sequence[ActionBar], today: dt.date) -> Chart:
    """Chart 5: each action from its start to its due date, coloured by status, with a line for today."""
    done = sum(a.status == Status.COMPLETED for a in actions)
    overdue = sum(a.overdue for a in actions)
    applicable = sum(a.status != Status.NOT_APPLICABLE for a in actions)
    title = f"{done} of {applicable} applicable actions completed; {overdue} overdue"
    codes = [a.code for a in actions]
    fig = _figure(
        title,
        height=150 + 18 * max(len(actions), 4),
        margin=WITH_LEGEND,
        barmode="overlay",
        meta={"narrow": {"yaxis.title.text": ""}},
        xaxis={"title": {"text": "Start to due date"}, "type": "date"},
        yaxis={
            "title": {"text": "Action"},
            "type": "category",  # codes such as "1.2" would otherwise read as numbers
            "categoryorder": "array",
            "categoryarray": codes,
            "autorange": "reversed",
            "showgrid": False,
            "tickfont": {"size": 10},
        },
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": today.isoformat(),
                "x1": today.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"color": INK, "width": 1.5, "dash": "dot"},
            }
        ],
        annotations=[
            {
                "x": today.isoformat(),
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "yanchor": "top",
                "xanchor": "left",
                "xshift": 3,
                "bgcolor": "rgba(255,255,255,0.85)",
                "text": "Today",
                "showarrow": False,
                "font": {"size": 11, "color": INK},
            }
        ],
    )
    for status in Status:
        rows = [a for a in actions if a.status == status]
        if not rows:
            continue
        fig.add_bar(
            name=status.label,
            orientation="h",
            y=[a.code for a in rows],
            base=[a.start.isoformat() for a in rows],
            x=[(a.due - a.start).days * 86_400_000 for a in rows],  # a duration, in milliseconds
            marker={
                "color": STATUS_COLOURS[status],
                "line": {
                    "color": [OVERDUE_COLOUR if a.overdue else "rgba(0,0,0,0)" for a in rows],
                    "width": 2,
                },
            },
            customdata=[
                [
                    a.title,
                    a.goal,
                    f"{a.start:%-d %b %Y}",
                    f"{a.due:%-d %b %Y}",
                    " · overdue" if a.overdue else "",
                ]
                for a in rows
            ],
            hovertemplate=(
                "<b>%{y}</b> %{customdata[0]}<br>Goal %{customdata[1]} · "
                f"{status.label}%{{customdata[4]}}<br>"
                "%{customdata[2]} to %{customdata[3]}<extra></extra>"
            ),
        )
    table = Table(
        "Each action's start and due dates and status",
        ["Action", "Title", "Start", "Due", "Status", "Overdue"],
        [
            [
                a.code,
                a.title,
                a.start.isoformat(),
                a.due.isoformat(),
                Status(a.status).label,
                "yes" if a.overdue else "no",
            ]
            for a in actions
        ],
    )
    return Chart("chart-timeline", "Action timeline", fig, table, print_table=False)


@dataclass(frozen=True)
class GoalProgress:
    number: int
    completion: float | None
    baseline: float | None


def goals_against_baseline(goals: Sequence[GoalProgress]) -> Chart:
    """Chart 6: the plan's completion under each goal, baseline beside current."""
    moved = [g for g in goals if g.completion is not None and g.baseline is not None]
    if moved:
        best = max(moved, key=lambda g: (g.completion or 0) - (g.baseline or 0))
        gain = (best.completion or 0) - (best.baseline or 0)
        title = (
            f"Goal {best.number} has moved furthest since the baseline: "
            f"{pct(best.baseline)} to {pct(best.completion)} (+{gain:.0f} points)"
        )
    else:
        title = "No applicable actions under any goal yet"
    labels = [f"Goal {g.number}" for g in goals]
    fig = _figure(
        title,
        height=340,
        margin=WITH_LEGEND,
        barmode="group",
        xaxis=PERCENT_AXIS,
        yaxis={"title": {"text": "Roadmap goal"}, "autorange": "reversed"},
        legend={"traceorder": "normal"},
    )
    for label, colour, values in [
        ("At baseline", BASELINE_COLOUR, [g.baseline for g in goals]),
        ("Now", CURRENT_COLOUR, [g.completion for g in goals]),
    ]:
        fig.add_bar(
            name=label,
            orientation="h",
            y=labels,
            x=[_rounded(v) for v in values],
            marker_color=colour,
            hovertemplate=f"%{{y}}<br>{label}: %{{x:.0f}} %<extra></extra>",
        )
    table = Table(
        "Completion under each goal, at baseline and now",
        ["Goal", "At baseline", "Now"],
        [[f"Goal {g.number}", pct(g.baseline), pct(g.completion)] for g in goals],
        frozenset({1, 2}),
    )
    return Chart("chart-goals", "Completion by goal", fig, table)


@dataclass(frozen=True)
class KpiSeries:
    code: str
    title: str
    unit: str  # count, percent or yes_no
    lower_is_better: bool
    baseline_value: Decimal
    baseline_year: int
    target_value: Decimal
    target_year: int
    values: list[tuple[int, Decimal]] = field(default_factory=list)
    progress: float | None = None


def _kpi_value(value: Decimal | float, unit: str) -> str:
    if unit == "yes_no":
        return "yes" if value else "no"
    text = f"{Decimal(value).normalize():f}"
    return f"{text} %" if unit == "percent" else text


def kpi_chart(kpi: KpiSeries, index: int) -> Chart:
    """Chart 7: one national KPI: its baseline, its target line and the annual values."""
    if kpi.values:
        year, _ = kpi.values[-1]
        title = (
            f"{kpi.title}: {pct(kpi.progress)} of the way from baseline to target ({year} value)"
        )
    else:
        title = f"{kpi.title}: no value reported since the baseline yet"
    direction = "lower is better" if kpi.lower_is_better else "higher is better"
    unit_title = {"percent": "Percent", "yes_no": "Achieved", "count": "Count"}[kpi.unit]
    yaxis: dict[str, object] = {"title": {"text": f"{unit_title} ({direction})"}}
    if kpi.unit == "yes_no":
        yaxis |= {"tickvals": [0, 1], "ticktext": ["No", "Yes"], "range": [-0.15, 1.15]}
    elif kpi.unit == "percent":
        yaxis |= {"ticksuffix": " %", "rangemode": "tozero"}
    else:
        yaxis |= {"rangemode": "tozero"}
    fig = _figure(
        title,
        height=320,
        margin=WITH_LEGEND,
        xaxis={"title": {"text": "Year"}, "dtick": 1, "tickformat": "d"},
        yaxis=yaxis,
    )
    fig.add_scatter(
        name="Target",
        x=[kpi.baseline_year, kpi.target_year],
        y=[float(kpi.target_value)] * 2,
        mode="lines",
        line={"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
        hovertemplate=f"Target for {kpi.target_year}: %{{y}}<extra></extra>",
    )
    fig.add_scatter(
        name="Annual value",
        x=[kpi.baseline_year, *[year for year, _ in kpi.values]],
        y=[float(kpi.baseline_value), *[float(value) for _, value in kpi.values]],
        mode="lines+markers",
        line={"color": CURRENT_COLOUR, "width": 2.5},
        marker={"size": 7},
        hovertemplate="%{x}: %{y}<extra></extra>",
    )
    fig.add_scatter(  # after the values, so that the baseline marker shows on top
        name="Baseline",
        x=[kpi.baseline_year],
        y=[float(kpi.baseline_value)],
        mode="markers",
        marker={"color": BASELINE_COLOUR, "size": 11, "symbol": "diamond"},
        hovertemplate="Baseline %{x}: %{y}<extra></extra>",
    )
    table = Table(
        f"{kpi.title}: baseline, annual values and target",
        ["Year", "Value", "Kind"],
        [[str(kpi.baseline_year), _kpi_value(kpi.baseline_value, kpi.unit), "baseline"]]
        + [[str(year), _kpi_value(value, kpi.unit), "reported"] for year, value in kpi.values]
        + [[str(kpi.target_year), _kpi_value(kpi.target_value, kpi.unit), "target"]],
        frozenset({1}),
    )
    return Chart(f"chart-kpi-{index}", f"National KPI · {kpi.code}", fig, table)
