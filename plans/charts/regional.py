"""The regional dashboard's charts (1-4 of DESIGN.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from plans import progress
from plans.charts.base import (
    COMPLETION_SCALE,
    TARGET_COLOUR,
    WITH_LEGEND,
    Chart,
    Table,
    add_baseline_and_now,
    codes_on,
    figure,
    pct,
    percent_axis,
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
    title = ngettext(
        "%(complete)s of %(count)s drafted plan complete; %(half)s of %(count)s at least half complete",
        "%(complete)s of %(count)s drafted plans complete; %(half)s of %(count)s at least half complete",
        len(plans),
    ) % {"complete": complete, "half": half, "count": len(plans)}
    names = [p.name for p in ordered]
    fig = figure(
        title,
        height=120 + 34 * max(len(plans), 3),
        margin=WITH_LEGEND,
        barmode="group",
        xaxis=percent_axis(),
        yaxis={"title": {"text": _("Drafted plan")}},
        legend={"traceorder": "reversed"},
        meta={"narrow": codes_on("yaxis", names, [p.iso3 for p in ordered])},
    )
    add_baseline_and_now(fig, names, [p.baseline for p in ordered], [p.completion for p in ordered])
    table = Table(
        _("Completion of each drafted plan, at baseline and now"),
        [_("Plan"), _("At baseline"), _("Now"), _("Complete")],
        [
            [p.name, pct(p.baseline), pct(p.completion), _("yes") if p.complete else _("no")]
            for p in reversed(ordered)
        ],
        frozenset({1, 2}),
    )
    return Chart("chart-plans", _("Plans against their baseline"), fig, table)


def short_stages() -> list[str]:
    """Stage names short enough for a phone's axis (plain text: a line break where the name wraps)."""
    return [
        _("Not\nstarted"),
        _("Seminar\nheld"),
        _("Drafting"),
        _("Draft\ndone"),
        # Its own context: the word is shared with a submission's state, and a phone's axis may need a
        # hyphen where the name wraps (Dutch "Goed-\ngekeurd").
        pgettext("plan stage, short", "Approved"),
    ]


def lifecycle(states: Mapping[str, Sequence[str]]) -> Chart:
    """Chart 2: how many of the states are at each stage. ``states`` maps a stage to country names."""
    stages = list(Stage)
    counts = [len(states.get(stage, [])) for stage in stages]
    total = sum(counts)
    drafted = sum(len(states.get(stage, [])) for stage in DRAFTED_STAGES)
    approved = len(states.get(Stage.APPROVED, []))
    title = ngettext(
        "%(drafted)s of %(total)s state has a drafted plan; %(approved)s formally approved",
        "%(drafted)s of %(total)s states have a drafted plan; %(approved)s formally approved",
        total,
    ) % {"drafted": drafted, "total": total, "approved": approved}
    labels = [str(stage.label).replace(" ", "\n", 1) for stage in stages]
    fig = figure(
        title,
        height=380,
        meta={
            "narrow": {
                "xaxis.tickmode": "array",
                "xaxis.tickvals": labels,
                "xaxis.ticktext": short_stages(),
                # Spanish, French and Dutch stage names are longer than the English: a size smaller keeps
                # five of them apart on a phone.
                "xaxis.tickfont.size": 11,
            }
        },
        xaxis={"title": {"text": _("Plan stage")}, "tickangle": 0},
        yaxis={"title": {"text": _("Number of states")}, "dtick": 2, "rangemode": "tozero"},
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
        hovertemplate=_("%{y} states") + "<br>%{hovertext}<extra></extra>",
    )
    fig.update_yaxes(range=[0, max([*counts, 1]) * 1.2])
    table = Table(
        _("Number of states at each plan stage"),
        [_("Stage"), _("States"), _("Which")],
        [
            [str(stage.label), str(count), ", ".join(states.get(stage, [])) or "–"]
            for stage, count in zip(stages, counts, strict=True)
        ],
        frozenset({1}),
    )
    return Chart("chart-stages", _("Where the states stand"), fig, table)


