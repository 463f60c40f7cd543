"""Who is due a reminder, the outbox rows that say so, and sending one row exactly once.

The beat pass plans rows and hands their ids to workers; the `send_reminders`
command plans and sends in-process; staff queue one through the admin. Whichever
door, a mail is sent only by `reminder_send`, which claims its row under a lock
(QUEUED -> SENDING, committed before the mail leaves), re-checks that the mail is
still wanted, sends it and marks the row SENT. A worker lost between the claim and
the mark leaves the row SENDING until `reminders_sweep` queues it again.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from meetings import ical
from meetings.enums import AttendanceStatus, MeetingMode, MeetingStatus
from meetings.models import Delegation, Meeting, Reminder, ReminderSchedule
from meetings.models.reminders import DEFAULT_DAYS_BEFORE, ReminderKind, ReminderStatus
from meetings.tokens import rsvp_token

logger = logging.getLogger(__name__)

# Meetings whose delegations are still asked to answer.
LIVE_STATUSES = (MeetingStatus.TENTATIVE, MeetingStatus.SCHEDULED)
INVITATION_STEP = "invitation"
SUBJECT_LIMIT = 180


@dataclass(frozen=True)
class Skip:
    delegation: Delegation
    reason: str


@dataclass
class Plan:
    """Rows a planning run wrote, and the invited delegations it left alone, with why."""

    planned: list[Reminder] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


@dataclass(frozen=True)
class SendResult:
    """What happened to one row: sent, skipped (no longer wanted), retry, failed or busy."""

    reminder_id: int
    outcome: str
    detail: str = ""
    reminder: Reminder | None = None
    retry_in: int = 0


@dataclass
class PassReport:
    plan: Plan
    results: list[SendResult] = field(default_factory=list)
    enqueued: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {"planned": len(self.plan.planned), "enqueued": len(self.enqueued)}
        for result in self.results:
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        return counts


# -- who is due ---------------------------------------------------------------------------


def schedule_days() -> dict[int | None, tuple[int, ...]]:
    """Days before the deadline per format id; the key None is the default schedule.

    Without a default row (deleted, or a test database flushed) the built-in
    default applies, so reminders never stop for want of configuration.
    """
    schedules = {row.format_id: row.days for row in ReminderSchedule.objects.all()}
    schedules.setdefault(None, DEFAULT_DAYS_BEFORE)
    return schedules


def confirmation_deadline(meeting: Meeting) -> dt.datetime:
    return meeting.confirmation_deadline or meeting.start


def due_step(
    *, days: Iterable[int], deadline: dt.datetime, invited_at: dt.datetime | None, now: dt.datetime
) -> int | None:
    """The latest step whose time has come, among those after the invitation.

    Earlier steps missed (the system was down, or the invitation came late) are not
    sent: only the most recent one is.
    """
    due = [
        day
        for day in days
        if deadline - dt.timedelta(days=day) <= now
        and (invited_at is None or deadline - dt.timedelta(days=day) > invited_at)
    ]
    return min(due) if due else None


def next_step(*, days: Iterable[int], deadline: dt.datetime, now: dt.datetime) -> int | None:
    upcoming = [day for day in days if deadline - dt.timedelta(days=day) > now]
    return max(upcoming) if upcoming else None


def reminder_candidates(*, now: dt.datetime) -> QuerySet[Delegation]:
    """Delegations that have not answered an upcoming meeting, whether or not they are due."""
    return (
        Delegation.objects.filter(attendance=AttendanceStatus.INVITED, meeting__start__gt=now)
        .select_related("meeting", "participant")
        .order_by("meeting__start", "meeting_id", "participant__name")
    )


def meeting_closed_reason(meeting: Meeting, *, now: dt.datetime) -> str:
    """Why a meeting's delegations are no longer written to ("" if they still are)."""
    if not meeting.published:
        return "meeting not published"
    if meeting.status not in LIVE_STATUSES:
        return f"meeting {MeetingStatus(meeting.status).label.lower()}"
    if meeting.start <= now:
        return "meeting has started"
    return ""


def _step_key(days: int) -> str:
    return f"{days}d"


def _days_label(days: int) -> str:
    return f"{days} day{'' if days == 1 else 's'} before the deadline"


