"""The reporting cycle's writes: submit, withdraw, approve, return, resubmit; open and close a cycle.

These move to the one write module, ``plans/services.py``, once branch acct has merged it (TEAM.md);
approval writes through its functions with ``via="review"``. Each function
takes keyword arguments and the acting user, checks that user may do it, locks what it changes, and
records the step (who, when, comment) in one transaction. Legal steps are ``models.TRANSITIONS``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from plans import services as plan_services
from plans import visibility
from plans.models import Action, IndicatorTarget, Milestone
from reporting.models import (
    Event,
    Kind,
    ReportingCycle,
    State,
    Submission,
    Transition,
    next_state,
)

Conflict = plan_services.Conflict
SUBMIT_PERMISSION = "reporting.submit_report"
REVIEW_PERMISSION = "reporting.review_submission"
REVIEW_VIA = "review"


class IllegalTransition(ValidationError):
    """The step is not allowed from the submission's state (e.g. approving a withdrawn one)."""


def may_submit_for(user: Any, country_id: int) -> bool:
    """Focal points report for their own countries only; IMPACS staff write directly instead."""
    ids = visibility.visible_country_ids(user)
    return bool(user.has_perm(SUBMIT_PERMISSION) and ids is not None and country_id in ids)


def open_cycle_for_reports() -> ReportingCycle | None:
    return ReportingCycle.objects.open().first()


# --- Submitting ------------------------------------------------------------------------------------


def _create(*, by: User, country_id: int, draft: bool, **fields: Any) -> Submission:
    if not may_submit_for(by, country_id):
        raise PermissionDenied
    with transaction.atomic():
        submission = Submission(
            country_id=country_id,
            cycle=open_cycle_for_reports(),
            submitted_by=by,
            state=State.DRAFT,
            **fields,
        )
        submission.full_clean()
        submission.save()
        if not draft:
            _step(submission, Event.SUBMIT, by)
    return submission


def submit_status_change(
    *,
    action: Action,
    to_status: str,
    reported_on: dt.date,
    note: str,
    evidence_url: str = "",
    by: User,
    draft: bool = False,
) -> Submission:
    if to_status == action.status:
        raise ValidationError(
            {"to_status": _("The action is already at this status: report “no change” instead.")}
        )
    return _create(
        by=by,
        country_id=action.plan.country_id,
        draft=draft,
        kind=Kind.STATUS,
        action=action,
        base_version=action.version,
        from_status=action.status,
        to_status=to_status,
        reported_on=reported_on,
        note=note,
        evidence_url=evidence_url,
    )


def submit_no_change(
    *, action: Action, reported_on: dt.date, note: str = "", by: User, draft: bool = False
) -> Submission:
    return _create(
        by=by,
        country_id=action.plan.country_id,
        draft=draft,
        kind=Kind.NO_CHANGE,
        action=action,
        base_version=action.version,
        from_status=action.status,
        to_status=action.status,
        reported_on=reported_on,
        note=note.strip() or _("No change since the last report."),
    )


def submit_milestone_done(
    *,
    milestone: Milestone,
    completed_on: dt.date,
    note: str,
    evidence_url: str = "",
    by: User,
    draft: bool = False,
) -> Submission:
    if milestone.completed_on is not None:
        raise ValidationError({"completed_on": _("This milestone is already done.")})
    action = milestone.action
    return _create(
        by=by,
        country_id=action.plan.country_id,
        draft=draft,
        kind=Kind.MILESTONE,
        action=action,
        milestone=milestone,
        base_version=action.version,
        completed_on=completed_on,
        note=note,
        evidence_url=evidence_url,
    )


def submit_kpi_value(
    *,
    kpi: IndicatorTarget,
    year: int,
    value: Decimal,
    note: str,
    action: Action | None = None,
    by: User,
    draft: bool = False,
) -> Submission:
    standing = kpi.values.in_force().filter(year=year).values_list("pk", flat=True).first()
    return _create(
        by=by,
        country_id=kpi.plan.country_id,
        draft=draft,
        kind=Kind.KPI,
        kpi=kpi,
        action=action,
        kpi_year=year,
        value=value,
        seen_value_id=standing or 0,
        note=note,
    )


# --- Steps -----------------------------------------------------------------------------------------


def _step(submission: Submission, event: str, by: User | None, comment: str = "") -> Transition:
    """Move a (locked) submission one legal step and record it; refuse anything else."""
    to_state = next_state(submission.state, event)
    if to_state is None:
        raise IllegalTransition(
            _("A %(state)s submission cannot be %(event)s.")
            % {"state": submission.get_state_display().lower(), "event": Event(event).label}
        )
    from_state = submission.state
    now = timezone.now()
    submission.state = to_state
    if event in (Event.SUBMIT, Event.RESUBMIT):
        submission.submitted_at = now
    if event in (Event.APPROVE, Event.RETURN):
        submission.decided_at = now
    submission.save()
    return Transition.objects.create(
        submission=submission,
        event=event,
        from_state=from_state,
        to_state=to_state,
        by=by,
        at=now,
        comment=comment,
    )


