"""Change notices: every delegation of a published meeting hears once of a new date, venue,
mode or status, with the reason, old and new, and the updated .ics.

A notice is an outbox row like the reminders' (kind CHANGE, step "change-<sequence>"), so it
is sent exactly once by the same claim, retry and sweep. It waits NOTICE_COALESCE_SECONDS
after the first change of a burst: the edits staff make within that time (the date, then
the venue, then a typo in the reason) join the row still waiting, and the delegation gets
one mail comparing the meeting as it was before the burst with the meeting as it is when
the mail leaves. A burst that ends where it began sends nothing.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from meetings.enums import MeetingMode, MeetingStatus
from meetings.models import Meeting, Reminder
from meetings.models.reminders import ReminderKind, ReminderStatus

from .compose import (
    meeting_ics,
    meeting_when,
    meeting_where,
    reminder_context,
    subject_line,
)
from .plan import INVITATION_STEP
from .queue import requester_id

# What a notice is about; a change to anything else (the title, the description) is not one.
NOTICE_FIELDS = ("start", "end", "all_day", "timezone", "venue_id", "mode", "status")
# Lines of a notice, in this order: (key in the state, label).
NOTICE_LINES = (("when", "When"), ("where", "Where"), ("mode", "Mode"), ("status", "Status"))
# A status a meeting reaches by being held, not by a decision anyone must hear of.
QUIET_STATUSES = {MeetingStatus.HELD}


def notice_step(meeting: Meeting) -> str:
    """The outbox step of the notice opened by the change that made `meeting.sequence`."""
    return f"change-{meeting.sequence}"


def meeting_state(meeting: Meeting) -> dict[str, Any]:
    """What a notice compares: the texts delegations read, and the period as stored."""
    return {
        "when": meeting_when(meeting),
        "where": meeting_where(meeting),
        "mode": MeetingMode(meeting.mode).label,
        "status": MeetingStatus(meeting.status).label,
        "period": [
            meeting.start.isoformat(),
            meeting.end.isoformat(),
            meeting.all_day,
            meeting.timezone,
        ],
    }


def _noticed(before: Meeting, after: Meeting, *, now: dt.datetime) -> bool:
    """Whether the change from `before` to `after` is one delegations are told of."""
    if not (before.published and after.published):
        return False  # drafts are nobody's news; a first publication is an announcement
    if max(before.end, after.end) <= now:
        return False  # correcting the record of a past meeting
    changed = {name for name in NOTICE_FIELDS if getattr(before, name) != getattr(after, name)}
    if changed == {"status"} and after.status in QUIET_STATUSES:
        return False
    return bool(changed)


def notices_queue(
    *,
    meeting: Meeting,
    before: Meeting,
    by: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> list[int]:
    """Open (or join) the notice of this change for each delegation with addresses.

    Runs inside the meeting's save, which holds the meeting's row lock: two edits of one
    meeting cannot both open a notice for the same burst. Returns the rows opened.
    """
    now = now or timezone.now()
    if not _noticed(before, meeting, now=now):
        return []
    delegations = meeting.delegations.exclude(contact_emails="")
    waiting = Reminder.objects.filter(
        delegation__in=delegations,
        kind=ReminderKind.CHANGE,
        status=ReminderStatus.QUEUED,
        enqueued_at__isnull=True,
    )
    if meeting.change_note:
        waiting.update(reason=meeting.change_note, updated_at=now)
    joined = set(waiting.values_list("delegation_id", flat=True))
    previous = meeting_state(before)
    due = now + dt.timedelta(seconds=settings.NOTICE_COALESCE_SECONDS)
    rows = [
        Reminder(
            delegation_id=pk,
            kind=ReminderKind.CHANGE,
            step=notice_step(meeting),
            due_at=due,
            previous=previous,
            reason=meeting.change_note,
            requested_by_id=requester_id(by),
        )
        for pk in delegations.exclude(pk__in=joined).values_list("pk", flat=True)
    ]
    created = Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return [row.pk for row in created if row.pk is not None]


def notice_unwanted_reason(row: Reminder, *, now: dt.datetime) -> str:
    """Why a queued notice should no longer go ("" if it should)."""
    delegation = row.delegation
    meeting = delegation.meeting
    if not meeting.published:
        return "meeting not published"
    if meeting.end <= now:
        return "meeting has ended"
    if not delegation.addresses:
        return "no contact addresses"
    if not notice_changes(row, meeting_state(meeting)):
        return "changed back: nothing left to tell"
    invitation = (
        Reminder.objects.filter(delegation=delegation, step=INVITATION_STEP)
        .values_list("status", "sent_at")
        .first()
    )
    if invitation is not None:
        status, sent_at = invitation
        if status in (ReminderStatus.QUEUED, ReminderStatus.SENDING):
            return "its invitation, still to go, gives the new details"
        if status == ReminderStatus.SENT and sent_at is not None and sent_at >= row.created_at:
            return "its invitation, sent after the change, gave the new details"
    return ""


def notice_changes(row: Reminder, current: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, before, now) of each line that differs between the row's snapshot and
    `current`, the meeting's state now (meeting_state)."""
    return [
        (label, row.previous.get(key, ""), current[key])
        for key, label in NOTICE_LINES
        if row.previous.get(key) != current[key]
    ]