def reminders_plan(*, now: dt.datetime | None = None) -> Plan:
    """Write the outbox row of every delegation due a scheduled reminder (idempotent)."""
    now = now or timezone.now()
    schedules = schedule_days()
    candidates = reminder_candidates(now=now)
    rows, invitation_mailed = {}, {}
    for delegation_id, step, status, due_at in Reminder.objects.filter(
        delegation__in=candidates.values("pk")
    ).values_list("delegation_id", "step", "status", "due_at"):
        rows[delegation_id, step] = status
        if step == INVITATION_STEP:
            invitation_mailed[delegation_id] = due_at
    plan = Plan()
    for delegation in candidates:
        meeting = delegation.meeting
        reason = meeting_closed_reason(meeting, now=now)
        if not reason and delegation.reminders_paused:
            reason = "reminders paused"
        if not reason and not delegation.addresses:
            reason = "no contact addresses"
        deadline = confirmation_deadline(meeting)
        if not reason and deadline <= now:
            reason = "confirmation deadline passed"
        if reason:
            plan.skipped.append(Skip(delegation, reason))
            continue
        days = schedules.get(meeting.format_id, schedules[None])
        # Steps that fell before the invitation went out are not sent after it.
        invited_at = max(
            filter(None, (delegation.invited_at, invitation_mailed.get(delegation.pk))),
            default=None,
        )
        step = due_step(days=days, deadline=deadline, invited_at=invited_at, now=now)
        if step is None:
            coming = next_step(days=days, deadline=deadline, now=now)
            if coming is None:
                reason = "no reminder step left before the deadline"
            else:
                when = deadline - dt.timedelta(days=coming)
                reason = (
                    f"nothing due yet; next {_days_label(coming)}, on {when:%Y-%m-%d %H:%M} UTC"
                )
            plan.skipped.append(Skip(delegation, reason))
            continue
        status = rows.get((delegation.pk, _step_key(step)))
        if status is not None:
            label = ReminderStatus(status).label.lower()
            plan.skipped.append(Skip(delegation, f"{_days_label(step)}: already {label}"))
            continue
        plan.planned.append(
            Reminder(
                delegation=delegation,
                kind=ReminderKind.SCHEDULED,
                step=_step_key(step),
                days_before=step,
                due_at=deadline - dt.timedelta(days=step),
            )
        )
    # The unique (delegation, step) constraint makes a concurrent planner's rows win quietly.
    Reminder.objects.bulk_create(plan.planned, ignore_conflicts=True)
    return plan


# -- handing rows to the workers ----------------------------------------------------------


def publish_on_commit(ids: Iterable[int]) -> None:
    """Give the rows' ids to the workers once the rows are committed.

    A broker that is down does not undo the commit (robust=True logs the error);
    the rows stay QUEUED and the sweeper offers them again later.
    """
    ids = list(ids)

    def publish_reminders() -> None:
        from meetings.tasks import send_reminder  # the tasks module imports this one

        for pk in ids:
            send_reminder.delay(pk)

    if ids:
        transaction.on_commit(publish_reminders, robust=True)


def reminders_enqueue(*, now: dt.datetime | None = None) -> list[int]:
    """Hand every planned row not yet given to the workers to them, after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.QUEUED, enqueued_at__isnull=True)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)
        )
        Reminder.objects.filter(pk__in=ids).update(enqueued_at=now, updated_at=now)
        publish_on_commit(ids)
    return ids


def _who(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def known_contacts(*, participant_ids: Iterable[int]) -> dict[int, str]:
    """Each participant's contact addresses on its latest delegation that had some."""
    rows = (
        Delegation.objects.filter(participant_id__in=list(participant_ids))
        .exclude(contact_emails="")
        .order_by("participant_id", "-meeting__start", "-pk")
        .values_list("participant_id", "contact_emails")
    )
    found: dict[int, str] = {}
    for participant_id, addresses in rows:
        found.setdefault(participant_id, addresses)
    return found


