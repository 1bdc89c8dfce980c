"""Property-based tests (hypothesis): the formulas hold for any plan, and no generated input makes a form
or a list answer with a server error or write anything it refused.

The number of examples comes from the hypothesis profile in tests/conftest.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import assume, given
from hypothesis import strategies as st

from plans import progress
from plans.choices import Status
from plans.models import ActionPlan
from tests.builders import PASSWORD, make_action, make_plan
from tests.updates_support import Site, db_state, make_site

ORDERED: list[str] = [Status.NOT_STARTED, Status.LIMITED, Status.SUBSTANTIAL, Status.COMPLETED]
statuses = st.sampled_from(list(Status))
TODAY = dt.date(2026, 11, 28)

# What a hostile or clumsy user types: any text, numbers in every spelling, dates real and not, and the
# usual suspects (NUL, zero-width space, markup, SQL, huge and tiny numbers).
awkward = st.one_of(
    st.text(max_size=40),
    st.text(max_size=3000),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.dates().map(str),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\u200b",
            "0001-01-01",
            "9999-12-31",
            "2025-02-30",
            "-1",
            "0.01",
            "1e999",
            "NaN",
            "-Infinity",
            "99999999999999999999999",
            "on",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "javascript:alert(1)",
            "https://",
            "x" * 70_000,
        ]
    ),
)


def maybe(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), strategy)


def form(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Form data with each field either left out or given any value."""
    return st.fixed_dictionaries({name: maybe(value) for name, value in fields.items()}).map(
        lambda data: {k: v for k, v in data.items() if v is not None}
    )


# --- The formulas -----------------------------------------------------------------------------------


@given(st.lists(statuses, max_size=30))
def test_completion_is_a_percentage_or_unknown(plan: list[str]) -> None:
    value = progress.completion(plan)
    applicable = [s for s in plan if s != Status.NOT_APPLICABLE]
    assert (value is None) == (not applicable)
    assert value is None or 0 <= value <= 100
    assert progress.is_complete(plan) == (value == 100)


@given(st.lists(statuses, min_size=1, max_size=30), st.data())
def test_moving_one_action_up_the_scale_never_lowers_completion(
    plan: list[str], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(plan) - 1))
    assume(plan[index] in ORDERED[:-1])
    higher = data.draw(st.sampled_from(ORDERED[ORDERED.index(plan[index]) + 1 :]))
    better = [*plan[:index], higher, *plan[index + 1 :]]
    before, after = progress.completion(plan), progress.completion(better)
    assert before is not None and after is not None
    assert after > before


numbers = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False)


@given(numbers, numbers, numbers, numbers, st.booleans())
def test_kpi_progress_is_bounded_and_moves_with_the_value(
    baseline: Decimal, target: Decimal, value: Decimal, other: Decimal, lower_is_better: bool
) -> None:
    a = progress.kpi_progress(baseline, target, value, lower_is_better=lower_is_better)
    b = progress.kpi_progress(baseline, target, other, lower_is_better=lower_is_better)
    assert a is not None and b is not None
    assert 0 <= a <= 100 and 0 <= b <= 100
    # Closer to the target (in the target's direction) is never less progress.
    towards = (other - value) * (1 if target > baseline else -1)
    if target != baseline and towards >= 0:
        assert b >= a


actions = st.lists(
    st.tuples(statuses, statuses, st.dates(dt.date(2020, 1, 1), dt.date(2031, 12, 31))),
    max_size=12,
)


@pytest.mark.django_db
@given(actions)
def test_the_sql_figures_equal_the_pure_formulas_on_any_plan(
    plan_actions: list[tuple[str, str, dt.date]],
) -> None:
    with transaction.atomic():
        plan = make_plan()
        for status, baseline, due in plan_actions:
            make_action(
                plan,
                status=status,
                baseline_status=baseline,
                start_date=dt.date(2020, 1, 1),
                due_date=due,
            )
        sql = ActionPlan.objects.with_progress(today=TODAY).get(pk=plan.pk)
        transaction.set_rollback(True)
    now = [s for s, _, _ in plan_actions]
    assert sql.completion == pytest.approx(progress.completion(now))
    assert sql.baseline_completion == pytest.approx(
        progress.completion([b for _, b, _ in plan_actions])
    )
    assert sql.is_complete == progress.is_complete(now)
    assert sql.action_count == len(plan_actions)
    assert sql.overdue_count == sum(progress.is_overdue(s, d, TODAY) for s, _, d in plan_actions)


