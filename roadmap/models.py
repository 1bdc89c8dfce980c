"""The regional framework of the Caribbean Firearms Roadmap: reference data that rarely changes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Concat, Greatest, Length, LPad, StrIndex, Substr, Upper
from django.db.models.lookups import Exact
from django.urls import reverse
from simple_history.models import HistoricalRecords

iso3_validator = RegexValidator(
    r"^[A-Z]{3}$", "Enter an ISO 3166 alpha-3 code: three capital letters, such as JAM."
)
dotted_code_validator = RegexValidator(
    r"^[1-9][0-9]*(\.[1-9][0-9]*)*$",
    'Enter a dotted code of whole numbers, such as "1.3" or "1.3.3".',
)


# Each dotted part of a code is left-padded with zeros to at least this width, so that 1.10 sorts after 1.9.
CODE_PART_WIDTH = 4

OFFICIAL_LANGUAGES = ["es", "fr", "nl"]  # English is the text on file in the Roadmap itself


class OfficialText(models.Model):
    """Official texts are shown in the reader's language only where an administrator entered that
    language's text from an official document; otherwise the English text, marked lang="en"
    (plans/templatetags/official.py). Nothing here is machine-translated."""

    class Meta:
        abstract = True

    def official(self, name: str, language: str) -> tuple[str, str]:
        """The text of field ``name`` to show a reader of ``language``, and the language it is in."""
        code = language.split("-")[0]
        if code in OFFICIAL_LANGUAGES:
            text = getattr(self, f"{name}_{code}", "")
            if text:
                return text, code
        return getattr(self, name), "en"


def natural_sort_key(code: str) -> str:
    """A key that sorts dotted codes by number, so that 1.10 comes after 1.9 (stored in Target.sort_key)."""
    return ".".join(part.rjust(CODE_PART_WIDTH, "0") for part in code.split("."))


def natural_code_key(field: str, depth: int = 3) -> Combinable:
    """``natural_sort_key`` in SQL, for a code column sorted in the database (the actions' codes).

    Gives the same key for codes of up to ``depth`` parts, on SQLite and PostgreSQL alike, and never casts
    (a code such as "A3" is fine); parts beyond ``depth`` are left to the plain code, which callers add as
    the next sort key.
    """
    rest: Any = Concat(F(field), Value("."))
    key: Any = None
    for _ in range(depth):
        dot = StrIndex(rest, Value("."))
        part = Substr(rest, 1, dot - 1)
        # At least the width, never cut (LPAD cuts a longer string).
        padded = LPad(part, Greatest(Length(part), Value(CODE_PART_WIDTH)), Value("0"))
        if key is None:
            key = padded
        else:  # a code with fewer parts adds nothing here
            key = Concat(
                key, Case(When(Exact(dot, 1), then=Value("")), default=Concat(Value("."), padded))
            )
        # Appending a dot keeps one in the remainder, so the next part's length is never negative.
        rest = Concat(Substr(rest, dot + 1), Value("."))
    return key


class Country(models.Model):
    iso3 = models.CharField(
        "ISO code", max_length=3, unique=True, validators=[iso3_validator], help_text="e.g. JAM"
    )
    name = models.CharField(max_length=100, unique=True)
    caricom_member = models.BooleanField("CARICOM member", default=True)
    adopted_on = models.DateField("adopted the Roadmap on", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("iso3"), 3) & models.Q(iso3=Upper("iso3")),
                name="country_iso3_three_upper_case_letters",
                violation_error_message="The ISO code must be three capital letters.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("country", args=[self.iso3.lower()])

    def clean(self) -> None:
        self.iso3 = (self.iso3 or "").strip().upper()


class Goal(OfficialText):
    number = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    # Official translations, entered by an administrator from an official document.
    title_es = models.CharField("title (Spanish)", max_length=300, blank=True)
    title_fr = models.CharField("title (French)", max_length=300, blank=True)
    title_nl = models.CharField("title (Dutch)", max_length=300, blank=True)
    description_es = models.TextField("description (Spanish)", blank=True)
    description_fr = models.TextField("description (French)", blank=True)
    description_nl = models.TextField("description (Dutch)", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=4),
                name="goal_number_1_to_4",
                violation_error_message="The Roadmap has four goals, numbered 1 to 4.",
            ),
        ]

    def __str__(self) -> str:
        return f"Goal {self.number}"

    @property
    def short_title(self) -> str:
        return f"Goal {self.number}: {self.title}"


class Target(OfficialText):
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="targets")
    code = models.CharField(max_length=20, unique=True, validators=[dotted_code_validator])
    title = models.CharField(max_length=500)
    title_es = models.CharField("title (Spanish)", max_length=500, blank=True)
    title_fr = models.CharField("title (French)", max_length=500, blank=True)
    title_nl = models.CharField("title (Dutch)", max_length=500, blank=True)
    # Zero-padded copy of the code so that the database sorts 1.10 after 1.9.
    sort_key = models.CharField(max_length=100, editable=False, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_key"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.sort_key = natural_sort_key(self.code)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.code and self.goal_id:
            goal_number = self.code.split(".")[0]
            if goal_number != str(self.goal.number):
                raise ValidationError(
                    {
                        "code": f"A target of goal {self.goal.number} has a code starting "
                        f'"{self.goal.number}.", not "{goal_number}".'
                    }
                )


class Indicator(OfficialText):
    """A regional key performance indicator (KPI) definition."""

    class Unit(models.TextChoices):
        COUNT = "count", "count"
        PERCENT = "percent", "percent"
        YES_NO = "yes_no", "yes/no"

    class Direction(models.TextChoices):
        HIGHER = "higher", "higher is better"
        LOWER = "lower", "lower is better"

    code = models.CharField(max_length=20, unique=True)
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="indicators")
    title = models.CharField(max_length=300)
    title_es = models.CharField("title (Spanish)", max_length=300, blank=True)
    title_fr = models.CharField("title (French)", max_length=300, blank=True)
    title_nl = models.CharField("title (Dutch)", max_length=300, blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.COUNT)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__in=["count", "percent", "yes_no"]),
                name="indicator_unit_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(direction__in=["higher", "lower"]),
                name="indicator_direction_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