def invitations_queue(
    *,
    delegations: Iterable[Delegation],
    by: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> list[Reminder]:
    """Queue the invitation of each delegation that has addresses (sent after commit)."""
    now = now or timezone.now()
    wanted = [
        d for d in delegations if d.addresses and not meeting_closed_reason(d.meeting, now=now)
    ]
    if not wanted:
        return []
    Reminder.objects.bulk_create(
        [
            Reminder(
                delegation=delegation,
                kind=ReminderKind.INVITATION,
                step=INVITATION_STEP,
                due_at=now,
                enqueued_at=now,
                requested_by=_who(by),
            )
            for delegation in wanted
        ],
        ignore_conflicts=True,
    )
    rows = list(
        Reminder.objects.filter(
            delegation__in=wanted, step=INVITATION_STEP, status=ReminderStatus.QUEUED
        ).order_by("pk")
    )
    publish_on_commit(row.pk for row in rows)
    return rows


def invitations_owed(
    delegations: QuerySet[Delegation], *, by: AbstractBaseUser | None = None
) -> list[Reminder]:
    """Queue the invitation of each of these delegations that is still invited, has
    addresses and never had one (its meeting open); at most one per delegation ever."""
    owed = (
        delegations.filter(attendance=AttendanceStatus.INVITED)
        .exclude(contact_emails="")
        .exclude(reminders__step=INVITATION_STEP)
        .select_related("meeting")
    )
    return invitations_queue(delegations=list(owed), by=by)


@transaction.atomic
def reminder_request(
    *, delegation: Delegation, by: AbstractBaseUser | None, now: dt.datetime | None = None
) -> Reminder:
    """Queue a mail to a delegation now: its invitation if that never went, else a reminder.

    Asking twice within a minute queues one mail, so a double click sends once.
    """
    now = now or timezone.now()
    invitation = (
        Reminder.objects.select_for_update()
        .filter(delegation=delegation, step=INVITATION_STEP)
        .first()
    )
    if invitation is None:
        row, created = Reminder.objects.get_or_create(
            delegation=delegation,
            step=INVITATION_STEP,
            defaults={
                "kind": ReminderKind.INVITATION,
                "due_at": now,
                "enqueued_at": now,
                "requested_by": _who(by),
            },
        )
    elif invitation.status in (ReminderStatus.SKIPPED, ReminderStatus.FAILED):
        invitation.status = ReminderStatus.QUEUED
        invitation.attempts = 0
        invitation.skip_reason = invitation.last_error = ""
        invitation.due_at = invitation.enqueued_at = now
        invitation.requested_by = _who(by)
        invitation.save()
        row, created = invitation, True
    elif invitation.status != ReminderStatus.SENT:
        row, created = invitation, False  # already on its way
    else:
        row, created = Reminder.objects.get_or_create(
            delegation=delegation,
            step=f"manual-{now:%Y%m%d%H%M}",
            defaults={
                "kind": ReminderKind.MANUAL,
                "due_at": now,
                "enqueued_at": now,
                "requested_by": _who(by),
            },
        )
    if created:
        publish_on_commit([row.pk])
    return row


@transaction.atomic
def reminders_requeue(*, reminders: Iterable[Reminder], now: dt.datetime | None = None) -> int:
    """Give failed or skipped rows another go (staff decided the cause is gone)."""
    now = now or timezone.now()
    ids = [r.pk for r in reminders if r.status in (ReminderStatus.FAILED, ReminderStatus.SKIPPED)]
    Reminder.objects.filter(pk__in=ids).update(
        status=ReminderStatus.QUEUED,
        attempts=0,
        skip_reason="",
        last_error="",
        claimed_at=None,
        enqueued_at=now,
        updated_at=now,
    )
    publish_on_commit(ids)
    return len(ids)


# -- sending one --------------------------------------------------------------------------


def unwanted_reason(reminder: Reminder, *, now: dt.datetime) -> str:
    """Why a queued mail should no longer go ("" if it should)."""
    delegation = reminder.delegation
    meeting = delegation.meeting
    if delegation.attendance != AttendanceStatus.INVITED:
        return f"delegation answered: {AttendanceStatus(delegation.attendance).label.lower()}"
    reason = meeting_closed_reason(meeting, now=now)
    if reason:
        return reason
    if reminder.kind == ReminderKind.SCHEDULED:
        if delegation.reminders_paused:
            return "reminders paused"
        deadline = confirmation_deadline(meeting)
        if deadline <= now:
            return "confirmation deadline passed"
        # A row left queued while the workers were down is overtaken by a later step:
        # the delegation gets the latest due step once, not the backlog.
        schedules = schedule_days()
        latest = due_step(
            days=schedules.get(meeting.format_id, schedules[None]),
            deadline=deadline,
            invited_at=delegation.invited_at,
            now=now,
        )
        if latest is not None and latest < (reminder.days_before or 0):
            return f"overtaken by the reminder {_days_label(latest)}"
    if not delegation.addresses:
        return "no contact addresses"
    return ""


def retry_delay(attempts: int) -> int:
    """Seconds before another attempt: one minute, doubling, at most an hour."""
    return min(60 * 2 ** max(attempts - 1, 0), 3600)


def _claim(reminder_id: int) -> tuple[Reminder | None, SendResult | None]:
    now = timezone.now()
    with transaction.atomic():
        row = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "delegation__participant",
                "delegation__meeting__venue",
                "delegation__meeting__format",
                "delegation__meeting__host",
                "delegation__meeting__event",
            )
            .filter(pk=reminder_id)
            .first()
        )
        if row is None:
            return None, SendResult(reminder_id, "busy", "gone, or being sent by another worker")
        if row.status != ReminderStatus.QUEUED:
            return None, SendResult(reminder_id, "busy", f"already {row.status}", row)
        reason = unwanted_reason(row, now=now)
        if reason:
            row.status, row.skip_reason = ReminderStatus.SKIPPED, reason
            row.save(update_fields=["status", "skip_reason", "updated_at"])
            return None, SendResult(reminder_id, "skipped", reason, row)
        row.status, row.claimed_at = ReminderStatus.SENDING, now
        row.attempts += 1
        row.recipients = "\n".join(row.delegation.addresses)
        row.save(update_fields=["status", "claimed_at", "attempts", "recipients", "updated_at"])
    return row, None