# --- Every form -------------------------------------------------------------------------------------


@pytest.fixture
def site(db: None) -> Site:
    return make_site()


def refused_cleanly(response: Any, before: dict[str, Any]) -> None:
    assert response.status_code < 500
    if response.status_code != 302:
        assert db_state() == before


status_form = form(
    status=st.one_of(statuses, awkward),
    reported_on=awkward,
    note=awkward,
    evidence_url=awkward,
    version=st.one_of(st.just("1"), awkward),
)


@given(data=status_form)
def test_the_status_form_never_fails_on_any_input(
    impacs_client: Client, site: Site, data: dict[str, Any]
) -> None:
    before = db_state()
    refused_cleanly(impacs_client.post(site.status_url(), data), before)


@given(data=form(completed_on=awkward, loaded=awkward), reopen=st.booleans())
def test_the_milestone_forms_never_fail_on_any_input(
    impacs_client: Client, site: Site, data: dict[str, Any], reopen: bool
) -> None:
    milestone = site.done_milestone if reopen else site.open_milestone
    url = reverse("milestone_reopen" if reopen else "milestone_done", args=[milestone.pk])
    before = db_state()
    refused_cleanly(impacs_client.post(url, data), before)


@given(
    data=form(
        year=st.one_of(st.integers(1990, 2030).map(str), awkward),
        value=awkward,
        note=awkward,
        correction=awkward,
        seen=awkward,
    )
)
def test_the_kpi_form_never_fails_on_any_input(
    impacs_client: Client, site: Site, data: dict[str, Any]
) -> None:
    before = db_state()
    refused_cleanly(impacs_client.post(site.kpi_url(), data), before)


@given(data=form(old_password=awkward, new_password1=awkward, new_password2=awkward))
def test_the_password_form_never_fails_on_any_input(
    impacs_client: Client, impacs: User, data: dict[str, Any]
) -> None:
    assume(data.get("old_password") != PASSWORD)
    before = db_state()
    refused_cleanly(impacs_client.post("/accounts/password_change/", data), before)


@given(data=form(username=st.one_of(st.just("reader"), awkward), password=awkward, next=awkward))
def test_the_sign_in_form_never_fails_on_any_input(partner: User, data: dict[str, Any]) -> None:
    assume(data.get("password") != PASSWORD)
    response = Client().post("/accounts/login/", data)
    assert response.status_code in (200, 403, 429)


# --- The list filters -------------------------------------------------------------------------------

FILTERS = ["q", "country", "goal", "status", "overdue", "due_after", "due_before"]
PAGING = ["sort", "page", "per_page", "export"]


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:Use '__' to separate path components:DeprecationWarning")
@given(
    params=st.lists(
        st.tuples(st.sampled_from([*FILTERS, *PAGING]) | st.text(max_size=10), awkward),
        max_size=6,
    )
)
def test_the_actions_list_answers_any_query_string(
    partner_client: Client, params: list[tuple[str, str]]
) -> None:
    with transaction.atomic():
        if not ActionPlan.objects.exists():
            make_action(make_plan("JAM"), code="1.1")
        query = "&".join(
            f"{_quote(key)}={_quote(value)}" for key, value in params if key != "export"
        )
        response = partner_client.get(f"/actions/?{query}")
    assert response.status_code in (200, 404)


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:Use '__' to separate path components:DeprecationWarning")
@given(sort=awkward, export=st.sampled_from(["csv", "xlsx", "pdf", ""]))
def test_the_countries_list_answers_any_sort_and_export(
    partner_client: Client, sort: str, export: str
) -> None:
    response = partner_client.get("/countries/", {"sort": sort, "export": export})
    assert response.status_code == 200


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
