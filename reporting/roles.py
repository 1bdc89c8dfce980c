"""The reporting cycle's group and permissions (made by reporting/migrations/0002_groups.py)."""

from __future__ import annotations

from plans.roles import IMPACS_STAFF, VIEWABLE_MODELS
from plans.visibility import NATIONAL_FOCAL_POINTS

# Focal points read what IMPACS and partners read (narrowed to their countries by plans/visibility.py)
# and submit reports; IMPACS staff review them and run the cycles.
FOCAL_POINT_EXTRA = [("reporting", "submit_report"), ("reporting", "view_submission")]
IMPACS_REPORTING = [
    ("reporting", "review_submission"),
    ("reporting", "view_submission"),
    ("reporting", "view_reportingcycle"),
]


def reporting_permissions() -> dict[str, list[tuple[str, str]]]:
    view = [(app, f"view_{model}") for app, model in VIEWABLE_MODELS]
    return {NATIONAL_FOCAL_POINTS: view + FOCAL_POINT_EXTRA, IMPACS_STAFF: IMPACS_REPORTING}
