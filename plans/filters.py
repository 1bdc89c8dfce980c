"""The filters of the actions list. They live in the URL, so a filtered list can be bookmarked and shared."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from plans import progress, visibility
from plans.choices import Status
from plans.models import Action
from roadmap.models import Country, Goal


class DateInput(forms.DateInput):
    input_type = "date"


class ActionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        # Longer searches find nothing anyway, and SQLite refuses a LIKE pattern of 50,000 bytes.
        max_length=200,
        help_text=_("Code, title or lead agency"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 1.3 or customs")}),
    )
    country = django_filters.ModelMultipleChoiceFilter(
        field_name="plan__country__iso3",
        to_field_name="iso3",
        queryset=Country.objects.all(),
        label=_("Country"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list choice-list-long"}),
        distinct=False,
    )
    goal = django_filters.ModelChoiceFilter(
        field_name="goal",
        to_field_name="number",
        queryset=Goal.objects.all(),
        label=_("Goal"),
        empty_label=_("All goals"),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices,
        label=_("Status"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
        distinct=False,
    )
    overdue = django_filters.BooleanFilter(
        method="only_overdue",
        label=_("Overdue only"),
        widget=forms.CheckboxInput,
    )
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label=_("Due on or after"), widget=DateInput
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due on or before"), widget=DateInput
    )

    class Meta:
        model = Action
        fields = ["q", "country", "goal", "status", "overdue", "due_after", "due_before"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A focal point is offered, and may ask for, their own countries only: ?country=BRB is then an
        # invalid choice, which lists nothing (strict filtering), rather than another state's actions.
        if user is not None:
            field = self.filters["country"]
            field.queryset = visibility.scoped(Country.objects.all(), user, "")

    def search(self, queryset: QuerySet[Action], name: str, value: str) -> QuerySet[Action]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value) | Q(title__icontains=value) | Q(lead_agency__icontains=value)
        )

    def only_overdue(
        self, queryset: QuerySet[Action], name: str, value: bool | None
    ) -> QuerySet[Action]:
        # An unticked box means "all actions", not "only those that are not overdue".
        if not value:
            return queryset
        return queryset.filter(progress.overdue_q(timezone.localdate()))

    def summary(self) -> list[str]:
        """The filters in force, in words, for the folded filter panel: ["Jamaica", "Completed"]."""
        if not self.is_bound or not self.form.is_valid():
            return []
        data = self.form.cleaned_data
        parts: list[str] = []
        if data.get("q", "").strip():
            parts.append(f"“{data['q'].strip()}”")
        if data.get("country"):
            parts.append(", ".join(country.name for country in data["country"]))
        if data.get("goal"):
            parts.append(_("Goal %(number)s") % {"number": data["goal"].number})
        if data.get("status"):
            parts.append(", ".join(str(Status(value).label) for value in data["status"]))
        if data.get("overdue"):
            parts.append(str(_("Overdue only")))
        if data.get("due_after"):
            day = date_format(data["due_after"], "SHORT_DATE_FORMAT")
            parts.append(_("Due on or after %(date)s") % {"date": day})
        if data.get("due_before"):
            day = date_format(data["due_before"], "SHORT_DATE_FORMAT")
            parts.append(_("Due on or before %(date)s") % {"date": day})
        return parts

    @property
    def active_count(self) -> int:
        """How many filters narrow the list (sorting and page size do not count)."""
        if not self.is_bound:
            return 0
        return sum(1 for name in self.filters if any(v.strip() for v in self.data.getlist(name)))
