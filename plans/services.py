"""The one door for every write to plan and reference data.

Each function validates (``full_clean`` plus the rules that span rows), locks what it changes
(``select_for_update``), writes, records the change in the history (django-simple-history: who in
``history_user``, the channel in ``history_change_reason``) and bumps the data version, inside one
``transaction.atomic()``. Views, the admin, imports, restores, the demonstration and the test builders
call these; nothing else saves, updates or deletes plan or reference rows (tests/test_one_door.py).

``via`` names the channel the change came through: "site", "admin", "import of plan-jam.xlsx",
"restore", "demonstration", "review".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from plans.models import (
    Action,
    ActionPlan,
    DataVersion,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)
from roadmap.models import Country, Goal, Indicator, Target

M = TypeVar("M", bound=models.Model)
User = AbstractBaseUser

# The history's change reason is a CharField of 100.
VIA_LENGTH = 100

# Sentinel: "do not compare with what the form was loaded from".
UNCHECKED: Any = object()

# Models whose rows carry a change history, and whose writes go through this module.
HISTORY_MODELS: tuple[type[models.Model], ...] = (
    Country,
    Goal,
    Target,
    Indicator,
    ActionPlan,
    Action,
    Milestone,
    IndicatorTarget,
    IndicatorValue,
)
# The one-door rule covers these too (StatusUpdate is the append-only status history itself).
WRITTEN_HERE: tuple[type[models.Model], ...] = (*HISTORY_MODELS, StatusUpdate)


class Conflict(Exception):
    """Someone else changed the row after the form was loaded; nothing was written.

    ``current`` is the row as it is now (locked and re-read), ``newer`` the change that came first when
    there is one (the latest status update, the value standing for the year), for the message.
    """

    def __init__(self, message: str, *, current: Any = None, newer: Any = None):
        super().__init__(message)
        self.message = message
        self.current = current
        self.newer = newer


class ValueStands(ValidationError):
    """A KPI already has a value for that year: only a correction may replace it."""

    def __init__(self, message: str, *, standing: IndicatorValue):
        super().__init__({"correction": message}, code="value_stands")
        self.standing = standing


# --- The mechanics every write shares -------------------------------------------------------------


def _via(via: str) -> str:
    return via[:VIA_LENGTH]


def _user(by: Any) -> Any:
    """The account for the history, or None (a command, a restore without a user)."""
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _save(obj: M, *, by: Any, via: str, **kwargs: Any) -> M:
    obj._history_user = _user(by)  # type: ignore[attr-defined]
    obj._change_reason = _via(via)  # type: ignore[attr-defined]
    obj.save(**kwargs)
    return obj


def _validate(obj: models.Model, *, exclude: Iterable[str] | None = None) -> None:
    obj.full_clean(exclude=list(exclude) if exclude else None)


def _lock(obj: M) -> M:
    """The row again, locked until the transaction ends."""
    model = type(obj)
    return model._default_manager.select_for_update().get(pk=obj.pk)


def bump() -> None:
    DataVersion.bump()


def _day(date: dt.date) -> str:
    return formats.date_format(date, "SHORT_DATE_FORMAT")


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _who(user: Any) -> str:
    if user is None:
        return _("Someone")
    return user.get_full_name() or user.get_username()


# --- Generic create, update, delete (the admin and the reference data use these) ------------------


def create(obj: M, *, by: Any, via: str) -> M:
    """Validate and save a new row built elsewhere (an admin form, an import)."""
    if obj.pk is not None and not obj._state.adding:
        raise ValueError(f"{obj!r} is already saved: use update().")
    with transaction.atomic():
        _validate(obj)
        _save(obj, by=by, via=via)
        bump()
    return obj


def update(obj: M, *, changes: dict[str, Any], by: Any, via: str) -> M:
    """Apply ``changes`` (field name -> new value) to a saved row under a lock.

    ``obj`` is updated in place as well, so a caller holding it (an admin form) sees the saved state.
    """
    refused = set(changes) & _READ_ONLY.get(type(obj), set())
    if refused:
        raise ValidationError(
            {
                name: _("This field changes only through its own form (%(how)s).")
                % {"how": _READ_ONLY_HOW.get(type(obj), "")}
                for name in refused
            }
        )
    with transaction.atomic():
        locked = _lock(obj)
        for name, value in changes.items():
            setattr(locked, name, value)
        _validate(locked)
        if changes:
            _save(locked, by=by, via=via)
            bump()
        for f in locked._meta.concrete_fields:
            setattr(obj, f.attname, getattr(locked, f.attname))
    return obj


def save(obj: M, *, by: Any, via: str) -> M:
    """Create or update a row whose fields were set by a form or a file (admin, import, restore).

    A row whose fields all equal the stored ones is left alone: no write, no history entry.
    """
    if obj.pk is None or obj._state.adding:
        return create(obj, by=by, via=via)
    with transaction.atomic():
        locked = _lock(obj)
        fields = [f.attname for f in obj._meta.concrete_fields]
        if all(getattr(locked, name) == getattr(obj, name) for name in fields):
            return obj
        _validate(obj)
        _save(obj, by=by, via=via)
        bump()
    return obj


# The fields that change only through their own write function, so that their history is complete.
_READ_ONLY: dict[type[models.Model], set[str]] = {
    Action: {"status", "status_changed_on", "version"},
    IndicatorValue: {"indicator_target", "indicator_target_id", "year", "value", "author"},
}
_READ_ONLY_HOW = {
    Action: "a status update",
    IndicatorValue: "a correction",
}


def deletion_refused(obj: models.Model) -> str | None:
    """Why this row may not be deleted (it has history), or None.

    A row may be deleted only while nothing has been recorded about it beyond its creation: no later
    change in its history and nothing recorded under it. Otherwise deleting would lose history.
    """
    if isinstance(obj, IndicatorValue):
        return _("A KPI value is never deleted: enter a correction; the earlier value is kept.")
    if isinstance(obj, StatusUpdate):
        return _("The status history is append-only: an update cannot be deleted.")
    changed = _changed_since_created(obj)
    if isinstance(obj, Action):
        if changed or obj.updates.exists() or _any_changed(Milestone, action=obj):
            return _(
                "Action %(code)s has a history, so it cannot be deleted. If it no longer applies, "
                "record a status update marking it “Not applicable”."
            ) % {"code": obj.code}
    elif isinstance(obj, ActionPlan):
        if changed or obj.actions.exists() or obj.kpis.exists():
            return _(
                "“%(plan)s” has actions, KPIs or a history, so it cannot be deleted. To replace it, "
                "untick “current plan” and add the new plan."
            ) % {"plan": obj}
    elif isinstance(obj, Milestone):
        if changed or obj.completed_on is not None:
            return _(
                "Milestone “%(title)s” has a history, so it cannot be deleted. If it no longer "
                "applies, say so in a status update of its action."
            ) % {"title": obj.title}
    elif isinstance(obj, IndicatorTarget):
        if changed or obj.values.exists():
            return _(
                "KPI %(kpi)s has values or a history, so it cannot be deleted. Correct its values "
                "instead; the plan keeps its record."
            ) % {"kpi": obj}
    elif changed:
        return _("“%(obj)s” has a history, so it cannot be deleted.") % {"obj": obj}
    return None


def _changed_since_created(obj: models.Model) -> bool:
    history = getattr(type(obj), "history", None)
    if history is None:
        return False
    return bool(history.filter(**{obj._meta.pk.attname: obj.pk}).exclude(history_type="+").exists())  # type: ignore[union-attr]


def _any_changed(model: type[models.Model], **filters: Any) -> bool:
    rows = model._default_manager.filter(**filters)
    if model is Milestone and rows.filter(completed_on__isnull=False).exists():
        return True
    history: Any = model.history  # type: ignore[attr-defined]
    return bool(history.filter(id__in=rows.values("pk")).exclude(history_type="+").exists())


def delete(obj: models.Model, *, by: Any, via: str) -> None:
    """Delete a row that has no history yet (a mistake caught at once); refuse otherwise."""
    with transaction.atomic():
        locked = _lock(obj)
        reason = deletion_refused(locked)
        if reason:
            raise ValidationError(reason, code="has_history")
        locked._history_user = _user(by)  # type: ignore[attr-defined]
        locked._change_reason = _via(via)  # type: ignore[attr-defined]
        locked.delete()
        bump()


# --- Status updates -------------------------------------------------------------------------------


def record_status_update(
    *,
    action: Action,
    to_status: str,
    reported_on: dt.date,
    note: str,
    evidence_url: str = "",
    by: Any,
    via: str = "site",
    expected_version: int | None = None,
    recorded_at: dt.datetime | None = None,
) -> StatusUpdate:
    """A new status (or the same again: a progress note) in the action's append-only history."""
    with transaction.atomic():
        locked = Action.objects.select_for_update().select_related("plan").get(pk=action.pk)
        if expected_version is not None and locked.version != expected_version:
            newer = locked.updates.select_related("author").order_by("-recorded_at", "-pk").first()
            message = (
                _("%(who)s changed it at %(when)s to %(status)s.")
                % {
                    "who": _who(newer.author),
                    "when": _when(newer.recorded_at),
                    "status": newer.get_to_status_display(),
                }
                if newer is not None
                else _("Someone else updated this action after the form was loaded.")
            )
            raise Conflict(message, current=locked, newer=newer)
        update = StatusUpdate(
            action=locked,
            from_status=locked.status,
            to_status=to_status,
            reported_on=reported_on,
            note=note,
            evidence_url=evidence_url,
            author=_user(by),
            recorded_at=recorded_at or timezone.now(),
        )
        _validate(update)
        errors: dict[str, str] = {}
        baseline = locked.plan.baseline_assessed_on
        if baseline and reported_on < baseline:
            errors["reported_on"] = _(
                "The date cannot be before the plan's baseline assessment on %(day)s."
            ) % {"day": _day(baseline)}
        elif locked.status_changed_on and reported_on < locked.status_changed_on:
            errors["reported_on"] = _(
                "The date cannot be before the last status update, reported for %(day)s."
            ) % {"day": _day(locked.status_changed_on)}
        if errors:
            raise ValidationError(errors)
        update.save()
        locked.status = to_status
        locked.status_changed_on = reported_on
        locked.version += 1
        _save(locked, by=by, via=via, update_fields=["status", "status_changed_on", "version"])
        bump()
    action.status, action.status_changed_on, action.version = (
        locked.status,
        locked.status_changed_on,
        locked.version,
    )
    return update


