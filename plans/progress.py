"""Progress against baseline: the numbers every page uses.

The pure functions below are the definitions. The SQL expressions compute the same figures in the database
for lists and charts, so that no page loops over rows in Python; tests hold the two to each other.

- Action score: the weight of its status; "not applicable" is left out of every denominator.
- Plan completion: mean action score over its applicable actions, 0-100 %.
- A plan is complete when every applicable action is completed and it has at least one.
- KPI progress: (latest - baseline) / (target - baseline), clamped to 0-100 %.
- Completion at a past date: today's statuses with every later status change undone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plans.choices import Status
from roadmap.models import Indicator

STATUS_WEIGHTS: dict[str, float] = {
    Status.NOT_STARTED: 0.0,
    Status.LIMITED: 1 / 3,
    Status.SUBSTANTIAL: 2 / 3,
    Status.COMPLETED: 1.0,
}
CLOSED_STATUSES = [Status.COMPLETED, Status.NOT_APPLICABLE]
PATH_END = dt.date(2030, 12, 31)

EXPLANATION = _(
    "Each applicable action scores by its status: not started 0, limited progress 1/3, substantial "
    "progress 2/3, completed 1; actions marked not applicable are left out. A plan's completion is the "
    "mean score of its applicable actions; its baseline completion is the same with each action's "
    "status at the baseline assessment. A plan is complete when every applicable action is completed. "
    "The drafted plans are the current plans at “draft completed” or “formally approved”. An action is "
    "overdue when its due date has passed and it is not completed."
)


# --- Pure definitions -----------------------------------------------------------------------------


def action_score(status: str) -> float | None:
    """The weight of a status, or None for "not applicable"."""
    return STATUS_WEIGHTS.get(status)


def completion(statuses: Iterable[str]) -> float | None:
    """Mean score of the applicable statuses, in percent; None when none is applicable."""
    scores = [s for s in (action_score(status) for status in statuses) if s is not None]
    if not scores:
        return None
    return 100 * sum(scores) / len(scores)


def completion_change(current: float | None, baseline: float | None) -> float | None:
    """Percentage points gained since the baseline; None when either figure is missing."""
    if current is None or baseline is None:
        return None
    return current - baseline


def is_complete(statuses: Iterable[str]) -> bool:
    applicable = [s for s in statuses if s != Status.NOT_APPLICABLE]
    return bool(applicable) and all(s == Status.COMPLETED for s in applicable)


def is_overdue(status: str, due_date: dt.date, today: dt.date) -> bool:
    return due_date < today and status not in CLOSED_STATUSES


def is_milestone_late(completed_on: dt.date | None, due_date: dt.date, today: dt.date) -> bool:
    """A milestone is late when its due date has passed and it is not done."""
    return completed_on is None and due_date < today


def kpi_progress(
    baseline: Decimal | float,
    target: Decimal | float,
    latest: Decimal | float | None,
    *,
    lower_is_better: bool = False,
) -> float | None:
    """How far the latest value has moved from baseline to target, clamped to 0-100 %."""
    if latest is None:
        return None
    baseline, target, latest = Decimal(str(baseline)), Decimal(str(target)), Decimal(str(latest))
    if target == baseline:
        reached = latest <= target if lower_is_better else latest >= target
        return 100.0 if reached else 0.0
    share = float((latest - baseline) / (target - baseline))
    return 100 * min(1.0, max(0.0, share))


@dataclass(frozen=True)
class Headline:
    complete: int
    drafted: int

    def __str__(self) -> str:
        return f"{self.complete} of {self.drafted} drafted plans complete"


def headline(plans_complete: Iterable[bool]) -> Headline:
    flags = list(plans_complete)
    return Headline(complete=sum(flags), drafted=len(flags))


def status_at(
    current_status: str, changes: Iterable[tuple[dt.date, str, str]], when: dt.date
) -> str:
    """An action's status on a date: its current status with every change reported after it undone.

    ``changes`` are (reported_on, from_status, to_status), in any order.
    """
    later = sorted((c for c in changes if c[0] > when), key=lambda c: c[0])
    return later[0][1] if later else current_status


def completion_at(
    actions: Iterable[tuple[str, Sequence[tuple[dt.date, str, str]]]], when: dt.date
) -> float | None:
    """A plan's completion on a past date, from each action's (current status, changes)."""
    return completion(status_at(current, changes, when) for current, changes in actions)


def replay(
    score_now: float,
    applicable_now: int,
    changes: Iterable[tuple[dt.date, float, int]],
    when: dt.date,
) -> float | None:
    """Completion on a date from today's sums and the per-period sums of changes.

    ``changes`` are (period start, change in score, change in applicable count) as computed by
    ``change_annotations``; a period that starts after ``when`` is undone.
    """
    score, applicable = score_now, applicable_now
    for starts, d_score, d_applicable in changes:
        if starts > when:
            score -= d_score
            applicable -= d_applicable
    if applicable <= 0:
        return None
    return 100 * score / applicable


def straight_path(
    start: dt.date, start_value: float, when: dt.date, end: dt.date = PATH_END
) -> float:
    """The straight line from a starting completion to 100 % at the end of 2030."""
    if when >= end:
        return 100.0
    span = (end - start).days
    return start_value + (100.0 - start_value) * max(0, (when - start).days) / span


def quarter_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of every quarter from the one holding ``start`` to the one holding ``end``."""
    out: list[dt.date] = []
    year, quarter = start.year, (start.month - 1) // 3
    while True:
        month = 3 * quarter + 3
        last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        out.append(last)
        if last >= end:
            return out
        quarter += 1
        if quarter == 4:
            year, quarter = year + 1, 0


