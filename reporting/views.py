"""The reporting cycle's pages: submit (focal points), review (IMPACS staff), compliance (everyone).

Access is checked here, on the server: review needs ``reporting.review_submission``; submitting needs
``reporting.submit_report`` and the country's assignment; another state's objects are 404 to a focal
point (plans/visibility.py). Writes are POST only, go through the write module (plans/services.py), and redirect with
a message; a refused report answers 400 with the action page, the message and what was typed (as the
action page's own update forms do, plans/views/updates.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from plans import services, visibility
from plans.choices import Status
from plans.models import Action, IndicatorTarget, Milestone
from plans.views.access import viewer_required
from plans.views.lists import SafeTableExport, action_queryset
from plans.views.lists import action_context as page_context
from reporting import compliance
from reporting.charts import reporting_rates
from reporting.forms import (
    CycleForm,
    KpiSubmissionForm,
    MilestoneSubmissionForm,
    NoChangeForm,
    QueueFilterForm,
    ResubmitForm,
    ReturnForm,
    StatusSubmissionForm,
)
from reporting.models import AWAITING_REVIEW, Kind, ReportingCycle, State, Submission
from reporting.tables import ComplianceTable
from roadmap.models import Country

review_required = permission_required(services.REVIEW_PERMISSION, raise_exception=True)
submit_required = permission_required(services.SUBMIT_PERMISSION, raise_exception=True)
QUEUE_LIMIT = 200  # rows on the review queue's page; the count says how many more wait
HISTORY_ROWS = 5
LARGEST_ID = 2**63 - 1  # a 64-bit signed primary key
INVALID = 400


def _me(request: HttpRequest) -> User:
    """The signed-in account (every view here runs behind sign-in and a permission check)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _errors(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --- On the action page ----------------------------------------------------------------------------


def action_context(
    request: HttpRequest, action: Action, page: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the action page adds: pending submissions (IMPACS staff, the country's focal points) and
    the focal point's submit forms. Two queries at most."""
    user = request.user
    country_id = action.plan.country_id
    reviewer = user.has_perm(services.REVIEW_PERMISSION)
    may_submit = services.may_submit_for(user, country_id)
    context: dict[str, Any] = {"may_submit": may_submit}
    if reviewer or may_submit:
        # One query: the action's latest submissions; the pending ones are shown first.
        recent = list(
            Submission.objects.filter(action=action)
            .exclude(state=State.DRAFT)
            .select_related("submitted_by", "milestone", "kpi__indicator")
            .order_by("-pk")[:20]
        )
        context["pending"] = [s for s in reversed(recent) if s.awaiting_review]
        context["decisions"] = [s for s in recent if not s.awaiting_review][:10]
    if may_submit:
        cycle = services.open_cycle_for_reports()
        context.update(
            {
                "cycle": cycle,
                "submit_status_form": StatusSubmissionForm(auto_id="report_status_%s"),
                "no_change_form": NoChangeForm(auto_id="report_same_%s"),
                # One form per open milestone and per KPI, each with its own field ids.
                "milestone_reports": [
                    (
                        m,
                        MilestoneSubmissionForm(
                            auto_id=f"report_m{m.pk}_%s",
                            initial={"completed_on": timezone.localdate()},
                        ),
                    )
                    for m in (page or {}).get("milestones", [])
                    if m.completed_on is None
                ],
                "kpi_reports": [
                    (row.kpi, KpiSubmissionForm(auto_id=f"report_k{row.kpi.pk}_%s"))
                    for row in (page or {}).get("kpis", [])
                ],
            }
        )
    return context


def _own_action(request: HttpRequest, pk: int) -> Action:
    if not request.user.has_perm(services.SUBMIT_PERMISSION):
        raise PermissionDenied
    action = get_object_or_404(Action.objects.select_related("plan"), pk=pk)
    visibility.check_country(request.user, action.plan.country_id)
    if not services.may_submit_for(request.user, action.plan.country_id):
        raise PermissionDenied
    return action


def _refused(
    request: HttpRequest, what: str, form: Any = None, exc: Exception | None = None
) -> None:
    detail = ""
    if form is not None:
        detail = " ".join(
            f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errs)}".strip(
                ": "
            )
            for name, errs in form.errors.items()
        )
    if isinstance(exc, ValidationError):
        detail = _errors(exc)
    messages.error(
        request, _("%(what)s was not sent: %(detail)s") % {"what": what, "detail": detail}
    )


