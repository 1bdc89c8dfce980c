"""The reporting cycle in the demonstration: `focal`, Jamaica's focal point, an open cycle with a few
submissions awaiting review and one returned. Called from `load_demo` (only with DEBUG on, as it makes a
demo account); every write goes through the write module (plans/services.py)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group, User
from django.utils.translation import gettext as _

from plans import services
from plans.choices import Status
from plans.demo import DEMO_PASSWORD
from plans.models import Action, IndicatorTarget
from plans.visibility import NATIONAL_FOCAL_POINTS
from reporting.models import CountryAssignment, ReportingCycle, Submission
from roadmap.models import Country

DEMO_CYCLE = "Annual report {year} (demonstration)"


def load(as_of: dt.date, impacs: User) -> str:
    focal, _created = User.objects.get_or_create(username="focal")
    focal.first_name, focal.last_name = "Fiona", "Campbell"
    focal.email = "focal@example.org"
    focal.is_active, focal.is_staff, focal.is_superuser = True, False, False
    focal.set_password(DEMO_PASSWORD)
    focal.save()
    focal.groups.set([Group.objects.get(name=NATIONAL_FOCAL_POINTS)])
    jamaica = Country.objects.get(iso3="JAM")
    CountryAssignment.objects.get_or_create(user=focal, country=jamaica)
    focal = User.objects.get(pk=focal.pk)  # fresh permission caches

    # An earlier demonstration's cycle goes, with its submissions (reporting data, not plan data).
    earlier = ReportingCycle.objects.filter(name__endswith="(demonstration)")
    Submission.objects.filter(cycle__in=earlier).delete()
    earlier.delete()
    for cycle in ReportingCycle.objects.open():
        services.close_cycle(cycle=cycle, by=impacs)
    cycle = services.open_cycle(
        name=DEMO_CYCLE.format(year=as_of.year),
        opens_on=as_of - dt.timedelta(days=21),
        due_on=as_of + dt.timedelta(days=30),
        kpi_year=as_of.year,
        by=impacs,
    )
    open_actions = list(
        Action.objects.current()
        .filter(plan__country=jamaica)
        .exclude(status__in=[Status.COMPLETED, Status.NOT_APPLICABLE])
        .select_related("plan")
        .order_by("goal__number", "code")[:4]
    )
    if len(open_actions) < 4:
        return _("focal (Jamaica's focal point) and an open cycle")
    first, second, third, fourth = open_actions
    services.submit_status_change(
        action=first,
        to_status=Status.COMPLETED if first.status == Status.SUBSTANTIAL else Status.SUBSTANTIAL,
        reported_on=as_of - dt.timedelta(days=3),
        note="The amendments were tabled in Parliament; the committee report is attached.",
        evidence_url="https://example.org/jam/committee-report",
        by=focal,
    )
    services.submit_no_change(action=second, reported_on=as_of - dt.timedelta(days=2), by=focal)
    kpi = IndicatorTarget.objects.filter(plan=first.plan).order_by("indicator__code").first()
    if kpi is not None and not kpi.values.in_force().filter(year=as_of.year).exists():
        services.submit_kpi_value(
            kpi=kpi,
            year=as_of.year,
            value=kpi.target_value,
            note="Figure from the national firearms register.",
            by=focal,
        )
    returned = services.submit_status_change(
        action=third,
        to_status=Status.COMPLETED,
        reported_on=as_of - dt.timedelta(days=10),
        note="Done.",
        by=focal,
    )
    services.return_submission(
        submission=returned,
        by=impacs,
        comment="Please add the evidence (the signed agreement) and the date it took effect.",
    )
    services.submit_no_change(action=fourth, reported_on=as_of - dt.timedelta(days=1), by=focal)
    return _(
        "focal (Jamaica's focal point), an open cycle, 4 submissions awaiting review, 1 returned"
    )
