"""Each rule is refused by the database itself, not only by a form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from plans.models import Action, ActionPlan, IndicatorValue, StatusUpdate
from roadmap.models import Country, Goal, Indicator, Target
from tests.builders import goal, make_action, make_kpi, make_plan, make_value

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The builders write through plans/services.py, which validates first: skip that here, so that
    each write reaches the database and the database alone refuses it."""
    monkeypatch.setattr("plans.services._validate", lambda obj, **kwargs: None)


def refused(write: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_country_code_is_unique() -> None:
    refused(lambda: Country.objects.create(iso3="JAM", name="Jamaica again"))


def test_country_code_must_be_three_upper_case_letters() -> None:
    refused(lambda: Country.objects.create(iso3="jam", name="Lower case"))
    refused(lambda: Country.objects.create(iso3="JA", name="Too short"))


def test_goal_number_is_unique_and_one_to_four() -> None:
    refused(lambda: Goal.objects.create(number=1, title="Duplicate"))
    refused(lambda: Goal.objects.create(number=5, title="Fifth goal"))


def test_target_and_indicator_codes_are_unique() -> None:
    Target.objects.create(goal=goal(1), code="1.3", title="A")
    refused(lambda: Target.objects.create(goal=goal(1), code="1.3", title="B"))
    Indicator.objects.create(code="K1", goal=goal(1), title="A")
    refused(lambda: Indicator.objects.create(code="K1", goal=goal(1), title="B"))


def test_indicator_unit_and_direction_must_be_known() -> None:
    refused(lambda: Indicator.objects.create(code="K2", goal=goal(1), title="A", unit="litres"))
    refused(lambda: Indicator.objects.create(code="K3", goal=goal(1), title="A", direction="up"))


def test_a_country_has_at_most_one_current_plan() -> None:
    make_plan("JAM")
    refused(lambda: make_plan("JAM"))
    # An earlier, no longer current plan is fine.
    make_plan("JAM", is_current=False, start_year=2015, end_year=2020)
    assert ActionPlan.objects.filter(country__iso3="JAM").count() == 2


def test_plan_stage_must_be_known_and_period_ordered() -> None:
    refused(lambda: make_plan("JAM", stage="published"))
    refused(lambda: make_plan("BRB", start_year=2025, end_year=2024))


def test_action_code_is_unique_within_a_plan_only() -> None:
    jam, brb = make_plan("JAM"), make_plan("BRB")
    make_action(jam, code="1.1")
    make_action(brb, code="1.1")
    refused(lambda: make_action(jam, code="1.1"))


def test_action_due_date_not_before_start() -> None:
    plan = make_plan()
    refused(
        lambda: make_action(plan, start_date=dt.date(2025, 5, 1), due_date=dt.date(2025, 4, 30))
    )


def test_action_status_values_must_be_known() -> None:
    plan = make_plan()
    refused(lambda: make_action(plan, status="done"))
    refused(lambda: make_action(plan, baseline_status="half"))


def test_status_update_needs_a_note_and_known_statuses() -> None:
    action = make_action(make_plan())
    base = {"action": action, "reported_on": dt.date(2024, 1, 1)}
    refused(
        lambda: StatusUpdate.objects.create(
            **base, from_status="not_started", to_status="completed", note=""
        )
    )
    refused(
        lambda: StatusUpdate.objects.create(
            **base, from_status="x", to_status="completed", note="n"
        )
    )
    refused(
        lambda: StatusUpdate.objects.create(
            **base, from_status="not_started", to_status="y", note="n"
        )
    )


def test_kpi_is_once_per_plan_and_target_year_not_before_baseline() -> None:
    plan = make_plan()
    kpi = make_kpi(plan)
    refused(lambda: make_kpi(plan, indicator=kpi.indicator))
    refused(lambda: make_kpi(plan, baseline_year=2024, target_year=2023))


def test_one_kpi_value_a_year_but_superseded_values_are_kept() -> None:
    kpi = make_kpi(make_plan())
    first = make_value(kpi, 2024, 12)
    refused(
        lambda: IndicatorValue.objects.create(indicator_target=kpi, year=2024, value=Decimal(13))
    )
    IndicatorValue.objects.filter(pk=first.pk).update(
        superseded_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    make_value(kpi, 2024, 13)
    assert [v.value for v in kpi.values.in_force()] == [Decimal(13)]
    assert kpi.values.count() == 2


def test_rules_that_span_tables_are_checked_in_clean() -> None:
    from django.core.exceptions import ValidationError

    target = Target.objects.create(goal=goal(2), code="2.1", title="Ports")
    action = Action(
        plan=make_plan(),
        goal=goal(1),
        target=target,
        code="X",
        title="t",
        start_date=dt.date(2024, 1, 1),
        due_date=dt.date(2024, 2, 1),
    )
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert "belongs to goal 2" in str(error.value)

    with pytest.raises(ValidationError, match=r'starting "1\."'):
        Target(goal=goal(1), code="2.4", title="Wrong goal").full_clean()


def test_status_history_cannot_be_changed_once_written() -> None:
    from django.core.exceptions import ValidationError

    action = make_action(make_plan())
    update = StatusUpdate.objects.create(
        action=action,
        from_status="not_started",
        to_status="limited",
        reported_on=dt.date(2024, 1, 1),
        note="Begun",
    )
    update.note = "Rewritten"
    with pytest.raises(ValidationError, match="append-only"):
        update.save()
    update.refresh_from_db()
    assert update.note == "Begun"
