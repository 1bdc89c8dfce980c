"""Writes by IMPACS staff on the action page: status updates, milestones, national KPI values.

Every write is a POST, checked here with Django's permissions (hiding a form is not a check), validated
by a form, then written through plans/services.py, which locks the row and compares it with what the
form was loaded from: if someone else changed it in between, nothing is overwritten. Success redirects
to the action page with a message. After an error the action page is rendered again through its own
context function (``lists.action_context``) with the bound form, so what was typed is kept: 400 when
the input is invalid, 409 when someone else changed the row first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from plans import services
from plans.choices import Status
from plans.forms import (
    KpiValueForm,
    MilestoneDoneForm,
    MilestoneReopenForm,
    StatusUpdateForm,
)
from plans.models import Action, IndicatorTarget, IndicatorValue, Milestone
from plans.templatetags.update_forms import plain_number
from plans.views.action_forms import (
    KPI_CORRECT_PERMISSION,
    KPI_PERMISSION,
    MILESTONE_PERMISSION,
    STATUS_PERMISSION,
    forms_for,
    kpi_history,
)
from plans.views.lists import action_context, action_queryset, page_kpis

__all__ = ["forms_for", "kpi_history"]

INVALID = 400
CONFLICT = 409
VIA = "site"

M = TypeVar("M", bound=Model)


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
    action = action_queryset().get(pk=action.pk)  # fresh: the write may have been refused
    return render(
        request, "plans/action_detail.html", action_context(request, action, bound), status=code
    )


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


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """The write module's refusal, shown on the form's fields (or above it)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Status updates -------------------------------------------------------------------------------


def record_status(request: HttpRequest, pk: int) -> HttpResponse:
    action = _writable(request, action_queryset(), pk, STATUS_PERMISSION)
    if request.method != "POST":
        return redirect(action)
    form = StatusUpdateForm(request.POST, action=action)
    failed = _("The status update was not saved: correct what is marked below.")
    if not form.is_valid():
        messages.error(request, failed)
        return _action_page(request, action, INVALID, status=form)

    data = form.cleaned_data
    was = action.status
    try:
        services.record_status_update(
            action=action,
            to_status=data["status"],
            reported_on=data["reported_on"],
            note=data["note"],
            evidence_url=data["evidence_url"],
            by=_author(request),
            via=VIA,
            expected_version=data["version"],
        )
    except services.Conflict as conflict:
        return _status_conflict(request, conflict.current, conflict.newer)
    except ValidationError as exc:
        _add_errors(form, exc)
        messages.error(request, failed)
        return _action_page(request, action, INVALID, status=form)

    label = Status(action.status).label.lower()
    if was == action.status:
        messages.success(
            request,
            _("Progress note recorded for %(code)s; it stays %(status)s.")
            % {"code": action.code, "status": label},
        )
    else:
        messages.success(
            request,
            _("Status update recorded: %(code)s is now %(status)s.")
            % {"code": action.code, "status": label},
        )
    return redirect(action)


