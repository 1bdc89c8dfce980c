"""Administrators export and import the Roadmap's targets and KPI definitions as a workbook."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from roadmap.models import Indicator, Target
from tests.builders import goal, make_indicator
from tests.workbook_support import edited, snapshot, upload

URL = "/admin/reference-workbook/import/"


@pytest.fixture
def reference(db: None) -> None:
    Target.objects.create(goal=goal(1), code="1.1", title="Harmonise the legislation")
    Target.objects.create(goal=goal(1), code="1.10", title="Tenth target")
    make_indicator("K1", title="Firearms seized", unit=Indicator.Unit.COUNT)


def exported(client: Client) -> bytes:
    response = client.get("/admin/reference-workbook/reference.xlsx")
    assert response.status_code == 200
    return response.content


def test_the_export_lists_targets_and_kpi_definitions(
    reference: None, admin_user_client: Client
) -> None:
    book = load_workbook(io.BytesIO(exported(admin_user_client)))
    assert [c.value for c in book["Targets"][2]] == [1, "1.1", "Harmonise the legislation"]
    assert [c.value for c in book["Targets"][3]][1] == "1.10"
    assert [c.value for c in book["KPI definitions"][2]] == [
        "K1",
        2,
        "Firearms seized",
        "count",
        "higher is better",
    ]
    assert (
        "/admin/reference-workbook/import/"
        in admin_user_client.get("/admin/roadmap/target/").content.decode()
    )


def test_site_users_cannot_reach_it(reference: None, impacs_client: Client) -> None:
    assert impacs_client.get(URL).status_code == 302  # the admin's sign-in: not staff


def test_an_unedited_export_previews_as_no_changes(
    reference: None, admin_user_client: Client
) -> None:
    response = admin_user_client.post(URL, {"workbook": upload(exported(admin_user_client))})
    assert "No changes" in response.content.decode()


def test_the_preview_shows_new_and_changed_rows_and_errors_at_their_cell(
    reference: None, admin_user_client: Client
) -> None:
    def change(book: Any) -> None:
        book["Targets"].append([2, "2.1", "Secure the borders"])
        book["KPI definitions"]["C2"] = "Firearms and ammunition seized"

    before = snapshot()
    page = admin_user_client.post(
        URL, {"workbook": upload(edited(exported(admin_user_client), change))}
    ).content.decode()
    assert "Secure the borders" in page
    assert "Firearms seized → Firearms and ammunition seized" in page
    assert 'name="token"' in page
    bad = edited(exported(admin_user_client), lambda b: b["Targets"].append([2, "3.1", "Wrong"]))
    response = admin_user_client.post(URL, {"workbook": upload(bad)})
    assert response.status_code == 400
    assert "Targets!B4: a target of goal 2 has a code starting “2.”." in response.content.decode()
    assert snapshot() == before


def test_apply_writes_the_changes(reference: None, admin_user_client: Client) -> None:
    def change(book: Any) -> None:
        book["Targets"].append([2, "2.1", "Secure the borders"])
        book["KPI definitions"]["C2"] = "Firearms and ammunition seized"

    response = admin_user_client.post(
        URL, {"workbook": upload(edited(exported(admin_user_client), change))}
    )
    applied = admin_user_client.post(URL, {"token": response.context["token"]})
    assert applied.status_code == 302
    assert Target.objects.get(code="2.1").title == "Secure the borders"
    assert Indicator.objects.get(code="K1").title == "Firearms and ammunition seized"
