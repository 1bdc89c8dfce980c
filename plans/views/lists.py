"""The countries list, the actions list (filter, sort, page, export) and the action page."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openpyxl
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import (
    Case,
    DateField,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin, SingleTableView
from django_tables2.export import ExportMixin, TableExport
from tablib import Dataset

from plans import changes, progress, visibility
from plans.caching import cached_fragment, query_part
from plans.choices import STAGE_DATE_FIELDS, Stage
from plans.filters import ActionFilterSet
from plans.models import Action, IndicatorTarget, IndicatorValue
from plans.tables import DEFAULT_PAGE_SIZE, ActionTable, CountryTable, PageSizePaginator
from plans.views.access import VIEW_PERMISSION, viewer_required
from plans.views.action_forms import forms_for
from roadmap.models import Country


def countries_with_progress(today: dt.date | None = None) -> QuerySet[Any]:
    """Every state with its current plan's stage and the figures of that plan's actions, in one query.

    Each country gets plan_id (None without a current plan), stage, stage_reached_on and the figures of
    ``progress.completion_annotations`` (action_count, completion, baseline_completion, ...).

    The join to the plans is restricted to the current one (FilteredRelation), so the actions of earlier
    plans never reach the sums. A state without a current plan gets the stage "not started" and no figures.
    """
    return Country.objects.annotate(
        current_plan=FilteredRelation("plans", condition=Q(plans__is_current=True)),
        plan_id=F("current_plan__id"),
        stage=Coalesce(F("current_plan__stage"), Value(Stage.NOT_STARTED.value)),
        stage_reached_on=Case(
            *[
                When(current_plan__stage=stage, then=F(f"current_plan__{field}"))
                for stage, field in STAGE_DATE_FIELDS.items()
            ],
            default=None,
            output_field=DateField(),
        ),
        **progress.completion_annotations("current_plan__actions__", today),
    )


class SafeTableExport(TableExport):
    """A table export whose text cannot run as a spreadsheet formula (CSV/formula injection).

    CSV: a spreadsheet reads a cell as a formula when it starts with =, +, -, @ (or their full-width
    forms, which some spreadsheets fold to ASCII), also after leading spaces, line breaks or a quote,
    and a cell starting with a tab or carriage return can begin one. Such text gets a leading
    apostrophe; numbers and dates are left alone.
    XLSX: every text is written as a typed text cell, which no spreadsheet evaluates, so it is exported
    exactly as it is, with no apostrophe.
    """

    FORMULA_CHARACTERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
    # What a spreadsheet may skip before it looks for a formula character.
    SKIPPED = " \t\r\n\"'\u00a0\u3000"

    def table_to_dataset(self, table: Any, exclude_columns: Any, dataset_kwargs: Any = None) -> Any:
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        if self.format != "csv":
            return dataset
        safe = Dataset(headers=dataset.headers, title=dataset.title)
        for row in dataset:
            safe.append([self.defuse(value) for value in row])
        return safe

    def export(self) -> Any:
        content = super().export()
        if self.format != "xlsx":
            return content
        # openpyxl takes any text starting with "=" for a formula: make those text cells again.
        book = openpyxl.load_workbook(io.BytesIO(content))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    @classmethod
    def defuse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        stripped = value.lstrip(cls.SKIPPED)
        if value.startswith(("\t", "\r")) or stripped[:1] in cls.FORMULA_CHARACTERS:
            return "'" + value
        return value


class ListPage(LoginRequiredMixin, PermissionRequiredMixin, ExportMixin):
    """A read-only list: sign-in and the view permission, then filter, table and export.

    ``?export=csv`` or ``?export=xlsx`` exports the very table the page shows (same filters, same sort)
    with every row instead of one page, in a file named with today's date.
    """

    permission_required = VIEW_PERMISSION
    raise_exception = True
    export_class = SafeTableExport
    export_trigger_param = "export"
    export_formats = ("csv", "xlsx")
    export_name = "roadmap"
    request: HttpRequest

    body_template: str  # the page's body, cached as HTML (plans/caching.py)
    fragment_name: str

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The page around its body; the body comes from the cache while the data, the date, the language,
        the reader's view of the data and the query string are the same. Exports are built each time."""
        if self.export_format:
            return super().get(request, *args, **kwargs)  # type: ignore[misc, no-any-return]

        def build() -> str:
            response = super(ListPage, self).get(request, *args, **kwargs)  # type: ignore[misc]
            return str(response.rendered_content)

        body = cached_fragment(self.fragment_name, request, build, parts=[query_part(request)])
        return render(request, self.template_name, {"body": body})  # type: ignore[attr-defined]

    @cached_property
    def export_format(self) -> str | None:
        requested = self.request.GET.get(self.export_trigger_param)
        return requested if requested in self.export_formats else None

    def get_table_pagination(self, table: Any) -> Any:
        if self.export_format:
            return False
        return super().get_table_pagination(table)  # type: ignore[misc]

    def get_export_filename(self, export_format: str) -> str:
        return f"{self.export_name}-{timezone.localdate().isoformat()}.{export_format}"

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if self.export_format:
            exporter = self.export_class(
                export_format=self.export_format,
                table=context["table"],
                exclude_columns=self.exclude_columns,
                dataset_kwargs={"title": str(context["table"].label)},
            )
            return exporter.response(filename=self.get_export_filename(self.export_format))
        # The body only (see get()), past ExportMixin, whose own check would accept formats this site
        # does not offer.
        return TemplateResponse(self.request, self.body_template, context)


