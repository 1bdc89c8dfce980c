"""The status scale and plan lifecycle, shared by models, formulas, charts and forms."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    """An action's status, after the Open Government Partnership's completion levels."""

    NOT_STARTED = "not_started", pgettext_lazy("status", "Not started")
    LIMITED = "limited", pgettext_lazy("status", "Limited progress")
    SUBSTANTIAL = "substantial", pgettext_lazy("status", "Substantial progress")
    COMPLETED = "completed", pgettext_lazy("status", "Completed")
    NOT_APPLICABLE = "not_applicable", pgettext_lazy("status", "Not applicable")


class Stage(models.TextChoices):
    """Where a national action plan stands in its lifecycle, in order."""

    NOT_STARTED = "not_started", pgettext_lazy("stage", "Not started")
    SEMINAR_HELD = "seminar_held", pgettext_lazy("stage", "Executive seminar held")
    DRAFTING = "drafting", pgettext_lazy("stage", "Drafting")
    DRAFT_COMPLETED = "draft_completed", pgettext_lazy("stage", "Draft completed")
    APPROVED = "approved", pgettext_lazy("stage", "Formally approved")


STAGE_ORDER: list[str] = list(Stage.values)
# A plan counts among "the drafted plans" from this stage on.
DRAFTED_STAGES: list[str] = [Stage.DRAFT_COMPLETED, Stage.APPROVED]
# The ActionPlan field that holds the date each stage was reached ("not started" has none).
STAGE_DATE_FIELDS: dict[str, str] = {
    Stage.SEMINAR_HELD: "seminar_held_on",
    Stage.DRAFTING: "drafting_started_on",
    Stage.DRAFT_COMPLETED: "draft_completed_on",
    Stage.APPROVED: "approved_on",
}


# One colour-blind-safe palette (Okabe-Ito) for every chart, badge and legend: a status has the same
# colour everywhere. Templates use the matching CSS classes "status-<value>".
STATUS_COLOURS: dict[str, str] = {
    Status.NOT_STARTED: "#8C8C8C",
    Status.LIMITED: "#E69F00",
    Status.SUBSTANTIAL: "#56B4E9",
    Status.COMPLETED: "#009E73",
    Status.NOT_APPLICABLE: "#D9D9D9",
}
BASELINE_COLOUR = "#999999"
CURRENT_COLOUR = "#0072B2"
OVERDUE_COLOUR = "#D55E00"
