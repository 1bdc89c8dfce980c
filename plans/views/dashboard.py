from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from plans import progress
from plans.models import ActionPlan
from plans.views.access import viewer_required
from roadmap.models import Country


@viewer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    drafted = list(ActionPlan.objects.drafted().with_progress().select_related("country"))
    return render(
        request,
        "plans/dashboard.html",
        {
            "headline": progress.headline(plan.is_complete for plan in drafted),
            "plans": drafted,
            "explanation": progress.EXPLANATION,
        },
    )


@viewer_required
def country(request: HttpRequest, iso3: str) -> HttpResponse:
    country = get_object_or_404(Country, iso3=iso3.upper())
    return render(request, "plans/country.html", {"country": country})