# --- Milestones -----------------------------------------------------------------------------------


def complete_milestone(
    *,
    milestone: Milestone,
    completed_on: dt.date,
    by: Any,
    via: str = "site",
    expected_completed_on: Any = UNCHECKED,
) -> Milestone:
    """Mark a milestone done; who and when are in its history."""
    return _set_completed(milestone, completed_on, by, via, expected_completed_on)


def reopen_milestone(
    *, milestone: Milestone, by: Any, via: str = "site", expected_completed_on: Any = UNCHECKED
) -> Milestone:
    """Reopen a milestone; the earlier completion stays in its history."""
    return _set_completed(milestone, None, by, via, expected_completed_on)


def _set_completed(
    milestone: Milestone, completed_on: dt.date | None, by: Any, via: str, expected: Any
) -> Milestone:
    with transaction.atomic():
        locked = _lock(milestone)
        if expected is not UNCHECKED and locked.completed_on != expected:
            latest: Any = locked.history.select_related("history_user").first()  # type: ignore[attr-defined]
            state = (
                _("done on %(day)s") % {"day": _day(locked.completed_on)}
                if locked.completed_on
                else _("open")
            )
            message = (
                _("%(who)s changed it at %(when)s to %(state)s.")
                % {
                    "who": _who(latest.history_user),
                    "when": _when(latest.history_date),
                    "state": state,
                }
                if latest is not None
                else _("Someone else changed this milestone after the form was loaded.")
            )
            raise Conflict(message, current=locked, newer=latest)
        if completed_on is not None and completed_on > timezone.localdate():
            raise ValidationError({"completed_on": _("The date cannot be in the future.")})
        locked.completed_on = completed_on
        _validate(locked)
        _save(locked, by=by, via=via, update_fields=["completed_on"])
        bump()
    milestone.completed_on = locked.completed_on
    return locked


