"""Submissions' states, approval through the write functions, figures that count approved data only,
the concurrency rule on approval, and the e-mails of send_notifications."""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import translation

from plans import services
from plans.choices import Status
from plans.models import Action
from preferences.models import remember_language
from reporting import compliance, notifications
from reporting.models import TRANSITIONS, Event, Notification, State, Submission
from tests.builders import make_action, make_cycle, make_focal_point, make_impacs, make_plan
from tests.updates_support import make_site

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def people() -> tuple[User, User]:
    impacs = make_impacs()
    impacs.email = "staff@example.org"
    impacs.save()
    return User.objects.get(pk=impacs.pk), make_focal_point()


def _submit(action: Action, focal: User, to_status: str = Status.COMPLETED) -> Submission:
    return services.submit_status_change(
        action=action, to_status=to_status, reported_on=TODAY, note="Done and signed.", by=focal
    )


def _in_state(state: str, action: Action, focal: User, impacs: User) -> Submission:
    if state == State.DRAFT:
        return services.submit_status_change(
            action=action,
            to_status=Status.COMPLETED,
            reported_on=TODAY,
            note="x",
            by=focal,
            draft=True,
        )
    s = _submit(action, focal)
    if state in (State.RETURNED, State.RESUBMITTED):
        services.return_submission(submission=s, by=impacs, comment="Add evidence.")
    if state == State.RESUBMITTED:
        services.resubmit_submission(submission=s, by=focal, note="With evidence.")
    if state == State.APPROVED:
        services.approve_submission(submission=s, by=impacs)
    if state == State.WITHDRAWN:
        services.withdraw_submission(submission=s, by=focal)
    s.refresh_from_db()
    return s


def _do(event: str, s: Submission, focal: User, impacs: User) -> None:
    if event == Event.SUBMIT:
        services.submit_draft(submission=s, by=focal)
    elif event == Event.APPROVE:
        services.approve_submission(submission=s, by=impacs)
    elif event == Event.RETURN:
        services.return_submission(submission=s, by=impacs, comment="Why?")
    elif event == Event.RESUBMIT:
        services.resubmit_submission(submission=s, by=focal, note="Again.")
    else:
        services.withdraw_submission(submission=s, by=focal)


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("event", list(Event))
def test_every_step_from_every_state_is_legal_or_refused(
    state: str, event: str, people: tuple[User, User]
) -> None:
    impacs, focal = people
    site = make_site()
    make_cycle(impacs)
    s = _in_state(state, site.action, focal, impacs)
    expected = TRANSITIONS.get((state, event))
    if expected is None:
        before = (s.state, s.transitions.count())
        with pytest.raises(ValidationError):
            _do(event, s, focal, impacs)
        s.refresh_from_db()
        assert (s.state, s.transitions.count()) == before
    else:
        _do(event, s, focal, impacs)
        s.refresh_from_db()
        assert s.state == expected
        last = s.transitions.last()
        assert last is not None and last.event == event and last.to_state == expected


def test_a_refused_step_says_what_the_submission_is_and_what_cannot_be_done(
    people: tuple[User, User],
) -> None:
    impacs, focal = people
    s = _in_state(State.APPROVED, make_site().action, focal, impacs)
    with pytest.raises(ValidationError) as refused:
        services.withdraw_submission(submission=s, by=focal)
    assert refused.value.messages == ["This submission is approved: it cannot be withdrawn."]
    with translation.override("es"), pytest.raises(ValidationError) as refused:
        services.withdraw_submission(submission=s, by=focal)
    assert "no se puede retirar" in refused.value.messages[0]


def test_a_return_needs_a_comment(people: tuple[User, User]) -> None:
    impacs, focal = people
    s = _submit(make_site().action, focal)
    with pytest.raises(ValidationError):
        services.return_submission(submission=s, by=impacs, comment="  ")
    s.refresh_from_db()
    assert s.state == State.SUBMITTED


def test_a_pending_completed_does_not_move_the_headline_until_approved(
    people: tuple[User, User],
) -> None:
    impacs, focal = people
    plan = make_plan("JAM")
    action = make_action(plan, status=Status.SUBSTANTIAL)
    client = Client()
    client.force_login(impacs)

    def headline() -> str:
        page = client.get("/").content.decode()
        start = page.index('id="headline"')
        return page[start : start + 200]

    assert '"headline-k">0<' in headline()
    s = _submit(action, focal)
    assert '"headline-k">0<' in headline()
    assert Action.objects.get(pk=action.pk).status == Status.SUBSTANTIAL
    partner_view = client.get(action.get_absolute_url()).content.decode()
    assert "Awaiting review" in partner_view  # IMPACS staff see it
    services.approve_submission(submission=s, by=impacs)
    assert '"headline-k">1<' in headline()
    update = Action.objects.get(pk=action.pk).updates.latest_first().first()
    assert update is not None and update.submission.pk == s.pk