def notice_headline(meeting: Meeting, changes: list[tuple[str, str, str]]) -> str:
    """What happened, as the subject opens: "Cancelled", "Rescheduled and moved", ..."""
    labels = {label for label, _, _ in changes}
    if "Status" in labels and meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.POSTPONED):
        return MeetingStatus(meeting.status).label
    parts = []
    if "When" in labels:
        parts.append("rescheduled")
    if "Where" in labels:
        parts.append("moved")
    if "Mode" in labels:
        parts.append(f"now {MeetingMode(meeting.mode).label.lower()}")
    if "Status" in labels:
        parts.append(f"now {MeetingStatus(meeting.status).label.lower()}")
    text = " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text[:1].upper() + text[1:]


def notice_context(row: Reminder) -> dict[str, Any]:
    meeting = row.delegation.meeting
    current = meeting_state(meeting)
    changes = notice_changes(row, current)
    moved = row.previous.get("period") != current["period"]
    return {
        **reminder_context(row),
        "headline": notice_headline(meeting, changes),
        "changes": changes,
        "reason": row.reason,
        "cancelled": meeting.status == MeetingStatus.CANCELLED,
        "postponed": meeting.status == MeetingStatus.POSTPONED,
        # Moved dates ask for the answer again, while the meeting still takes answers.
        "ask_again": moved and not meeting.closed_reason(now=timezone.now()),
    }


def notice_email(row: Reminder) -> EmailMultiAlternatives:
    """The notice of one outbox row: text and HTML, the updated .ics attached (same UID,
    higher SEQUENCE, STATUS:CANCELLED when cancelled) so calendars replace the old entry."""
    context = notice_context(row)
    meeting = row.delegation.meeting
    message = EmailMultiAlternatives(
        subject=subject_line(f"{context['headline']}: {context['title']}"),
        body=render_to_string("meetings/mail/notice.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=row.delegation.addresses,
        headers={
            "Message-ID": row.message_id,
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(render_to_string("meetings/mail/notice.html", context), "text/html")
    message.attach(f"{meeting.slug}.ics", meeting_ics(meeting).decode(), "text/calendar")
    return message


def notice_audience(meeting: Meeting, *, now: dt.datetime | None = None) -> int:
    """How many delegations a change to `meeting` would be told of: none while it is
    unpublished or over, else those with contact addresses."""
    now = now or timezone.now()
    if not meeting.published or meeting.end <= now:
        return 0
    return meeting.delegations.exclude(contact_emails="").count()
