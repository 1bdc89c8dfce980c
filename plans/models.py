"""National action plans (NAPs) and their progress."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plans import progress
from plans.choices import DRAFTED_STAGES, STAGE_DATE_FIELDS, Stage, Status
from roadmap.models import Country, Goal, Indicator, Target, natural_code_key
from roadmap.validators import has_visible_text

if TYPE_CHECKING:
    from decimal import Decimal

year_validators = [MinValueValidator(2000), MaxValueValidator(2100)]
# The dates a plan's events may carry: the years year_validators allow. Checked in clean() (not as field
# validators, which would need a migration) so that every door (site, admin, import) refuses 0001-01-01.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def date_out_of_range(date: dt.date | None) -> str | None:
    if date is not None and not EARLIEST_DATE <= date <= LATEST_DATE:
        return _("The date must be between %(earliest)s and %(latest)s.") % {
            "earliest": EARLIEST_DATE.isoformat(),
            "latest": LATEST_DATE.isoformat(),
        }
    return None


class ActionPlanQuerySet(models.QuerySet["ActionPlan"]):
    def current(self) -> ActionPlanQuerySet:
        return self.filter(is_current=True)

    def drafted(self) -> ActionPlanQuerySet:
        """The current plans at draft completed or later: the "N" of the headline."""
        return self.current().filter(stage__in=DRAFTED_STAGES)

    def with_progress(self, today: dt.date | None = None) -> ActionPlanQuerySet:
        """Annotate completion, baseline completion, action and overdue counts, in one query."""
        return self.annotate(**progress.plan_annotations("actions__", today))


class ActionPlan(models.Model):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="plans")
    title = models.CharField(max_length=300)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NOT_STARTED)
    seminar_held_on = models.DateField("executive seminar held on", null=True, blank=True)
    drafting_started_on = models.DateField("drafting started on", null=True, blank=True)
    draft_completed_on = models.DateField("draft completed on", null=True, blank=True)
    approved_on = models.DateField("formally approved on", null=True, blank=True)
    start_year = models.PositiveSmallIntegerField(validators=year_validators)
    end_year = models.PositiveSmallIntegerField(default=2030, validators=year_validators)
    baseline_assessed_on = models.DateField("baseline assessment on", null=True, blank=True)
    document_url = models.URLField("plan document", blank=True)
    is_current = models.BooleanField("current plan", default=True)
    is_demo = models.BooleanField(
        "demonstration data",
        default=False,
        editable=False,
        help_text=_("Made by load_demo; illustrative, never official."),
    )

    objects = ActionPlanQuerySet.as_manager()
    history = HistoricalRecords()

    if TYPE_CHECKING:
        # Set by ActionPlanQuerySet.with_progress() (see progress.plan_annotations).
        action_count: int
        applicable_count: int
        completed_count: int
        overdue_count: int
        score_sum: float
        completion: float | None
        baseline_applicable_count: int
        baseline_score_sum: float
        baseline_completion: float | None
        is_complete: bool

    class Meta:
        ordering = ["country__name", "-start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["country"],
                condition=Q(is_current=True),
                name="one_current_plan_per_country",
                violation_error_message="This country already has a current plan.",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="actionplan_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")),
                name="actionplan_end_not_before_start",
                violation_error_message="The plan period cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.country.get_absolute_url()

    @property
    def is_drafted(self) -> bool:
        return self.stage in DRAFTED_STAGES

    def stage_dates(self) -> list[tuple[str, dt.date | None]]:
        """Each stage reached, with its date, in lifecycle order."""
        return [
            (str(Stage(stage).label), getattr(self, field))
            for stage, field in STAGE_DATE_FIELDS.items()
        ]

    @property
    def stage_reached_on(self) -> dt.date | None:
        field = STAGE_DATE_FIELDS.get(self.stage)
        return getattr(self, field) if field else None


class ActionQuerySet(models.QuerySet["Action"]):
    def current(self) -> ActionQuerySet:
        return self.filter(plan__is_current=True)

    def overdue(self, today: dt.date | None = None) -> ActionQuerySet:
        return self.filter(progress.overdue_q(today))

    def in_code_order(self) -> ActionQuerySet:
        """By goal, then by code as a person reads it (1.10 after 1.9)."""
        return self.order_by("goal__number", natural_code_key("code"), "code")


class Action(models.Model):
    """One of a plan's national priority actions."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="actions")
    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=500)
    lead_agency = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    due_date = models.DateField()
    baseline_status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.NOT_STARTED,
        help_text=_("Its status at the plan's baseline assessment."),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    status_changed_on = models.DateField("last status change", null=True, blank=True)
    # Bumped on every status update; a form that was loaded from an older version is refused.
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "goal__number", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="action_code_unique_in_plan",
                violation_error_message="This plan already has an action with this code.",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("start_date")),
                name="action_due_not_before_start",
                violation_error_message="The due date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(baseline_status__in=Status.values), name="action_baseline_status_valid"
            ),
        ]
        indexes = [
            # The overdue count and the "most overdue actions" list: open actions by due date.
            models.Index(fields=["status", "due_date"], name="action_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("action", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        target = self.target if self.target_id else None
        if target is not None and self.goal_id and target.goal_id != self.goal_id:
            errors["target"] = (
                f"Target {target.code} belongs to goal {target.goal.number}, "
                f"not to goal {self.goal.number}."
            )
        if self.start_date and self.due_date and self.due_date < self.start_date:
            errors["due_date"] = "The due date cannot be before the start date."
        if errors:
            raise ValidationError(errors)

    @property
    def is_overdue(self) -> bool:
        return progress.is_overdue(self.status, self.due_date, timezone.localdate())

    @property
    def score(self) -> float | None:
        return progress.action_score(self.status)


class MilestoneQuerySet(models.QuerySet["Milestone"]):
    def open(self) -> MilestoneQuerySet:
        return self.filter(completed_on__isnull=True)

    def late(self, today: dt.date | None = None) -> MilestoneQuerySet:
        return self.filter(progress.milestone_late_q(today))


class Milestone(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=300)
    due_date = models.DateField()
    completed_on = models.DateField("completed on", null=True, blank=True)

    history = HistoricalRecords()
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            # "Milestones due soon" on the country page: open milestones by due date.
            models.Index(fields=["completed_on", "due_date"], name="milestone_open_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {
            name: message
            for name in ("due_date", "completed_on")
            if (message := date_out_of_range(getattr(self, name)))
        }
        if errors:
            raise ValidationError(errors)

    @property
    def is_done(self) -> bool:
        return self.completed_on is not None

    @property
    def is_late(self) -> bool:
        return progress.is_milestone_late(self.completed_on, self.due_date, timezone.localdate())


class StatusUpdateQuerySet(models.QuerySet["StatusUpdate"]):
    def latest_first(self) -> StatusUpdateQuerySet:
        return self.order_by("-reported_on", "-recorded_at", "-pk")


class StatusUpdate(models.Model):
    """One entry of an action's append-only status history."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    reported_on = models.DateField("reported for")
    note = models.TextField()
    evidence_url = models.URLField("evidence", blank=True, max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="status_updates",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = StatusUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_on", "-recorded_at", "-pk"]
        get_latest_by = ["reported_on", "recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(note=""),
                name="statusupdate_note_required",
                violation_error_message="A status update needs a narrative note.",
            ),
            models.CheckConstraint(
                condition=Q(from_status__in=Status.values), name="statusupdate_from_valid"
            ),
            models.CheckConstraint(
                condition=Q(to_status__in=Status.values), name="statusupdate_to_valid"
            ),
        ]
        indexes = [
            # The action page's history and the trend's replay of changes after a date.
            models.Index(fields=["action", "reported_on"], name="update_action_reported_idx"),
            # "Latest status updates" on the dashboard.
            models.Index(fields=["-recorded_at"], name="update_recorded_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.action.code}: {self.get_from_status_display()} → {self.get_to_status_display()}"
        )

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None and not self._state.adding:
            raise ValidationError("The status history is append-only: an update cannot be changed.")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.note and not has_visible_text(self.note):
            errors["note"] = _(
                "Write a narrative note: only spaces or invisible characters were entered."
            )
        if message := date_out_of_range(self.reported_on):
            errors["reported_on"] = message
        if errors:
            raise ValidationError(errors)


class IndicatorTarget(models.Model):
    """A national KPI: a regional indicator with this plan's baseline and target."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="kpis")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="national")
    baseline_value = models.DecimalField(max_digits=14, decimal_places=2)
    baseline_year = models.PositiveSmallIntegerField(validators=year_validators)
    target_value = models.DecimalField(max_digits=14, decimal_places=2)
    target_year = models.PositiveSmallIntegerField(validators=year_validators)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "indicator__code"]
        verbose_name = "national KPI"
        verbose_name_plural = "national KPIs"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "indicator"],
                name="kpi_indicator_once_per_plan",
                violation_error_message="This plan already has this indicator.",
            ),
            models.CheckConstraint(
                condition=Q(target_year__gte=F("baseline_year")),
                name="kpi_target_year_not_before_baseline",
                violation_error_message="The target year cannot be before the baseline year.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.country.iso3} {self.indicator.code}"

    def progress_percent(self, latest: Decimal | None) -> float | None:
        return progress.kpi_progress(
            self.baseline_value,
            self.target_value,
            latest,
            lower_is_better=self.indicator.direction == Indicator.Direction.LOWER,
        )


class IndicatorValueQuerySet(models.QuerySet["IndicatorValue"]):
    def in_force(self) -> IndicatorValueQuerySet:
        """The value of each year that stands: corrected values are kept but superseded."""
        return self.filter(superseded_at__isnull=True)


class IndicatorValue(models.Model):
    """A national KPI's value for one year. A correction supersedes the value and keeps it."""

    indicator_target = models.ForeignKey(
        IndicatorTarget, on_delete=models.CASCADE, related_name="values"
    )
    year = models.PositiveSmallIntegerField(validators=year_validators)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpi_values",
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = IndicatorValueQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator_target", "year", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator_target", "year"],
                condition=Q(superseded_at__isnull=True),
                name="kpi_one_value_a_year",
                violation_error_message="This KPI already has a value for this year.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_target} {self.year}: {self.value}"

    def clean(self) -> None:
        if self.indicator_target_id is None or self.value is None:
            return
        try:
            unit = self.indicator_target.indicator.unit
        except ObjectDoesNotExist:  # not written yet (an import checks the file first): no rule
            return
        if unit in (Indicator.Unit.COUNT, Indicator.Unit.YES_NO) and self.value % 1 != 0:
            raise ValidationError({"value": _("A count takes whole numbers only, such as 3.")})


class DataVersion(models.Model):
    """One row counting writes to plan and reference data.

    Expensive figures are cached under a key holding this number, so every gunicorn worker sees a change
    at once: every write bumps it in the same transaction (plans/services.py), and the next page view
    recomputes. Reading it is one primary-key lookup.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "data version"

    def __str__(self) -> str:
        return f"data version {self.number}"

    @classmethod
    def current(cls) -> int:
        number = cls.objects.filter(pk=1).values_list("number", flat=True).first()
        return number or 0

    @classmethod
    def bump(cls) -> None:
        updated = cls.objects.filter(pk=1).update(number=F("number") + 1, changed_at=timezone.now())
        if not updated:
            cls.objects.get_or_create(pk=1, defaults={"number": 1})
