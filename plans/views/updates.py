"""Writes by IMPACS staff on the action page: status updates, milestones, national KPI values.

Every write is a POST, checked here with Django's permissions (hiding a form is not a check), validated
by a form, then saved in one transaction after locking the row and comparing it with what the form was
loaded from: if someone else changed it in between, nothing is overwritten. Success redirects to the
action page with a message. After an error the action page is rendered again with the bound form, so
what was typed is kept: 400 when the input is invalid, 409 when someone else changed the row first.

Contract with the action page (``action_detail``): ``forms_for(request, action)`` returns the extra
template context for templates/plans/includes/{status,milestone,kpi}_form.html, which also use the
page's ``action``. Everyone who may read the page gets the KPI value history; only users who may write
get forms.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import resolve
from django.utils import formats, timezone
from django.utils.functional import SimpleLazyObject
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from plans.choices import Status
from plans.forms import (
    KpiValueForm,
    MilestoneDoneForm,
    MilestoneReopenForm,
    StatusUpdateForm,
)
from plans.models import Action, IndicatorTarget, IndicatorValue, Milestone, StatusUpdate
from plans.templatetags.update_forms import plain_number

STATUS_PERMISSION = "plans.add_statusupdate"
MILESTONE_PERMISSION = "plans.change_milestone"
KPI_PERMISSION = "plans.add_indicatorvalue"
# A correction supersedes the standing value, which changes that row.
KPI_CORRECT_PERMISSION = "plans.change_indicatorvalue"

INVALID = 400
CONFLICT = 409

# Where a failed POST leaves its bound form for forms_for to pick up while the page renders again.
BOUND_FORMS_ATTR = "bound_update_forms"

M = TypeVar("M", bound=Model)


def forms_for(request: HttpRequest, action: Action) -> dict[str, Any]:
    """Template context for the update forms on an action page.

    It costs one query, for the KPI value history, and only if the page shows a KPI.
    """
    user = request.user
    bound: dict[str, Any] = getattr(request, BOUND_FORMS_ATTR, {})
    context: dict[str, Any] = {
        "kpi_history": SimpleLazyObject(lambda: kpi_history(action.plan_id)),
        "can_update_milestones": user.has_perm(MILESTONE_PERMISSION),
        "can_enter_kpi_values": user.has_perm(KPI_PERMISSION),
        "can_correct_kpi_values": user.has_perm(KPI_CORRECT_PERMISSION),
        "bound_milestone_form": bound.get("milestone"),
        "bound_kpi_form": bound.get("kpi"),
    }
    if user.has_perm(STATUS_PERMISSION):
        context["status_form"] = bound.get("status") or StatusUpdateForm(action=action)
    return context


def kpi_history(plan_id: int) -> dict[int, list[IndicatorValue]]:
    """Every value of the plan's KPIs, newest first, corrected ones included, keyed by KPI."""
    values = (
        IndicatorValue.objects.filter(indicator_target__plan_id=plan_id)
        .select_related("author")
        .order_by("-year", "-recorded_at", "-pk")
    )
    history: dict[int, list[IndicatorValue]] = defaultdict(list)
    for value in values:
        history[value.indicator_target_id].append(value)
    return dict(history)


# --- Access: fetch and check in one step ----------------------------------------------------------


def _writable(request: HttpRequest, queryset: QuerySet[M], pk: int, perm: str) -> M:
    """The object, if this user may make this change: 403 for readers, 404 when it does not exist."""
    if not request.user.has_perm(perm):
        raise PermissionDenied
    return get_object_or_404(queryset, pk=pk)


def _action_page(
    request: HttpRequest, action: Action, code: int, **bound: forms.Form
) -> HttpResponse:
    """The action page again, with the bound form that failed, so what was typed is kept."""
    setattr(request, BOUND_FORMS_ATTR, bound)
    match = resolve(action.get_absolute_url())
    # The page view renders for reading; it must not see (or refuse) the POST it is answering. The
    # page is the action page (its navigation highlights "Actions").
    request.method = "GET"
    request.resolver_match = match
    response: HttpResponse = match.func(request, *match.args, **match.kwargs)
    response.status_code = code
    return response


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _day(date: dt.date) -> str:
    return formats.date_format(date, "SHORT_DATE_FORMAT")


def _author(request: HttpRequest) -> User:
    # Every write view runs behind sign-in and a permission check: the user is a real account.
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _who(user: Any) -> str:
    return (user.get_full_name() or user.username) if user else _("Someone")


