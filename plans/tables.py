"""The site's tables: what each list shows, how it sorts in SQL, and what it exports.

A column's ``render()`` gives the HTML of a cell; its ``value()`` gives the plain value the CSV and Excel
exports carry. Sorting happens in the database (so pages of 50 stay cheap): see ``SqlSortedData``.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Iterator
from typing import Any

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_tables2 import utils as tables_utils
from django_tables2.data import TableListData, TableQuerysetData
from django_tables2.rows import BoundRow, BoundRows
from django_tables2.utils import OrderBy

from plans import progress
from plans.choices import STAGE_ORDER, Stage, Status
from plans.models import Action
from roadmap.models import Country, natural_code_key

TEMPLATE = "tables/table.html"
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
EMPTY = "–"
HIDE_ON_PHONES = {"th": {"class": "hide-narrow"}, "td": {"class": "hide-narrow"}}


def english(text: Any) -> str:
    """Exports carry the same words in every language (headers aside), so that the files of officials
    reading in different languages can be put together."""
    with translation.override("en"):
        return str(text)


class PageSizePaginator(Paginator):
    """Takes only the page sizes the page offers (?per_page=), so nobody asks for a million rows."""

    def __init__(self, object_list: Any, per_page: int | str, *args: Any, **kwargs: Any) -> None:
        size = per_page if per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE
        super().__init__(object_list, size, *args, **kwargs)


# --- Sorting in SQL -------------------------------------------------------------------------------


def ranked(field: str, values: list[str]) -> Case:
    """The place of a choice in its scale (a status, a stage), so that sorting follows the scale."""
    return Case(
        *[When(**{field: value}, then=Value(rank)) for rank, value in enumerate(values)],
        default=Value(len(values)),
        output_field=IntegerField(),
    )


class SqlSortedData(TableQuerysetData):
    """Sorts in the database by the sorted columns' keys, empty values last, then by primary key.

    A key may name a field, an annotation, or one of the table's ``sort_aliases()`` (expressions such as a
    status's place on the scale), which joins the query only when a sort needs it. The primary key last
    keeps pages stable when many rows share a value.
    """

    data: QuerySet[Any]
    table: SqlSortedTable

    def order_by(self, aliases: Any) -> None:
        if not aliases:
            return  # e.g. ?sort=nonsense: keep the table's default order
        available = self.table.sort_aliases()
        needed: dict[str, Any] = {}
        ordering: list[Any] = []
        for alias in aliases:
            bound_column = self.table.columns[OrderBy(alias).bare]
            keys = bound_column.order_by
            if alias[0] != bound_column.order_by_alias[0]:
                keys = keys.opposite
            for key in keys:
                name = OrderBy(key.bare).for_queryset()
                if name in available:
                    needed[name] = available[name]
                expression = F(name)
                ordering.append(
                    expression.desc(nulls_last=True)
                    if key.is_descending
                    else expression.asc(nulls_last=True)
                )
        self.data = self.data.alias(**needed).order_by(*ordering, "pk")


class CellCaller:
    """Calls a column's render or value method with only the arguments it takes, worked out once.

    django-tables2 passes each cell through ``call_with_appropriate()``, which asks ``inspect.signature()``
    what the method takes, for every cell: that was half the time of an export (46 % of a 3,600-row CSV).
    A CellCaller works that out when the table is made. Its own signature is ready-made (``__signature__``,
    which ``inspect.signature()`` returns as it is) for the library's calls; ``FastRow`` calls it directly.
    """

    __signature__ = inspect.Signature([inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)])

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        args, catch_all = tables_utils.signature(fn)
        self.args: tuple[str, ...] | None = None if catch_all else args

    def __call__(self, **kwargs: Any) -> Any:
        if self.args is None:
            return self.fn(**kwargs)
        if any(arg not in kwargs for arg in self.args):
            return (
                None  # as call_with_appropriate(): a method whose arguments are missing is skipped
            )
        return self.fn(**{arg: kwargs[arg] for arg in self.args})


class FastRow(BoundRow):
    """A row whose export values come from the columns' CellCallers, without call_with_appropriate()."""

    def _call_value(self, bound_column: Any, value: Any = None) -> Any:
        return bound_column.value(**self._optional_cell_arguments(bound_column, value))


class FastRows(BoundRows):
    def __iter__(self) -> Iterator[BoundRow]:
        # The site's tables pin no rows (BoundRows.pinned_data).
        for record in self.data:
            yield FastRow(record, table=self.table)


class PresortedRows(TableListData):
    """Rows already fetched and in the table's default order (a page that has them anyway passes them, and
    saves a query, its count and the sort's SQL). Only the default order may be asked of them."""

    def order_by(self, aliases: Any) -> None:
        pass


