"""The national reporting cycle: focal points' country assignments, cycles, submissions, e-mails.

Pending data lives only here. Approving a submission writes the approved change into the plan's own
tables through the write module; until then no figure, chart, table or export sees it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.choices import Status
from plans.models import Action, IndicatorTarget, Milestone, StatusUpdate
from roadmap.models import Country


class CountryAssignment(models.Model):
    """A national focal point reports for this country (administrators assign it in the admin)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="country_assignments"
    )
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="focal_points")

    class Meta:
        ordering = ["country__name", "user__username"]
        verbose_name = _("country assignment")
        verbose_name_plural = _("country assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "country"], name="assignment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.country.iso3}"


class ReportingCycleQuerySet(models.QuerySet["ReportingCycle"]):
    def open(self) -> ReportingCycleQuerySet:
        return self.filter(is_open=True)


class ReportingCycle(models.Model):
    """A yearly round of reports: what each country owes by ``due_on``, and the KPI year it collects."""

    name = models.CharField(_("name"), max_length=120)
    opens_on = models.DateField(_("opens on"))
    due_on = models.DateField(_("due on"))
    kpi_year = models.PositiveSmallIntegerField(_("KPI year collected"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set with closed_at; a unique constraint on it allows one open cycle (NULLs would not compare).
    is_open = models.BooleanField(default=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReportingCycleQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "-pk"]
        verbose_name = _("reporting cycle")
        verbose_name_plural = _("reporting cycles")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("opens_on")),
                name="cycle_due_not_before_opening",
                violation_error_message=_("The due date cannot be before the opening date."),
            ),
            # One open cycle at a time: "the open cycle" is what focal points report into.
            models.UniqueConstraint(
                fields=["is_open"],
                condition=Q(is_open=True),
                name="one_open_cycle",
                violation_error_message=_("Another reporting cycle is still open: close it first."),
            ),
            models.CheckConstraint(
                condition=Q(is_open=True, closed_at__isnull=True)
                | Q(is_open=False, closed_at__isnull=False),
                name="cycle_open_until_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reporting:overview") + f"?cycle={self.pk}"

    def is_late(self, today: dt.date) -> bool:
        return today > self.due_on


class Kind(models.TextChoices):
    STATUS = "status", _("Status change")
    MILESTONE = "milestone", _("Milestone done")
    KPI = "kpi", _("KPI value")
    NO_CHANGE = "no_change", _("No change since the last report")


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Event(models.TextChoices):
    SUBMIT = "submit", _("submitted")
    APPROVE = "approve", _("approved")
    RETURN = "return", _("returned")
    RESUBMIT = "resubmit", _("resubmitted")
    WITHDRAW = "withdraw", _("withdrew")


# Every legal transition, in one place: (state, event) -> new state. Anything else is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (State.DRAFT, Event.SUBMIT): State.SUBMITTED,
    (State.DRAFT, Event.WITHDRAW): State.WITHDRAWN,
    (State.SUBMITTED, Event.APPROVE): State.APPROVED,
    (State.SUBMITTED, Event.RETURN): State.RETURNED,
    (State.SUBMITTED, Event.WITHDRAW): State.WITHDRAWN,
    (State.RETURNED, Event.RESUBMIT): State.RESUBMITTED,
    (State.RETURNED, Event.WITHDRAW): State.WITHDRAWN,
    (State.RESUBMITTED, Event.APPROVE): State.APPROVED,
    (State.RESUBMITTED, Event.RETURN): State.RETURNED,
    (State.RESUBMITTED, Event.WITHDRAW): State.WITHDRAWN,
}
AWAITING_REVIEW = (State.SUBMITTED, State.RESUBMITTED)
# A report that counts as made (DHIS2 "actual reports"): anything sent in and not withdrawn.
REPORTED = (State.SUBMITTED, State.RESUBMITTED, State.APPROVED, State.RETURNED)


def next_state(state: str, event: str) -> str | None:
    return TRANSITIONS.get((state, event))


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def awaiting_review(self) -> SubmissionQuerySet:
        return self.filter(state__in=AWAITING_REVIEW)


