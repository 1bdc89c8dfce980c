"""The admin of plan data: every save and delete goes through plans/services.py (see admin_base)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from plans import services
from plans.admin_base import VIA, OneDoorAdmin, OneDoorInline
from plans.models import (
    Action,
    ActionPlan,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)


class ActionInline(OneDoorInline):
    model = Action
    extra = 0
    fields = ["code", "title", "goal", "lead_agency", "start_date", "due_date", "status"]
    readonly_fields = ["status"]
    show_change_link = True
    ordering = ["goal__number", "code"]


class IndicatorTargetInline(OneDoorInline):
    model = IndicatorTarget
    extra = 0
    fields = ["indicator", "baseline_value", "baseline_year", "target_value", "target_year"]
    show_change_link = True


@admin.register(ActionPlan)
class ActionPlanAdmin(OneDoorAdmin):
    list_display = ["title", "country", "stage", "is_current", "start_year", "end_year", "is_demo"]
    list_filter = ["stage", "is_current", "is_demo", "country__caricom_member"]
    search_fields = ["title", "country__name", "country__iso3"]
    ordering = ["country__name", "-start_year"]
    list_select_related = ["country"]
    readonly_fields = ["is_demo"]
    inlines = [ActionInline, IndicatorTargetInline]


class MilestoneInline(OneDoorInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_date", "completed_on"]


class StatusUpdateInline(admin.TabularInline):  # type: ignore[type-arg]
    """The history, read-only: it is append-only and is recorded on the site's action page."""

    model = StatusUpdate
    extra = 0
    readonly_fields = [
        "reported_on",
        "from_status",
        "to_status",
        "note",
        "evidence_url",
        "author",
        "recorded_at",
    ]
    fields = tuple(readonly_fields)
    ordering = ["-reported_on", "-recorded_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Action)
class ActionAdmin(OneDoorAdmin):
    list_display = ["code", "title", "plan", "goal", "status", "due_date", "lead_agency"]
    list_filter = ["status", "goal", "plan__country", "plan__is_current"]
    search_fields = ["code", "title", "lead_agency", "plan__country__name"]
    ordering = ["plan__country__name", "goal__number", "code"]
    list_select_related = ["plan__country", "goal"]
    autocomplete_fields = ["target"]
    # The current status changes only through a recorded status update, so history and status agree.
    readonly_fields = ["status", "status_changed_on", "version"]
    inlines = [MilestoneInline, StatusUpdateInline]


@admin.register(Milestone)
class MilestoneAdmin(OneDoorAdmin):
    list_display = ["title", "action", "due_date", "completed_on"]
    list_filter = ["action__plan__country"]
    search_fields = ["title", "action__code", "action__title"]
    ordering = ["due_date"]
    list_select_related = ["action"]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["action", "reported_on", "from_status", "to_status", "author", "recorded_at"]
    list_filter = ["to_status", "action__plan__country"]
    search_fields = ["note", "action__code", "action__title"]
    ordering = ["-recorded_at"]
    list_select_related = ["action", "author"]
    date_hierarchy = "reported_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class IndicatorValueInline(admin.TabularInline):  # type: ignore[type-arg]
    """The values, read-only: a value is entered or corrected on its own add page, never edited."""

    model = IndicatorValue
    extra = 0
    fields = ["year", "value", "note", "author", "recorded_at", "superseded_at"]
    readonly_fields = ["year", "value", "note", "author", "recorded_at", "superseded_at"]
    can_delete = False
    ordering = ["-year", "-recorded_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(OneDoorAdmin):
    list_display = [
        "plan",
        "indicator",
        "baseline_value",
        "baseline_year",
        "target_value",
        "target_year",
    ]
    list_filter = ["indicator", "plan__country"]
    search_fields = ["indicator__code", "indicator__title", "plan__country__name"]
    ordering = ["plan__country__name", "indicator__code"]
    list_select_related = ["plan__country", "indicator"]
    inlines = [IndicatorValueInline]


class KpiValueAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """A new value, or a correction of the value standing for that year: never an edit in place."""

    correction = forms.BooleanField(
        label=_("This corrects the value already entered for that year"),
        required=False,
        help_text=_("The earlier value is kept in the history, marked as superseded."),
    )

    class Meta:
        model = IndicatorValue
        fields = ["indicator_target", "year", "value", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kpi, year, value = data.get("indicator_target"), data.get("year"), data.get("value")
        if kpi is None or year is None or value is None:
            return data
        try:
            services.check_kpi_value(kpi=kpi, year=year, value=value)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name, errors)
        standing = kpi.values.in_force().filter(year=year).first()
        if standing is not None and not data.get("correction"):
            self.add_error(
                "correction",
                _(
                    "%(year)s already has a value, %(value)s. Tick this box to correct it; the "
                    "earlier value stays in the history."
                )
                % {"year": year, "value": f"{standing.value.normalize():f}"},
            )
        return data

    def validate_unique(self) -> None:
        # A correction supersedes the standing value: the one-value-a-year rule holds after it.
        if not self.cleaned_data.get("correction"):
            super().validate_unique()


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Values are added (or corrected: a new value supersedes the old, both kept), never changed
    in place or deleted."""

    form = KpiValueAdminForm
    list_display = ["indicator_target", "year", "value", "author", "recorded_at", "superseded_at"]
    list_filter = ["year", "indicator_target__indicator"]
    search_fields = ["indicator_target__indicator__code", "note"]
    ordering = ["-year"]
    list_select_related = [
        "indicator_target__plan__country",
        "indicator_target__indicator",
        "author",
    ]
    readonly_fields = ["author", "recorded_at", "superseded_at"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["indicator_target", "year", "value", "note", "correction"]
        return ["indicator_target", "year", "value", "note", *self.readonly_fields]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.record_kpi_value(
            kpi=data["indicator_target"],
            year=data["year"],
            value=data["value"],
            note=data.get("note", ""),
            by=request.user if request.user.is_authenticated else None,
            via=VIA,
            correction=bool(data.get("correction")),
        )
        # The admin's log and redirect use the form's object: make it the saved one.
        for f in saved._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))
        obj._state.adding = False