# --- National KPI values --------------------------------------------------------------------------


def record_kpi_value(
    *,
    kpi: IndicatorTarget,
    year: int,
    value: Decimal | int | float,
    note: str = "",
    by: Any,
    via: str = "site",
    correction: bool = False,
    seen: int | None = None,
    recorded_at: dt.datetime | None = None,
) -> IndicatorValue:
    """Enter a KPI's value for a year, or correct the one standing: the old value is kept, superseded.

    ``seen`` is the newest value id the form was loaded with: a standing value newer than that was
    entered by someone else meanwhile, and raises Conflict instead of being superseded.
    """
    with transaction.atomic():
        # Entries and corrections of one KPI are made one at a time.
        locked = (
            IndicatorTarget.objects.select_for_update().select_related("indicator").get(pk=kpi.pk)
        )
        standing = (
            IndicatorValue.objects.in_force()
            .filter(indicator_target=locked, year=year)
            .select_related("author")
            .first()
        )
        if standing is not None and seen is not None and standing.pk > seen:
            raise Conflict(
                _("%(who)s changed it at %(when)s to %(value)s.")
                % {
                    "who": _who(standing.author),
                    "when": _when(standing.recorded_at),
                    "value": _number(standing.value),
                },
                current=locked,
                newer=standing,
            )
        if standing is not None and not correction:
            raise ValueStands(
                _("%(year)s already has a value, %(value)s.")
                % {"year": year, "value": _number(standing.value)},
                standing=standing,
            )
        now = recorded_at or timezone.now()
        new = IndicatorValue(
            indicator_target=locked,
            year=year,
            value=Decimal(str(value)),
            note=note,
            author=_user(by),
            recorded_at=now,
        )
        _validate(new, exclude=["indicator_target"] if standing is not None else None)
        _check_kpi_value(locked, new)
        if standing is not None:
            standing.superseded_at = now
            _save(standing, by=by, via=via, update_fields=["superseded_at"])
        _save(new, by=by, via=via)
        bump()
    return new


