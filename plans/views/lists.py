"""The countries list, the actions list (filter, sort, page, export) and the action page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin, SingleTableView
from django_tables2.export import ExportMixin, TableExport
from tablib import Dataset

from plans import progress
from plans.choices import Stage
from plans.filters import ActionFilterSet
from plans.models import Action, IndicatorTarget, IndicatorValue
from plans.tables import DEFAULT_PAGE_SIZE, ActionTable, CountryTable, PageSizePaginator
from plans.views.access import VIEW_PERMISSION, viewer_required
from plans.views.updates import forms_for
from roadmap.models import Country, Indicator

STAGE_DATE_FIELDS = {
    Stage.SEMINAR_HELD: "seminar_held_on",
    Stage.DRAFTING: "drafting_started_on",
    Stage.DRAFT_COMPLETED: "draft_completed_on",
    Stage.APPROVED: "approved_on",
}


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

    Text that a spreadsheet would read as a formula (starting with =, +, -, @ or a control character) gets a
    leading apostrophe; numbers and dates are left alone.
    """

    FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

    def table_to_dataset(self, table: Any, exclude_columns: Any, dataset_kwargs: Any = None) -> Any:
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        safe = Dataset(headers=dataset.headers, title=dataset.title)
        for row in dataset:
            safe.append([self.defuse(value) for value in row])
        return safe

    @classmethod
    def defuse(cls, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(cls.FORMULA_STARTS):
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
        # Past ExportMixin, whose own check would accept formats this site does not offer.
        return super(ExportMixin, self).render_to_response(context, **kwargs)  # type: ignore[misc]


class CountryList(ListPage, SingleTableView):
    table_class = CountryTable
    template_name = "plans/countries.html"
    table_pagination = False
    export_name = "roadmap-countries"

    def get_queryset(self) -> QuerySet[Any]:
        return countries_with_progress()

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
    paginator_class = PageSizePaginator
    table_pagination = {"per_page": DEFAULT_PAGE_SIZE}
    export_name = "roadmap-actions"

    def get_queryset(self) -> QuerySet[Action]:
        return Action.objects.current()

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
        if value is None:
            return "–"
        unit = self.kpi.indicator.unit
        if unit == Indicator.Unit.YES_NO:
            return str(_("Yes") if value else _("No"))
        number = number_format(value.normalize())
        return f"{number} %" if unit == Indicator.Unit.PERCENT else number


@viewer_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(
        Action.objects.select_related("plan__country", "goal", "target"), pk=pk
    )
    latest = (
        IndicatorValue.objects.in_force().filter(indicator_target=OuterRef("pk")).order_by("-year")
    )
    kpis = (
        IndicatorTarget.objects.filter(plan=action.plan_id, indicator__goal=action.goal_id)
        .select_related("indicator")
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_year=Subquery(latest.values("year")[:1]),
        )
        .order_by("indicator__code")
    )
    context: dict[str, Any] = {
        "action": action,
        "plan": action.plan,
        "country": action.plan.country,
        "milestones": list(action.milestones.all()),
        "history": list(action.updates.latest_first().select_related("author")),
        "kpis": [KpiContext(k, k.latest_value, k.latest_year) for k in kpis],
        "today": timezone.localdate(),
        "explanation": progress.EXPLANATION,
    }
    context.update(forms_for(request, action))
    return render(request, "plans/action_detail.html", context)
