"""Write a previewed change set through the write module (plans/services.py): all of it, or nothing.

``apply_changes`` takes the plain ``ChangeSet`` that ``diff.compare`` made. New rows go in with the
module's bulk helper (a fixed number of queries however many rows); changed rows go through the
per-object functions, which validate, lock and record history. Everything runs in one transaction, which
first locks the data version and refuses to go on if it moved since the preview.

Another function may take the same change set and make submissions for review instead of writes (the
reporting branch, for national focal points): nothing here is needed to read it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plans import services
from plans.models import (
    Action,
    ActionPlan,
    DataVersion,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
)
from plans.workbooks import diff
from roadmap.models import Goal, Indicator, Target


class Stale(Exception):
    """The data changed after the preview: nothing was written; preview the file again."""


def lock_version(expected_version: int | None) -> None:
    """Inside the write's transaction: hold the data version until it commits, and refuse (Stale)
    if it is no longer the one the preview was made at. ``None``: no preview to compare with."""
    if expected_version is not None:
        locked = DataVersion.objects.select_for_update().filter(pk=1).first()
        if (locked.number if locked else 0) != expected_version:
            raise Stale


class ApplyFailed(Exception):
    """A write was refused (validation or a conflict); the transaction was rolled back."""


def apply_changes(
    changes: diff.ChangeSet, *, by: User | None, via: str, expected_version: int | None = None
) -> Counter[str]:
    """Write every change, or none. Returns how many changes of each kind were written."""
    if changes.problems:
        raise ApplyFailed(_("The file has errors; nothing was written."))
    try:
        with transaction.atomic():
            lock_version(expected_version)
            return _write(changes, services, by=by, via=via)
    except Stale:
        raise
    except ValidationError as error:
        raise ApplyFailed(_describe(error)) from error
    except services.Conflict as error:
        raise ApplyFailed(str(error)) from error
    except (
        DatabaseError
    ) as error:  # a rule the preview did not know of: refused, not a server error
        raise ApplyFailed(
            _("the database refused a value of the file (%(kind)s).")
            % {"kind": type(error).__name__}
        ) from error


def _describe(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


def _new(change: diff.Change) -> dict[str, Any]:
    return {name: new for name, (_old, new) in change.fields.items()}


def _resolve(values: dict[str, Any], goals: dict[int, Goal], targets: dict[str, Target]) -> None:
    """Codes to the objects the models hold (in place)."""
    if "goal" in values:
        values["goal"] = goals[values["goal"]]
    if "target" in values:
        values["target"] = targets[values["target"]] if values["target"] else None


C = TypeVar("C", bound=diff.Change)


def _of(changes: diff.ChangeSet, kind: type[C]) -> list[C]:
    return [c for c in changes.changes if isinstance(c, kind)]


def _write(changes: diff.ChangeSet, s: Any, *, by: User | None, via: str) -> Counter[str]:
    done: Counter[str] = Counter()
    goals = {g.number: g for g in Goal.objects.all()}
    targets = {t.code: t for t in Target.objects.all()}
    indicators = {i.code: i for i in Indicator.objects.all()}

    plan: ActionPlan | None = None
    if _of(changes, diff.PlanCreate):
        fields = _new(_of(changes, diff.PlanCreate)[0])
        plan = s.create_plan(by=by, via=via, country_id=changes.country_id, **fields)
        done["plan"] += 1
    elif changes.plan_id is not None:
        plan = ActionPlan.objects.get(pk=changes.plan_id)
    for plan_update in _of(changes, diff.PlanUpdate):
        assert plan is not None
        s.update_plan(plan=plan, changes=_new(plan_update), by=by, via=via)
        done["plan"] += 1
    if plan is None:
        return done

    new_actions = []
    first_notes: dict[str, str] = {}  # a new action's Status note: its first status update
    for action_create in _of(changes, diff.ActionCreate):
        values = _new(action_create)
        if note := values.pop("status_note", None):
            first_notes[action_create.key] = note
        _resolve(values, goals, targets)
        new_actions.append(Action(plan=plan, code=action_create.key, **values))
    if new_actions:
        s.bulk_create(Action, new_actions, by=by, via=via)
        done["actions"] += len(new_actions)
    for action in Action.objects.filter(plan=plan, code__in=first_notes):
        s.record_status_update(
            action=action,
            to_status=action.status,
            reported_on=timezone.localdate(),
            note=first_notes[action.code],
            by=by,
            via=via,
        )
        done["status updates"] += 1

    updates = _of(changes, diff.ActionUpdate)
    statuses = _of(changes, diff.StatusChange)
    actions = Action.objects.in_bulk([c.action_id for c in updates + statuses])
    for action_update in updates:
        values = _new(action_update)
        _resolve(values, goals, targets)
        s.update_action(action=actions[action_update.action_id], changes=values, by=by, via=via)
        done["actions"] += 1
    for status in statuses:
        action = Action.objects.get(pk=status.action_id) if updates else actions[status.action_id]
        s.record_status_update(
            action=action,
            to_status=status.to_status,
            reported_on=status.reported_on or timezone.localdate(),
            note=status.note,
            by=by,
            via=via,
            expected_version=status.version,
        )
        done["status updates"] += 1

    codes = dict(Action.objects.filter(plan=plan).values_list("code", "pk"))
    new_milestones = [
        Milestone(action_id=codes[milestone_create.action_code], **_new(milestone_create))
        for milestone_create in _of(changes, diff.MilestoneCreate)
    ]
    if new_milestones:
        s.bulk_create(Milestone, new_milestones, by=by, via=via)
        done["milestones"] += len(new_milestones)
    milestones = Milestone.objects.in_bulk(
        [
            c.milestone_id
            for c in _of(changes, diff.MilestoneUpdate) + _of(changes, diff.MilestoneDone)
        ]
    )
    for milestone_update in _of(changes, diff.MilestoneUpdate):
        s.update_milestone(
            milestone=milestones[milestone_update.milestone_id],
            changes=_new(milestone_update),
            by=by,
            via=via,
        )
        done["milestones"] += 1
    for milestone_done in _of(changes, diff.MilestoneDone):
        s.complete_milestone(
            milestone=Milestone.objects.get(pk=milestone_done.milestone_id),
            completed_on=milestone_done.completed_on,
            by=by,
            via=via,
            expected_completed_on=milestone_done.was,
        )
        done["milestones"] += 1

    new_kpis = [
        IndicatorTarget(plan=plan, indicator=indicators[kpi_create.indicator], **_new(kpi_create))
        for kpi_create in _of(changes, diff.KpiCreate)
    ]
    if new_kpis:
        s.bulk_create(IndicatorTarget, new_kpis, by=by, via=via)
        done["KPIs"] += len(new_kpis)
    kpis = IndicatorTarget.objects.in_bulk([c.kpi_id for c in _of(changes, diff.KpiUpdate)])
    for kpi_update in _of(changes, diff.KpiUpdate):
        s.update_kpi(kpi=kpis[kpi_update.kpi_id], changes=_new(kpi_update), by=by, via=via)
        done["KPIs"] += 1

    by_code = {
        code: kpi
        for code, kpi in (
            (k.indicator.code, k)
            for k in IndicatorTarget.objects.filter(plan=plan).select_related("indicator")
        )
    }
    now = timezone.now()
    new_values = [
        IndicatorValue(
            indicator_target=by_code[c.indicator],
            year=c.year,
            value=c.value,
            note=c.note,
            author=by,
            recorded_at=now,
        )
        for c in _of(changes, diff.KpiValue)
        if not c.correction
    ]
    if new_values:
        s.bulk_create(IndicatorValue, new_values, by=by, via=via)
        done["KPI values"] += len(new_values)
    for kpi_value in _of(changes, diff.KpiValue):
        if kpi_value.correction:
            s.record_kpi_value(
                kpi=by_code[kpi_value.indicator],
                year=kpi_value.year,
                value=kpi_value.value,
                note=kpi_value.note,
                by=by,
                via=via,
                correction=True,
            )
            done["KPI values"] += 1
    return done
