"""What every chart shares: the slim project template, the palette, and the Chart and Table types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from plans import progress
from plans.choices import BASELINE_COLOUR, CURRENT_COLOUR, STATUS_COLOURS, Status

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
# static/js/charts.js takes this much off the top of the plot (it reads it from data-title-space).
TITLE_SPACE = 44


def percent_axis() -> dict[str, object]:
    return {
        "title": {"text": _("Completion (%)")},
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

    def to_plotly(self) -> dict[str, Any]:
        """The figure as plotly.js takes it, every text in it plain (see ``plain_text``)."""
        return plain_text(self.figure.to_dict())

    @property
    def height(self) -> int:
        return int(self.figure.layout.height)

    title_space = TITLE_SPACE

    @property
    def plot_height(self) -> int:
        """The height of the drawn plot, once charts.js has moved the title out."""
        return self.height - TITLE_SPACE


def figure(title: str, height: int, **layout: object) -> go.Figure:
    """A figure in the project template, in the reader's language: its words come translated; Plotly's
    own (month names on a date axis, the mode bar's buttons) are handed to charts.js in ``meta.locale``.
    Plotly's validation of every property is off: it was most of the time a page took to build its
    figures after a write; tests/test_charts.py validates each figure the site draws instead (``validated``)."""
    meta = dict(layout.pop("meta", None) or {})  # type: ignore[call-overload]
    meta["locale"] = plotly_locale()
    return go.Figure(
        layout={
            "template": TEMPLATE,
            "title": {"text": title},
            "height": height,
            "separators": get_format("DECIMAL_SEPARATOR") + get_format("THOUSAND_SEPARATOR"),
            "meta": meta,
            **layout,
        },
        _validate=False,
    )


def plotly_locale() -> dict[str, object]:
    """What Plotly needs to speak the reader's language (its ``locales`` config option)."""
    from django.utils.dates import MONTHS, MONTHS_3

    return {
        "code": get_language() or "en",
        "format": {
            "months": [str(MONTHS[m]) for m in range(1, 13)],
            "shortMonths": [str(MONTHS_3[m]).capitalize() for m in range(1, 13)],
        },
        "dictionary": {
            "Zoom": _("Zoom"),
            "Pan": _("Pan"),
            "Zoom in": _("Zoom in"),
            "Zoom out": _("Zoom out"),
            "Reset axes": _("Reset axes"),
            "Download plot as a png": _("Download the chart as a PNG image"),
            "Download plot as a PNG": _("Download the chart as a PNG image"),
            "Download plot": _("Download the chart"),
            "Show closest data on hover": _("Show closest data on hover"),
            "Compare data on hover": _("Compare data on hover"),
            "Double-click to zoom back out": _("Double-click to zoom back out"),
        },
    }


def add_baseline_and_now(
    fig: go.Figure,
    labels: Sequence[str],
    baseline: Sequence[float | None],
    now: Sequence[float | None],
) -> None:
    """Horizontal bars of completion at baseline beside completion now, in the shared colours."""
    for label, colour, values in [
        (_("At baseline"), BASELINE_COLOUR, baseline),
        (_("Now"), CURRENT_COLOUR, now),
    ]:
        fig.add_bar(
            name=label,
            orientation="h",
            y=list(labels),
            x=[rounded(v) for v in values],
            marker_color=colour,
            hovertemplate=f"%{{y}}<br>{label}: %{{x:.0f}} %<extra></extra>",
        )


def pct(value: float | None) -> str:
    return progress.percent(value)


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def codes_on(axis: str, names: Sequence[str], codes: Sequence[str]) -> dict[str, object]:
    """Layout changes charts.js makes on a phone: country codes instead of names on an axis."""
    return {
        f"{axis}.tickmode": "array",
        f"{axis}.tickvals": list(names),
        f"{axis}.ticktext": list(codes),
        f"{axis}.title.text": "",
    }


def plain(text: str) -> str:
    """Text as plotly.js shows it literally: it reads a subset of HTML (<b>, <a href>, <br>) and entities
    in every string it draws (titles, tick labels, legends, hover text), so ``&`` and ``<`` become
    entities and a title such as "<a href=...>" stays text. A line break ("\\n", which plotly.js would
    ignore) is the one markup charts may ask for: it becomes <br>."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>")


def plain_text(value: Any, key: str = "") -> Any:
    """Every string of a figure (data, labels, names, meta) made plain, whichever chart builds it.

    Only the templates are left as written (``hovertemplate``, ``texttemplate``, the layout's
    ``template``): the charts write them, with markup on purpose (``<br>``, ``<extra>``), and the values
    they take in (``%{y}``, ``%{customdata[0]}``) are the plain strings of the data.
    """
    if key.endswith("template"):
        return value
    if isinstance(value, str):
        return plain(value)
    if isinstance(value, dict):
        return {k: plain_text(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_text(v) for v in value]
    return value
