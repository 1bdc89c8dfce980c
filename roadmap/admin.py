from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest

from plans import services
from plans.admin_base import OneDoorAdmin, OneDoorInline
from roadmap.models import Country, Goal, Indicator, Target


@admin.register(Country)
class CountryAdmin(OneDoorAdmin):
    list_display = ["iso3", "name", "caricom_member", "adopted_on"]
    list_filter = ["caricom_member"]
    search_fields = ["iso3", "name"]
    ordering = ["name"]


class TargetInline(OneDoorInline):
    model = Target
    extra = 0
    fields = ["code", "title"]


@admin.register(Goal)
class GoalAdmin(OneDoorAdmin):
    list_display = ["number", "title"]
    search_fields = ["title", "description"]
    ordering = ["number"]
    inlines = [TargetInline]


@admin.register(Target)
class TargetAdmin(OneDoorAdmin):
    list_display = ["code", "title", "goal"]
    list_filter = ["goal"]
    search_fields = ["code", "title"]
    ordering = ["sort_key"]
    list_select_related = ["goal"]


@admin.register(Indicator)
class IndicatorAdmin(OneDoorAdmin):
    list_display = ["code", "title", "goal", "unit", "direction"]
    list_filter = ["goal", "unit", "direction"]
    search_fields = ["code", "title"]
    ordering = ["code"]
    list_select_related = ["goal"]


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):  # type: ignore[type-arg]
    """Users' names appear in cached figures (the dashboard's latest updates): a user saved or
    deleted here goes through the write module, which moves the data version."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_user(obj, by=request.user, via="admin")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_user(obj, by=request.user, via="admin")

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            services.delete_user(user, by=request.user, via="admin")
