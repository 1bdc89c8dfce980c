"""The two user groups and their permissions (made by a data migration; see DESIGN.md "Roles")."""

from __future__ import annotations

IMPACS_STAFF = "IMPACS staff"
PARTNER_OFFICIALS = "Partner officials"

VIEWABLE_MODELS: list[tuple[str, str]] = [
    ("roadmap", "country"),
    ("roadmap", "goal"),
    ("roadmap", "target"),
    ("roadmap", "indicator"),
    ("plans", "actionplan"),
    ("plans", "action"),
    ("plans", "milestone"),
    ("plans", "statusupdate"),
    ("plans", "indicatortarget"),
    ("plans", "indicatorvalue"),
]

# What IMPACS staff may do on the site beyond reading: record status updates, complete or reopen
# milestones, enter and correct national KPI values.
IMPACS_EXTRA: list[tuple[str, str]] = [
    ("plans", "add_statusupdate"),
    ("plans", "change_milestone"),
    ("plans", "add_indicatorvalue"),
    ("plans", "change_indicatorvalue"),
]


def group_permissions() -> dict[str, list[tuple[str, str]]]:
    """(app label, codename) of every permission of each group."""
    view = [(app, f"view_{model}") for app, model in VIEWABLE_MODELS]
    return {PARTNER_OFFICIALS: view, IMPACS_STAFF: view + IMPACS_EXTRA}