def percent(value: float | None) -> str:
    """A completion or progress figure as the site shows it: "43 %", or a dash when there is none."""
    return "–" if value is None else f"{value:.0f} %"


def plain_number(value: Decimal | float | int | None) -> str:
    """12.50 as 12.5, 100.00 as 100: KPI values are stored with two decimal places."""
    if value is None:
        return "–"
    return format(Decimal(str(value)).normalize(), "f")


def kpi_value(value: Decimal | float | int | None, unit: str) -> str:
    """A KPI value in its indicator's unit, in the reader's locale: "Yes"/"No", "12.5 %" or "340"."""
    if value is None:
        return "–"
    if unit == Indicator.Unit.YES_NO:
        return gettext("Yes") if value else gettext("No")
    number = number_format(Decimal(str(value)).normalize())
    return f"{number} %" if unit == Indicator.Unit.PERCENT else number


# --- The same figures in SQL ----------------------------------------------------------------------


def _weight_case(field: str) -> Case:
    return Case(
        *[When(**{field: status}, then=Value(weight)) for status, weight in STATUS_WEIGHTS.items()],
        default=Value(0.0),
        output_field=FloatField(),
    )


def _applicable_case(field: str) -> Case:
    return Case(
        When(**{field: Status.NOT_APPLICABLE}, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def overdue_q(today: dt.date | None = None, prefix: str = "") -> Q:
    today = today or timezone.localdate()
    return Q(**{f"{prefix}due_date__lt": today}) & ~Q(**{f"{prefix}status__in": CLOSED_STATUSES})


def milestone_late_q(today: dt.date | None = None, prefix: str = "") -> Q:
    """``is_milestone_late`` in SQL."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}completed_on__isnull": True, f"{prefix}due_date__lt": today})


def overdue_expression(prefix: str = "", today: dt.date | None = None) -> Case:
    return Case(When(overdue_q(today, prefix), then=Value(True)), default=Value(False))


def _ratio(numerator: str, denominator: str) -> ExpressionWrapper:
    return ExpressionWrapper(
        F(numerator) * 100.0 / NullIf(F(denominator), 0), output_field=FloatField()
    )


def completion_annotations(prefix: str = "", today: dt.date | None = None) -> dict[str, Any]:
    """Aggregates over actions reached through ``prefix`` ("" on an Action queryset).

    Gives action_count, applicable_count, completed_count, overdue_count, score_sum, completion (%),
    baseline_applicable_count, baseline_score_sum, baseline_completion (%) and completion_change
    (percentage points since the baseline; see ``completion_change``).
    """
    not_na = ~Q(**{f"{prefix}status": Status.NOT_APPLICABLE})
    baseline_not_na = ~Q(**{f"{prefix}baseline_status": Status.NOT_APPLICABLE})
    pk = f"{prefix}pk" if prefix else "pk"
    return {
        "action_count": Count(pk),
        "applicable_count": Count(pk, filter=not_na),
        "completed_count": Count(pk, filter=Q(**{f"{prefix}status": Status.COMPLETED})),
        "overdue_count": Count(pk, filter=overdue_q(today, prefix)),
        "score_sum": Coalesce(Sum(_weight_case(f"{prefix}status")), 0.0),
        "completion": _ratio("score_sum", "applicable_count"),
        "baseline_applicable_count": Count(pk, filter=baseline_not_na),
        "baseline_score_sum": Coalesce(Sum(_weight_case(f"{prefix}baseline_status")), 0.0),
        "baseline_completion": _ratio("baseline_score_sum", "baseline_applicable_count"),
        "completion_change": ExpressionWrapper(
            F("completion") - F("baseline_completion"), output_field=FloatField()
        ),
    }


def plan_annotations(prefix: str = "actions__", today: dt.date | None = None) -> dict[str, Any]:
    annotations = completion_annotations(prefix, today)
    # Complete: at least one applicable action and every applicable one completed.
    annotations["is_complete"] = Case(
        When(
            Q(applicable_count__gt=0) & Q(completed_count=F("applicable_count")),
            then=Value(True),
        ),
        default=Value(False),
    )
    return annotations


def change_annotations() -> dict[str, Any]:
    """On StatusUpdate rows: the summed change in score and in applicable count they made."""
    return {
        "d_score": Sum(_weight_case("to_status") - _weight_case("from_status")),
        "d_applicable": Sum(_applicable_case("to_status") - _applicable_case("from_status")),
    }


# --- Regional figures -----------------------------------------------------------------------------

TREND_EXPLANATION = _(
    "Regional completion is the mean of the drafted plans' completions, each plan counting once. "
    "Its value at the end of each past quarter is today's completion with every later status change "
    "undone, from the status history. The straight path runs from the first quarter's value to 100 "
    "per cent at the end of 2030."
)


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the known values; None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def regional_trend(
    plans: Iterable[tuple[float, int, Sequence[tuple[dt.date, float, int]]]],
    start: dt.date,
    today: dt.date,
) -> list[tuple[dt.date, float | None]]:
    """Regional completion at the end of each quarter from ``start`` on, the last point being today.

    ``plans`` are (score_sum now, applicable_count now, per-quarter changes) as ``replay`` takes them.
    """
    plans = list(plans)
    points = [min(end, today) for end in quarter_ends(start, today)]
    return [
        (when, mean(replay(score, count, changes, when) for score, count, changes in plans))
        for when in points
    ]
