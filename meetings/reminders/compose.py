"""The mail of one outbox row: its texts, their context, the message and its .ics attachment.

The meeting's times read as on the rest of the site (meetings.formatting), in the
venue's local time with its UTC offset, whatever the worker's locale.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from meetings import ical
from meetings.contacts import secretariat_contact
from meetings.enums import MeetingMode, MeetingStatus
from meetings.formatting import day_text, deadline_text, offset_label
from meetings.models import Delegation, Meeting, Reminder
from meetings.models.reminders import ReminderKind
from meetings.tokens import rsvp_token

from .plan import confirmation_deadline

SUBJECT_LIMIT = 180
# What a mail's subject opens with, by kind; other kinds are reminders.
_SUBJECTS = {ReminderKind.INVITATION: "Invitation", ReminderKind.NEW_LINK: "New link"}


def _place(meeting: Meeting) -> str:
    venue = meeting.venue  # None without a query when there is no venue
    return f"{venue.city} time" if venue is not None else meeting.timezone


def meeting_when(meeting: Meeting) -> str:
    """When a meeting is, in the venue's local time with its UTC offset."""
    place = _place(meeting)
    if meeting.all_day:
        first, last = meeting.first_day, meeting.last_day
        days = day_text(first) if first == last else f"{day_text(first)} to {day_text(last)}"
        return f"{days}, all day ({place}, {meeting.utc_offset_label})"
    start, end = meeting.local_start, meeting.local_end
    if meeting.daily_hours and start.date() != end.date():
        days = f"{day_text(start.date())} to {day_text(end.date())}"
        return f"{days}, {start:%H:%M}–{end:%H:%M} each day ({place}, {meeting.utc_offset_label})"
    if start.date() == end.date():
        span = f"{day_text(start.date())}, {start:%H:%M}–{end:%H:%M}"
    else:
        span = f"{day_text(start.date())} {start:%H:%M} to {day_text(end.date())} {end:%H:%M}"
    return f"{span} ({place}, {meeting.utc_offset_label})"


def local_moment(meeting: Meeting, moment: dt.datetime) -> str:
    """An instant in the venue's local time with the offset it has then."""
    local = moment.astimezone(meeting.tz)
    return f"{day_text(local.date())}, {local:%H:%M} ({_place(meeting)}, {offset_label(local)})"


def meeting_where(meeting: Meeting) -> str:
    """Where a meeting is: its venue, "Online" or "To be announced"."""
    if meeting.venue_id is None:
        return "Online" if meeting.mode == MeetingMode.VIRTUAL else "To be announced"
    where = str(meeting.venue)
    if meeting.mode == MeetingMode.HYBRID:
        where += " (in person and online)"
    return where


def rsvp_url(delegation: Delegation) -> str:
    """The absolute URL of a delegation's signed RSVP link."""
    return settings.SITE_URL + reverse("meetings:rsvp", kwargs={"token": rsvp_token(delegation)})


def subject_line(text: str) -> str:
    """One line whatever the title holds (no CR, LF or other breaks), of a sane length.

    Text shaped like an RFC 2047 encoded word ("=?utf-8?q?x=0D=0ABcc:...?=") would be
    decoded by mail readers into other text, line breaks included: a word joiner after
    "=" keeps it literal (and makes the subject itself encoded).
    """
    line = ical.clean_text(text).replace("=?", "=\u2060?")
    return line if len(line) <= SUBJECT_LIMIT else line[: SUBJECT_LIMIT - 1].rstrip() + "…"


def meeting_ics(meeting: Meeting) -> bytes:
    """The meeting as an iCalendar file, with the same UID as in the feeds."""
    entry = ical.MeetingEntry.from_meeting(meeting)
    return ical.meetings_calendar([entry], name=meeting.title).to_ical()


def reminder_context(reminder: Reminder) -> dict[str, Any]:
    """What the mail templates show: the meeting, the deadline and the RSVP link."""
    delegation = reminder.delegation
    meeting = delegation.meeting
    host = meeting.host  # None without a query when there is no host
    return {
        "is_invitation": reminder.kind == ReminderKind.INVITATION,
        "is_new_link": reminder.kind == ReminderKind.NEW_LINK,
        "participant": delegation.participant.name,
        "title": ical.clean_text(meeting.title),
        # “55th ASEAN Foreign Ministers' Meeting” needs no “(ASEAN Foreign Ministers' Meeting)”.
        "format_name": "" if meeting.format.name in meeting.title else meeting.format.name,
        "host": host.name if host is not None else "",
        "when": meeting_when(meeting),
        "where": meeting_where(meeting),
        "deadline": deadline_text(
            confirmation_deadline(meeting), zone=meeting.tz, place=_place(meeting)
        ),
        "status": MeetingStatus(meeting.status).label,
        "tentative": meeting.status == MeetingStatus.TENTATIVE,
        "rsvp_url": rsvp_url(delegation),
        "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
        "site_url": settings.SITE_URL,
        "contact": secretariat_contact(meeting),
    }


def reminder_email(reminder: Reminder) -> EmailMultiAlternatives:
    """The mail of one outbox row: text and HTML, the meeting's .ics attached."""
    context = reminder_context(reminder)
    meeting = reminder.delegation.meeting
    what = _SUBJECTS.get(ReminderKind(reminder.kind), "Reminder")
    message = EmailMultiAlternatives(
        subject=subject_line(f"{what}: please confirm your attendance at {context['title']}"),
        body=render_to_string("meetings/mail/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=reminder.delegation.addresses,
        headers={
            "Message-ID": reminder.message_id,
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(
        render_to_string("meetings/mail/reminder.html", context), "text/html"
    )
    message.attach(f"{meeting.slug}.ics", meeting_ics(meeting).decode(), "text/calendar")
    return message