def test_partners_never_see_awaiting_review(
    partner_client: Client, people: tuple[User, User]
) -> None:
    _impacs, focal = people
    site = make_site()
    _submit(site.action, focal)
    assert (
        "Awaiting review" not in partner_client.get(site.action.get_absolute_url()).content.decode()
    )
    focal_client = Client()
    focal_client.force_login(focal)
    assert "Awaiting review" in focal_client.get(site.action.get_absolute_url()).content.decode()


def test_approving_after_the_action_changed_is_refused_with_the_newer_change(
    people: tuple[User, User],
) -> None:
    impacs, focal = people
    site = make_site()
    s = _submit(site.action, focal)
    services.record_status_update(
        action=site.action,
        to_status=Status.SUBSTANTIAL,
        reported_on=TODAY,
        note="Newer news.",
        by=impacs,
    )
    client = Client()
    client.force_login(impacs)
    response = client.post(f"/reporting/submissions/{s.pk}/approve/")
    assert response.status_code == 409
    assert "Newer news." in response.content.decode()
    s.refresh_from_db()
    assert s.state == State.SUBMITTED
    assert Action.objects.get(pk=site.action.pk).status == Status.SUBSTANTIAL


def test_several_are_approved_at_once_from_the_queue(people: tuple[User, User]) -> None:
    impacs, focal = people
    plan = make_plan("JAM")
    subs = [_submit(make_action(plan), focal) for _ in range(3)]
    client = Client()
    client.force_login(impacs)
    client.post("/reporting/review/approve/", {"submission": [s.pk for s in subs[:2]]})
    assert [Submission.objects.get(pk=s.pk).state for s in subs] == [
        "approved",
        "approved",
        "submitted",
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keep migrated groups
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_reviewers_approving_at_once_apply_one_change_only() -> None:
    impacs = make_impacs()
    focal = make_focal_point()
    action = make_action(make_plan("JAM"))
    first = _submit(action, focal, Status.LIMITED)
    second = _submit(action, focal, Status.COMPLETED)  # both made from the same version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(s: Submission) -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            services.approve_submission(submission=s, by=impacs)
            outcomes.append("approved")
        except services.Conflict:
            outcomes.append("conflict")
        finally:
            conn.close()

    threads = [threading.Thread(target=approve, args=(s,)) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "conflict"]
    assert Action.objects.get(pk=action.pk).updates.count() == 1


# --- E-mail ----------------------------------------------------------------------------------------


def _run(day: dt.date) -> None:
    """A run of send_notifications at 06:00 on that day (time frozen)."""
    from django.utils import timezone

    moment = dt.datetime.combine(day, dt.time(6), tzinfo=timezone.get_current_timezone())
    with (
        mock.patch("django.utils.timezone.localdate", return_value=day),
        mock.patch("django.utils.timezone.now", return_value=moment),
    ):
        notifications.run(day)


def test_focal_points_get_the_opening_then_reminders_then_weekly_late_notices(
    people: tuple[User, User],
) -> None:
    impacs, focal = people
    make_action(make_plan("JAM"))
    make_cycle(impacs, opens_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 12, 31))
    sent: dict[dt.date, list[str]] = {}
    day = dt.date(2026, 10, 1)
    while day <= dt.date(2027, 1, 20):
        mail.outbox.clear()
        _run(day)
        for m in mail.outbox:
            if m.to == [focal.email]:
                sent[day] = [line for line in m.body.splitlines() if line.startswith("- ")]
        day += dt.timedelta(days=1)
    days = sorted(sent)
    assert days[0] == dt.date(2026, 10, 1)  # the opening
    assert dt.date(2026, 12, 1) in days  # 30 days before
    assert dt.date(2026, 12, 24) in days  # 7 days before
    assert dt.date(2026, 12, 30) in days  # 1 day before
    assert [d for d in days if d > dt.date(2026, 12, 31)] == [
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 8),
        dt.date(2027, 1, 15),
    ]
    assert len(days) == 7
    html = Notification.objects.filter(recipient=focal).first()
    assert html is not None and "<ul>" in html.body_html


