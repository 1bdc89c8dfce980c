"""Each rule lives in one place, and every page that shows it agrees with that place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from plans import progress
from plans.charts import TITLE_SPACE
from plans.choices import STAGE_DATE_FIELDS, Stage
from plans.models import Action, ActionPlan, Milestone
from plans.views.lists import countries_with_progress
from roadmap.models import Indicator, natural_code_key, natural_sort_key
from tests.builders import make_action, make_milestone, make_plan

pytestmark = pytest.mark.django_db
CODES = ["1", "1.9", "1.10", "2.1.3", "10.2", "A3", "1.12345", "3.2.1.4"]


def test_the_database_sorts_codes_with_the_same_key_as_python() -> None:
    plan = make_plan()
    for code in CODES:
        make_action(plan, code=code)
    keys = dict(Action.objects.annotate(key=natural_code_key("code")).values_list("code", "key"))
    del keys["3.2.1.4"]  # beyond three parts the plain code, the next sort key, decides
    assert keys == {code: natural_sort_key(code) for code in keys}
    assert natural_sort_key("1.10") > natural_sort_key("1.9")


def test_actions_come_in_code_order_under_each_goal() -> None:
    plan = make_plan()
    for code in ["1.10", "1.9", "1.2"]:
        make_action(plan, code=code)
    codes = list(Action.objects.filter(plan=plan).in_code_order().values_list("code", flat=True))
    assert codes == ["1.2", "1.9", "1.10"]


def test_each_stage_has_its_date_field_on_the_plan_and_in_the_countries_list() -> None:
    assert set(STAGE_DATE_FIELDS) == set(Stage.values) - {Stage.NOT_STARTED}
    dates: dict[str, Any] = {
        field: dt.date(2022, 1, n) for n, field in enumerate(STAGE_DATE_FIELDS.values(), 1)
    }
    plan = make_plan(stage=Stage.DRAFTING, **dates)
    assert plan.stage_reached_on == dates["drafting_started_on"]
    assert [label for label, _ in plan.stage_dates()] == [
        Stage(stage).label for stage in STAGE_DATE_FIELDS
    ]
    for stage in Stage.values:
        ActionPlan.objects.filter(pk=plan.pk).update(stage=stage)
        plan.refresh_from_db()
        listed = countries_with_progress().get(iso3="JAM")
        assert listed.stage_reached_on == plan.stage_reached_on


def test_a_milestone_is_late_by_one_rule_on_the_page_and_in_the_counts() -> None:
    action = make_action(make_plan())
    today = timezone.localdate()
    late = make_milestone(action, due_date=today - dt.timedelta(days=1))
    make_milestone(action, due_date=today - dt.timedelta(days=1), completed_on=today)
    make_milestone(action, due_date=today)
    assert [m.pk for m in Milestone.objects.all() if m.is_late] == [late.pk]
    assert list(Milestone.objects.late(today)) == [late]


def test_kpi_values_read_the_same_everywhere() -> None:
    assert progress.kpi_value(Decimal("12.50"), Indicator.Unit.PERCENT) == "12.5 %"
    assert progress.kpi_value(Decimal("340.00"), Indicator.Unit.COUNT) == "340"
    assert progress.kpi_value(Decimal("1.00"), Indicator.Unit.YES_NO) == "Yes"
    assert progress.kpi_value(None, Indicator.Unit.COUNT) == "–"
    assert progress.percent(42.6) == "43 %"


def test_the_title_space_is_handed_to_the_chart_script_not_written_in_it() -> None:
    script = (Path(__file__).parent.parent / "static" / "js" / "charts.js").read_text()
    assert str(TITLE_SPACE) not in script
    assert "dataset.titleSpace" in script
