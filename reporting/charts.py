"""The /reporting/ chart: each country's reporting rate beside its on-time rate (built like plans/charts)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from plans.charts.base import WITH_LEGEND, Chart, Table, codes_on, figure, pct, rounded
from plans.choices import BASELINE_COLOUR, CURRENT_COLOUR
from reporting.compliance import CountryCompliance


def reporting_rates(rows: Sequence[CountryCompliance], cycle_name: str) -> Chart:
    ordered = sorted(rows, key=lambda r: (r.reporting_rate or 0, r.country.name))
    full = sum(1 for r in rows if r.expected and r.submitted == r.expected)
    title = _("%(full)s of %(total)s countries have sent every expected report for %(cycle)s") % {
        "full": full,
        "total": len(rows),
        "cycle": cycle_name,
    }
    names = [r.country.name for r in ordered]
    fig = figure(
        title,
        height=120 + 34 * max(len(rows), 3),
        margin=WITH_LEGEND,
        barmode="group",
        xaxis={"title": {"text": _("Share of expected reports (%)")}, "range": [0, 104]},
        yaxis={"title": {"text": _("Country")}},
        legend={"traceorder": "reversed"},
        meta={"narrow": codes_on("yaxis", names, [r.country.iso3 for r in ordered])},
    )
    for label, colour, values in [
        (_("On time"), BASELINE_COLOUR, [r.on_time_rate for r in ordered]),
        (_("Reporting rate"), CURRENT_COLOUR, [r.reporting_rate for r in ordered]),
    ]:
        fig.add_bar(
            name=label,
            orientation="h",
            y=names,
            x=[rounded(v) for v in values],
            marker_color=colour,
            hovertemplate=f"%{{y}}<br>{label}: %{{x:.0f}} %<extra></extra>",
        )
    table = Table(
        _("Reporting and on-time rate of each country"),
        [
            _("Country"),
            _("Expected"),
            pgettext("reports, count", "Submitted"),
            _("Reporting rate"),
            _("On-time rate"),
        ],
        [
            [
                r.country.name,
                str(r.expected),
                str(r.submitted),
                pct(r.reporting_rate),
                pct(r.on_time_rate),
            ]
            for r in reversed(ordered)
        ],
        frozenset({1, 2, 3, 4}),
    )
    return Chart("chart-reporting", _("Reporting rate by country"), fig, table)
