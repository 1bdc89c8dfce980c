"""The formulas of DESIGN.md, and the SQL that computes the same numbers for lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plans import progress
from plans.choices import Stage, Status
from plans.models import ActionPlan, StatusUpdate
from tests.builders import make_action, make_plan, make_update

NS, LP, SP, C, NA = (
    Status.NOT_STARTED,
    Status.LIMITED,
    Status.SUBSTANTIAL,
    Status.COMPLETED,
    Status.NOT_APPLICABLE,
)


def test_action_scores_follow_the_completion_levels() -> None:
    assert [progress.action_score(s) for s in (NS, LP, SP, C)] == [0, 1 / 3, 2 / 3, 1]
    assert progress.action_score(NA) is None


def test_completion_is_the_mean_score_of_applicable_actions() -> None:
    assert progress.completion([C, NS]) == 50
    assert progress.completion([LP, SP, C]) == pytest.approx(200 / 3)


def test_not_applicable_actions_are_left_out_of_the_denominator() -> None:
    assert progress.completion([C, NA, NA]) == 100
    assert progress.is_complete([C, NA])


def test_an_empty_plan_has_no_completion_and_is_not_complete() -> None:
    assert progress.completion([]) is None
    assert progress.completion([NA]) is None
    assert not progress.is_complete([])
    assert not progress.is_complete([NA])


def test_a_plan_with_one_open_action_is_not_complete() -> None:
    assert not progress.is_complete([C, C, SP])


def test_kpi_progress_is_clamped_between_baseline_and_target() -> None:
    assert progress.kpi_progress(10, 30, 20) == 50
    assert progress.kpi_progress(10, 30, 5) == 0
    assert progress.kpi_progress(10, 30, 45) == 100
    assert progress.kpi_progress(10, 30, None) is None


def test_a_lower_is_better_kpi_works_through_the_same_formula() -> None:
    assert progress.kpi_progress(60, 40, 50, lower_is_better=True) == 50
    assert progress.kpi_progress(60, 40, 70, lower_is_better=True) == 0
    assert progress.kpi_progress(60, 40, 30, lower_is_better=True) == 100


def test_target_equal_to_baseline_is_100_percent_once_reached() -> None:
    assert progress.kpi_progress(Decimal(5), Decimal(5), Decimal(5)) == 100
    assert progress.kpi_progress(5, 5, 4) == 0
    assert progress.kpi_progress(5, 5, 4, lower_is_better=True) == 100
    assert progress.kpi_progress(5, 5, 6, lower_is_better=True) == 0


def test_overdue_means_due_date_passed_and_not_closed() -> None:
    today = dt.date(2025, 1, 10)
    assert progress.is_overdue(SP, dt.date(2025, 1, 9), today)
    assert not progress.is_overdue(SP, dt.date(2025, 1, 10), today)
    assert not progress.is_overdue(C, dt.date(2020, 1, 1), today)
    assert not progress.is_overdue(NA, dt.date(2020, 1, 1), today)


def test_headline_counts_complete_drafted_plans() -> None:
    assert str(progress.headline([True, False, True])) == "2 of 3 drafted plans complete"


def test_status_at_a_past_date_undoes_later_changes() -> None:
    changes = [(dt.date(2023, 3, 1), NS, LP), (dt.date(2024, 3, 1), LP, C)]
    assert progress.status_at(C, changes, dt.date(2023, 1, 1)) == NS
    assert progress.status_at(C, changes, dt.date(2023, 3, 1)) == LP
    assert progress.status_at(C, changes, dt.date(2025, 1, 1)) == C


def test_quarter_ends_cover_the_range() -> None:
    assert progress.quarter_ends(dt.date(2024, 11, 5), dt.date(2025, 4, 1)) == [
        dt.date(2024, 12, 31),
        dt.date(2025, 3, 31),
        dt.date(2025, 6, 30),
    ]


def test_straight_path_reaches_100_at_the_end_of_2030() -> None:
    start = dt.date(2022, 12, 31)
    assert progress.straight_path(start, 20, start) == 20
    assert progress.straight_path(start, 20, dt.date(2030, 12, 31)) == 100
    assert 20 < progress.straight_path(start, 20, dt.date(2026, 12, 31)) < 100


@pytest.mark.django_db
def test_sql_annotations_agree_with_the_pure_formulas() -> None:
    plan = make_plan()
    statuses = [NS, LP, SP, C, NA, C]
    for status in statuses:
        make_action(
            plan,
            status=status,
            baseline_status=NS if status != NA else NA,
            due_date=dt.date(2024, 1, 1),
            start_date=dt.date(2023, 1, 1),
        )
    annotated = ActionPlan.objects.with_progress(today=dt.date(2025, 1, 1)).get(pk=plan.pk)
    assert annotated.completion == pytest.approx(progress.completion(statuses))
    assert annotated.baseline_completion == 0
    assert annotated.action_count == 6
    assert annotated.applicable_count == 5
    assert annotated.overdue_count == 3  # not started, limited, substantial: due and not closed
    assert annotated.is_complete is False


@pytest.mark.django_db
def test_sql_marks_a_plan_complete_and_an_empty_plan_not_complete() -> None:
    done, empty = make_plan("JAM"), make_plan("BRB")
    make_action(done, status=C)
    make_action(done, status=NA)
    plans = {p.pk: p for p in ActionPlan.objects.with_progress()}
    assert plans[done.pk].is_complete is True
    assert plans[done.pk].completion == 100
    assert plans[empty.pk].is_complete is False
    assert plans[empty.pk].completion is None


@pytest.mark.django_db
def test_drafted_plans_are_current_plans_at_draft_completed_or_later() -> None:
    make_plan("JAM", stage=Stage.APPROVED)
    make_plan("BRB", stage=Stage.DRAFT_COMPLETED)
    make_plan("BHS", stage=Stage.DRAFTING)
    make_plan("TTO", stage=Stage.APPROVED, is_current=False)
    assert sorted(ActionPlan.objects.drafted().values_list("country__iso3", flat=True)) == [
        "BRB",
        "JAM",
    ]


@pytest.mark.django_db
def test_completion_at_a_past_date_comes_from_the_history() -> None:
    plan = make_plan()
    a, b = make_action(plan), make_action(plan)
    make_update(a, LP, dt.date(2023, 2, 1))
    make_update(a, C, dt.date(2024, 5, 1))
    make_update(b, SP, dt.date(2023, 8, 1))
    make_update(b, NA, dt.date(2024, 2, 1))

    def from_history(when: dt.date) -> float | None:
        actions = [
            (x.status, [(u.reported_on, u.from_status, u.to_status) for u in x.updates.all()])
            for x in (a, b)
        ]
        return progress.completion_at(actions, when)

    assert from_history(dt.date(2023, 1, 1)) == 0
    assert from_history(dt.date(2023, 3, 31)) == pytest.approx(100 / 6)  # (1/3 + 0) / 2
    assert from_history(dt.date(2023, 9, 30)) == pytest.approx(50)  # (1/3 + 2/3) / 2
    assert from_history(dt.date(2024, 3, 31)) == pytest.approx(100 / 3)  # b not applicable
    assert from_history(dt.date(2024, 6, 30)) == 100

    # The SQL replay (per-quarter sums of changes) gives the same numbers.
    now = ActionPlan.objects.with_progress().get(pk=plan.pk)
    from django.db.models.functions import TruncQuarter

    changes = [
        (row["period"], row["d_score"], row["d_applicable"])
        for row in StatusUpdate.objects.filter(action__plan=plan)
        .annotate(period=TruncQuarter("reported_on"))
        .values("period")
        .annotate(**progress.change_annotations())
    ]
    for when in progress.quarter_ends(dt.date(2023, 1, 1), dt.date(2024, 12, 31)):
        assert progress.replay(now.score_sum, now.applicable_count, changes, when) == pytest.approx(
            from_history(when)
        )


def test_the_mean_leaves_out_unknown_values() -> None:
    assert progress.mean([50, None, 100]) == 75
    assert progress.mean([None]) is None
    assert progress.mean([]) is None


def test_the_regional_trend_is_the_mean_of_the_plans_replayed_quarter_by_quarter() -> None:
    q1, q2 = dt.date(2024, 1, 1), dt.date(2024, 4, 1)
    # Plan A: two actions, now 1 + 1/3; one action went 0 -> 1 in the first quarter of 2024 and the
    # other 0 -> 1/3 in the second. Plan B: one action, now 2/3, moved 0 -> 2/3 in the second.
    plan_a = (4 / 3, 2, [(q1, 1.0, 0), (q2, 1 / 3, 0)])
    plan_b = (2 / 3, 1, [(q2, 2 / 3, 0)])
    points = progress.regional_trend([plan_a, plan_b], dt.date(2023, 12, 1), dt.date(2024, 5, 15))
    assert [when for when, _ in points] == [
        dt.date(2023, 12, 31),
        dt.date(2024, 3, 31),
        dt.date(2024, 5, 15),  # the last point is today, not the end of the quarter
    ]
    values = [value for _, value in points]
    assert values[0] == pytest.approx(0, abs=1e-9)
    assert values[1] == pytest.approx((50 + 0) / 2)
    assert values[2] == pytest.approx((100 * (4 / 3) / 2 + 100 * 2 / 3) / 2)


@pytest.mark.django_db
def test_the_regional_trend_ends_at_todays_regional_completion(demo) -> None:
    from django.db.models.functions import TruncQuarter

    today = dt.date(2026, 11, 28)
    plans = list(ActionPlan.objects.drafted().with_progress(today))
    changes: dict[int, list[tuple[dt.date, float, int]]] = {plan.pk: [] for plan in plans}
    for row in (
        StatusUpdate.objects.annotate(period=TruncQuarter("reported_on"))
        .values("action__plan_id", "period")
        .annotate(**progress.change_annotations())
        .order_by()
    ):
        changes[row["action__plan_id"]].append((row["period"], row["d_score"], row["d_applicable"]))
    points = progress.regional_trend(
        [(p.score_sum, p.applicable_count, changes[p.pk]) for p in plans],
        min(p.baseline_assessed_on for p in plans if p.baseline_assessed_on),
        today,
    )
    assert points[-1][1] == pytest.approx(progress.mean(p.completion for p in plans))
    assert points[0][1] == pytest.approx(progress.mean(p.baseline_completion for p in plans))


def test_the_change_is_in_percentage_points_since_the_baseline() -> None:
    assert progress.completion_change(60.0, 15.0) == 45
    assert progress.completion_change(10.0, 25.0) == -15
    assert progress.completion_change(None, 15.0) is None
    assert progress.completion_change(60.0, None) is None


@pytest.mark.django_db
def test_sql_change_agrees_with_the_pure_formula() -> None:
    plan, empty = make_plan("JAM"), make_plan("BRB")
    make_action(plan, status=C, baseline_status=LP)
    make_action(plan, status=SP, baseline_status=NS)
    plans = {p.pk: p for p in ActionPlan.objects.with_progress()}
    annotated = plans[plan.pk]
    assert annotated.completion_change == pytest.approx(  # type: ignore[attr-defined]
        progress.completion_change(annotated.completion, annotated.baseline_completion)
    )
    assert annotated.completion_change == pytest.approx(100 * (5 / 6 - 1 / 6))  # type: ignore[attr-defined]
    assert plans[empty.pk].completion_change is None  # type: ignore[attr-defined]
