"""Who gets which e-mail on which day: one digest per person and day, each reason sent once.

Focal points: a cycle's opening, reminders 30, 7 and 1 days before the due date (the tightest bracket
reached, while reports are outstanding), weekly once late, and their returned submissions. Reviewers
(IMPACS staff): a daily digest of what awaits review. Each reason has a key recorded with the e-mail
(NotificationItem, unique per person), so nothing is sent twice; an e-mail that failed to send stays
unsent and is retried on the next run, before anything new is built for that person.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from preferences.models import preferred_language
from reporting import compliance
from reporting.models import (
    Event,
    Notification,
    NotificationItem,
    ReportingCycle,
    Submission,
    Transition,
)

log = logging.getLogger(__name__)
REMINDER_DAYS = (1, 7, 30)


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    url: str = ""


def _users_with(codename: str) -> list[User]:
    perm = Permission.objects.get(content_type__app_label="reporting", codename=codename)
    return list(
        User.objects.filter(
            Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True),
            is_active=True,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _url(path: str) -> str:
    return settings.SITE_URL + path


def _date(day: dt.date) -> str:
    """A date as the recipient reads dates (the active language's format)."""
    return formats.date_format(day, "DATE_FORMAT")


def focal_point_items(user: User, cycle: ReportingCycle | None, today: dt.date) -> list[Item]:
    items: list[Item] = []
    if cycle is not None and cycle.opens_on <= today:
        countries = list(user.country_assignments.values_list("country_id", flat=True))
        rows = compliance.cycle_compliance(cycle, countries, today) if countries else []
        outstanding = sum(r.outstanding for r in rows)
        items.append(
            Item(
                f"cycle-opened:{cycle.pk}",
                _("The reporting cycle “%(name)s” is open: reports are due on %(due)s.")
                % {"name": cycle.name, "due": _date(cycle.due_on)},
                _url(reverse("reporting:mine")),
            )
        )
        days_left = (cycle.due_on - today).days
        if outstanding and 0 <= days_left <= max(REMINDER_DAYS):
            bracket = min(d for d in REMINDER_DAYS if days_left <= d)
            items.append(
                Item(
                    f"reminder:{cycle.pk}:{bracket}",
                    ngettext(
                        "%(n)s expected report outstanding; due in %(days)s days (%(due)s).",
                        "%(n)s expected reports outstanding; due in %(days)s days (%(due)s).",
                        outstanding,
                    )
                    % {"n": outstanding, "days": days_left, "due": _date(cycle.due_on)},
                    _url(reverse("reporting:mine")),
                )
            )
        if outstanding and days_left < 0:
            week = (-days_left - 1) // 7
            items.append(
                Item(
                    f"late:{cycle.pk}:{week}",
                    ngettext(
                        "Reports are late: %(n)s expected report outstanding since %(due)s.",
                        "Reports are late: %(n)s expected reports outstanding since %(due)s.",
                        outstanding,
                    )
                    % {"n": outstanding, "due": _date(cycle.due_on)},
                    _url(reverse("reporting:mine")),
                )
            )
    for transition in Transition.objects.filter(
        event=Event.RETURN, submission__submitted_by=user
    ).select_related("submission"):
        items.append(
            Item(
                f"returned:{transition.pk}",
                _("Returned to you: “%(what)s”. Comment: %(comment)s")
                % {"what": transition.submission.subject, "comment": transition.comment},
                _url(transition.submission.get_absolute_url()),
            )
        )
    return items


def reviewer_items(today: dt.date, waiting: int) -> list[Item]:
    if not waiting:
        return []
    return [
        Item(
            f"review-digest:{today.isoformat()}",
            ngettext(
                "%(n)s submission awaits your review.",
                "%(n)s submissions await your review.",
                waiting,
            )
            % {"n": waiting},
            _url(reverse("reporting:review")),
        )
    ]


def _send(notification: Notification) -> bool:
    message = EmailMultiAlternatives(
        notification.subject, notification.body_text, to=[notification.to_address]
    )
    message.attach_alternative(notification.body_html, "text/html")
    notification.attempts += 1
    try:
        message.send()
    except Exception as exc:  # any transport failure: keep it unsent, retry next run
        notification.last_error = str(exc)[:1000]
        notification.save(update_fields=["attempts", "last_error"])
        log.warning("E-mail to %s failed: %s", notification.to_address, exc)
        return False
    notification.sent_at = timezone.now()
    notification.last_error = ""
    notification.save(update_fields=["attempts", "sent_at", "last_error"])
    return True


def run(today: dt.date | None = None) -> dict[str, int]:
    """One run of send_notifications: retry the unsent, then build and send today's digests."""
    today = today or timezone.localdate()
    counts = {"sent": 0, "failed": 0}
    contacted: set[int] = set()
    for pending in Notification.objects.filter(sent_at__isnull=True).order_by("day", "pk"):
        contacted.add(pending.recipient_id)
        counts["sent" if _send(pending) else "failed"] += 1
    # At most one e-mail a person a day: today's digest, or an older one that went out today.
    since = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_current_timezone())
    contacted |= set(
        Notification.objects.filter(Q(day=today) | Q(sent_at__gte=since)).values_list(
            "recipient_id", flat=True
        )
    )
    cycle = ReportingCycle.objects.open().first()
    waiting = Submission.objects.awaiting_review().count()
    focal_points = {
        user.pk: user
        for user in _users_with("submit_report")
        if not user.has_perm("reporting.review_submission")
    }
    recipients = {**focal_points, **{user.pk: user for user in _users_with("review_submission")}}
    for user_pk, user in recipients.items():
        if user_pk in contacted:
            continue
        # Each e-mail is written in the language its recipient chose in the menu (the site's default
        # when none was chosen): the texts, the dates, the subject.
        with translation.override(preferred_language(user) or settings.LANGUAGE_CODE):
            if user_pk in focal_points:
                items = focal_point_items(user, cycle, today)
            else:
                items = reviewer_items(today, waiting)
            done = set(
                NotificationItem.objects.filter(recipient=user).values_list("key", flat=True)
            )
            fresh = [item for item in items if item.key not in done]
            if not fresh:
                continue
            notification = _build(user, today, fresh)
        if notification is not None:
            counts["sent" if _send(notification) else "failed"] += 1
    return counts


def _build(user: User, today: dt.date, items: list[Item]) -> Notification | None:
    context = {"user": user, "items": items, "site_url": settings.SITE_URL}
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=user,
                day=today,
                to_address=user.email,
                subject=ngettext(
                    "Roadmap Tracker: a reporting notice",
                    "Roadmap Tracker: %(n)s reporting notices",
                    len(items),
                )
                % {"n": len(items)},
                body_text=render_to_string("reporting/email/digest.txt", context),
                body_html=render_to_string("reporting/email/digest.html", context),
            )
            NotificationItem.objects.bulk_create(
                [
                    NotificationItem(notification=notification, recipient=user, key=i.key)
                    for i in items
                ]
            )
    except IntegrityError:  # another run got there first
        return None
    return notification
