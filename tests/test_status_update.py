"""IMPACS staff record an action's status on its page: validation, history, and no lost updates."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.template import RequestContext, Template
from django.test import Client

from plans.choices import Status
from plans.demo import DemoBuilder
from plans.models import Action, StatusUpdate
from plans.views.updates import forms_for
from tests.builders import make_impacs
from tests.conftest import DEMO_AS_OF
from tests.pages import messages_of, text_of
from tests.updates_support import BASELINE, TODAY, Site, db_state, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db: None) -> Site:
    return make_site()


def test_the_action_page_offers_the_form_loaded_with_the_actions_version(
    impacs_client: Client, site: Site
) -> None:
    page = text_of(impacs_client.get(site.action.get_absolute_url()))
    assert "Record a status update" in page
    assert f'action="/actions/{site.action.pk}/status/"' in page
    assert f'name="version" value="{site.action.version}"' in page
    assert f'name="reported_on" value="{TODAY.isoformat()}"' in page


def test_a_status_change_is_recorded_with_its_history_in_one_step(
    impacs_client: Client, impacs: User, site: Site
) -> None:
    response = impacs_client.post(site.status_url(), site.status_data(), follow=True)

    assert response.redirect_chain == [(site.action.get_absolute_url(), 302)]
    assert messages_of(response) == ["Status update recorded: 1.1 is now substantial progress."]
    update = StatusUpdate.objects.latest("recorded_at")
    assert (update.from_status, update.to_status) == (Status.LIMITED, Status.SUBSTANTIAL)
    assert update.reported_on == TODAY
    assert update.note == "The amendment bill passed its second reading."
    assert update.evidence_url == "https://parliament.example.org/hansard/2026-11-20"
    assert update.author == impacs
    action = Action.objects.get(pk=site.action.pk)
    assert action.status == Status.SUBSTANTIAL
    assert action.status_changed_on == TODAY
    assert action.version == site.action.version + 1


def test_the_same_status_again_is_a_progress_note(impacs_client: Client, site: Site) -> None:
    response = impacs_client.post(
        site.status_url(),
        site.status_data(status=Status.LIMITED, note="Consultations continue.", evidence_url=""),
        follow=True,
    )
    assert messages_of(response) == ["Progress note recorded for 1.1; it stays limited progress."]
    update = StatusUpdate.objects.latest("recorded_at")
    assert (update.from_status, update.to_status) == (Status.LIMITED, Status.LIMITED)
    assert update.note == "Consultations continue."
    assert update.evidence_url == ""
    assert Action.objects.get(pk=site.action.pk).version == site.action.version + 1


def test_a_link_without_a_scheme_is_taken_as_https(impacs_client: Client, site: Site) -> None:
    impacs_client.post(site.status_url(), site.status_data(evidence_url="example.org/report.pdf"))
    assert (
        StatusUpdate.objects.latest("recorded_at").evidence_url == "https://example.org/report.pdf"
    )


def test_the_note_is_stored_without_surrounding_blank_space(
    impacs_client: Client, site: Site
) -> None:
    impacs_client.post(site.status_url(), site.status_data(note="  Bill tabled.\n\n "))
    assert StatusUpdate.objects.latest("recorded_at").note == "Bill tabled."


INVALID = [
    pytest.param(
        {"reported_on": (TODAY + dt.timedelta(days=1)).isoformat()},
        "reported_on",
        "The date cannot be in the future",
        id="date in the future",
    ),
    pytest.param(
        {"reported_on": (BASELINE - dt.timedelta(days=1)).isoformat()},
        "reported_on",
        "The date cannot be before the plan's baseline assessment on 1 Jun 2022.",
        id="date before the baseline",
    ),
    pytest.param(
        {"reported_on": "2024-02-29"},
        "reported_on",
        "The date cannot be before the last update, reported for 1 Mar 2024.",
        id="date before the last update",
    ),
    pytest.param(
        {"reported_on": "31/02/2026"}, "reported_on", "Enter a valid date.", id="not a date"
    ),
    pytest.param(
        {"reported_on": ""},
        "reported_on",
        "Give the date this status was reported for.",
        id="no date",
    ),
    pytest.param(
        {"note": ""},
        "note",
        "Write a narrative note: what was reported, and by whom.",
        id="no note",
    ),
    pytest.param(
        {"note": " \n\t "},
        "note",
        "Write a narrative note: what was reported, and by whom.",
        id="blank note",
    ),
    pytest.param(
        {"evidence_url": "ftp://files.example.org/report.pdf"},
        "evidence_url",
        "The evidence link must start with http:// or https://.",
        id="ftp link",
    ),
    pytest.param(
        {"evidence_url": "javascript:alert(1)"},
        "evidence_url",
        "Enter a web address, such as https://example.org/report.pdf.",
        id="script link",
    ),
    pytest.param(
        {"status": "done"},
        "status",
        "Select a valid choice. done is not one of the available choices.",
        id="unknown status",
    ),
    pytest.param(
        {"version": ""},
        "version",
        "This form is incomplete: reload the page and try again.",
        id="no version",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), INVALID)
def test_each_rule_is_explained_next_to_its_field_and_nothing_is_written(
    impacs_client: Client, site: Site, change: dict[str, str], field: str, message: str
) -> None:
    before = db_state()
    typed = site.status_data(note="Typed with care.", **{"evidence_url": "https://x.example/a"})
    typed.update(change)

    response = impacs_client.post(site.status_url(), typed)

    assert response.status_code == 400
    assert db_state() == before
    form = response.context["status_form"]
    assert any(message in error for error in form.errors[field])
    assert messages_of(response) == [
        "The status update was not saved: correct what is marked below."
    ]
    page = text_of(response)
    assert message.replace("'", "&#x27;") in page
    # What was typed is kept.
    for name in ("note", "evidence_url"):
        if name not in change:
            assert str(typed[name]) in page


def test_a_form_loaded_before_someone_elses_update_is_refused_and_keeps_what_was_typed(
    impacs_client: Client, site: Site
) -> None:
    colleague = Client()
    colleague.force_login(make_impacs("colleague"))
    # Both open the page at the same version; the colleague saves first.
    mine = site.status_data(status=Status.SUBSTANTIAL, note="My note, typed slowly.")
    theirs = site.status_data(status=Status.COMPLETED, note="Act passed and in force.")
    assert colleague.post(site.status_url(), theirs).status_code == 302
    after_theirs = db_state()

    response = impacs_client.post(site.status_url(), mine)

    assert response.status_code == 409
    assert db_state() == after_theirs  # nothing overwritten, nothing added
    assert Action.objects.get(pk=site.action.pk).status == Status.COMPLETED
    [message] = messages_of(response)
    assert message.startswith("Your status update was not saved, so nothing was overwritten.")
    assert "Ira Mitchell recorded an update at" in message  # who and when
    assert "Completed, reported for" in message  # to which status
    assert "“Act passed and in force.”" in message  # the note
    page = text_of(response)
    assert "Someone else updated this action while you were writing" in page
    assert "My note, typed slowly." in page
    # The form now carries the newer version: saving again is a deliberate choice, and works.
    newer = Action.objects.get(pk=site.action.pk).version
    assert f'name="version" value="{newer}"' in page
    again = impacs_client.post(site.status_url(), mine | {"version": newer})
    assert again.status_code == 302
    assert Action.objects.get(pk=site.action.pk).status == Status.SUBSTANTIAL


def test_a_get_on_the_form_address_goes_back_to_the_action_page(
    impacs_client: Client, site: Site
) -> None:
    before = db_state()
    response = impacs_client.get(site.status_url())
    assert response["Location"] == site.action.get_absolute_url()
    assert db_state() == before


def test_an_unknown_action_is_not_found(impacs_client: Client, site: Site) -> None:
    assert impacs_client.post("/actions/999999/status/", site.status_data()).status_code == 404


# serialized_rollback: the flush after a transactional test would lose the reference data (countries,
# groups) that migrations load; later transactional tests need it back.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_saves_at_the_same_moment_from_the_same_version_record_only_one() -> None:
    """The row lock serialises the two saves; the second sees the new version and is refused."""
    if connection.vendor != "postgresql":
        # The test database of SQLite is in memory, shared between threads without waiting for
        # locks; a real SQLite file waits (IMMEDIATE transactions with a timeout, see settings).
        pytest.skip("needs PostgreSQL: two threads writing to SQLite's in-memory test database")
    site = make_site()
    users = [make_impacs("first"), make_impacs("second")]
    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[int | str] = []

    def save(user: User, note: str) -> None:
        try:
            client = Client()
            client.force_login(user)
            barrier.wait()
            response = client.post(site.status_url(), site.status_data(note=note))
            outcomes.append(response.status_code)
        except Exception as exc:  # reported by the assertion below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(user, f"Note {n}")) for n, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=str) == [302, 409]
    assert StatusUpdate.objects.filter(action=site.action).count() == 2  # the builder's one + one
    assert Action.objects.get(pk=site.action.pk).version == site.action.version + 1


@pytest.mark.parametrize("scale", [1, 10])
def test_the_update_forms_cost_one_query_whatever_the_data_size(
    rf: Any, impacs: User, django_assert_num_queries: Any, scale: int
) -> None:
    DemoBuilder(DEMO_AS_OF, scale=scale).build()
    action = (
        Action.objects.select_related("plan")
        .filter(plan__kpis__isnull=False, milestones__isnull=False)
        .prefetch_related("milestones")
        .first()
    )
    assert action is not None
    kpis = list(action.plan.kpis.select_related("indicator"))
    milestones = list(action.milestones.all())
    request = rf.get(action.get_absolute_url())
    request.user = impacs
    request.session = {}
    impacs.has_perm("plans.view_action")  # the page's own check fills the permission cache
    page = Template(
        '{% for m in milestones %}{% include "plans/includes/milestone_form.html" with milestone=m %}'
        "{% endfor %}"
        '{% include "plans/includes/status_form.html" %}'
        '{% for k in kpis %}{% include "plans/includes/kpi_form.html" with kpi=k %}{% endfor %}'
    )

    # One query for the KPI values of the plan, however many there are.
    with django_assert_num_queries(1):
        context = {"action": action, "milestones": milestones, "kpis": kpis}
        context.update(forms_for(request, action))
        html = page.render(RequestContext(request, context))

    assert html.count("Mark done") + html.count("Reopen") == len(milestones)
    assert html.count("Values entered (") == len(kpis)
