from __future__ import annotations

from django.contrib import admin

from roadmap.models import Country, Goal, Indicator, Target


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["iso3", "name", "caricom_member", "adopted_on"]
    list_filter = ["caricom_member"]
    search_fields = ["iso3", "name"]
    ordering = ["name"]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = ["code", "title"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]
    search_fields = ["title", "description"]
    ordering = ["number"]
    inlines = [TargetInline]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "goal"]
    list_filter = ["goal"]
    search_fields = ["code", "title"]
    ordering = ["sort_key"]
    list_select_related = ["goal"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "goal", "unit", "direction"]
    list_filter = ["goal", "unit", "direction"]
    search_fields = ["code", "title"]
    ordering = ["code"]
    list_select_related = ["goal"]