class Submission(models.Model):
    """A focal point's proposed change to one action or KPI, pending until IMPACS staff approve it."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="submissions")
    cycle = models.ForeignKey(
        ReportingCycle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
    )
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="submissions"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="submissions"
    )
    kpi = models.ForeignKey(
        IndicatorTarget, on_delete=models.CASCADE, null=True, blank=True, related_name="submissions"
    )
    # What the submitter saw, to refuse an approval over a newer change (no lost updates).
    base_version = models.PositiveIntegerField(default=0)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("new status"), max_length=20, choices=Status.choices, blank=True)
    reported_on = models.DateField(_("reported for"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    kpi_year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    # The value standing for that year when submitted (id of IndicatorValue; 0 if none).
    seen_value_id = models.PositiveIntegerField(default=0)
    note = models.TextField(_("note"))
    evidence_url = models.URLField(_("evidence"), blank=True, max_length=500)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The status history entry an approval wrote: the action page shows who reported it.
    status_update = models.OneToOneField(
        StatusUpdate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="submission",
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        permissions = [
            ("review_submission", _("Can review submissions and run reporting cycles")),
            ("submit_report", _("Can submit reports for assigned countries")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="submission_state_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="submission_kind_valid"),
            models.CheckConstraint(
                condition=(
                    Q(kind=Kind.STATUS, action__isnull=False, reported_on__isnull=False)
                    & ~Q(to_status="")
                )
                | Q(kind=Kind.NO_CHANGE, action__isnull=False, reported_on__isnull=False)
                | Q(kind=Kind.MILESTONE, milestone__isnull=False, completed_on__isnull=False)
                | Q(kind=Kind.KPI, kpi__isnull=False, kpi_year__isnull=False, value__isnull=False),
                name="submission_kind_has_its_fields",
            ),
            models.CheckConstraint(
                condition=~Q(note=""),
                name="submission_note_required",
                violation_error_message=_("A submission needs a note."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=[State.DRAFT, State.WITHDRAWN])
                | Q(submitted_at__isnull=False),
                name="submission_sent_has_time",
            ),
        ]
        indexes = [
            # The review queue: what awaits review, oldest first.
            models.Index(fields=["state", "submitted_at"], name="submission_queue_idx"),
            # /reporting/: a cycle's submissions by country.
            models.Index(fields=["cycle", "country"], name="submission_cycle_country_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("reporting:submission", args=[self.pk])

    @property
    def awaiting_review(self) -> bool:
        return self.state in AWAITING_REVIEW

    @property
    def return_comment(self) -> str:
        """The latest reviewer's comment on a return (uses prefetched transitions)."""
        comments = [t.comment for t in self.transitions.all() if t.event == Event.RETURN]
        return comments[-1] if comments else ""

    @property
    def subject(self) -> str:
        """What it is about, in a few words: "1.2 Review the act" or "K1 for 2026"."""
        if self.kind == Kind.KPI and self.kpi is not None:
            return f"{self.kpi.indicator.code} {self.kpi.indicator.title} ({self.kpi_year})"
        if self.kind == Kind.MILESTONE and self.milestone is not None:
            return f"{self.milestone.action.code}: {self.milestone.title}"
        return str(self.action)

    @property
    def proposal(self) -> str:
        """The change proposed, "from -> to"."""
        if self.kind == Kind.STATUS:
            return f"{Status(self.from_status).label} → {Status(self.to_status).label}"
        if self.kind == Kind.NO_CHANGE:
            return str(_("No change since the last report"))
        if self.kind == Kind.MILESTONE:
            return str(_("Done on %(date)s") % {"date": self.completed_on})
        value = self.value if self.value is not None else Decimal(0)
        return f"{self.kpi_year}: {value.normalize():f}"


class Transition(models.Model):
    """The record of every step of a submission: who, when, what, and the reviewer's comment."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="transitions")
    event = models.CharField(max_length=20, choices=Event.choices)
    from_state = models.CharField(max_length=20, choices=State.choices)
    to_state = models.CharField(max_length=20, choices=State.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(event=Event.RETURN) | ~Q(comment=""),
                name="transition_return_needs_comment",
                violation_error_message=_("Returning a submission needs a comment."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.from_state} → {self.to_state}"


class Notification(models.Model):
    """One e-mail to one person on one day: a digest of everything due to them (at most one a day)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    day = models.DateField()
    to_address = models.EmailField()
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-day", "recipient__username"]
        verbose_name = _("e-mail notification")
        verbose_name_plural = _("e-mail notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="one_email_a_day"),
        ]
        indexes = [
            # Each run retries what is not sent yet.
            models.Index(fields=["sent_at"], name="notification_unsent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.recipient}: {self.subject}"


class NotificationItem(models.Model):
    """One reason in a digest ("reminder:3:7"): recorded once per person, so none is sent twice."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="items")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=100)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_item_once"),
        ]

    def __str__(self) -> str:
        return self.key
