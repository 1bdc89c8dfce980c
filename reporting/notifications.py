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
from django.utils import timezone
from django.utils.translation import gettext as _

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
                % {"name": cycle.name, "due": cycle.due_on.isoformat()},
                _url(reverse("reporting:mine")),
            )
        )
        days_left = (cycle.due_on - today).days
        if outstanding and 0 <= days_left <= max(REMINDER_DAYS):
            bracket = min(d for d in REMINDER_DAYS if days_left <= d)
            items.append(
                Item(
                    f"reminder:{cycle.pk}:{bracket}",
                    _("%(n)s expected reports outstanding; due in %(days)s days (%(due)s).")
                    % {"n": outstanding, "days": days_left, "due": cycle.due_on.isoformat()},
                    _url(reverse("reporting:mine")),
                )
            )
        if outstanding and days_left < 0:
            week = (-days_left - 1) // 7
            items.append(
                Item(
                    f"late:{cycle.pk}:{week}",
                    _("Reports are late: %(n)s expected reports outstanding since %(due)s.")
                    % {"n": outstanding, "due": cycle.due_on.isoformat()},
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


def reviewer_items(today: dt.date) -> list[Item]:
    waiting = Submission.objects.awaiting_review().count()
    if not waiting:
        return []
    return [
        Item(
            f"review-digest:{today.isoformat()}",
            _("%(n)s submissions await your review.") % {"n": waiting},
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
    wanted: dict[int, tuple[User, list[Item]]] = {}
    for user in _users_with("submit_report"):
        if not user.has_perm("reporting.review_submission"):
            wanted[user.pk] = (user, focal_point_items(user, cycle, today))
    review = reviewer_items(today)
    for user in _users_with("review_submission"):
        wanted.setdefault(user.pk, (user, []))[1].extend(review)
    for user_pk, (user, items) in wanted.items():
        if user_pk in contacted:
            continue
        done = set(NotificationItem.objects.filter(recipient=user).values_list("key", flat=True))
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
                subject=_("Roadmap Tracker: %(n)s reporting notices") % {"n": len(items)}
                if len(items) > 1
                else _("Roadmap Tracker: a reporting notice"),
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