# --- Status updates -------------------------------------------------------------------------------


def record_status(request: HttpRequest, pk: int) -> HttpResponse:
    action = _writable(request, Action.objects.select_related("plan"), pk, STATUS_PERMISSION)
    if request.method != "POST":
        return redirect(action)
    form = StatusUpdateForm(request.POST, action=action)
    if not form.is_valid():
        messages.error(request, _("The status update was not saved: correct what is marked below."))
        return _action_page(request, action, INVALID, status=form)

    data = form.cleaned_data
    with transaction.atomic():
        locked = Action.objects.select_for_update().select_related("plan").get(pk=action.pk)
        was = locked.status
        stale = locked.version != data["version"]
        if not stale:
            StatusUpdate.objects.create(
                action=locked,
                from_status=was,
                to_status=data["status"],
                reported_on=data["reported_on"],
                note=data["note"],
                evidence_url=data["evidence_url"],
                author=_author(request),
            )
            locked.status = data["status"]
            locked.status_changed_on = data["reported_on"]
            locked.version += 1
            locked.save(update_fields=["status", "status_changed_on", "version"])

    if stale:
        return _status_conflict(request, locked)
    label = str(Status(locked.status).label).lower()
    if was == locked.status:
        messages.success(
            request,
            _("Progress note recorded for %(code)s; it stays %(status)s.")
            % {"code": locked.code, "status": label},
        )
    else:
        messages.success(
            request,
            _("Status update recorded: %(code)s is now %(status)s.")
            % {"code": locked.code, "status": label},
        )
    return redirect(locked)


def _status_conflict(request: HttpRequest, action: Action) -> HttpResponse:
    """Refuse a save from a stale form: show the newer change, keep what was typed."""
    newer = action.updates.select_related("author").order_by("-recorded_at", "-pk").first()
    if newer is None:
        change = _("This action was changed after you opened the form.")
    else:
        change = _(
            "%(who)s recorded an update at %(when)s: %(status)s, reported for %(date)s: “%(note)s”"
        ) % {
            "who": _who(newer.author),
            "when": _when(newer.recorded_at),
            "status": newer.get_to_status_display(),
            "date": _day(newer.reported_on),
            "note": Truncator(newer.note).chars(300),
        }
    messages.error(
        request,
        _("Your status update was not saved, so nothing was overwritten.") + " " + change,
    )
    # Keep what was typed, loaded from the newer version: saving again is a deliberate choice.
    data = request.POST.copy()
    data["version"] = str(action.version)
    form = StatusUpdateForm(data, action=action)
    form.is_valid()
    form.add_error(
        None,
        _(
            "Someone else updated this action while you were writing (see the message above). "
            "Your text is kept: check it against the newer update, then save again if it still "
            "applies."
        ),
    )
    return _action_page(request, action, CONFLICT, status=form)


# --- Milestones -----------------------------------------------------------------------------------


def complete_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_milestone(request, pk, MilestoneDoneForm)


def reopen_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_milestone(request, pk, MilestoneReopenForm)


def _change_milestone(
    request: HttpRequest, pk: int, form_class: type[MilestoneDoneForm | MilestoneReopenForm]
) -> HttpResponse:
    milestone = _writable(
        request, Milestone.objects.select_related("action__plan"), pk, MILESTONE_PERMISSION
    )
    action = milestone.action
    if request.method != "POST":
        return redirect(action)
    form = form_class(request.POST, milestone=milestone)
    if not form.is_valid():
        messages.error(
            request,
            _("Milestone “%(milestone)s” was not changed: see below.")
            % {"milestone": milestone.title},
        )
        return _action_page(request, action, INVALID, milestone=form)

    completed_on = form.cleaned_data.get("completed_on")
    with transaction.atomic():
        locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
        current = locked.completed_on.isoformat() if locked.completed_on else ""
        changed_meanwhile = current != form.cleaned_data["loaded"]
        if not changed_meanwhile:
            locked.completed_on = completed_on
            locked.save(update_fields=["completed_on"])

    if changed_meanwhile:
        if locked.completed_on:
            message = _(
                "Milestone “%(milestone)s” was not changed: someone else marked it done on "
                "%(date)s after you opened the page. Nothing was overwritten; check it and try "
                "again if needed."
            ) % {"milestone": locked.title, "date": _day(locked.completed_on)}
        else:
            message = _(
                "Milestone “%(milestone)s” was not changed: someone else reopened it after you "
                "opened the page. Nothing was overwritten; check it and try again if needed."
            ) % {"milestone": locked.title}
        messages.error(request, message)
        return _action_page(request, action, CONFLICT)
    if completed_on:
        messages.success(
            request,
            _("Milestone “%(milestone)s” marked done on %(date)s.")
            % {"milestone": locked.title, "date": _day(completed_on)},
        )
    else:
        messages.success(
            request, _("Milestone “%(milestone)s” reopened.") % {"milestone": locked.title}
        )
    return redirect(action)