def _status_conflict(request: HttpRequest, action: Action, newer: Any) -> HttpResponse:
    """Refuse a save from a stale form: show the newer change, keep what was typed."""
    if newer is None:
        change = _("This action was changed after you opened the form.")
    else:
        change = _(
            "%(who)s recorded an update at %(when)s: %(status)s, reported for %(day)s: “%(note)s”"
        ) % {
            "who": _who(newer.author),
            "when": _when(newer.recorded_at),
            "status": newer.get_to_status_display(),
            "day": _day(newer.reported_on),
            "note": Truncator(newer.note).chars(300),
        }
    messages.error(
        request,
        _("Your status update was not saved, so nothing was overwritten. %(change)s")
        % {"change": change},
    )
    # Keep what was typed, loaded from the newer version: saving again is a deliberate choice.
    action = action_queryset().get(pk=action.pk)
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
    failed = _("Milestone “%(title)s” was not changed: see below.") % {"title": milestone.title}
    if not form.is_valid():
        messages.error(request, failed)
        return _action_page(request, action, INVALID, milestone=form)

    completed_on = form.cleaned_data.get("completed_on")
    loaded = form.cleaned_data["loaded"]
    try:
        expected: Any = dt.date.fromisoformat(loaded) if loaded else None
    except ValueError:
        expected = loaded  # a tampered page: matches no state, so it is refused as a conflict
    try:
        if completed_on:
            services.complete_milestone(
                milestone=milestone,
                completed_on=completed_on,
                by=_author(request),
                via=VIA,
                expected_completed_on=expected,
            )
        else:
            services.reopen_milestone(
                milestone=milestone, by=_author(request), via=VIA, expected_completed_on=expected
            )
    except services.Conflict as conflict:
        locked = conflict.current
        state = (
            _("marked it done on %(day)s") % {"day": _day(locked.completed_on)}
            if locked.completed_on
            else _("reopened it")
        )
        messages.error(
            request,
            _(
                "Milestone “%(title)s” was not changed: someone else %(state)s after you opened "
                "the page. Nothing was overwritten; check it and try again if needed."
            )
            % {"title": locked.title, "state": state},
        )
        return _action_page(request, action, CONFLICT)
    except ValidationError as exc:
        _add_errors(form, exc)
        messages.error(request, failed)
        return _action_page(request, action, INVALID, milestone=form)
    if completed_on:
        messages.success(
            request,
            _("Milestone “%(title)s” marked done on %(day)s.")
            % {"title": milestone.title, "day": _day(completed_on)},
        )
    else:
        messages.success(request, _("Milestone “%(title)s” reopened.") % {"title": milestone.title})
    return redirect(action)


# --- National KPI values --------------------------------------------------------------------------


def record_kpi_value(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    action = _writable(request, action_queryset(), pk, KPI_PERMISSION)
    # Only a KPI the action's page shows (its plan's, under its goal): the form lives there.
    kpi = get_object_or_404(page_kpis(action).select_related("indicator"), pk=kpi_pk)
    if request.method != "POST":
        return redirect(action)
    form = KpiValueForm(request.POST, kpi=kpi)
    code = kpi.indicator.code
    failed = _("The %(code)s value was not saved: see below.") % {"code": code}
    if not form.is_valid():
        messages.error(request, failed)
        return _action_page(request, action, INVALID, kpi=form)
    data = form.cleaned_data
    if data["correction"] and not request.user.has_perm(KPI_CORRECT_PERMISSION):
        raise PermissionDenied

    try:
        saved = services.record_kpi_value(
            kpi=kpi,
            year=data["year"],
            value=data["value"],
            note=data["note"],
            by=_author(request),
            via=VIA,
            correction=data["correction"],
            seen=data["seen"],
        )
    except services.Conflict as conflict:
        standing = conflict.newer
        messages.error(
            request,
            _(
                "The %(code)s value for %(year)s was not saved, so nothing was overwritten: "
                "%(who)s entered %(value)s for %(year)s at %(when)s, after you opened the page. "
                "Your figure is kept below: check it, then save again as a correction if it still "
                "applies."
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
    except services.ValueStands as stands:
        standing = stands.standing
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
        messages.error(request, failed)
        return _action_page(request, action, INVALID, kpi=form)
    except ValidationError as exc:
        _add_errors(form, exc)
        messages.error(request, failed)
        return _action_page(request, action, INVALID, kpi=form)

    superseded = (
        IndicatorValue.objects.filter(
            indicator_target=kpi, year=saved.year, superseded_at=saved.recorded_at
        )
        .exclude(pk=saved.pk)
        .first()
    )
    if superseded is not None:
        messages.success(
            request,
            _(
                "%(code)s for %(year)s corrected from %(old)s to %(new)s; the earlier value is "
                "kept in the history."
            )
            % {
                "code": code,
                "year": saved.year,
                "old": plain_number(superseded.value),
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