def _check_kpi_value(kpi: IndicatorTarget, value: IndicatorValue) -> None:
    check_kpi_value(kpi=kpi, year=value.year, value=value.value)


def check_kpi_value(*, kpi: IndicatorTarget, year: int, value: Decimal) -> None:
    """The rules a KPI value keeps whoever enters it: from the baseline year on, within its unit."""
    errors: dict[str, str] = {}
    if year < kpi.baseline_year:
        errors["year"] = _("The year cannot be before the baseline year %(year)s.") % {
            "year": kpi.baseline_year
        }
    unit = kpi.indicator.unit
    if unit == Indicator.Unit.YES_NO and value not in (0, 1):
        errors["value"] = _("A yes/no KPI takes 1 for yes or 0 for no.")
    elif unit == Indicator.Unit.PERCENT and not 0 <= value <= 100:
        errors["value"] = _("A percentage must be between 0 and 100.")
    elif unit == Indicator.Unit.COUNT and value < 0:
        errors["value"] = _("A count cannot be negative.")
    if errors:
        raise ValidationError(errors)


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


# --- Plans, actions, milestones, KPIs and the reference data --------------------------------------


def create_plan(*, by: Any, via: str, **fields: Any) -> ActionPlan:
    return create(ActionPlan(**fields), by=by, via=via)


def update_plan(*, plan: ActionPlan, changes: dict[str, Any], by: Any, via: str) -> ActionPlan:
    return update(plan, changes=changes, by=by, via=via)


def create_action(*, by: Any, via: str, **fields: Any) -> Action:
    return create(Action(**fields), by=by, via=via)


def update_action(*, action: Action, changes: dict[str, Any], by: Any, via: str) -> Action:
    return update(action, changes=changes, by=by, via=via)


def create_milestone(*, by: Any, via: str, **fields: Any) -> Milestone:
    return create(Milestone(**fields), by=by, via=via)


def update_milestone(
    *, milestone: Milestone, changes: dict[str, Any], by: Any, via: str
) -> Milestone:
    return update(milestone, changes=changes, by=by, via=via)


def create_kpi(*, by: Any, via: str, **fields: Any) -> IndicatorTarget:
    return create(IndicatorTarget(**fields), by=by, via=via)


