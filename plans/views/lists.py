from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from plans.models import Action
from plans.views.access import viewer_required
from roadmap.models import Country


@viewer_required
def countries(request: HttpRequest) -> HttpResponse:
    return render(request, "plans/countries.html", {"countries": Country.objects.all()})


@viewer_required
def actions(request: HttpRequest) -> HttpResponse:
    return render(request, "plans/actions.html", {})


@viewer_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(
        Action.objects.select_related("plan__country", "goal", "target"), pk=pk
    )
    return render(request, "plans/action_detail.html", {"action": action})