def _locked(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().get(pk=submission.pk)


def _refresh(target: Submission, source: Submission) -> Submission:
    for field in ("state", "submitted_at", "decided_at", "status_update_id"):
        setattr(target, field, getattr(source, field))
    return target


def submit_draft(*, submission: Submission, by: User) -> Submission:
    with transaction.atomic():
        locked = _locked(submission)
        if locked.submitted_by_id != by.pk:
            raise PermissionDenied
        _step(locked, Event.SUBMIT, by)
    return _refresh(submission, locked)


def withdraw_submission(*, submission: Submission, by: User) -> Submission:
    """The submitter takes it back before review."""
    with transaction.atomic():
        locked = _locked(submission)
        if locked.submitted_by_id != by.pk:
            raise PermissionDenied
        _step(locked, Event.WITHDRAW, by)
    return _refresh(submission, locked)


def return_submission(*, submission: Submission, by: User, comment: str) -> Submission:
    """Send it back to the submitter with a comment saying what to change (required)."""
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    if not comment.strip():
        raise ValidationError({"comment": _("Say why it is returned: the submitter reads this.")})
    with transaction.atomic():
        locked = _locked(submission)
        _step(locked, Event.RETURN, by, comment.strip())
    return _refresh(submission, locked)


def resubmit_submission(
    *,
    submission: Submission,
    by: User,
    note: str,
    evidence_url: str = "",
    to_status: str | None = None,
    completed_on: dt.date | None = None,
    value: Decimal | None = None,
) -> Submission:
    """The submitter answers a returned submission: a new note (and value), back to the queue."""
    with transaction.atomic():
        locked = _locked(submission)
        if locked.submitted_by_id != by.pk or not may_submit_for(by, locked.country_id):
            raise PermissionDenied
        locked.note = note
        locked.evidence_url = evidence_url
        if to_status and locked.kind == Kind.STATUS:
            locked.to_status = to_status
        if completed_on and locked.kind == Kind.MILESTONE:
            locked.completed_on = completed_on
        if value is not None and locked.kind == Kind.KPI:
            locked.value = value
        locked.full_clean()
        _step(locked, Event.RESUBMIT, by)
    submission.note, submission.evidence_url = locked.note, locked.evidence_url
    return _refresh(submission, locked)


def approve_submission(*, submission: Submission, by: User, comment: str = "") -> Submission:
    """Write the approved change through the write module, or refuse it over a newer change.

    Raises ``Conflict`` (nothing written, the submission stays in the queue) when the action, milestone
    or KPI value changed after the submission was made.
    """
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    with transaction.atomic():
        locked = _locked(submission)
        if next_state(locked.state, Event.APPROVE) is None:
            _step(locked, Event.APPROVE, by)  # raises IllegalTransition
        if locked.kind in (Kind.STATUS, Kind.NO_CHANGE):
            assert locked.action is not None
            note = locked.note
            update = plan_services.record_status_update(
                action=locked.action,
                to_status=locked.to_status,
                reported_on=locked.reported_on or timezone.localdate(),
                note=note,
                evidence_url=locked.evidence_url,
                by=by,
                via=REVIEW_VIA,
                expected_version=locked.base_version,
            )
            locked.status_update = update
        elif locked.kind == Kind.MILESTONE:
            assert locked.milestone is not None and locked.completed_on is not None
            plan_services.complete_milestone(
                milestone=locked.milestone,
                completed_on=locked.completed_on,
                by=by,
                via=REVIEW_VIA,
                expected_completed_on=None,
            )
        else:
            assert locked.kpi is not None and locked.value is not None
            assert locked.kpi_year is not None
            plan_services.record_kpi_value(
                kpi=locked.kpi,
                year=locked.kpi_year,
                value=locked.value,
                note=locked.note,
                by=by,
                via=REVIEW_VIA,
                correction=bool(locked.seen_value_id),
                seen=locked.seen_value_id,
            )
        _step(locked, Event.APPROVE, by, comment.strip())
    return _refresh(submission, locked)


def describe_conflict(conflict: Exception) -> str:
    """The newer change that made an approval stale, in a sentence for the reviewer."""
    newer = getattr(conflict, "newer", None) or getattr(conflict, "current", None)
    if newer is None:
        return _("It changed after this submission was made.")
    when = formats.date_format(
        timezone.localtime(getattr(newer, "recorded_at", timezone.now())), "j M Y, H:i"
    )
    author = getattr(newer, "author", None)
    who = (author.get_full_name() or author.username) if author else _("Someone")
    if hasattr(newer, "to_status"):
        return _(
            "%(who)s recorded an update at %(when)s: %(status)s, reported for %(day)s: “%(note)s”"
        ) % {
            "who": who,
            "when": when,
            "status": newer.get_to_status_display(),
            "day": formats.date_format(newer.reported_on, "j M Y"),
            "note": Truncator(newer.note).chars(300),
        }
    if hasattr(newer, "superseded_at"):
        return _("%(who)s entered %(value)s for %(year)s at %(when)s.") % {
            "who": who,
            "value": f"{newer.value.normalize():f}",
            "year": newer.year,
            "when": when,
        }
    if getattr(newer, "completed_on", None):
        return _("The milestone was marked done on %(day)s.") % {
            "day": formats.date_format(newer.completed_on, "j M Y")
        }
    return _("It changed after this submission was made.")


# --- Cycles ----------------------------------------------------------------------------------------


def open_cycle(
    *, name: str, opens_on: dt.date, due_on: dt.date, kpi_year: int, by: User
) -> ReportingCycle:
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    with transaction.atomic():
        # One open cycle at a time: lock the open ones so two openings cannot race past the check.
        if ReportingCycle.objects.open().select_for_update().exists():
            raise ValidationError(_("Another reporting cycle is still open: close it first."))
        cycle = ReportingCycle(
            name=name, opens_on=opens_on, due_on=due_on, kpi_year=kpi_year, opened_by=by
        )
        cycle.full_clean()
        cycle.save()
    return cycle


def close_cycle(*, cycle: ReportingCycle, by: User) -> ReportingCycle:
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    with transaction.atomic():
        locked = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.closed_at is not None:
            raise ValidationError(_("This cycle is already closed."))
        locked.closed_at = timezone.now()
        locked.closed_by = by
        locked.is_open = False
        locked.save(update_fields=["closed_at", "closed_by", "is_open"])
    return locked