def _refusal_page(
    request: HttpRequest,
    action: Action,
    status_form: Any = None,
    milestone: tuple[int, Any] | None = None,
    kpi: tuple[int, Any] | None = None,
) -> HttpResponse:
    """The action page again with the refused report's message (set before) and its bound form, so
    what was typed is kept: 400, like the page's own update forms."""
    action = action_queryset().get(pk=action.pk)  # fresh: the refusal may be about a newer change
    context = page_context(request, action)
    if status_form is not None:
        context["submit_status_form"] = status_form
    if milestone is not None:
        context["milestone_reports"] = [
            (m, milestone[1] if m.pk == milestone[0] else form)
            for m, form in context.get("milestone_reports", [])
        ]
    if kpi is not None:
        context["kpi_reports"] = [
            (k, kpi[1] if k.pk == kpi[0] else form) for k, form in context.get("kpi_reports", [])
        ]
    return render(request, "plans/action_detail.html", context, status=INVALID)


def submit_status(request: HttpRequest, pk: int) -> HttpResponse:
    action = _own_action(request, pk)
    if request.method != "POST":
        return redirect(action)
    form = StatusSubmissionForm(request.POST, auto_id="report_status_%s")
    if not form.is_valid():
        _refused(request, _("Your status change"), form)
        return _refusal_page(request, action, status_form=form)
    try:
        services.submit_status_change(action=action, by=_me(request), **form.cleaned_data)
    except ValidationError as exc:
        _refused(request, _("Your status change"), exc=exc)
        return _refusal_page(request, action, status_form=form)
    messages.success(
        request,
        _("Status change to “%(status)s” sent for review. It counts once IMPACS approves it.")
        % {"status": Status(form.cleaned_data["to_status"]).label},
    )
    return redirect(action)


def submit_no_change(request: HttpRequest, pk: int) -> HttpResponse:
    action = _own_action(request, pk)
    if request.method != "POST":
        return redirect(action)
    form = NoChangeForm(request.POST)
    form.is_valid()
    services.submit_no_change(
        action=action,
        reported_on=timezone.localdate(),
        note=form.cleaned_data.get("note", ""),
        by=_me(request),
    )
    messages.success(
        request, _("“No change since the last report” sent for %(code)s.") % {"code": action.code}
    )
    return redirect(request.POST.get("next") or action.get_absolute_url())


def submit_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("action__plan"), pk=pk)
    action = _own_action(request, milestone.action_id)
    if request.method != "POST":
        return redirect(action)
    form = MilestoneSubmissionForm(request.POST, auto_id=f"report_m{milestone.pk}_%s")
    if not form.is_valid():
        _refused(request, _("Your milestone report"), form)
        return _refusal_page(request, action, milestone=(milestone.pk, form))
    try:
        services.submit_milestone_done(milestone=milestone, by=_me(request), **form.cleaned_data)
    except ValidationError as exc:
        _refused(request, _("Your milestone report"), exc=exc)
        return _refusal_page(request, action, milestone=(milestone.pk, form))
    messages.success(
        request,
        _("Milestone “%(title)s” reported done; sent for review.") % {"title": milestone.title},
    )
    return redirect(action)


