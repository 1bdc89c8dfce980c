"""Who has reported in a cycle: the figures of /reporting/, after DHIS2's reporting-rate definitions.

A fixed number of queries whatever the size of the data; the arithmetic is plain Python on their rows.
Their cost still grows with the data (every status entry is aggregated), so the page keeps them in the
fragment cache (plans/caching.py) under a key that moves with everything they read: ``cached_for``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max, Min, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans import visibility
from plans.caching import cached_fragment
from plans.choices import Status
from plans.models import Action, IndicatorTarget, IndicatorValue, StatusUpdate
from reporting.models import REPORTED, Kind, ReportingCycle, State, Submission, Transition
from roadmap.models import Country

STALE_AFTER = dt.timedelta(days=365)

EXPLANATION = _(
    "Expected reports: for every applicable action of the country's current plan that was not completed "
    "when the cycle opened, one report (a status change or “no change since the last report”); for every "
    "national KPI, the value for the cycle's KPI year. Milestones are welcome but not expected. "
    "Submitted: expected reports made in this cycle and not withdrawn, whatever their review (entries "
    "IMPACS staff record themselves count as submitted and approved). Approved: those accepted by IMPACS. "
    "Returned: those whose latest submission was sent back and not yet answered. Reporting rate = "
    "submitted ÷ expected; on-time rate = submitted by the due date ÷ expected (DHIS2's “reporting rate” "
    "and “reporting rate on time”). Stale actions: applicable actions not completed with no approved "
    "report (status history entry) for 12 months. Only approved data changes the plan's figures."
)


@dataclass
class CountryCompliance:
    country: Country
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    approved: int = 0
    returned: int = 0
    awaiting: int = 0
    stale: int = 0
    last_report: dt.datetime | None = None
    # Internal: first report time of each expected item, and its latest submission state.
    _first: dict[str, dt.datetime] = field(default_factory=dict, repr=False)

    @property
    def reporting_rate(self) -> float | None:
        return 100 * self.submitted / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return 100 * self.on_time / self.expected if self.expected else None

    # Sort keys for the table: a missing figure sorts first rather than failing the comparison.
    @property
    def reporting_rate_sort(self) -> float:
        return -1.0 if self.reporting_rate is None else self.reporting_rate

    @property
    def on_time_rate_sort(self) -> float:
        return -1.0 if self.on_time_rate is None else self.on_time_rate

    @property
    def last_report_sort(self) -> float:
        return 0.0 if self.last_report is None else self.last_report.timestamp()

    @property
    def outstanding(self) -> int:
        return self.expected - self.submitted


def _later(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)


def cycle_compliance(
    cycle: ReportingCycle, countries: Iterable[int] | None = None, today: dt.date | None = None
) -> list[CountryCompliance]:
    """Per country with a current plan (narrowed to ``countries`` if given), the cycle's figures."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    window_start = dt.datetime.combine(cycle.opens_on, dt.time.min, tzinfo=tz)
    due_end = dt.datetime.combine(cycle.due_on + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    window_end = cycle.closed_at or timezone.now()

    country_qs = Country.objects.filter(plans__is_current=True).order_by("name").distinct()
    if countries is not None:
        country_qs = country_qs.filter(pk__in=list(countries))
    rows = {c.pk: CountryCompliance(c) for c in country_qs}
    ids = list(rows)

    # 1. Expected actions: applicable, not completed when the cycle opened.
    expected_actions = (
        Action.objects.current()
        .filter(plan__country__in=ids)
        .exclude(status=Status.NOT_APPLICABLE)
        .filter(~Q(status=Status.COMPLETED) | Q(status_changed_on__gte=cycle.opens_on))
        .values_list("pk", "plan__country_id")
    )
    item_country: dict[str, int] = {}
    for pk, country_id in expected_actions:
        item_country[f"a{pk}"] = country_id
    # 2. Expected KPI values: every national KPI of a current plan.
    for pk, country_id in IndicatorTarget.objects.filter(
        plan__is_current=True, plan__country__in=ids
    ).values_list("pk", "plan__country_id"):
        item_country[f"k{pk}"] = country_id
    for country_id in item_country.values():
        rows[country_id].expected += 1

    first: dict[str, dt.datetime] = {}
    approved: set[str] = set()
    latest_state: dict[str, tuple[dt.datetime, str]] = {}

    def seen(key: str, at: dt.datetime | None) -> None:
        if at is not None and (key not in first or at < first[key]):
            first[key] = at

    # 3. The cycle's submissions (status, no change, KPI; milestones are extra).
    for kind, action_id, kpi_id, state, submitted_at in Submission.objects.filter(
        cycle=cycle, country__in=ids, state__in=REPORTED
    ).values_list("kind", "action_id", "kpi_id", "state", "submitted_at"):
        if kind == Kind.MILESTONE:
            continue
        key = f"k{kpi_id}" if kind == Kind.KPI else f"a{action_id}"
        if key not in item_country:
            continue
        if submitted_at is None:
            continue
        seen(key, submitted_at)
        if state == State.APPROVED:
            approved.add(key)
        if key not in latest_state or submitted_at > latest_state[key][0]:
            latest_state[key] = (submitted_at, state)
    # 4. Approved status entries recorded in the cycle's window (approvals and IMPACS's own entries).
    for action_id, at in (
        StatusUpdate.objects.filter(
            action__plan__country__in=ids,
            action__plan__is_current=True,
            recorded_at__gte=window_start,
            recorded_at__lte=window_end,
        )
        .values("action_id")
        .annotate(at=Min("recorded_at"))
        .values_list("action_id", "at")
    ):
        key = f"a{action_id}"
        if key in item_country:
            seen(key, at)
            approved.add(key)
    # 5. The cycle year's KPI values in force.
    for kpi_id, at in (
        IndicatorValue.objects.in_force()
        .filter(year=cycle.kpi_year, indicator_target__plan__country__in=ids)
        .values_list("indicator_target_id", "recorded_at")
    ):
        key = f"k{kpi_id}"
        if key in item_country:
            seen(key, at)
            approved.add(key)

    for key, country_id in item_country.items():
        row = rows[country_id]
        if key in first:
            row.submitted += 1
            row.on_time += first[key] < due_end
        if key in approved:
            row.approved += 1
        elif latest_state.get(key, (None, ""))[1] == State.RETURNED:
            row.returned += 1
        elif key in latest_state and latest_state[key][1] != State.APPROVED:
            row.awaiting += 1

    # 6. Stale actions: applicable, not completed, no status entry reported for 12 months.
    cutoff = today - STALE_AFTER
    for country_id, _last in (
        Action.objects.current()
        .filter(plan__country__in=ids)
        .exclude(status__in=[Status.NOT_APPLICABLE, Status.COMPLETED])
        .annotate(last=Max("updates__reported_on"))
        .filter(Q(last__isnull=True) | Q(last__lt=cutoff))
        .values_list("plan__country_id", "last")
    ):
        rows[country_id].stale += 1
    # 7. The last report: the latest submission or status entry of each country.
    for country_id, at in (
        Submission.objects.filter(country__in=ids, state__in=REPORTED)
        .values("country_id")
        .annotate(at=Max("submitted_at"))
        .values_list("country_id", "at")
    ):
        rows[country_id].last_report = _later(rows[country_id].last_report, at)
    for country_id, at in (
        StatusUpdate.objects.filter(action__plan__country__in=ids, action__plan__is_current=True)
        .values("action__plan__country_id")
        .annotate(at=Max("recorded_at"))
        .values_list("action__plan__country_id", "at")
    ):
        rows[country_id].last_report = _later(rows[country_id].last_report, at)
    return list(rows.values())


def cached_for(request: HttpRequest, cycle: ReportingCycle) -> list[CountryCompliance]:
    """The cycle's figures for what this reader may see, from the fragment cache when nothing they read
    has changed.

    The fragment key holds the data version (every approved change, plan and status entry bumps it), the
    date (stale actions), the language and the reader's scope. Submissions and cycles do not bump the data
    version (they change no plan figure), so the key adds what moves with them: every step of a submission
    (submit, resubmit, approve, return, withdraw) records a Transition, so the newest one's id; and the
    cycle's own dates, KPI year and closing, which an administrator may edit."""
    newest_step = Transition.objects.order_by("-pk").values_list("pk", flat=True).first()
    parts = [
        str(cycle.pk),
        cycle.opens_on.isoformat(),
        cycle.due_on.isoformat(),
        str(cycle.kpi_year),
        cycle.closed_at.isoformat() if cycle.closed_at else "open",
        str(newest_step or 0),
    ]
    return cached_fragment(
        "reporting-compliance",
        request,
        lambda: cycle_compliance(cycle, visibility.visible_country_ids(request.user)),
        parts=parts,
    )


def reported_action_ids(cycle: ReportingCycle, action_ids: Iterable[int]) -> set[int]:
    """Of these actions, those already reported in the cycle (pending, approved or entered by IMPACS)."""
    ids = list(action_ids)
    reported = set(
        Submission.objects.filter(
            cycle=cycle,
            action__in=ids,
            state__in=REPORTED,
            kind__in=[Kind.STATUS, Kind.NO_CHANGE],
        ).values_list("action_id", flat=True)
    )
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(cycle.opens_on, dt.time.min, tzinfo=tz)
    reported |= set(
        StatusUpdate.objects.filter(action__in=ids, recorded_at__gte=start).values_list(
            "action_id", flat=True
        )
    )
    return reported