def reminder_send(*, reminder_id: int) -> SendResult:
    """Send one outbox row if it is still queued and still wanted; at most one sender wins.

    The SENDING state is committed before the mail leaves, so a crash after the
    mail server accepted it cannot pass for "never sent": the row waits for the
    sweeper, and a resend carries the same Message-ID.
    """
    row, result = _claim(reminder_id)
    if result is not None:
        return result
    try:
        reminder_email(row).send()
    except Exception as exc:  # whatever the mail server or the rendering raised
        return _record_failure(row, exc)
    now = timezone.now()
    Reminder.objects.filter(pk=row.pk).update(
        status=ReminderStatus.SENT, sent_at=now, claimed_at=None, last_error="", updated_at=now
    )
    row.status, row.sent_at = ReminderStatus.SENT, now
    return SendResult(row.pk, "sent", row.recipients.replace("\n", ", "), row)


def _record_failure(row: Reminder, exc: Exception) -> SendResult:
    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    final = row.attempts >= settings.REMINDER_MAX_ATTEMPTS
    delay = 0 if final else retry_delay(row.attempts)
    Reminder.objects.filter(pk=row.pk, status=ReminderStatus.SENDING).update(
        status=ReminderStatus.FAILED if final else ReminderStatus.QUEUED,
        last_error=error,
        claimed_at=None,
        # The task retries after `delay`; the sweeper steps in only if that retry is lost.
        enqueued_at=now + dt.timedelta(seconds=delay),
        updated_at=now,
    )
    logger.warning("Reminder %s attempt %s failed: %s", row.pk, row.attempts, error)
    return SendResult(row.pk, "failed" if final else "retry", error, row, retry_in=delay)