class CountryList(ListPage, SingleTableView):
    table_class = CountryTable
    template_name = "plans/countries.html"
    body_template = "plans/includes/countries_body.html"
    fragment_name = "countries"
    table_pagination = False
    export_name = "roadmap-countries"

    def get_queryset(self) -> QuerySet[Any]:
        return visibility.scoped(countries_with_progress(), self.request.user, "")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["explanation"] = progress.EXPLANATION
        return context


class ActionList(ListPage, SingleTableMixin, FilterView):
    """Every action of every current plan. An invalid filter value lists no actions (strict filtering)
    and shows its error beside the filter, rather than quietly listing everything."""

    table_class = ActionTable
    filterset_class = ActionFilterSet
    template_name = "plans/actions.html"
    body_template = "plans/includes/actions_body.html"
    fragment_name = "actions"
    paginator_class = PageSizePaginator
    table_pagination = {"per_page": DEFAULT_PAGE_SIZE}
    export_name = "roadmap-actions"

    def get_queryset(self) -> QuerySet[Action]:
        return visibility.scoped(Action.objects.current(), self.request.user, "plan__country")

    def get_filterset_kwargs(self, filterset_class: Any) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["explanation"] = progress.EXPLANATION
        context["default_page_size"] = DEFAULT_PAGE_SIZE
        return context


countries = CountryList.as_view()
actions = ActionList.as_view()


@dataclass(frozen=True)
class KpiContext:
    """A national KPI of the action's goal, with its latest value and the progress it makes."""

    kpi: IndicatorTarget
    latest_value: Decimal | None
    latest_year: int | None

    @property
    def progress(self) -> float | None:
        return self.kpi.progress_percent(self.latest_value)

    @property
    def baseline_display(self) -> str:
        return self._display(self.kpi.baseline_value)

    @property
    def target_display(self) -> str:
        return self._display(self.kpi.target_value)

    @property
    def latest_display(self) -> str:
        return self._display(self.latest_value)

    def _display(self, value: Decimal | None) -> str:
        return progress.kpi_value(value, self.kpi.indicator.unit)


def action_queryset() -> QuerySet[Action]:
    return Action.objects.select_related("plan__country", "goal", "target")


def page_kpis(action: Action) -> QuerySet[IndicatorTarget]:
    """The national KPIs the action page shows: its plan's KPIs of its goal.

    A KPI value may be entered through an action's page only for one of these.
    """
    return IndicatorTarget.objects.filter(plan=action.plan_id, indicator__goal=action.goal_id)


@viewer_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(action_queryset(), pk=pk)
    visibility.check_country(request.user, action.plan.country_id)
    return render(request, "plans/action_detail.html", action_context(request, action))


def action_context(
    request: HttpRequest, action: Action, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the action page shows; ``bound`` holds the forms of a POST that failed."""
    latest = (
        IndicatorValue.objects.in_force().filter(indicator_target=OuterRef("pk")).order_by("-year")
    )
    kpis = (
        page_kpis(action)
        .select_related("indicator")
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_year=Subquery(latest.values("year")[:1]),
        )
        .order_by("indicator__code")
    )
    # The milestones and the change history come in one query.
    milestones, change_list = changes.action_page_rows(action)
    context: dict[str, Any] = {
        "action": action,
        "plan": action.plan,
        "country": action.plan.country,
        "milestones": milestones,
        "history": list(
            action.updates.latest_first().select_related("author", "submission__submitted_by")
        ),
        "kpis": [KpiContext(k, k.latest_value, k.latest_year) for k in kpis],
        "today": timezone.localdate(),
        "explanation": progress.EXPLANATION,
        "changes": changes.page_of(change_list, request.GET.get("changes")),
        # The page answers the update forms' POSTs too: the navigation still shows "Actions".
        "nav_section": "actions",
    }
    context.update(forms_for(request, action, bound))
    # Imported here: the reporting app builds on this module's list pages.
    from reporting.views import action_context as reporting_context

    context.update(reporting_context(request, action, context))
    return context
