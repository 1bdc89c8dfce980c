"""The action page: details, milestones, the full status history and the KPI context."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Count
from django.test import Client

from plans.choices import Status
from plans.demo import DemoBuilder
from plans.models import Action
from tests.builders import (
    goal,
    make_action,
    make_impacs,
    make_indicator,
    make_kpi,
    make_milestone,
    make_plan,
    make_update,
    make_value,
)
from tests.conftest import DEMO_AS_OF
from tests.pages import text_of

pytestmark = pytest.mark.django_db
# session, user, two permission look-ups, demo banner, action, milestones, history, KPIs, and the KPI
# value history that the update forms show (plans/views/updates.py, once the page shows a KPI)
QUERY_BUDGET = 10


@pytest.fixture
def action(db: None) -> Action:
    plan = make_plan("JAM", baseline_assessed_on=dt.date(2022, 6, 1))
    action = make_action(
        plan,
        goal=goal(2),
        code="2.3",
        title="Install cargo scanners at Kingston port",
        lead_agency="Customs and Excise Department",
        start_date=dt.date(2023, 1, 1),
        due_date=dt.date(2024, 12, 31),
        baseline_status=Status.NOT_STARTED,
    )
    author = make_impacs("recorder")
    make_update(
        action,
        Status.LIMITED,
        dt.date(2023, 4, 1),
        note="Procurement launched.",
        author=author,
        evidence_url="https://example.org/tender",
    )
    make_update(action, Status.SUBSTANTIAL, dt.date(2024, 2, 1), note="Scanners delivered.")
    make_milestone(
        action,
        title="Tender awarded",
        due_date=dt.date(2023, 6, 30),
        completed_on=dt.date(2023, 6, 1),
    )
    make_milestone(action, title="Scanners in service", due_date=dt.date(2024, 6, 30))
    seizures = make_indicator("K2.1", goal=goal(2), title="Firearms seized at ports")
    kpi = make_kpi(plan, seizures, baseline_value=10, target_value=30)
    make_value(kpi, 2023, 14)
    make_value(kpi, 2024, 20)
    make_kpi(plan, make_indicator("K3.1", goal=goal(3), title="Traces requested"))
    return action


def test_it_shows_the_actions_details(partner_client: Client, action: Action) -> None:
    response = partner_client.get(f"/actions/{action.pk}/")
    assert response.status_code == 200
    page = text_of(response)
    for expected in [
        "2.3",
        "Install cargo scanners at Kingston port",
        "Customs and Excise Department",
        "Goal 2: ",
        "1 Jan 2023",
        "31 Dec 2024",
        '<span class="badge status-substantial">Substantial progress</span>',
        '<span class="badge status-not_started">Not started</span>',
        '<span class="badge overdue">Overdue</span>',
        "1 Feb 2024",  # last status change
        'href="/countries/jam/"',
    ]:
        assert expected in page, expected


def test_it_lists_the_milestones(partner_client: Client, action: Action) -> None:
    page = text_of(partner_client.get(f"/actions/{action.pk}/"))
    assert "Tender awarded" in page and "Done 1 Jun 2023" in page
    assert "Scanners in service" in page and ">Late<" in page


def test_it_shows_the_full_status_history_newest_first(
    partner_client: Client, action: Action
) -> None:
    response = partner_client.get(f"/actions/{action.pk}/")
    history = response.context["history"]
    assert [u.note for u in history] == ["Scanners delivered.", "Procurement launched."]
    page = text_of(response)
    assert page.index("Scanners delivered.") < page.index("Procurement launched.")
    assert "Ira Mitchell" in page  # who
    assert "1 Apr 2023" in page  # reported for
    assert 'href="https://example.org/tender"' in page  # evidence
    assert (
        '<span class="badge status-not_started">Not started</span> <span class="arrow" role="img" aria-label="changed to">→</span> '
        '<span class="badge status-limited">Limited progress</span>'
    ) in page


def test_it_shows_the_national_kpis_of_the_actions_goal(
    partner_client: Client, action: Action
) -> None:
    response = partner_client.get(f"/actions/{action.pk}/")
    kpis = response.context["kpis"]
    assert [k.kpi.indicator.code for k in kpis] == ["K2.1"]  # not the goal 3 KPI
    assert kpis[0].latest_value == 20
    assert kpis[0].latest_year == 2024
    assert kpis[0].progress == 50  # (20 - 10) / (30 - 10)
    page = text_of(response)
    assert "Firearms seized at ports" in page
    assert "Traces requested" not in page
    assert "50 %" in page
    assert "50\u00a0%" in response.content.decode()  # a no-break space: never split across lines


def test_a_superseded_kpi_value_is_not_the_latest(partner_client: Client, action: Action) -> None:
    kpi = action.plan.kpis.get(indicator__code="K2.1")
    kpi.values.filter(year=2024).update(superseded_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    response = partner_client.get(f"/actions/{action.pk}/")
    assert response.context["kpis"][0].latest_value == 14


def test_an_action_without_history_milestones_or_kpis_says_so(partner_client: Client) -> None:
    bare = make_action(make_plan("BRB"), goal=goal(4))
    page = text_of(partner_client.get(f"/actions/{bare.pk}/"))
    assert "No milestones are set for this action." in page
    assert "No status change has been recorded since the baseline." in page
    assert "has no national KPI under goal 4" in page


def test_the_update_area_appears_only_with_a_status_form(
    partner_client: Client, action: Action, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "Record a status update" not in text_of(partner_client.get(f"/actions/{action.pk}/"))

    def forms_for(request: Any, action: Action, bound: Any = None) -> dict[str, Any]:
        return {"status_form": object()}

    monkeypatch.setattr("plans.views.lists.forms_for", forms_for)
    assert "Record a status update" in text_of(partner_client.get(f"/actions/{action.pk}/"))


def test_an_unknown_action_is_not_found(partner_client: Client) -> None:
    assert partner_client.get("/actions/999999/").status_code == 404


def test_a_partner_official_can_read_it(partner_client: Client, action: Action) -> None:
    assert partner_client.get(f"/actions/{action.pk}/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, action: Action) -> None:
    response = client.get(f"/actions/{action.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_query_count_does_not_grow_with_the_history(
    partner_client: Client, demo, django_assert_max_num_queries
) -> None:
    def busiest() -> Action:
        action = (
            Action.objects.annotate(n=Count("updates", distinct=True))
            .filter(plan__kpis__isnull=False)
            .order_by("-n")
            .first()
        )
        assert action is not None
        return action

    def count(pk: int) -> int:
        with django_assert_max_num_queries(QUERY_BUDGET) as queries:
            assert partner_client.get(f"/actions/{pk}/").status_code == 200
        return len(queries)

    small = count(busiest().pk)
    DemoBuilder(DEMO_AS_OF, scale=10).build()
    big = busiest()
    for day in range(1, 29):  # a long history of progress notes
        make_update(big, big.status, dt.date(2026, 10, day), note=f"Progress note {day}")
    assert big.updates.count() > 28
    assert count(big.pk) == small
