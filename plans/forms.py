"""Forms IMPACS staff use on the action page: status updates, milestones, national KPI values.

Each form checks what it can from the input alone. What depends on rows other people may change at the
same moment (the action's version, a milestone's completion, the value standing for a year) is checked
by the view under a row lock, against the hidden "as loaded" field each form carries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from plans.choices import Status
from plans.models import EARLIEST_DATE, Action, IndicatorTarget, Milestone
from roadmap.models import Indicator
from roadmap.validators import has_visible_text

# The hidden "as loaded" fields only go wrong when the page is very old or was tampered with.
STALE_MESSAGE = _("This form is incomplete: reload the page and try again.")
STALE = {"required": STALE_MESSAGE, "invalid": STALE_MESSAGE, "min_value": STALE_MESSAGE}


def _date_input(today: dt.date, earliest: dt.date | None = None) -> forms.DateInput:
    attrs = {"type": "date", "max": today.isoformat()}
    if earliest is not None:
        attrs["min"] = earliest.isoformat()
    return forms.DateInput(attrs=attrs, format="%Y-%m-%d")


def _day(date: dt.date) -> str:
    return formats.date_format(date, "SHORT_DATE_FORMAT")


class StatusUpdateForm(forms.Form):
    """A new status (or the same one again: a progress note) with its narrative and evidence."""

    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    reported_on = forms.DateField(
        label=_("Reported for"),
        help_text=_("The date this status was reported for."),
        error_messages={"required": _("Give the date this status was reported for.")},
    )
    note = forms.CharField(
        label=_("Narrative note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("What was done or reported, and by whom."),
        error_messages={"required": _("Write a narrative note: what was reported, and by whom.")},
    )
    evidence_url = forms.URLField(
        label=_("Evidence link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Optional: a link to the report, minutes or gazette (http or https)."),
        error_messages={
            "invalid": _("Enter a web address, such as https://example.org/report.pdf.")
        },
    )
    # The action's version when the form was loaded: a save from an older version is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages=STALE)

    def __init__(self, *args: Any, action: Action, today: dt.date | None = None, **kwargs: Any):
        self.action = action
        self.today = today or timezone.localdate()
        kwargs.setdefault("auto_id", "id_status_%s")
        kwargs.setdefault(
            "initial",
            {"status": action.status, "reported_on": self.today, "version": action.version},
        )
        super().__init__(*args, **kwargs)
        self.fields["reported_on"].widget = _date_input(self.today, self.earliest)

    @property
    def earliest(self) -> dt.date | None:
        """Not before the plan's baseline, nor before the last update (the history stays in order)."""
        dates = [
            d for d in (self.action.plan.baseline_assessed_on, self.action.status_changed_on) if d
        ]
        return max(dates) if dates else None

    def clean_reported_on(self) -> dt.date:
        reported_on: dt.date = self.cleaned_data["reported_on"]
        if reported_on > self.today:
            raise forms.ValidationError(
                _("The date cannot be in the future (today is %(today)s).")
                % {"today": _day(self.today)}
            )
        if reported_on < EARLIEST_DATE:
            raise forms.ValidationError(too_early())
        baseline = self.action.plan.baseline_assessed_on
        if baseline and reported_on < baseline:
            raise forms.ValidationError(
                _("The date cannot be before the plan's baseline assessment on %(date)s.")
                % {"date": _day(baseline)}
            )
        last = self.action.status_changed_on
        if last and reported_on < last:
            raise forms.ValidationError(
                _("The date cannot be before the last update, reported for %(date)s.")
                % {"date": _day(last)}
            )
        return reported_on

    def clean_note(self) -> str:
        note: str = self.cleaned_data["note"]
        if not has_visible_text(note):
            raise forms.ValidationError(
                _("Write a narrative note: only spaces or invisible characters were entered.")
            )
        return note

    def clean_evidence_url(self) -> str:
        url: str = self.cleaned_data["evidence_url"]
        if url and urlsplit(url).scheme.lower() not in {"http", "https"}:
            raise forms.ValidationError(_("The evidence link must start with http:// or https://."))
        return url


class MilestoneDoneForm(forms.Form):
    """Mark an open milestone done on a date."""

    operation = "done"
    completed_on = forms.DateField(
        label=_("Done on"), error_messages={"required": _("Give the date the milestone was done.")}
    )
    # The completion date as loaded ("" for an open milestone).
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, milestone: Milestone, today: dt.date | None = None, **kwargs: Any
    ):
        self.milestone = milestone
        self.today = today or timezone.localdate()
        kwargs.setdefault("auto_id", f"id_milestone_{milestone.pk}_%s")
        kwargs.setdefault("initial", {"completed_on": self.today, "loaded": _loaded(milestone)})
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].widget = _date_input(self.today, EARLIEST_DATE)

    def clean_completed_on(self) -> dt.date:
        completed_on: dt.date = self.cleaned_data["completed_on"]
        if completed_on > self.today:
            raise forms.ValidationError(
                _("The date cannot be in the future (today is %(today)s).")
                % {"today": _day(self.today)}
            )
        if completed_on < EARLIEST_DATE:
            raise forms.ValidationError(too_early())
        return completed_on


