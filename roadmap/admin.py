from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plans import services
from plans.admin_base import OneDoorAdmin, OneDoorInline
from roadmap import twofactor
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
    fieldsets = official_fieldsets("title", "description", first=("number",))


@admin.register(Target)
class TargetAdmin(OneDoorAdmin):
    list_display = ["code", "title", "goal"]
    list_filter = ["goal"]
    search_fields = ["code", "title"]
    ordering = ["sort_key"]
    list_select_related = ["goal"]
    fieldsets = official_fieldsets("title", first=("goal", "code"))


@admin.register(Indicator)
class IndicatorAdmin(OneDoorAdmin):
    list_display = ["code", "title", "goal", "unit", "direction"]
    list_filter = ["goal", "unit", "direction"]
    search_fields = ["code", "title"]
    ordering = ["code"]
    list_select_related = ["goal"]
    fieldsets = official_fieldsets("title", first=("code", "goal", "unit", "direction"))


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

    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor sign-in (phone lost or replaced)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            if twofactor.reset_devices(user):
                self.log_change(request, user, gettext("Reset two-factor sign-in."))
        self.message_user(
            request,
            gettext(
                "Two-factor sign-in reset for %(users)s. IMPACS staff and administrators set it up"
                " again on their next sign-in."
            )
            % {"users": ", ".join(user.get_username() for user in queryset)},
            messages.SUCCESS,
        )
