from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from plans.roles import IMPACS_STAFF, PARTNER_OFFICIALS
from roadmap.models import Country, Goal

pytestmark = pytest.mark.django_db


def test_every_new_database_has_the_16_states() -> None:
    assert Country.objects.count() == 16
    members = set(Country.objects.filter(caricom_member=True).values_list("iso3", flat=True))
    assert len(members) == 15
    assert Country.objects.get(iso3="DOM").caricom_member is False
    assert Country.objects.get(iso3="VCT").name == "Saint Vincent and the Grenadines"


def test_the_four_goals_are_verbatim() -> None:
    assert list(Goal.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert Goal.objects.get(number=2).title == (
        "Reduce the illicit flow of firearms and ammunition into, within and beyond the region."
    )


def test_partner_officials_can_only_view() -> None:
    codenames = set(
        Group.objects.get(name=PARTNER_OFFICIALS).permissions.values_list("codename", flat=True)
    )
    assert codenames and all(c.startswith("view_") for c in codenames)
    assert "view_action" in codenames


def test_impacs_staff_can_record_updates_milestones_and_kpi_values() -> None:
    codenames = set(
        Group.objects.get(name=IMPACS_STAFF).permissions.values_list("codename", flat=True)
    )
    assert {
        "view_action",
        "add_statusupdate",
        "change_milestone",
        "add_indicatorvalue",
    } <= codenames
    assert "change_statusupdate" not in codenames
    assert "delete_statusupdate" not in codenames
