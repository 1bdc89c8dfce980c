"""The tables' cells are fast without patching django-tables2: a method's signature is worked out once per
table, not once per cell (inspect.signature() was half the time of an export)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django.test import Client
from django_tables2.rows import BoundRows

from plans.models import Action
from plans.tables import ActionTable, CellCaller
from tests.builders import make_action, make_plan

pytestmark = pytest.mark.django_db


def signature_calls(monkeypatch: pytest.MonkeyPatch, work: Any) -> int:
    """How many times ``work`` asks inspect.signature()."""
    calls = 0
    real = inspect.signature

    def counting(fn: Any, *args: Any, **kwargs: Any) -> inspect.Signature:
        nonlocal calls
        calls += 1
        return real(fn, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(inspect, "signature", counting)
        work()
    return calls


def test_an_export_reads_signatures_per_table_not_per_cell(
    partner_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = make_plan()
    for _ in range(5):
        make_action(plan)

    def export() -> None:
        assert partner_client.get("/actions/?export=csv").status_code == 200

    export()  # what happens on the first request only (URL patterns, templates) is not counted
    few = signature_calls(monkeypatch, export)
    for _ in range(45):
        make_action(plan)
    many = signature_calls(monkeypatch, export)

    assert many == few  # ten times the rows, not one more look-up
    assert few < 3 * len(ActionTable.base_columns)


def test_a_cell_callers_signature_is_ready_made() -> None:
    caller = CellCaller(ActionTable.render_goal)
    assert inspect.signature(caller) is CellCaller.__signature__


def test_the_cells_say_the_same_with_and_without_the_speed_up() -> None:
    plan = make_plan()
    make_action(plan, code="1.10", title="=cmd")
    make_action(plan, code="1.9", lead_agency="")

    fast = list(ActionTable(Action.objects.all()).as_values())
    plain = ActionTable(Action.objects.all())
    plain.rows = BoundRows(data=plain.data, table=plain)  # the library's own rows and calls
    for bound_column in plain.columns.iterall():
        for name in ("render", "value"):
            caller = getattr(bound_column, name)
            assert isinstance(caller, CellCaller)
            setattr(bound_column, name, caller.fn)

    assert list(plain.as_values()) == fast
    assert [row[1] for row in fast[1:]] == ["1.9", "1.10"]  # natural order of codes
