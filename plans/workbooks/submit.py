"""A national focal point's import: the previewed change set sent as submissions for review.

A focal point reports; IMPACS staff keep the plan. So of a workbook's changes a focal point's import
sends only what they may report on the site: a changed Status with its Status note (a status change; a
new note under the same status is a "no change" report), a milestone newly done, and a new or changed
KPI value (a correction when the year has one). Anything else (new actions or milestones, titles,
dates, lead agencies, goals and targets, the Plan sheet, KPI baselines and targets) is refused in the
preview with its cell, like any other error of the file, so that what is sent is exactly what the
focal point edited and saw. Nothing is written to the plan: approving a submission does that.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plans import services
from plans.models import Action, IndicatorTarget, Milestone
from plans.workbooks import diff
from plans.workbooks.apply import ApplyFailed, Stale, _describe, _of, lock_version
from plans.workbooks.read import Problem
from reporting.models import Kind

# What a focal point may not change by import, per field: the end of "only IMPACS staff may ...".
ONLY_STAFF = {
    "title": lambda: _("change titles"),
    "lead_agency": lambda: _("change lead agencies"),
    "start_date": lambda: _("change start and due dates"),
    "due_date": lambda: _("change start and due dates"),
    "goal": lambda: _("change goals and targets"),
    "target": lambda: _("change goals and targets"),
    "baseline_status": lambda: _("change baseline statuses"),
}


def _refuse(changes: diff.ChangeSet, change: diff.Change, name: str, what: str) -> None:
    cell = change.cells.get(name) or (f"A{change.row}" if change.row else "")
    changes.problems.append(
        Problem(
            change.sheet,
            cell,
            _(
                "only IMPACS staff may %(what)s; a focal point's import reports a status, a "
                "milestone done or a KPI value."
            )
            % {"what": what},
        )
    )


def refuse_what_staff_do(changes: diff.ChangeSet) -> None:
    """Add a problem, at its cell, for every change a focal point may not send (in place)."""
    kpis = {
        k.pk: k
        for k in IndicatorTarget.objects.filter(plan_id=changes.plan_id).select_related("indicator")
    }
    for change in changes.changes:
        if isinstance(change, diff.PlanCreate | diff.PlanUpdate):
            first = next(iter(change.fields), "title")
            _refuse(changes, change, first, _("change the Plan sheet"))
        elif isinstance(change, diff.ActionCreate):
            _refuse(changes, change, "code", _("add actions"))
        elif isinstance(change, diff.ActionUpdate):
            said: set[str] = set()
            for name in change.fields:
                what = str(ONLY_STAFF.get(name, lambda: _("change actions"))())
                if what not in said:
                    said.add(what)
                    _refuse(changes, change, name, what)
        elif isinstance(change, diff.MilestoneCreate):
            _refuse(changes, change, "title", _("add milestones"))
        elif isinstance(change, diff.MilestoneUpdate):
            _refuse(changes, change, "due_date", _("change due dates"))
        elif isinstance(change, diff.MilestoneDone) and change.was is not None:
            _refuse(changes, change, "completed_on", _("change the date of a milestone done"))
        elif isinstance(change, diff.KpiCreate):
            _refuse(changes, change, "indicator", _("add KPIs"))
        elif isinstance(change, diff.KpiUpdate):
            first = next(iter(change.fields), "baseline_value")
            _refuse(changes, change, first, _("change a KPI's baseline and target"))
        elif isinstance(change, diff.KpiValue) and change.kpi_id in kpis:
            # The rules of the KPI on file (the file's own KPIs sheet may not change them).
            try:
                services.check_kpi_value(
                    kpi=kpis[change.kpi_id], year=change.year, value=change.value
                )
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    changes.problems.append(
                        Problem(change.sheet, change.cells.get(name, ""), " ".join(messages))
                    )


def submit_changes(
    changes: diff.ChangeSet,
    *,
    by: User,
    source: str,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Counter[str]:
    """Send every reportable change as a submission, or none. Returns how many of each kind
    (reporting.models.Kind)."""
    if changes.problems:
        raise ApplyFailed(_("The file has errors; nothing was sent."))
    try:
        with transaction.atomic():
            lock_version(expected_version)
            return _send(changes, by=by, source=source, today=today or timezone.localdate())
    except Stale:
        raise
    except ValidationError as error:
        raise ApplyFailed(_describe(error)) from error


def _send(changes: diff.ChangeSet, *, by: User, source: str, today: dt.date) -> Counter[str]:
    done: Counter[str] = Counter()
    statuses = _of(changes, diff.StatusChange)
    actions = Action.objects.select_related("plan").in_bulk([c.action_id for c in statuses])
    for status in statuses:
        action = actions[status.action_id]
        if action.version != status.version:
            raise Stale  # the action moved after the preview, under another data version
        if status.to_status == action.status:  # a new note, the same status
            services.submit_no_change(
                action=action, reported_on=today, note=status.note, by=by, source=source
            )
        else:
            services.submit_status_change(
                action=action,
                to_status=status.to_status,
                reported_on=status.reported_on or today,
                note=status.note,
                by=by,
                source=source,
            )
        done[Kind.NO_CHANGE if status.to_status == action.status else Kind.STATUS] += 1
    dones = [c for c in _of(changes, diff.MilestoneDone) if c.was is None]
    milestones = Milestone.objects.select_related("action__plan").in_bulk(
        [c.milestone_id for c in dones]
    )
    for milestone_done in dones:
        assert milestone_done.completed_on is not None
        services.submit_milestone_done(
            milestone=milestones[milestone_done.milestone_id],
            completed_on=milestone_done.completed_on,
            note=_("Reported done in the workbook %(file)s.") % {"file": _file(source)},
            by=by,
            source=source,
        )
        done[Kind.MILESTONE] += 1
    values = [c for c in _of(changes, diff.KpiValue) if c.kpi_id is not None]
    kpis = IndicatorTarget.objects.select_related("plan", "indicator").in_bulk(
        [c.kpi_id for c in values]
    )
    for kpi_value in values:
        assert kpi_value.kpi_id is not None
        services.submit_kpi_value(
            kpi=kpis[kpi_value.kpi_id],
            year=kpi_value.year,
            value=kpi_value.value,
            note=kpi_value.note.strip()
            or _("Reported in the workbook %(file)s.") % {"file": _file(source)},
            by=by,
            source=source,
        )
        done[Kind.KPI] += 1
    return done


def _file(source: str) -> str:
    return source.removeprefix("import of ")
