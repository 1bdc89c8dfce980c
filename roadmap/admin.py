from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy

from roadmap import twofactor
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


# --- Users: the admin can reset a user's two-factor sign-in ---------------------------------------

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    actions = ["reset_two_factor"]

    @admin.action(description=gettext_lazy("Reset two-factor sign-in (phone lost or replaced)"))
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