def submit_kpi(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    action = _own_action(request, pk)
    kpi = get_object_or_404(
        IndicatorTarget.objects.select_related("indicator", "plan"),
        pk=kpi_pk,
        plan_id=action.plan_id,
    )
    if request.method != "POST":
        return redirect(action)
    cycle = services.open_cycle_for_reports()
    if cycle is None:
        messages.error(
            request, _("No reporting cycle is open, so there is no year to report a value for.")
        )
        return _refusal_page(request, action)
    form = KpiSubmissionForm(request.POST, auto_id=f"report_k{kpi.pk}_%s")
    if not form.is_valid():
        _refused(request, _("Your KPI value"), form)
        return _refusal_page(request, action, kpi=(kpi.pk, form))
    services.submit_kpi_value(
        kpi=kpi,
        year=cycle.kpi_year,
        action=action,
        by=_me(request),
        **form.cleaned_data,
    )
    messages.success(
        request,
        _("%(code)s for %(year)s sent for review.")
        % {"code": kpi.indicator.code, "year": cycle.kpi_year},
    )
    return redirect(action)


# --- A focal point's country report page and own submissions -----------------------------------


@submit_required
def country_report(request: HttpRequest, iso3: str) -> HttpResponse:
    """The open actions of a country with one click each for "no change", and one for all shown."""
    country = get_object_or_404(Country, iso3=iso3.upper())
    visibility.check_country(request.user, country.pk)
    if not services.may_submit_for(request.user, country.pk):
        raise PermissionDenied
    cycle = services.open_cycle_for_reports()
    actions = list(
        Action.objects.current()
        .filter(plan__country=country)
        .exclude(status__in=[Status.NOT_APPLICABLE, Status.COMPLETED])
        .select_related("goal")
        .order_by("goal__number", "code")
    )
    reported = compliance.reported_action_ids(cycle, [a.pk for a in actions]) if cycle else set()
    if request.method == "POST":
        chosen = [
            a
            for a in actions
            if str(a.pk) in request.POST.getlist("action") and a.pk not in reported
        ]
        for action in chosen:
            services.submit_no_change(
                action=action, reported_on=timezone.localdate(), by=_me(request)
            )
        if chosen:
            messages.success(
                request,
                ngettext(
                    "“No change since the last report” sent for %(n)s action.",
                    "“No change since the last report” sent for %(n)s actions.",
                    len(chosen),
                )
                % {"n": len(chosen)},
            )
        else:
            messages.info(request, _("Every action shown is already reported in this cycle."))
        return redirect("reporting:country", iso3=country.iso3.lower())
    rows = [(a, a.pk in reported) for a in actions]
    return render(
        request,
        "reporting/country_report.html",
        {
            "country": country,
            "cycle": cycle,
            "rows": rows,
            "unreported": [a for a, r in rows if not r],
        },
    )


@submit_required
def my_submissions(request: HttpRequest) -> HttpResponse:
    submissions = list(
        Submission.objects.filter(submitted_by=_me(request))
        .select_related("action", "milestone__action", "kpi__indicator", "country", "cycle")
        .prefetch_related("transitions__by")
        .order_by("-pk")[:200]
    )
    returned = [s for s in submissions if s.state == State.RETURNED]
    countries = list(visibility.visible_countries(request.user) or Country.objects.none())
    return render(
        request,
        "reporting/my_submissions.html",
        {"submissions": submissions, "returned": returned, "countries": countries},
    )


# --- Review ----------------------------------------------------------------------------------------


@review_required
def review_queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    queue = Submission.objects.awaiting_review()
    if form.is_valid():
        if form.cleaned_data.get("country"):
            queue = queue.filter(country=form.cleaned_data["country"])
        if form.cleaned_data.get("kind"):
            queue = queue.filter(kind=form.cleaned_data["kind"])
    elif form.is_bound:
        queue = queue.none()
    total = queue.count()
    rows = list(
        queue.select_related(
            "country", "submitted_by", "action", "milestone__action", "kpi__indicator"
        ).order_by("submitted_at", "pk")[:QUEUE_LIMIT]
    )
    return render(
        request,
        "reporting/review.html",
        {"form": form, "rows": rows, "total": total, "limit": QUEUE_LIMIT},
    )


@review_required
@require_POST
def approve_many(request: HttpRequest) -> HttpResponse:
    ids = [int(x) for x in request.POST.getlist("submission") if x.isdigit()]
    approved, refused = 0, []
    # An id past the database's largest integer cannot exist (and SQLite would fail on it): not found.
    in_range = [pk for pk in ids if pk <= LARGEST_ID]
    chosen = list(Submission.objects.filter(pk__in=in_range).order_by("submitted_at", "pk"))
    for submission in chosen:
        try:
            services.approve_submission(submission=submission, by=_me(request))
            approved += 1
        except (services.Conflict, ValidationError) as exc:
            detail = (
                services.describe_conflict(exc)
                if isinstance(exc, services.Conflict)
                else _errors(exc)
            )
            refused.append(f"#{submission.pk}: {detail}")
    if approved:
        messages.success(
            request,
            ngettext("%(n)s submission approved.", "%(n)s submissions approved.", approved)
            % {"n": approved},
        )
    if refused:
        messages.error(
            request,
            _("Not approved, because the action changed since (open each to decide): %(list)s")
            % {"list": " · ".join(refused)},
        )
    missing = sorted(set(ids) - {submission.pk for submission in chosen})
    if missing:
        messages.error(
            request,
            _("Not approved: there is no submission %(list)s.")
            % {"list": ", ".join(f"#{pk}" for pk in missing)},
        )
    if not ids:
        messages.info(request, _("Tick the submissions to approve first."))
    return redirect(
        reverse("reporting:review") + ("?" + request.GET.urlencode() if request.GET else "")
    )


def _readable_submission(request: HttpRequest, pk: int) -> Submission:
    user = request.user
    if not (user.has_perm(services.REVIEW_PERMISSION) or user.has_perm(services.SUBMIT_PERMISSION)):
        raise PermissionDenied
    submission = get_object_or_404(
        Submission.objects.select_related(
            "country",
            "submitted_by",
            "action__plan",
            "milestone__action",
            "kpi__indicator",
            "cycle",
        ),
        pk=pk,
    )
    visibility.check_country(user, submission.country_id)
    return submission


def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _readable_submission(request, pk)
    return _submission_page(request, submission)


def _submission_page(
    request: HttpRequest, submission: Submission, status: int = 200, **forms: Any
) -> HttpResponse:
    action = submission.action or (submission.milestone.action if submission.milestone else None)
    history = (
        list(action.updates.latest_first().select_related("author")[:HISTORY_ROWS])
        if action
        else []
    )
    reviewer = request.user.has_perm(services.REVIEW_PERMISSION)
    mine = submission.submitted_by_id == request.user.pk
    context = {
        "submission": submission,
        "action": action,
        "history": history,
        "transitions": list(submission.transitions.select_related("by")),
        "can_review": reviewer and submission.awaiting_review,
        "can_withdraw": mine
        and submission.state in (State.DRAFT, *AWAITING_REVIEW, State.RETURNED),
        "can_resubmit": mine and submission.state == State.RETURNED,
        "return_form": forms.get("return_form") or ReturnForm(),
        "resubmit_form": forms.get("resubmit_form")
        or ResubmitForm(
            initial={
                "note": submission.note,
                "evidence_url": submission.evidence_url,
                "to_status": submission.to_status,
                "completed_on": submission.completed_on,
                "value": submission.value,
            }
        ),
        "Kind": Kind,
    }
    response = render(request, "reporting/submission.html", context)
    response.status_code = status
    return response


@review_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _readable_submission(request, pk)
    try:
        services.approve_submission(submission=submission, by=_me(request))
    except services.Conflict as exc:
        messages.error(
            request,
            _(
                "Not approved, so nothing was overwritten: the action changed after this submission. %(newer)s Return it so the focal point can report again."
            )
            % {"newer": services.describe_conflict(exc)},
        )
        return _submission_page(request, submission, 409)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return _submission_page(request, submission, 400)
    messages.success(request, _("Approved: %(what)s.") % {"what": submission.subject})
    nxt = Submission.objects.awaiting_review().order_by("submitted_at", "pk").first()
    return redirect(nxt or reverse("reporting:review"))


@review_required
@require_POST
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _readable_submission(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not returned: say why, the submitter reads it."))
        return _submission_page(request, submission, 400, return_form=form)
    try:
        services.return_submission(
            submission=submission, by=_me(request), comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return _submission_page(request, submission, 400, return_form=form)
    messages.success(
        request, _("Returned to %(who)s with your comment.") % {"who": submission.submitted_by}
    )
    return redirect(reverse("reporting:review"))


@submit_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _readable_submission(request, pk)
    try:
        services.withdraw_submission(submission=submission, by=_me(request))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(submission)
    messages.success(request, _("Submission withdrawn."))
    return redirect("reporting:mine")


@submit_required
@require_POST
def resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _readable_submission(request, pk)
    form = ResubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not sent again: correct what is marked."))
        return _submission_page(request, submission, 400, resubmit_form=form)
    try:
        services.resubmit_submission(submission=submission, by=_me(request), **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return _submission_page(request, submission, 400, resubmit_form=form)
    messages.success(request, _("Sent for review again."))
    return redirect("reporting:mine")


# --- Cycles and compliance -------------------------------------------------------------------------


@viewer_required
def overview(request: HttpRequest) -> HttpResponse:
    cycles = list(ReportingCycle.objects.all()[:20])
    cycle: ReportingCycle | None = None
    wanted = request.GET.get("cycle", "")
    if wanted.isdigit():
        cycle = next((c for c in cycles if c.pk == int(wanted)), None)
        if cycle is None:
            raise Http404
    else:
        cycle = next((c for c in cycles if c.is_open), cycles[0] if cycles else None)
    context: dict[str, Any] = {
        "cycles": cycles,
        "cycle": cycle,
        "explanation": compliance.EXPLANATION,
        "can_run": request.user.has_perm(services.REVIEW_PERMISSION),
        "cycle_form": CycleForm(),
    }
    if cycle is not None:
        rows = compliance.cached_for(request, cycle)
        table = ComplianceTable(rows)
        RequestConfig(request, paginate=False).configure(table)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            exporter = SafeTableExport(
                export_format=export, table=table, dataset_kwargs={"title": str(_("Reporting"))}
            )
            return exporter.response(
                filename=f"roadmap-reporting-{timezone.localdate().isoformat()}.{export}"
            )
        context.update({"table": table, "chart": reporting_rates(rows, cycle.name), "rows": rows})
    return render(request, "reporting/overview.html", context)


@review_required
@require_POST
def open_cycle(request: HttpRequest) -> HttpResponse:
    form = CycleForm(request.POST)
    if form.is_valid():
        try:
            cycle = services.open_cycle(by=_me(request), **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _("The cycle was not opened: %(why)s") % {"why": _errors(exc)})
        else:
            messages.success(
                request,
                _("Reporting cycle “%(name)s” opened; focal points are told by e-mail.")
                % {"name": cycle.name},
            )
    else:
        messages.error(
            request,
            _("The cycle was not opened: %(why)s")
            % {
                "why": " ".join(
                    f"{form.fields[k].label if k in form.fields else ''} {' '.join(str(e) for e in v)}"
                    for k, v in form.errors.items()
                )
            },
        )
    return redirect("reporting:overview")


@review_required
@require_POST
def close_cycle(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(ReportingCycle, pk=pk)
    try:
        services.close_cycle(cycle=cycle, by=_me(request))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Reporting cycle “%(name)s” closed.") % {"name": cycle.name})
    return redirect(cycle)
