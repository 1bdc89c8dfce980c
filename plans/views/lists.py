from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from plans.models import Action
from plans.views.access import viewer_required
from plans.views.updates import forms_for
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
    # Minimal stand-in for the action page being built in parallel: it hosts the update forms.
    context = {
        "action": action,
        "milestones": action.milestones.all(),
        "kpis": action.plan.kpis.select_related("indicator"),
        "updates": action.updates.select_related("author"),
    }
    context.update(forms_for(request, action))
    return render(request, "plans/action_detail.html", context)