# --- National KPI values --------------------------------------------------------------------------


def record_kpi_value(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    action = _writable(request, Action.objects.select_related("plan"), pk, KPI_PERMISSION)
    kpi = get_object_or_404(
        IndicatorTarget.objects.select_related("indicator"), pk=kpi_pk, plan_id=action.plan_id
    )
    if request.method != "POST":
        return redirect(action)
    form = KpiValueForm(request.POST, kpi=kpi)
    if not form.is_valid():
        messages.error(
            request,
            _("The %(code)s value was not saved: see below.") % {"code": kpi.indicator.code},
        )
        return _action_page(request, action, INVALID, kpi=form)
    data = form.cleaned_data
    if data["correction"] and not request.user.has_perm(KPI_CORRECT_PERMISSION):
        raise PermissionDenied

    saved = None
    with transaction.atomic():
        # Lock the KPI: entries and corrections of one KPI are made one at a time.
        IndicatorTarget.objects.select_for_update().get(pk=kpi.pk)
        standing = kpi.values.in_force().filter(year=data["year"]).select_related("author").first()
        if standing is not None and standing.pk > data["seen"]:
            outcome = "conflict"
        elif standing is not None and not data["correction"]:
            outcome = "needs correction"
        else:
            outcome = "saved"
            now = timezone.now()
            if standing is not None:
                standing.superseded_at = now
                standing.save(update_fields=["superseded_at"])
            saved = IndicatorValue.objects.create(
                indicator_target=kpi,
                year=data["year"],
                value=data["value"],
                note=data["note"],
                author=_author(request),
                recorded_at=now,
            )

    code = kpi.indicator.code
    if outcome == "conflict":
        assert standing is not None
        messages.error(
            request,
            _(
                "The %(code)s value for %(year)s was not saved, so nothing was overwritten: "
                "%(who)s entered %(value)s for %(year)s at %(when)s, after you opened the page. "
                "Your figure is kept below: check it, then save again as a correction if it "
                "still applies."
            )
            % {
                "code": code,
                "year": data["year"],
                "who": _who(standing.author),
                "value": plain_number(standing.value),
                "when": _when(standing.recorded_at),
            },
        )
        return _action_page(request, action, CONFLICT, kpi=_kept(request, kpi, standing))
    if outcome == "needs correction":
        assert standing is not None
        if request.user.has_perm(KPI_CORRECT_PERMISSION):
            form.add_error(
                "correction",
                _(
                    "%(year)s already has a value, %(value)s. Tick this box to correct it; the "
                    "earlier value stays in the history."
                )
                % {"year": data["year"], "value": plain_number(standing.value)},
            )
        else:
            form.add_error(
                "year",
                _(
                    "%(year)s already has a value, %(value)s, and your account may not correct "
                    "values."
                )
                % {"year": data["year"], "value": plain_number(standing.value)},
            )
        messages.error(request, _("The %(code)s value was not saved: see below.") % {"code": code})
        return _action_page(request, action, INVALID, kpi=form)
    assert saved is not None
    if standing is not None:
        messages.success(
            request,
            _(
                "%(code)s for %(year)s corrected from %(old)s to %(new)s; the earlier value is "
                "kept in the history."
            )
            % {
                "code": code,
                "year": saved.year,
                "old": plain_number(standing.value),
                "new": plain_number(saved.value),
            },
        )
    else:
        messages.success(
            request,
            _("%(code)s for %(year)s saved: %(value)s.")
            % {"code": code, "year": saved.year, "value": plain_number(saved.value)},
        )
    return redirect(action)


def _kept(request: HttpRequest, kpi: IndicatorTarget, standing: IndicatorValue) -> KpiValueForm:
    """What was typed, now loaded with the newer value: saving it again is a deliberate correction."""
    data = request.POST.copy()
    data["seen"] = str(max(standing.pk, int(data.get("seen") or 0)))
    form = KpiValueForm(data, kpi=kpi)
    form.is_valid()
    return form
