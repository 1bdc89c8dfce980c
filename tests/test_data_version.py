"""Cached figures are keyed on the data version: every kind of write must move it."""

from __future__ import annotations

import datetime as dt

import pytest

from plans import services
from plans.models import DataVersion
from tests.builders import make_action, make_kpi, make_milestone, make_plan, make_update, make_value

pytestmark = pytest.mark.django_db


def moves(write) -> bool:  # type: ignore[no-untyped-def]
    before = DataVersion.current()
    write()
    return DataVersion.current() > before


def test_every_write_to_plan_data_moves_the_version() -> None:
    plan = make_plan()
    action = make_action(plan)
    assert moves(lambda: make_plan("BRB"))
    assert moves(lambda: make_action(plan))
    assert moves(lambda: make_update(action, "limited", dt.date(2024, 1, 1)))
    assert moves(lambda: make_milestone(action))
    kpi = make_kpi(plan)
    assert moves(lambda: make_value(kpi, 2024, 3))
    fresh = make_action(plan)
    assert moves(lambda: services.delete(fresh, by=None, via="test"))
    assert moves(
        lambda: services.update_plan(
            plan=plan, changes={"stage": "draft_completed"}, by=None, via="test"
        )
    )


def test_loading_the_demonstration_moves_the_version(demo) -> None:
    assert DataVersion.current() > 0