def test_returned_submissions_and_the_reviewers_digest_once_a_day(
    people: tuple[User, User],
) -> None:
    impacs, focal = people
    site = make_site()
    s = _submit(site.action, focal)
    _run(TODAY)
    assert [m.to for m in mail.outbox] == [[impacs.email]]
    assert "1 submission awaits your review" in mail.outbox[0].body
    mail.outbox.clear()
    _run(TODAY)  # twice the same day: nothing more
    assert mail.outbox == []
    services.return_submission(submission=s, by=impacs, comment="Add the gazette.")
    _run(TODAY)  # the focal point had no e-mail today: the return goes out now
    assert [m.to for m in mail.outbox] == [[focal.email]]
    assert "Add the gazette." in mail.outbox[0].body
    mail.outbox.clear()
    _run(TODAY + dt.timedelta(days=1))
    assert mail.outbox == []  # nothing awaits review, the return was already sent


def test_each_e_mail_is_in_the_language_its_recipient_chose(people: tuple[User, User]) -> None:
    impacs, focal = people
    remember_language(focal, "es")  # as the language menu does; IMPACS staff chose none
    site = make_site()
    make_cycle(impacs, opens_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 12, 31))
    _submit(site.action, focal)
    _run(TODAY)
    by_address = {m.to[0]: m for m in mail.outbox}
    spanish = by_address[focal.email]
    assert spanish.body.startswith("Hola, ")
    assert "31 de diciembre de 2026" in spanish.body  # the date as a Spanish reader writes it
    assert "Recibe como máximo un correo electrónico al día" in spanish.body
    html = Notification.objects.get(recipient=focal).body_html
    assert "Hola, " in html and 'lang="es"' in html
    english = by_address[impacs.email]
    assert english.body.startswith("Hello ") and "awaits your review" in english.body
    assert translation.get_language().startswith("en")  # the run leaves the language as it was


def test_a_failed_send_is_retried_on_the_next_run_and_sent_once(people: tuple[User, User]) -> None:
    impacs, focal = people
    _submit(make_site().action, focal)
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP down")
    ):
        _run(TODAY)
    n = Notification.objects.get(recipient=impacs)
    assert n.sent_at is None and n.attempts == 1 and "SMTP down" in n.last_error
    _run(TODAY + dt.timedelta(days=1))
    n.refresh_from_db()
    assert n.sent_at is not None and n.attempts == 2
    assert [(m.to, m.subject) for m in mail.outbox] == [([impacs.email], n.subject)]
    _run(TODAY + dt.timedelta(days=1))
    assert len(mail.outbox) == 1


def test_the_overview_table_has_a_row_per_country_expected_to_report(
    people: tuple[User, User],
) -> None:
    impacs, _focal = people
    make_cycle(impacs)
    for iso3 in ("JAM", "BRB"):
        make_action(make_plan(iso3))
    client = Client()
    client.force_login(impacs)
    response = client.get("/reporting/")
    body = (
        response.content.decode()
        .split('class="data-table compliance-table"')[1]
        .split("</table>")[0]
    )
    assert body.count("<tr>") == 3  # the header and a row for each country
    assert "Jamaica" in body and "Barbados" in body
    assert "no report is expected" not in body


def test_the_reporting_pages_cost_the_same_queries_with_ten_times_the_data(
    people: tuple[User, User], django_assert_max_num_queries
) -> None:
    impacs, focal = people
    make_cycle(impacs)
    client = Client()
    client.force_login(impacs)

    plans = {iso3: make_plan(iso3) for iso3 in ("JAM", "BRB")}

    def grow(n: int) -> None:
        for iso3, plan in plans.items():
            for _ in range(n):
                action = make_action(plan)
                if iso3 == "JAM":
                    services.submit_no_change(action=action, reported_on=TODAY, by=focal)

    def counts() -> list[int]:
        out = []
        for url in ("/reporting/", "/reporting/review/", "/reporting/?export=csv"):
            with django_assert_max_num_queries(30) as queries:
                assert client.get(url).status_code == 200
            out.append(len(queries))
        return out

    grow(2)
    small = counts()
    grow(20)
    assert counts() == small