class MilestoneReopenForm(forms.Form):
    """Reopen a milestone that was marked done (by mistake, or because the work resumed)."""

    operation = "reopen"
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, milestone: Milestone, **kwargs: Any):
        self.milestone = milestone
        kwargs.setdefault("auto_id", f"id_milestone_{milestone.pk}_%s")
        kwargs.setdefault("initial", {"loaded": _loaded(milestone)})
        super().__init__(*args, **kwargs)


def too_early() -> str:
    return _("The date cannot be before %(earliest)s.") % {"earliest": _day(EARLIEST_DATE)}


def _loaded(milestone: Milestone) -> str:
    return milestone.completed_on.isoformat() if milestone.completed_on else ""


def milestone_form(milestone: Milestone, today: dt.date | None = None) -> forms.Form:
    """The form a milestone offers in its present state: reopen when done, mark done when open."""
    if milestone.is_done:
        return MilestoneReopenForm(milestone=milestone)
    return MilestoneDoneForm(milestone=milestone, today=today)


class KpiValueForm(forms.Form):
    """A national KPI's value for a year, or a correction of the value standing for that year."""

    year = forms.IntegerField(
        label=_("Year"), error_messages={"invalid": _("Enter a year, such as 2025.")}
    )
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=14,
        decimal_places=2,
        error_messages={"invalid": _("Enter a number, such as 42 or 12.5.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    correction = forms.BooleanField(
        label=_("This corrects the value already entered for that year"),
        required=False,
        help_text=_("The earlier value is kept in the history."),
    )
    # The newest value of this KPI the form was loaded with: a value standing for the year that is
    # newer than this was entered by someone else in the meantime, and is not overwritten.
    seen = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages=STALE)

    def __init__(
        self,
        *args: Any,
        kpi: IndicatorTarget,
        seen: int = 0,
        latest_year: int | None = None,
        today: dt.date | None = None,
        **kwargs: Any,
    ):
        self.kpi = kpi
        self.today = today or timezone.localdate()
        kwargs.setdefault("auto_id", f"id_kpi_{kpi.pk}_%s")
        kwargs.setdefault("initial", {"year": self.next_year(latest_year), "seen": seen})
        super().__init__(*args, **kwargs)
        year = self.fields["year"].widget
        year.attrs.update({"min": self.first_year, "max": self.last_year})
        value = self.fields["value"].widget
        unit = kpi.indicator.unit
        if unit == Indicator.Unit.YES_NO:
            value.attrs.update({"min": 0, "max": 1, "step": 1})
            self.fields["value"].help_text = _("1 for yes, 0 for no.")
        elif unit == Indicator.Unit.PERCENT:
            value.attrs.update({"min": 0, "max": 100})
            self.fields["value"].help_text = _("A percentage, 0 to 100.")
        else:
            value.attrs.update({"min": 0, "step": 1})

    @property
    def first_year(self) -> int:
        return self.kpi.baseline_year

    @property
    def last_year(self) -> int:
        return self.today.year

    def next_year(self, latest_year: int | None) -> int:
        """The year after the latest value; a year's value is usually reported the year after."""
        if latest_year is None:
            return max(self.first_year, self.last_year - 1)
        return max(self.first_year, min(self.last_year, latest_year + 1))

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        if not self.first_year <= year <= self.last_year:
            raise forms.ValidationError(
                _("The year must be between the baseline year %(first)s and this year, %(last)s.")
                % {"first": self.first_year, "last": self.last_year}
            )
        return year

    def clean_value(self) -> Decimal:
        value: Decimal = self.cleaned_data["value"]
        unit = self.kpi.indicator.unit
        if unit == Indicator.Unit.YES_NO and value not in (0, 1):
            raise forms.ValidationError(_("A yes/no KPI takes 1 for yes or 0 for no."))
        if unit == Indicator.Unit.PERCENT and not 0 <= value <= 100:
            raise forms.ValidationError(_("A percentage must be between 0 and 100."))
        if unit == Indicator.Unit.COUNT and value < 0:
            raise forms.ValidationError(_("A count cannot be negative."))
        if unit == Indicator.Unit.COUNT and value % 1 != 0:
            raise forms.ValidationError(_("A count takes whole numbers only, such as 3."))
        return value
