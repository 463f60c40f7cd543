"""The receipt of an answer: what a delegation answered through its RSVP link, mailed to its
addresses, so that the desk has a record and can see a mistaken tap at once.

One outbox row per answer (step "receipt-<delegation revision>"), sent once like every row;
a receipt overtaken by a later answer before it left is skipped: the later one goes.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from meetings.enums import AttendanceStatus, DelegationLevel
from meetings.models import Delegation, Reminder
from meetings.models.reminders import ReminderKind

from .compose import local_moment, reminder_context, subject_line
from .queue import publish_on_commit, queue_row


def receipt_step(delegation: Delegation) -> str:
    return f"receipt-{delegation.revision}"


def receipt_queue(*, delegation: Delegation, now: dt.datetime | None = None) -> Reminder | None:
    """Queue the receipt of the answer just saved (sent after commit)."""
    now = now or timezone.now()
    if not delegation.addresses:
        return None
    row, created = queue_row(
        delegation=delegation,
        step=receipt_step(delegation),
        kind=ReminderKind.RECEIPT,
        by=None,
        now=now,
    )
    if created:
        publish_on_commit([row.pk])
    return row


def receipt_unwanted_reason(row: Reminder, *, now: dt.datetime) -> str:
    delegation = row.delegation
    if row.step != receipt_step(delegation):
        return "overtaken by a later answer"
    if not delegation.addresses:
        return "no contact addresses"
    return ""


def receipt_context(row: Reminder) -> dict[str, Any]:
    delegation = row.delegation
    meeting = delegation.meeting
    answered_at = delegation.answered_at
    return {
        **reminder_context(row),
        "answer": AttendanceStatus(delegation.attendance).label,
        "confirmed": delegation.attendance == AttendanceStatus.CONFIRMED,
        "head": ", ".join(filter(None, (delegation.head_name, delegation.head_title))),
        "level": DelegationLevel(delegation.level).label if delegation.level else "",
        "answered_at": local_moment(meeting, answered_at) if answered_at else "",
        "can_change": not meeting.closed_reason(now=timezone.now()),
    }


def receipt_email(row: Reminder) -> EmailMultiAlternatives:
    context = receipt_context(row)
    message = EmailMultiAlternatives(
        subject=subject_line(f"Answer received ({context['answer']}): {context['title']}"),
        body=render_to_string("meetings/mail/receipt.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=row.delegation.addresses,
        headers={
            "Message-ID": row.message_id,
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(render_to_string("meetings/mail/receipt.html", context), "text/html")
    return message
