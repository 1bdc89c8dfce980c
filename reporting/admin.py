from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reporting.models import (
    CountryAssignment,
    Notification,
    ReportingCycle,
    Submission,
    Transition,
)


@admin.register(CountryAssignment)
class CountryAssignmentAdmin(admin.ModelAdmin):
    """Administrators make a user a country's focal point here (and put them in the group)."""

    list_display = ["user", "country"]
    list_filter = ["country"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(ReportingCycle)
class ReportingCycleAdmin(admin.ModelAdmin):
    list_display = ["name", "opens_on", "due_on", "kpi_year", "closed_at"]
    readonly_fields = ["opened_by", "created_at", "closed_at", "closed_by"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ["event", "from_state", "to_state", "by", "at", "comment"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Read-only: submissions change state on the site's review pages, where every step is recorded."""

    list_display = ["pk", "kind", "state", "country", "submitted_by", "submitted_at"]
    list_filter = ["state", "kind", "country", "cycle"]
    inlines = [TransitionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What was e-mailed (or failed and will be retried), one digest per person and day."""

    list_display = ["day", "recipient", "to_address", "subject", "sent_at", "attempts"]
    list_filter = ["day", "sent_at"]
    search_fields = ["recipient__username", "to_address", "subject"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
