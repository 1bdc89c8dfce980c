"""End to end in Chromium: IMPACS staff download Jamaica's workbook, change an action's title and a KPI
value, upload it, see both changes old -> new in the preview, apply, and see them on the action page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.browser import MARKS, chromium, collect_errors, sign_in
from tests.builders import (
    goal,
    make_action,
    make_impacs,
    make_indicator,
    make_kpi,
    make_plan,
    make_value,
)
from tests.workbook_support import find_row

pytestmark = MARKS


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def test_staff_round_trip_a_plan_workbook(live_server: Any, browser: Any, tmp_path: Path) -> None:
    plan = make_plan("JAM")
    action = make_action(plan, code="1.2", title="Review the firearms act", goal=goal(1))
    kpi = make_kpi(plan, make_indicator("K-1", goal=goal(1), title="Laws reviewed"))
    make_value(kpi, 2024, 3)
    user = make_impacs("impacs")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    sign_in(context, live_server.url, user)
    page = context.new_page()
    errors = collect_errors(page)

    page.goto(live_server.url + "/countries/jam/")
    with page.expect_download() as download_info:
        page.click("text=Download the plan as a workbook")
    download = download_info.value
    assert download.suggested_filename == "plan-jam.xlsx"
    path = tmp_path / "plan-jam.xlsx"
    download.save_as(path)

    book = load_workbook(path)
    actions = book["Actions"]
    actions.cell(
        row=find_row(actions, 1, "1.2"), column=4
    ).value = "Review and amend the firearms act"
    values = book["KPI values"]
    values.cell(row=find_row(values, 1, "K-1"), column=3).value = 5
    book.save(path)

    page.click("text=Import a workbook")
    page.set_input_files("#id_workbook", str(path))
    page.click("text=Preview the changes")
    preview = " ".join(page.inner_text("main").split())
    assert "Title: Review the firearms act → Review and amend the firearms act" in preview
    assert "Value: 3 → 5" in preview
    shots = Path(os.environ.get("SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "workbook-preview-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "workbook-preview-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    page.click("text=Apply these changes")
    assert page.url == live_server.url + "/countries/jam/"
    assert "plan-jam.xlsx imported" in page.inner_text(".messages")

    page.goto(live_server.url + action.get_absolute_url())
    text = page.inner_text("main")
    assert "Review and amend the firearms act" in text
    assert "5 (2024)" in " ".join(text.split())
    changes = " ".join(page.inner_text("#changes").split())
    assert "via import of plan-jam.xlsx" in changes
    assert "Review the firearms act -> Review and amend the firearms act" in changes
    history = action.history.order_by("-history_date").first()  # type: ignore[attr-defined]
    assert history.history_change_reason == "import of plan-jam.xlsx"
    assert history.history_user == user
    assert kpi.values.in_force().get(year=2024).value == 5
    assert errors == []
    context.close()