def update_kpi(
    *, kpi: IndicatorTarget, changes: dict[str, Any], by: Any, via: str
) -> IndicatorTarget:
    return update(kpi, changes=changes, by=by, via=via)


def create_country(*, by: Any, via: str, **fields: Any) -> Country:
    return create(Country(**fields), by=by, via=via)


def update_country(*, country: Country, changes: dict[str, Any], by: Any, via: str) -> Country:
    return update(country, changes=changes, by=by, via=via)


def create_goal(*, by: Any, via: str, **fields: Any) -> Goal:
    return create(Goal(**fields), by=by, via=via)


def update_goal(*, goal: Goal, changes: dict[str, Any], by: Any, via: str) -> Goal:
    return update(goal, changes=changes, by=by, via=via)


def create_target(*, by: Any, via: str, **fields: Any) -> Target:
    return create(Target(**fields), by=by, via=via)


def update_target(*, target: Target, changes: dict[str, Any], by: Any, via: str) -> Target:
    return update(target, changes=changes, by=by, via=via)


def create_indicator(*, by: Any, via: str, **fields: Any) -> Indicator:
    return create(Indicator(**fields), by=by, via=via)


def update_indicator(
    *, indicator: Indicator, changes: dict[str, Any], by: Any, via: str
) -> Indicator:
    return update(indicator, changes=changes, by=by, via=via)


# --- Bulk paths: restores, imports, the demonstration ---------------------------------------------


def bulk_create(
    model: type[M],
    objs: Sequence[M],
    *,
    by: Any,
    via: str,
    batch_size: int = 1000,
    history_date: dt.datetime | None = None,
) -> list[M]:
    """Insert many rows and their creation history in bulk (no per-row signals), then bump.

    The rows are trusted: the caller has checked them (a restore checks every row first, the
    demonstration builds valid rows). Models without a history (StatusUpdate) are inserted plainly.
    """
    with transaction.atomic():
        if model in HISTORY_MODELS:
            saved = bulk_create_with_history(
                list(objs),
                model,
                batch_size=batch_size,
                default_user=_user(by),
                default_change_reason=_via(via),
                default_date=history_date,
            )
        elif model is StatusUpdate:
            saved = model._default_manager.bulk_create(list(objs), batch_size=batch_size)
        else:
            raise ValueError(f"{model.__name__} is not plan or reference data.")
        bump()
    return list(saved)


def delete_plans(plans: models.QuerySet[ActionPlan], *, by: Any, via: str) -> int:
    """Remove whole plans with everything under them: only a restore (--replace) and the
    demonstration's reload do this. The deletions are recorded in the history, in bulk."""
    with transaction.atomic():
        plan_ids = list(plans.select_for_update().values_list("pk", flat=True))
        if not plan_ids:
            return 0
        doomed: list[tuple[type[models.Model], models.QuerySet[Any]]] = [
            (IndicatorValue, IndicatorValue.objects.filter(indicator_target__plan__in=plan_ids)),
            (IndicatorTarget, IndicatorTarget.objects.filter(plan__in=plan_ids)),
            (Milestone, Milestone.objects.filter(action__plan__in=plan_ids)),
            (StatusUpdate, StatusUpdate.objects.filter(action__plan__in=plan_ids)),
            (Action, Action.objects.filter(plan__in=plan_ids)),
            (ActionPlan, ActionPlan.objects.filter(pk__in=plan_ids)),
        ]
        now = timezone.now()
        user, reason = _user(by), _via(via)
        for model, rows in doomed:
            history: Any = getattr(model, "history", None)
            if history is not None:
                tracked = [f.attname for f in history.model.tracked_fields]
                history.model.objects.bulk_create(
                    [
                        history.model(
                            history_date=now,
                            history_user=user,
                            history_change_reason=reason,
                            history_type="-",
                            **values,
                        )
                        for values in rows.values(*tracked).iterator(chunk_size=2000)
                    ],
                    batch_size=1000,
                )
            # The deletions are recorded above: delete without Django's per-row signals.
            rows._raw_delete(rows.db)  # type: ignore[attr-defined]
        bump()
    return len(plan_ids)


# --- Accounts: their names appear in cached figures ------------------------------------------------


