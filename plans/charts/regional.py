"""The regional dashboard's charts (1-4 of DESIGN.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plans import progress
from plans.charts.base import (
    COMPLETION_SCALE,
    PERCENT_AXIS,
    TARGET_COLOUR,
    WITH_LEGEND,
    Chart,
    Table,
    add_baseline_and_now,
    codes_on,
    figure,
    pct,
    rounded,
)
from plans.choices import CURRENT_COLOUR, DRAFTED_STAGES, STATUS_COLOURS, Stage, Status


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
    fig = figure(
        title,
        height=120 + 34 * max(len(plans), 3),
        margin=WITH_LEGEND,
        barmode="group",
        xaxis=PERCENT_AXIS,
        yaxis={"title": {"text": "Drafted plan"}},
        legend={"traceorder": "reversed"},
        meta={"narrow": codes_on("yaxis", names, [p.iso3 for p in ordered])},
    )
    add_baseline_and_now(fig, names, [p.baseline for p in ordered], [p.completion for p in ordered])
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


SHORT_STAGES = ["Not\nstarted", "Seminar\nheld", "Drafting", "Draft\ndone", "Approved"]


def lifecycle(states: Mapping[str, Sequence[str]]) -> Chart:
    """Chart 2: how many of the states are at each stage. ``states`` maps a stage to country names."""
    stages = list(Stage)
    counts = [len(states.get(stage, [])) for stage in stages]
    total = sum(counts)
    drafted = sum(len(states.get(stage, [])) for stage in DRAFTED_STAGES)
    approved = len(states.get(Stage.APPROVED, []))
    title = f"{drafted} of {total} states have a drafted plan; {approved} formally approved"
    labels = [stage.label.replace(" ", "\n", 1) for stage in stages]
    fig = figure(
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
    return "\n".join(lines)


@dataclass(frozen=True)
class PlanGoals:
    name: str
    iso3: str
    by_goal: Mapping[int, float | None]


def goal_heatmap(plans: Sequence[PlanGoals], goals: Sequence[int]) -> Chart:
    """Chart 3: completion of each drafted plan under each goal."""
    plans = sorted(plans, key=lambda p: p.name)
    z = [[rounded(p.by_goal.get(g)) for g in goals] for p in plans]
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
    fig = figure(
        title,
        height=110 + 30 * max(len(plans), 3),
        xaxis={"title": {"text": "Roadmap goal"}, "showgrid": False, "tickangle": 0},
        yaxis={"title": {"text": "Drafted plan"}, "autorange": "reversed", "showgrid": False},
        meta={
            "narrow": codes_on("yaxis", names, [p.iso3 for p in plans])
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
    fig = figure(
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
        y=[rounded(value) for _, value in points],
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