def _names(names: Sequence[str], per_line: int = 3) -> str:
    if not names:
        return _("none")
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
        title = _(
            "Goal %(best)s is furthest along (%(best_value)s on average), "
            "goal %(worst)s furthest behind (%(worst_value)s)"
        ) % {
            "best": best,
            "best_value": pct(known[best]),
            "worst": worst,
            "worst_value": pct(known[worst]),
        }
    else:
        title = _("No drafted plan has applicable actions yet")
    labels = [_("Goal %(number)s") % {"number": g} for g in goals]
    names = [p.name for p in plans]
    fig = figure(
        title,
        height=110 + 30 * max(len(plans), 3),
        xaxis={"title": {"text": _("Roadmap goal")}, "showgrid": False, "tickangle": 0},
        yaxis={"title": {"text": _("Drafted plan")}, "autorange": "reversed", "showgrid": False},
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
        hovertemplate=_("%(place)s: %(value)s complete")
        % {"place": "%{y}, %{x}", "value": "%{z:.0f} %"}
        + "<extra></extra>",
        colorbar={"title": {"text": "%", "side": "top"}, "thickness": 10, "len": 0.8},
    )
    table = Table(
        _("Completion (%) of each drafted plan under each goal"),
        [_("Plan"), *labels],
        [[p.name, *[pct(p.by_goal.get(g)) for g in goals]] for p in plans]
        + [[_("Mean of the plans"), *[pct(by_goal[g]) for g in goals]]],
        frozenset(range(1, len(goals) + 1)),
    )
    return Chart("chart-heatmap", _("Progress by country and goal"), fig, table)


def quarter_label(when: dt.date) -> str:
    return _("%(year)s Q%(quarter)s") % {"year": when.year, "quarter": (when.month - 1) // 3 + 1}


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
        if gap >= 0:
            sentence = _(
                "Regional completion is %(value)s, %(points)s points ahead of the straight path "
                "to 100 %% by 2030"
            )
        else:
            sentence = _(
                "Regional completion is %(value)s, %(points)s points behind the straight path "
                "to 100 %% by 2030"
            )
        title = sentence % {"value": pct(latest), "points": f"{abs(gap):.0f}"}
    else:
        title = _("No regional completion to show yet")
    fig = figure(
        title,
        height=380,
        margin=WITH_LEGEND,
        xaxis={
            "title": {"text": _("Quarter")},
            "type": "date",
            "range": [first - dt.timedelta(days=90), progress.PATH_END + dt.timedelta(days=90)],
        },
        yaxis={
            "title": {"text": _("Regional completion (%)")},
            "range": [0, 100],
            "ticksuffix": " %",
        },
        hovermode="x unified",
    )
    fig.add_scatter(
        name=_("Drafted plans (mean)"),
        x=[when.isoformat() for when, _ in points],
        y=[rounded(value) for _, value in points],
        mode="lines+markers",
        line={"color": CURRENT_COLOUR, "width": 3},
        marker={"size": 5},
        hovertemplate="%{y:.0f} %<extra>" + _("Regional completion") + "</extra>",
    )
    if known:
        start, start_value = known[0]
        fig.add_scatter(
            name=_("Straight path to %(target)s in 2030") % {"target": "100 %"},
            x=[start.isoformat(), progress.PATH_END.isoformat()],
            y=[round(start_value, 1), 100],
            mode="lines",
            line={"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
            hovertemplate="%{y:.0f} %<extra>" + _("Straight path") + "</extra>",
        )
    table = Table(
        _(
            "Regional completion at the end of each quarter, and the straight path to %(target)s "
            "in 2030"
        )
        % {"target": "100 %"},
        [_("Quarter"), _("Regional completion"), _("Straight path"), _("Difference (points)")],
        [
            [
                quarter_label(when)
                + (
                    " " + _("(to %(date)s)") % {"date": date_format(when, "SHORT_DATE_FORMAT")}
                    if when == today
                    else ""
                ),
                pct(value),
                pct(path),
                "–" if value is None or path is None else f"{value - path:+.0f}",
            ]
            for (when, value), path in zip(points, path_rows, strict=True)
        ],
        frozenset({1, 2, 3}),
    )
    return Chart("chart-trend", _("Regional progress over time"), fig, table)