def save_user(user: Any, *, by: Any, via: str) -> Any:
    """Save an account (a rename in the admin) and move the data version: the dashboard's cached
    "latest updates" name their authors."""
    with transaction.atomic():
        user.save()
        bump()
    return user


def delete_user(user: Any, *, by: Any, via: str) -> None:
    """Delete an account; the history keeps its entries, without a name."""
    with transaction.atomic():
        user.delete()
        bump()


# ==================================================================================================
# The national reporting cycle: focal points' submissions and IMPACS's review (DESIGN.md "The national
# reporting cycle"). Pending data lives only in the reporting app's tables; approval writes the change
# through the functions above with via="review", refused (Conflict) when the row changed after the
# submission. Legal steps are reporting.models.TRANSITIONS; each step is recorded (who, when, comment).
# ==================================================================================================

from django.contrib.auth.models import User as AuthUser  # noqa: E402
from django.core.exceptions import PermissionDenied  # noqa: E402
from django.utils.text import Truncator  # noqa: E402

from plans import visibility  # noqa: E402
from reporting.models import (  # noqa: E402
    Event,
    Kind,
    ReportingCycle,
    State,
    Submission,
    Transition,
    next_state,
)

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


# --- Reporting: submitting ------------------------------------------------------------------------------------


def _create_submission(
    *, by: AuthUser, country_id: int, draft: bool, source: str = "", **fields: Any
) -> Submission:
    """``source`` says where a submission came from ("import of plan-jam.xlsx"): the comment of its
    submit step, shown on the submission's page."""
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
            _submission_step(submission, Event.SUBMIT, by, source)
    return submission


def submit_status_change(
    *,
    action: Action,
    to_status: str,
    reported_on: dt.date,
    note: str,
    evidence_url: str = "",
    by: AuthUser,
    draft: bool = False,
    source: str = "",
) -> Submission:
    if to_status == action.status:
        raise ValidationError(
            {"to_status": _("The action is already at this status: report “no change” instead.")}
        )
    return _create_submission(
        by=by,
        country_id=action.plan.country_id,
        draft=draft,
        source=source,
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
    *,
    action: Action,
    reported_on: dt.date,
    note: str = "",
    by: AuthUser,
    draft: bool = False,
    source: str = "",
) -> Submission:
    return _create_submission(
        by=by,
        country_id=action.plan.country_id,
        draft=draft,
        source=source,
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
    by: AuthUser,
    draft: bool = False,
    source: str = "",
) -> Submission:
    if milestone.completed_on is not None:
        raise ValidationError({"completed_on": _("This milestone is already done.")})
    action = milestone.action
    return _create_submission(
        by=by,
        country_id=action.plan.country_id,
        draft=draft,
        source=source,
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
    by: AuthUser,
    draft: bool = False,
    source: str = "",
) -> Submission:
    standing = kpi.values.in_force().filter(year=year).values_list("pk", flat=True).first()
    return _create_submission(
        by=by,
        country_id=kpi.plan.country_id,
        draft=draft,
        source=source,
        kind=Kind.KPI,
        kpi=kpi,
        action=action,
        kpi_year=year,
        value=value,
        seen_value_id=standing or 0,
        note=note,
    )


# --- Reporting: review steps -----------------------------------------------------------------------------------------