def reminders_sweep(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Queue again rows stuck SENDING (their worker was lost) and rows queued long ago.

    A row in flight longer than REMINDER_SENDING_TIMEOUT (far above the SMTP
    timeout) has lost its worker; one QUEUED for longer than REMINDER_REQUEUE_AFTER
    has lost its message (a broker restart, a crash before the hand-over).
    """
    now = now or timezone.now()
    stuck_before = now - dt.timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT)
    stale_before = now - dt.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER)
    with transaction.atomic():
        stuck = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.SENDING, claimed_at__lt=stuck_before)
            .order_by("pk")
            .values_list("pk", "attempts")
        )
        give_up = [pk for pk, attempts in stuck if attempts >= settings.REMINDER_MAX_ATTEMPTS]
        requeue = [pk for pk, attempts in stuck if attempts < settings.REMINDER_MAX_ATTEMPTS]
        lost = f"No result {settings.REMINDER_SENDING_TIMEOUT} s after sending began (worker lost)"
        Reminder.objects.filter(pk__in=give_up).update(
            status=ReminderStatus.FAILED, last_error=f"{lost}; gave up.", updated_at=now
        )
        Reminder.objects.filter(pk__in=requeue).update(
            status=ReminderStatus.QUEUED,
            last_error=f"{lost}; queued again.",
            claimed_at=None,
            enqueued_at=now,
            updated_at=now,
        )
        stale = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.QUEUED)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale_before))
            .exclude(pk__in=requeue)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Reminder.objects.filter(pk__in=stale).update(enqueued_at=now, updated_at=now)
        publish_on_commit([*requeue, *stale])
    return {"requeued": requeue, "republished": stale, "failed": give_up}


def reminders_pass(*, now: dt.datetime | None = None, send: bool = False) -> PassReport:
    """Plan due rows, then hand new rows to the workers, or (send=True) send every queued
    row in this process, as the `send_reminders` command does without a broker."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = reminders_plan(now=now)
    report = PassReport(plan=plan)
    if send:
        queued = Reminder.objects.filter(status=ReminderStatus.QUEUED).order_by("due_at", "pk")
        report.results = [
            reminder_send(reminder_id=pk) for pk in queued.values_list("pk", flat=True)
        ]
    else:
        report.enqueued = reminders_enqueue(now=now)
    return report


# -- the mail -----------------------------------------------------------------------------

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _day(day: dt.date) -> str:
    # Spelled out, not strftime'd, so the mail never depends on the worker's locale.
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _offset(moment: dt.datetime) -> str:
    minutes = int((moment.utcoffset() or dt.timedelta(0)).total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def _place(meeting: Meeting) -> str:
    return f"{meeting.venue.city} time" if meeting.venue_id else meeting.timezone


def meeting_when(meeting: Meeting) -> str:
    """When a meeting is, in the venue's local time with its UTC offset."""
    place = _place(meeting)
    if meeting.all_day:
        first, last = meeting.first_day, meeting.last_day
        days = _day(first) if first == last else f"{_day(first)} to {_day(last)}"
        return f"{days}, all day ({place}, {meeting.utc_offset_label})"
    start, end = meeting.local_start, meeting.local_end
    if start.date() == end.date():
        span = f"{_day(start.date())}, {start:%H:%M}–{end:%H:%M}"
    else:
        span = f"{_day(start.date())} {start:%H:%M} to {_day(end.date())} {end:%H:%M}"
    return f"{span} ({place}, {meeting.utc_offset_label})"


def local_moment(meeting: Meeting, moment: dt.datetime) -> str:
    """An instant in the venue's local time with the offset it has then."""
    local = moment.astimezone(meeting.tz)
    return f"{_day(local.date())}, {local:%H:%M} ({_place(meeting)}, {_offset(local)})"


def meeting_where(meeting: Meeting) -> str:
    if meeting.venue_id is None:
        return "Online" if meeting.mode == MeetingMode.VIRTUAL else "To be announced"
    where = str(meeting.venue)
    if meeting.mode == MeetingMode.HYBRID:
        where += " (in person and online)"
    return where


def rsvp_url(delegation: Delegation) -> str:
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


def reminder_context(reminder: Reminder) -> dict:
    delegation = reminder.delegation
    meeting = delegation.meeting
    return {
        "is_invitation": reminder.kind == ReminderKind.INVITATION,
        "participant": delegation.participant.name,
        "title": ical.clean_text(meeting.title),
        # “55th ASEAN Foreign Ministers' Meeting” needs no “(ASEAN Foreign Ministers' Meeting)”.
        "format_name": "" if meeting.format.name in meeting.title else meeting.format.name,
        "host": meeting.host.name if meeting.host_id else "",
        "when": meeting_when(meeting),
        "where": meeting_where(meeting),
        "deadline": local_moment(meeting, confirmation_deadline(meeting)),
        "status": MeetingStatus(meeting.status).label,
        "tentative": meeting.status == MeetingStatus.TENTATIVE,
        "rsvp_url": rsvp_url(delegation),
        "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
        "site_url": settings.SITE_URL,
    }


def reminder_email(reminder: Reminder) -> EmailMultiAlternatives:
    """The mail of one outbox row: text and HTML, the meeting's .ics attached."""
    context = reminder_context(reminder)
    meeting = reminder.delegation.meeting
    what = "Invitation" if context["is_invitation"] else "Reminder"
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
