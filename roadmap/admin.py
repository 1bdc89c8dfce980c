from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from roadmap.models import Country, Goal, Indicator, Target

OFFICIAL_HELP = _(
    "Enter a translation only from an official document of the Roadmap in that language, never a "
    "machine translation. Where a language is left blank, readers of that language see the English "
    "text, marked as English."
)


def official_fieldsets(*names: str, first: tuple[str, ...]) -> Any:
    return [
        (None, {"fields": [*first, *names]}),
        (
            _("Official translations"),
            {
                "fields": [f"{name}_{code}" for name in names for code in ("es", "fr", "nl")],
                "description": OFFICIAL_HELP,
            },
        ),
    ]


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
    fieldsets = official_fieldsets("title", "description", first=("number",))


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "goal"]
    list_filter = ["goal"]
    search_fields = ["code", "title"]
    ordering = ["sort_key"]
    list_select_related = ["goal"]
    fieldsets = official_fieldsets("title", first=("goal", "code"))


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "goal", "unit", "direction"]
    list_filter = ["goal", "unit", "direction"]
    search_fields = ["code", "title"]
    ordering = ["code"]
    list_select_related = ["goal"]
    fieldsets = official_fieldsets("title", first=("code", "goal", "unit", "direction"))
