from __future__ import annotations

from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from plans import progress
from plans.choices import Stage
from plans.models import Action, ActionPlan, IndicatorValue, Milestone, StatusUpdate

pytestmark = pytest.mark.django_db
AS_OF = "2026-11-28"


def snapshot() -> dict[str, object]:
    return {
        "plans": list(
            ActionPlan.objects.order_by("country__iso3").values_list("country__iso3", "stage")
        ),
        "actions": list(
            Action.objects.order_by("plan__country__iso3", "code").values_list(
                "plan__country__iso3", "code", "title", "status", "baseline_status", "due_date"
            )
        ),
        "updates": StatusUpdate.objects.count(),
        "milestones": Milestone.objects.count(),
        "values": IndicatorValue.objects.count(),
    }


def test_loading_twice_gives_the_same_data_without_duplicates(settings) -> None:
    settings.DEBUG = True
    call_command("load_demo", "--as-of", AS_OF, stdout=StringIO())
    first = snapshot()
    call_command("load_demo", "--as-of", AS_OF, stdout=StringIO())
    assert snapshot() == first
    assert User.objects.filter(username__in=["admin", "impacs", "partner"]).count() == 3


def test_the_12_drafted_plans_are_at_their_real_stages(demo) -> None:
    stages = dict(ActionPlan.objects.values_list("country__iso3", "stage"))
    assert sorted(k for k, v in stages.items() if v == Stage.APPROVED) == sorted(
        ["ATG", "BLZ", "GRD", "GUY", "KNA", "LCA", "HTI"]
    )
    assert sorted(k for k, v in stages.items() if v == Stage.DRAFT_COMPLETED) == sorted(
        ["BRB", "JAM", "VCT", "SUR", "TTO"]
    )
    assert stages["BHS"] == Stage.DRAFTING
    assert "DMA" not in stages and "MSR" not in stages
    assert ActionPlan.objects.drafted().count() == 12


def test_known_dates_are_kept(demo) -> None:
    tto = ActionPlan.objects.get(country__iso3="TTO")
    assert str(tto.seminar_held_on) == "2020-10-26"
    assert str(tto.baseline_assessed_on) == "2022-06-28"
    assert str(ActionPlan.objects.get(country__iso3="GRD").baseline_assessed_on) == "2022-06-30"
    assert str(ActionPlan.objects.get(country__iso3="HTI").seminar_held_on) == "2022-02-15"


def test_each_drafted_plan_has_20_to_40_actions_across_four_goals(demo) -> None:
    for plan in ActionPlan.objects.drafted().with_progress():
        assert 20 <= plan.action_count <= 40
        assert set(plan.actions.values_list("goal__number", flat=True)) == {1, 2, 3, 4}
        assert plan.kpis.exists()


def test_history_is_consistent_with_each_action_status(demo) -> None:
    for action in Action.objects.prefetch_related("updates")[:80]:
        chain = sorted(action.updates.all(), key=lambda u: (u.reported_on, u.recorded_at, u.pk))
        if chain:
            assert chain[0].from_status == action.baseline_status
            assert chain[-1].to_status == action.status
            for before, after in pairwise(chain):
                assert before.to_status == after.from_status


def test_the_demo_headline_has_some_complete_plans(demo) -> None:
    plans = ActionPlan.objects.drafted().with_progress()
    headline = progress.headline(p.is_complete for p in plans)
    assert headline.drafted == 12
    assert 0 < headline.complete < 12


def test_demo_users_are_refused_with_debug_off(settings) -> None:
    settings.DEBUG = False
    err = StringIO()
    call_command("load_demo", "--as-of", AS_OF, stdout=StringIO(), stderr=err)
    assert not User.objects.filter(username__in=["admin", "impacs", "partner"]).exists()
    assert "DEBUG is off" in err.getvalue()
    assert ActionPlan.objects.drafted().count() == 12


def test_if_empty_leaves_recorded_work_alone(settings) -> None:
    settings.DEBUG = True
    call_command("load_demo", "--as-of", AS_OF, stdout=StringIO())
    Action.objects.filter(code="1.1").update(title="Changed by staff")
    out = StringIO()
    call_command("load_demo", "--as-of", AS_OF, if_empty=True, stdout=out)
    assert "leaving them" in out.getvalue()
    assert Action.objects.filter(title="Changed by staff").exists()
