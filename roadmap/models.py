"""The regional framework of the Caribbean Firearms Roadmap: reference data that rarely changes."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length, Upper
from django.db.models.lookups import Exact
from django.urls import reverse

iso3_validator = RegexValidator(
    r"^[A-Z]{3}$", "Enter an ISO 3166 alpha-3 code: three capital letters, such as JAM."
)
dotted_code_validator = RegexValidator(
    r"^[1-9][0-9]*(\.[1-9][0-9]*)*$",
    'Enter a dotted code of whole numbers, such as "1.3" or "1.3.3".',
)


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
    """A key that sorts dotted codes by number, so that 1.10 comes after 1.9."""
    return ".".join(part.zfill(4) if part.isdigit() else part for part in re.split(r"\.", code))


class Country(models.Model):
    iso3 = models.CharField(
        "ISO code", max_length=3, unique=True, validators=[iso3_validator], help_text="e.g. JAM"
    )
    name = models.CharField(max_length=100, unique=True)
    caricom_member = models.BooleanField("CARICOM member", default=True)
    adopted_on = models.DateField("adopted the Roadmap on", null=True, blank=True)

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
