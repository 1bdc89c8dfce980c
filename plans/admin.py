from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from plans.models import (
    Action,
    ActionPlan,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fields = ["code", "title", "goal", "lead_agency", "start_date", "due_date", "status"]
    readonly_fields = ["status"]
    show_change_link = True
    ordering = ["goal__number", "code"]


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 0
    fields = ["indicator", "baseline_value", "baseline_year", "target_value", "target_year"]
    show_change_link = True


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "country", "stage", "is_current", "start_year", "end_year", "is_demo"]
    list_filter = ["stage", "is_current", "is_demo", "country__caricom_member"]
    search_fields = ["title", "country__name", "country__iso3"]
    ordering = ["country__name", "-start_year"]
    list_select_related = ["country"]
    readonly_fields = ["is_demo"]
    inlines = [ActionInline, IndicatorTargetInline]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_date", "completed_on"]


class StatusUpdateInline(admin.TabularInline):
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


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
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
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "action", "due_date", "completed_on"]
    list_filter = ["action__plan__country"]
    search_fields = ["title", "action__code", "action__title"]
    ordering = ["due_date"]
    list_select_related = ["action"]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):
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


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 0
    fields = ["year", "value", "note", "author", "recorded_at", "superseded_at"]
    readonly_fields = ["author", "recorded_at", "superseded_at"]


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(admin.ModelAdmin):
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


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ["indicator_target", "year", "value", "author", "recorded_at", "superseded_at"]
    list_filter = ["year", "indicator_target__indicator"]
    search_fields = ["indicator_target__indicator__code", "note"]
    ordering = ["-year"]
    list_select_related = [
        "indicator_target__plan__country",
        "indicator_target__indicator",
        "author",
    ]
    readonly_fields = ["recorded_at", "superseded_at"]
