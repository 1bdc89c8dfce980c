"""IMPACS staff mark milestones done or reopen them, and enter or correct national KPI values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plans.models import IndicatorValue, Milestone
from roadmap.models import Indicator
from tests.builders import make_impacs, make_indicator, make_kpi, make_plan, make_value
from tests.pages import messages_of, text_of
from tests.updates_support import TODAY, Site, db_state, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db: None) -> Site:
    return make_site()


def done_url(milestone: Milestone) -> str:
    return reverse("milestone_done", args=[milestone.pk])


def reopen_url(milestone: Milestone) -> str:
    return reverse("milestone_reopen", args=[milestone.pk])


# --- Milestones -----------------------------------------------------------------------------------


def test_the_page_offers_mark_done_for_open_and_reopen_for_done_milestones(
    impacs_client: Client, site: Site
) -> None:
    page = text_of(impacs_client.get(site.action.get_absolute_url()))
    assert f'action="{done_url(site.open_milestone)}"' in page
    assert f'action="{reopen_url(site.done_milestone)}"' in page
    assert f'action="{reopen_url(site.open_milestone)}"' not in page


def test_a_milestone_is_marked_done_on_a_date(impacs_client: Client, site: Site) -> None:
    response = impacs_client.post(
        done_url(site.open_milestone), {"completed_on": "2026-01-15", "loaded": ""}, follow=True
    )
    assert response.redirect_chain == [(site.action.get_absolute_url(), 302)]
    assert messages_of(response) == ["Milestone “Bill drafted” marked done on 15 Jan 2026."]
    assert Milestone.objects.get(pk=site.open_milestone.pk).completed_on == dt.date(2026, 1, 15)


def test_a_done_milestone_is_reopened(impacs_client: Client, site: Site) -> None:
    response = impacs_client.post(
        reopen_url(site.done_milestone), {"loaded": "2024-03-01"}, follow=True
    )
    assert messages_of(response) == ["Milestone “Working group formed” reopened."]
    assert Milestone.objects.get(pk=site.done_milestone.pk).completed_on is None


@pytest.mark.parametrize(
    ("completed_on", "message"),
    [
        ((TODAY + dt.timedelta(days=1)).isoformat(), "The date cannot be in the future"),
        ("", "Give the date the milestone was done."),
        ("tomorrow", "Enter a valid date."),
    ],
    ids=["future date", "no date", "not a date"],
)
def test_a_milestone_date_is_checked_and_nothing_is_written(
    impacs_client: Client, site: Site, completed_on: str, message: str
) -> None:
    before = db_state()
    response = impacs_client.post(
        done_url(site.open_milestone), {"completed_on": completed_on, "loaded": ""}
    )
    assert response.status_code == 400
    assert db_state() == before
    assert messages_of(response) == ["Milestone “Bill drafted” was not changed: see below."]
    page = text_of(response)
    assert message in page
    assert f'value="{completed_on}"' in page or not completed_on  # what was typed is kept


def test_marking_done_a_milestone_someone_else_just_marked_done_changes_nothing(
    impacs_client: Client, site: Site
) -> None:
    Milestone.objects.filter(pk=site.open_milestone.pk).update(completed_on=dt.date(2026, 2, 1))
    before = db_state()
    response = impacs_client.post(
        done_url(site.open_milestone), {"completed_on": "2026-01-15", "loaded": ""}
    )
    assert response.status_code == 409
    assert db_state() == before
    assert messages_of(response) == [
        "Milestone “Bill drafted” was not changed: someone else marked it done on 1 Feb 2026 "
        "after you opened the page. Nothing was overwritten; check it and try again if needed."
    ]


def test_reopening_a_milestone_someone_else_just_reopened_changes_nothing(
    impacs_client: Client, site: Site
) -> None:
    Milestone.objects.filter(pk=site.done_milestone.pk).update(completed_on=None)
    before = db_state()
    response = impacs_client.post(reopen_url(site.done_milestone), {"loaded": "2024-03-01"})
    assert response.status_code == 409
    assert db_state() == before
    assert "someone else reopened it after you opened the page" in messages_of(response)[0]


# --- National KPI values --------------------------------------------------------------------------


def test_a_value_is_entered_for_a_year(impacs_client: Client, impacs: User, site: Site) -> None:
    response = impacs_client.post(site.kpi_url(), site.kpi_data(value="17"), follow=True)
    assert response.redirect_chain == [(site.action.get_absolute_url(), 302)]
    assert messages_of(response) == ["SEIZED for 2025 saved: 17."]
    value = IndicatorValue.objects.in_force().get(indicator_target=site.kpi, year=2025)
    assert (value.value, value.note, value.author) == (
        Decimal("17"),
        "Customs annual report.",
        impacs,
    )


def test_a_correction_supersedes_the_value_and_keeps_it_in_the_history(
    impacs_client: Client, site: Site
) -> None:
    response = impacs_client.post(
        site.kpi_url(), site.kpi_data(year=2024, value="14", correction="on"), follow=True
    )
    assert messages_of(response) == [
        "SEIZED for 2024 corrected from 12 to 14; the earlier value is kept in the history."
    ]
    values = IndicatorValue.objects.filter(indicator_target=site.kpi, year=2024)
    assert values.count() == 2
    earlier = values.get(pk=site.value_2024.pk)
    assert earlier.value == 12 and earlier.superseded_at is not None
    assert values.in_force().get().value == 14
    # Both show in the history on the page, the earlier one struck through.
    page = text_of(response)
    assert "<del>12</del>" in page
    assert '<td class="num">14</td>' in page


def test_a_year_that_has_a_value_needs_the_correction_box(
    impacs_client: Client, site: Site
) -> None:
    before = db_state()
    response = impacs_client.post(site.kpi_url(), site.kpi_data(year=2024, value="14"))
    assert response.status_code == 400
    assert db_state() == before
    assert (
        "2024 already has a value, 12. Tick this box to correct it; the earlier value stays in "
        "the history." in text_of(response)
    )


def test_correcting_a_value_someone_else_entered_meanwhile_is_refused(
    impacs_client: Client, site: Site
) -> None:
    seen = site.seen()
    # A colleague corrects 2024 after this page was loaded.
    IndicatorValue.objects.filter(pk=site.value_2024.pk).update(superseded_at=timezone.now())
    colleague = make_value(site.kpi, 2024, 15, author=make_impacs("colleague"))
    before = db_state()

    response = impacs_client.post(
        site.kpi_url(), site.kpi_data(year=2024, value="14", correction="on", seen=seen)
    )

    assert response.status_code == 409
    assert db_state() == before
    [message] = messages_of(response)
    assert message.startswith(
        "The SEIZED value for 2024 was not saved, so nothing was overwritten:"
    )
    assert "Ira Mitchell entered 15 for 2024 at" in message
    page = text_of(response)
    assert 'value="14"' in page  # what was typed is kept
    assert f'name="seen" value="{colleague.pk}"' in page  # saving again is a deliberate correction


def test_entering_a_year_someone_else_just_entered_is_refused(
    impacs_client: Client, site: Site
) -> None:
    seen = site.seen()
    make_value(site.kpi, 2025, 16)
    before = db_state()
    response = impacs_client.post(site.kpi_url(), site.kpi_data(year=2025, seen=seen))
    assert response.status_code == 409
    assert db_state() == before


@pytest.mark.parametrize(
    ("unit", "change", "field", "message"),
    [
        ("count", {"year": "2021"}, "year", "The year must be between the baseline year 2022"),
        ("count", {"year": str(TODAY.year + 1)}, "year", f"and this year, {TODAY.year}."),
        ("count", {"year": "last year"}, "year", "Enter a year, such as 2025."),
        ("count", {"value": "seventeen"}, "value", "Enter a number, such as 42 or 12.5."),
        ("count", {"value": ""}, "value", "This field is required."),
        ("count", {"value": "-3"}, "value", "A count cannot be negative."),
        ("count", {"value": "1.234"}, "value", "no more than 2 decimal places"),
        ("yes_no", {"value": "2"}, "value", "A yes/no KPI takes 1 for yes or 0 for no."),
        ("yes_no", {"value": "0.5"}, "value", "A yes/no KPI takes 1 for yes or 0 for no."),
        ("percent", {"value": "100.5"}, "value", "A percentage must be between 0 and 100."),
        ("percent", {"value": "-1"}, "value", "A percentage must be between 0 and 100."),
        ("count", {"seen": ""}, "seen", "This form is incomplete: reload the page and try again."),
    ],
    ids=[
        "year before baseline",
        "year in the future",
        "year not a number",
        "value not a number",
        "no value",
        "negative count",
        "too many decimals",
        "yes/no other than 0 or 1",
        "yes/no fraction",
        "percent over 100",
        "percent below 0",
        "no seen marker",
    ],
)
def test_each_kpi_rule_is_explained_and_nothing_is_written(
    impacs_client: Client,
    site: Site,
    unit: str,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    Indicator.objects.filter(pk=site.kpi.indicator_id).update(unit=unit)
    before = db_state()
    response = impacs_client.post(site.kpi_url(), site.kpi_data(value="1") | change)
    assert response.status_code == 400
    assert db_state() == before
    assert messages_of(response) == ["The SEIZED value was not saved: see below."]
    form = response.context["bound_kpi_form"]
    assert any(message in error for error in form.errors[field])
    assert message in text_of(response)


def test_a_kpi_of_another_plan_is_not_found_from_this_action(
    impacs_client: Client, site: Site
) -> None:
    other = make_kpi(make_plan("TTO"), make_indicator("OTHER"))
    url = reverse("kpi_value", args=[site.action.pk, other.pk])
    before = db_state()
    assert impacs_client.post(url, site.kpi_data()).status_code == 404
    assert db_state() == before


def test_partner_officials_see_the_kpi_history_but_no_form(
    partner_client: Client, site: Site
) -> None:
    page = text_of(partner_client.get(site.action.get_absolute_url()))
    assert "Values entered (1)" in page
    assert '<td class="num">12</td>' in page
    assert site.kpi_url() not in page


def test_the_kpi_form_offers_the_year_after_the_latest_value(
    impacs_client: Client, site: Site
) -> None:
    page = text_of(impacs_client.get(site.action.get_absolute_url()))
    assert f'name="year" value="2025" min="2022" max="{TODAY.year}"' in page
    assert f'name="seen" value="{site.value_2024.pk}"' in page