class SqlSortedTable(tables.Table):
    """A table over a queryset that sorts in SQL (see ``SqlSortedData``), with fast cells (``CellCaller``)."""

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(data, QuerySet):
            data = SqlSortedData(self.prepare(data))
        super().__init__(data, *args, **kwargs)
        self.rows = FastRows(data=self.data, table=self)
        for bound_column in self.columns.iterall():
            column = bound_column.column
            if bound_column.value == column.value and type(column).value is tables.Column.value:
                # The default value() only calls render() through call_with_appropriate() again.
                bound_column.value = column.render
            bound_column.render = CellCaller(bound_column.render)
            bound_column.value = CellCaller(bound_column.value)

    def rows_html(self) -> str:
        """The rows of the current page as HTML: what the template's loop over ``row.items`` with
        ``column.attrs.td`` wrote, with each column's cell attributes worked out once per table instead of
        once per cell (a third of the time a country page took to render). No column of this site has
        attributes that depend on the row."""
        columns = list(self.columns)
        cells = [format_html("<td {}>", column.attrs["td"].as_html()) for column in columns]
        out = []
        for row in self.paginated_rows:
            out.append("<tr>")
            for td, name in zip(cells, (column.name for column in columns), strict=True):
                value = localize(row.get_cell(name))  # as {{ cell }} would (no cell is a datetime)
                out.append(f"{td}{conditional_escape(value)}</td>")
            out.append("</tr>\n")
        return mark_safe("".join(out))  # each cell is escaped above

    def prepare(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Fetch what the cells need in the same query (select_related), whoever built the queryset."""
        return queryset

    def sort_aliases(self) -> dict[str, Any]:
        return {}


# --- Columns --------------------------------------------------------------------------------------


class NumberColumn(tables.Column):
    attrs = {"th": {"class": "num"}, "td": {"class": "num"}}


class PercentColumn(NumberColumn):
    def render(self, value: float) -> str:
        return progress.percent(value)

    def value(self, value: float | None) -> float | None:
        return None if value is None else round(value, 1)


class ChangeColumn(PercentColumn):
    """A change in percentage points, with its sign."""

    attrs = {"th": {"class": "num"}, "td": {"class": "num nowrap change-cell"}}

    def render(self, value: float) -> str:
        points = round(value)
        sign = "+" if points > 0 else "−" if points < 0 else "±"
        return format_html(
            '<span title="{}">{}{} {}</span>',
            _("percentage points"),
            sign,
            abs(points),
            pgettext_lazy("percentage points, short", "pts"),
        )


class DateColumn(tables.Column):
    """A date shown as "28 Nov 2026" and exported as a date (ISO in CSV, a date cell in Excel)."""

    attrs = {"td": {"class": "nowrap"}}

    def render(self, value: dt.date) -> str:
        return format_html(
            '<time datetime="{}">{}</time>',
            value.isoformat(),
            date_format(value, "SHORT_DATE_FORMAT"),
        )

    def value(self, value: dt.date | None) -> dt.date | None:
        return value


class StatusColumn(tables.Column):
    """An action status as its coloured badge (colour plus words), exported as its words."""

    def render(self, value: str, record: Any, bound_column: Any) -> str:
        raw = bound_column.accessor.resolve(record)
        return format_html('<span class="badge status-{}">{}</span>', raw, value)

    def value(self, record: Any, bound_column: Any) -> str:
        return english(Status(bound_column.accessor.resolve(record)).label)


class OverdueColumn(tables.Column):
    """Says "Overdue" when the due date has passed and the action is not completed (derived, not stored)."""

    empty_values = ()

    def render(self, record: Action, table: ActionTable) -> str:
        if table.is_overdue(record):
            return format_html('<span class="badge overdue">{}</span>', _("Overdue"))
        return ""

    def value(self, record: Action, table: ActionTable) -> str:
        return "Yes" if table.is_overdue(record) else "No"


# --- The actions table ----------------------------------------------------------------------------


class ActionTable(SqlSortedTable):
    """Actions of current plans. The actions list and the country page both use it; the country page
    leaves out the country column: ``ActionTable(actions, exclude=("country",))``."""

    label = _("Actions")
    page_sizes = PAGE_SIZES

    country = tables.Column(
        accessor="plan__country",
        verbose_name=_("Country"),
        linkify=True,
        order_by=("plan__country__name",),
        attrs={"td": {"class": "country"}},
    )
    code = tables.Column(
        verbose_name=_("Code"), order_by=("code_key", "code"), attrs={"td": {"class": "nowrap"}}
    )
    title = tables.Column(verbose_name=_("Title"), linkify=True, attrs={"td": {"class": "wide"}})
    goal = tables.Column(
        verbose_name=_("Goal"), order_by=("goal__number",), attrs={"td": {"class": "num-center"}}
    )
    target = tables.Column(
        verbose_name=pgettext_lazy("regional target", "Target"),
        accessor="target__code",
        order_by=("target__sort_key",),
    )
    lead_agency = tables.Column(verbose_name=_("Lead agency"))
    start_date = DateColumn(verbose_name=_("Start"))
    due_date = DateColumn(verbose_name=_("Due"))
    status = StatusColumn(verbose_name=_("Status"), order_by=("status_rank",))
    overdue = OverdueColumn(
        verbose_name=_("Overdue"), accessor="due_date", order_by=("-overdue_flag", "due_date")
    )
    status_changed_on = DateColumn(verbose_name=_("Last update"))

    class Meta:
        model = Action
        fields = (
            "country",
            "code",
            "title",
            "goal",
            "target",
            "lead_agency",
            "start_date",
            "due_date",
            "status",
            "overdue",
            "status_changed_on",
        )
        sequence = fields
        order_by = ("country", "code")
        template_name = TEMPLATE
        attrs = {"class": "data-table actions-table sticky-first"}
        empty_text = _("No actions.")
        default = EMPTY

    def __init__(self, data: Any, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        # Set before sorting, which happens while the table is built.
        self.today = today or timezone.localdate()
        super().__init__(data, *args, **kwargs)

    def prepare(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("plan__country", "goal", "target")

    def sort_aliases(self) -> dict[str, Any]:
        return {
            "code_key": natural_code_key("code"),
            "status_rank": ranked("status", list(Status.values)),
            "overdue_flag": progress.overdue_expression(today=self.today),
        }

    def is_overdue(self, action: Action) -> bool:
        return progress.is_overdue(action.status, action.due_date, self.today)

    def render_goal(self, value: Any) -> str:
        return format_html(
            '<span title="{}: {}">{}</span>',
            _("Goal %(number)s") % {"number": value.number},
            value.official("title", get_language() or "en")[0],
            value.number,
        )

    def value_goal(self, value: Any) -> int:
        return int(value.number)

    def render_target(self, value: str, record: Action) -> str:
        assert record.target is not None
        title = record.target.official("title", get_language() or "en")[0]
        return format_html('<span title="{}">{}</span>', title, value)

    def render_country(self, value: Country) -> str:
        # The full name, or on a phone the ISO code, to keep the column narrow.
        return format_html(
            '<span class="long">{}</span><abbr class="short" title="{}">{}</abbr>',
            value.name,
            value.name,
            value.iso3,
        )

    def value_country(self, value: Country) -> str:
        return value.name


# --- The countries table --------------------------------------------------------------------------


def _list_link(country: Country, **filters: str) -> str:
    return f"{reverse('actions')}?{urlencode({'country': country.iso3, **filters})}"


class CountColumn(NumberColumn):
    """A count of the current plan's actions, linked to them in the actions list; empty for a state
    with no current plan."""

    empty_values = ()

    def __init__(self, *args: Any, filters: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters = filters or {}

    def render(self, value: int, record: Country) -> str:
        if getattr(record, "plan_id", None) is None:
            return EMPTY
        if not value:
            return "0"
        return format_html('<a href="{}">{}</a>', _list_link(record, **self.filters), value)

    def value(self, value: int, record: Country) -> int | None:
        return None if getattr(record, "plan_id", None) is None else value


class CountryTable(SqlSortedTable):
    """All 16 states with their current plan's stage and figures (from progress.completion_annotations)."""

    label = _("Countries")

    name = tables.Column(verbose_name=_("Country"), linkify=True)
    # On a phone these two give way to the figures (they stay in the export).
    iso3 = tables.Column(verbose_name=_("ISO"), attrs=HIDE_ON_PHONES)
    caricom_member = tables.Column(verbose_name=_("CARICOM"), attrs=HIDE_ON_PHONES)
    stage = tables.Column(verbose_name=_("Plan stage"), order_by=("stage_rank", "stage_reached_on"))
    stage_reached_on = DateColumn(verbose_name=_("Stage reached"))
    action_count = CountColumn(verbose_name=_("Actions"))
    baseline_completion = PercentColumn(verbose_name=_("Baseline"))
    completion = PercentColumn(verbose_name=_("Completion now"))
    completion_change = ChangeColumn(verbose_name=_("Change"))
    overdue_count = CountColumn(verbose_name=_("Overdue"), filters={"overdue": "on"})

    class Meta:
        model = Country
        fields = (
            "name",
            "iso3",
            "caricom_member",
            "stage",
            "stage_reached_on",
            "action_count",
            "baseline_completion",
            "completion",
            "completion_change",
            "overdue_count",
        )
        sequence = fields
        order_by = ("-completion",)
        template_name = TEMPLATE
        attrs = {"class": "data-table countries-table sticky-first"}
        empty_text = _("No countries.")
        default = EMPTY

    def sort_aliases(self) -> dict[str, Any]:
        return {"stage_rank": ranked("stage", STAGE_ORDER)}

    def render_caricom_member(self, value: bool) -> str:
        return str(_("Yes") if value else _("No"))

    def value_caricom_member(self, value: bool) -> str:
        return "Yes" if value else "No"

    def render_stage(self, value: str) -> str:
        return format_html(
            '<span class="badge stage stage-{}">{}</span>', value, Stage(value).label
        )

    def value_stage(self, value: str) -> str:
        return english(Stage(value).label)