def _figures(client: Client) -> dict[str, tuple[int, ...]]:
    """Per country on /reporting/: expected, submitted, on time, approved, returned, awaiting."""
    response = client.get("/reporting/")
    assert response.status_code == 200
    return {
        row.country.iso3: (
            row.expected,
            row.submitted,
            row.on_time,
            row.approved,
            row.returned,
            row.awaiting,
        )
        for row in response.context["rows"]
    }


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en-gb", "1 submission approved.", "2 submissions approved."),
        ("es", "1 envío aprobado.", "2 envíos aprobados."),
        ("fr", "1 soumission approuvée.", "2 soumissions approuvées."),
    ],
)
def test_approving_from_the_queue_says_how_many_in_the_right_number(
    people: tuple[User, User], language: str, one: str, two: str
) -> None:
    impacs, focal = people
    plan = make_plan("JAM")
    subs = [_submit(make_action(plan), focal) for _ in range(3)]
    client = Client(headers={"accept-language": language})
    client.force_login(impacs)
    said = []
    for chosen in (subs[:1], subs[1:]):
        response = client.post(
            "/reporting/review/approve/", {"submission": [s.pk for s in chosen]}, follow=True
        )
        said.append([str(m) for m in response.context["messages"]])
    assert said == [[one], [two]]


def test_approving_what_does_not_exist_is_refused_by_number_and_approves_the_rest(
    people: tuple[User, User],
) -> None:
    impacs, focal = people
    real = _submit(make_action(make_plan("JAM")), focal)
    client = Client()
    client.force_login(impacs)
    response = client.post(
        "/reporting/review/approve/",
        {"submission": [str(real.pk), "999999", "9" * 30, "abc", ""]},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "1 submission approved.",
        f"Not approved: there is no submission #999999, #{'9' * 30}.",
    ]
    assert Submission.objects.get(pk=real.pk).state == State.APPROVED


def test_the_cached_figures_follow_every_step_of_a_submission_and_an_edit_of_the_cycle(
    people: tuple[User, User],
) -> None:
    impacs, focal = people
    cycle = make_cycle(impacs)
    action = make_action(make_plan("JAM"))
    make_action(make_plan("BRB"))
    client = Client()
    client.force_login(impacs)
    with mock.patch(
        "reporting.compliance.cycle_compliance", wraps=compliance.cycle_compliance
    ) as computed:
        assert _figures(client)["JAM"] == (1, 0, 0, 0, 0, 0)
        assert _figures(client)["JAM"] == (1, 0, 0, 0, 0, 0)
        assert computed.call_count == 1  # the second view came from the cache

        submission = _submit(action, focal)
        assert _figures(client)["JAM"] == (1, 1, 1, 0, 0, 1)
        services.return_submission(submission=submission, by=impacs, comment="Add evidence.")
        assert _figures(client)["JAM"] == (1, 1, 1, 0, 1, 0)
        services.resubmit_submission(submission=submission, by=focal, note="With evidence.")
        assert _figures(client)["JAM"] == (1, 1, 1, 0, 0, 1)
        # An administrator moves the due date before the day it was submitted: no longer on time.
        cycle.due_on = dt.date(2026, 10, 15)
        cycle.save()
        assert _figures(client)["JAM"] == (1, 1, 0, 0, 0, 1)
        services.approve_submission(submission=submission, by=impacs)
        assert _figures(client)["JAM"] == (1, 1, 0, 1, 0, 0)
        assert computed.call_count == 6
        assert _figures(client)["BRB"] == (1, 0, 0, 0, 0, 0)
        assert computed.call_count == 6


def test_a_focal_point_and_impacs_staff_never_share_cached_figures(
    people: tuple[User, User],
) -> None:
    impacs, focal = people
    make_cycle(impacs)
    make_action(make_plan("JAM"))
    make_action(make_plan("BRB"))
    focal_client, staff_client = Client(), Client()
    focal_client.force_login(focal)
    staff_client.force_login(impacs)
    assert list(_figures(focal_client)) == ["JAM"]
    assert sorted(_figures(staff_client)) == ["BRB", "JAM"]
    assert list(_figures(focal_client)) == ["JAM"]


def test_a_refused_report_answers_400_with_the_message_and_keeps_what_was_typed(
    people: tuple[User, User],
) -> None:
    impacs, focal = people
    site = make_site()
    make_cycle(impacs)
    client = Client()
    client.force_login(focal)
    # The action is already at this status: refused by the write module.
    response = client.post(
        f"/reporting/actions/{site.action.pk}/status/",
        {"to_status": site.action.status, "reported_on": "2026-01-05", "note": "Typed with care."},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'class="message message-error"' in page
    assert "Your status change was not sent" in page
    assert "Typed with care." in page
    # An invalid KPI value: refused by the form, the note kept on that KPI's form.
    response = client.post(
        f"/reporting/actions/{site.action.pk}/kpis/{site.kpi.pk}/",
        {"value": "many", "note": "Counted twice."},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Your KPI value was not sent" in page
    assert "Counted twice." in page
    assert not Submission.objects.exists()
