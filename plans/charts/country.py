"""The country page's charts (5-7 of DESIGN.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from plans import progress
from plans.charts.base import (
    INK,
    TARGET_COLOUR,
    WITH_LEGEND,
    Chart,
    Table,
    add_baseline_and_now,
    figure,
    pct,
    percent_axis,
)
from plans.choices import BASELINE_COLOUR, CURRENT_COLOUR, OVERDUE_COLOUR, STATUS_COLOURS, Status


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
    title = ngettext(
        "%(done)s of %(applicable)s applicable action completed; %(overdue)s overdue",
        "%(done)s of %(applicable)s applicable actions completed; %(overdue)s overdue",
        applicable,
    ) % {"done": done, "applicable": applicable, "overdue": overdue}
    codes = [a.code for a in actions]
    fig = figure(
        title,
        height=150 + 18 * max(len(actions), 4),
        margin=WITH_LEGEND,
        barmode="overlay",
        meta={"narrow": {"yaxis.title.text": ""}},
        xaxis={"title": {"text": _("Start to due date")}, "type": "date"},
        yaxis={
            "title": {"text": _("Action")},
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
                "text": _("Today"),
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
            name=str(status.label),
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
                    date_format(a.start, "SHORT_DATE_FORMAT"),
                    date_format(a.due, "SHORT_DATE_FORMAT"),
                    " · " + _("overdue") if a.overdue else "",
                ]
                for a in rows
            ],
            hovertemplate=(
                "<b>%{y}</b> %{customdata[0]}<br>"
                + _("Goal %(number)s") % {"number": "%{customdata[1]}"}
                + f" · {status.label}%{{customdata[4]}}<br>"
                + _("%(start)s to %(due)s")
                % {"start": "%{customdata[2]}", "due": "%{customdata[3]}"}
                + "<extra></extra>"
            ),
        )
    table = Table(
        _("Each action's start and due dates and status"),
        [_("Action"), _("Title"), _("Start"), _("Due"), _("Status"), _("Overdue")],
        [
            [
                a.code,
                a.title,
                a.start.isoformat(),
                a.due.isoformat(),
                str(Status(a.status).label),
                _("yes") if a.overdue else _("no"),
            ]
            for a in actions
        ],
    )
    return Chart("chart-timeline", _("Action timeline"), fig, table, print_table=False)


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
        title = _(
            "Goal %(number)s has moved furthest since the baseline: "
            "%(baseline)s to %(now)s (+%(gain)s points)"
        ) % {
            "number": best.number,
            "baseline": pct(best.baseline),
            "now": pct(best.completion),
            "gain": f"{gain:.0f}",
        }
    else:
        title = _("No applicable actions under any goal yet")
    labels = [_("Goal %(number)s") % {"number": g.number} for g in goals]
    fig = figure(
        title,
        height=340,
        margin=WITH_LEGEND,
        barmode="group",
        xaxis=percent_axis(),
        yaxis={"title": {"text": _("Roadmap goal")}, "autorange": "reversed"},
        legend={"traceorder": "normal"},
    )
    add_baseline_and_now(fig, labels, [g.baseline for g in goals], [g.completion for g in goals])
    table = Table(
        _("Completion under each goal, at baseline and now"),
        [_("Goal"), _("At baseline"), _("Now")],
        [
            [label, pct(g.baseline), pct(g.completion)]
            for label, g in zip(labels, goals, strict=True)
        ],
        frozenset({1, 2}),
    )
    return Chart("chart-goals", _("Completion by goal"), fig, table)


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


def kpi_chart(kpi: KpiSeries, index: int) -> Chart:
    """Chart 7: one national KPI: its baseline, its target line and the annual values."""
    if kpi.values:
        year = kpi.values[-1][0]
        title = _("%(kpi)s: %(progress)s of the way from baseline to target (%(year)s value)") % {
            "kpi": kpi.title,
            "progress": pct(kpi.progress),
            "year": year,
        }
    else:
        title = _("%(kpi)s: no value reported since the baseline yet") % {"kpi": kpi.title}
    direction = _("lower is better") if kpi.lower_is_better else _("higher is better")
    unit_title = {"percent": _("Percent"), "yes_no": _("Achieved"), "count": _("Count")}[kpi.unit]
    yaxis: dict[str, object] = {"title": {"text": f"{unit_title} ({direction})"}}
    if kpi.unit == "yes_no":
        yaxis |= {"tickvals": [0, 1], "ticktext": [_("No"), _("Yes")], "range": [-0.15, 1.15]}
    elif kpi.unit == "percent":
        yaxis |= {"ticksuffix": " %", "rangemode": "tozero"}
    else:
        yaxis |= {"rangemode": "tozero"}
    fig = figure(
        title,
        height=320,
        margin=WITH_LEGEND,
        xaxis={"title": {"text": _("Year")}, "dtick": 1, "tickformat": "d"},
        meta={"narrow": {"xaxis.dtick": 2, "xaxis.tickangle": 0}},
        yaxis=yaxis,
    )
    fig.add_scatter(
        name=_("Target"),
        x=[kpi.baseline_year, kpi.target_year],
        y=[float(kpi.target_value)] * 2,
        mode="lines",
        line={"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
        hovertemplate=_("Target for %(year)s") % {"year": kpi.target_year}
        + ": %{y}<extra></extra>",
    )
    fig.add_scatter(
        name=_("Annual value"),
        x=[kpi.baseline_year, *[year for year, _ in kpi.values]],
        y=[float(kpi.baseline_value), *[float(value) for _, value in kpi.values]],
        mode="lines+markers",
        line={"color": CURRENT_COLOUR, "width": 2.5},
        marker={"size": 7},
        hovertemplate="%{x}: %{y}<extra></extra>",
    )
    fig.add_scatter(  # after the values, so that the baseline marker shows on top
        name=_("Baseline"),
        x=[kpi.baseline_year],
        y=[float(kpi.baseline_value)],
        mode="markers",
        marker={"color": BASELINE_COLOUR, "size": 11, "symbol": "diamond"},
        hovertemplate=_("Baseline %(year)s") % {"year": "%{x}"} + ": %{y}<extra></extra>",
    )
    table = Table(
        _("%(kpi)s: baseline, annual values and target") % {"kpi": kpi.title},
        [_("Year"), _("Value"), _("Kind")],
        [[str(kpi.baseline_year), progress.kpi_value(kpi.baseline_value, kpi.unit), _("baseline")]]
        + [
            [str(year), progress.kpi_value(value, kpi.unit), _("reported")]
            for year, value in kpi.values
        ]
        + [[str(kpi.target_year), progress.kpi_value(kpi.target_value, kpi.unit), _("target")]],
        frozenset({1}),
    )
    return Chart(
        f"chart-kpi-{index}", _("National KPI · %(code)s") % {"code": kpi.code}, fig, table
    )