def _submission_step(
    submission: Submission, event: str, by: AuthUser | None, comment: str = ""
) -> Transition:
    """Move a (locked) submission one legal step and record it; refuse anything else."""
    to_state = next_state(submission.state, event)
    if to_state is None:
        refusals = {
            Event.SUBMIT: _("This submission is %(state)s: it cannot be submitted."),
            Event.APPROVE: _("This submission is %(state)s: it cannot be approved."),
            Event.RETURN: _("This submission is %(state)s: it cannot be returned."),
            Event.RESUBMIT: _("This submission is %(state)s: it cannot be resubmitted."),
            Event.WITHDRAW: _("This submission is %(state)s: it cannot be withdrawn."),
        }
        raise IllegalTransition(
            refusals[Event(event)] % {"state": submission.get_state_display().lower()}
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


def _locked_submission(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().get(pk=submission.pk)


def _refresh_submission(target: Submission, source: Submission) -> Submission:
    for field in ("state", "submitted_at", "decided_at", "status_update_id"):
        setattr(target, field, getattr(source, field))
    return target


def submit_draft(*, submission: Submission, by: AuthUser) -> Submission:
    with transaction.atomic():
        locked = _locked_submission(submission)
        if locked.submitted_by_id != by.pk:
            raise PermissionDenied
        _submission_step(locked, Event.SUBMIT, by)
    return _refresh_submission(submission, locked)


def withdraw_submission(*, submission: Submission, by: AuthUser) -> Submission:
    """The submitter takes it back before review."""
    with transaction.atomic():
        locked = _locked_submission(submission)
        if locked.submitted_by_id != by.pk:
            raise PermissionDenied
        _submission_step(locked, Event.WITHDRAW, by)
    return _refresh_submission(submission, locked)


def return_submission(*, submission: Submission, by: AuthUser, comment: str) -> Submission:
    """Send it back to the submitter with a comment saying what to change (required)."""
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    if not comment.strip():
        raise ValidationError({"comment": _("Say why it is returned: the submitter reads this.")})
    with transaction.atomic():
        locked = _locked_submission(submission)
        _submission_step(locked, Event.RETURN, by, comment.strip())
    return _refresh_submission(submission, locked)


def resubmit_submission(
    *,
    submission: Submission,
    by: AuthUser,
    note: str,
    evidence_url: str = "",
    to_status: str | None = None,
    completed_on: dt.date | None = None,
    value: Decimal | None = None,
) -> Submission:
    """The submitter answers a returned submission: a new note (and value), back to the queue."""
    with transaction.atomic():
        locked = _locked_submission(submission)
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
        _submission_step(locked, Event.RESUBMIT, by)
    submission.note, submission.evidence_url = locked.note, locked.evidence_url
    return _refresh_submission(submission, locked)


def approve_submission(*, submission: Submission, by: AuthUser, comment: str = "") -> Submission:
    """Write the approved change through the write module, or refuse it over a newer change.

    Raises ``Conflict`` (nothing written, the submission stays in the queue) when the action, milestone
    or KPI value changed after the submission was made.
    """
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    with transaction.atomic():
        locked = _locked_submission(submission)
        if next_state(locked.state, Event.APPROVE) is None:
            _submission_step(locked, Event.APPROVE, by)  # raises IllegalTransition
        if locked.kind in (Kind.STATUS, Kind.NO_CHANGE):
            assert locked.action is not None
            note = locked.note
            update = record_status_update(
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
            complete_milestone(
                milestone=locked.milestone,
                completed_on=locked.completed_on,
                by=by,
                via=REVIEW_VIA,
                expected_completed_on=None,
            )
        else:
            assert locked.kpi is not None and locked.value is not None
            assert locked.kpi_year is not None
            record_kpi_value(
                kpi=locked.kpi,
                year=locked.kpi_year,
                value=locked.value,
                note=locked.note,
                by=by,
                via=REVIEW_VIA,
                correction=bool(locked.seen_value_id),
                seen=locked.seen_value_id,
            )
        _submission_step(locked, Event.APPROVE, by, comment.strip())
    return _refresh_submission(submission, locked)


def describe_conflict(conflict: Exception) -> str:
    """The newer change that made an approval stale, in a sentence for the reviewer."""
    newer = getattr(conflict, "newer", None) or getattr(conflict, "current", None)
    if newer is None:
        return _("It changed after this submission was made.")
    when = formats.date_format(
        timezone.localtime(getattr(newer, "recorded_at", timezone.now())), "SHORT_DATETIME_FORMAT"
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
            "day": formats.date_format(newer.reported_on, "SHORT_DATE_FORMAT"),
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
            "day": formats.date_format(newer.completed_on, "SHORT_DATE_FORMAT")
        }
    return _("It changed after this submission was made.")


# --- Reporting: cycles ----------------------------------------------------------------------------------------


def open_cycle(
    *, name: str, opens_on: dt.date, due_on: dt.date, kpi_year: int, by: AuthUser
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


def close_cycle(*, cycle: ReportingCycle, by: AuthUser) -> ReportingCycle:
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
