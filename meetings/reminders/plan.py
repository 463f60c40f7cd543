"""Who is due a reminder, and why a delegation is left alone: the planning half of the outbox."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from meetings.enums import AttendanceStatus, MeetingStatus
from meetings.models import Delegation, Meeting, Reminder, ReminderSchedule
from meetings.models.reminders import DEFAULT_DAYS_BEFORE, ReminderKind, ReminderStatus

# Meetings whose delegations are still asked to answer.

INVITATION_STEP = "invitation"

Schedules = dict[int | None, tuple[int, ...]]


@dataclass(frozen=True)
class Skip:
    delegation: Delegation
    reason: str


@dataclass
class Plan:
    """Rows a planning run wrote, and the invited delegations it left alone, with why."""

    planned: list[Reminder] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


def schedule_days() -> Schedules:
    """Days before the deadline per format id; the key None is the default schedule.

    Without a default row (deleted, or a test database flushed) the built-in
    default applies, so reminders never stop for want of configuration.
    """
    schedules: Schedules = {row.format_id: row.days for row in ReminderSchedule.objects.all()}
    schedules.setdefault(None, DEFAULT_DAYS_BEFORE)
    return schedules


def confirmation_deadline(meeting: Meeting) -> dt.datetime:
    """When a meeting's delegations are asked to have answered by: the deadline staff set,
    or else the end of the day before it opens, at the venue (not the opening hour itself:
    "by Wednesday 16 December, 00:00" for a meeting opening that morning reads as a
    trap)."""
    if meeting.confirmation_deadline is not None:
        return meeting.confirmation_deadline
    return dt.datetime.combine(meeting.local_start.date(), dt.time(), tzinfo=meeting.tz)


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
    """The next step still to come, or None when none is left before the deadline."""
    upcoming = [day for day in days if deadline - dt.timedelta(days=day) > now]
    return max(upcoming) if upcoming else None


def reminder_candidates(*, now: dt.datetime) -> QuerySet[Delegation]:
    """Delegations that have not answered an upcoming meeting, whether or not they are due."""
    return (
        Delegation.objects.filter(attendance=AttendanceStatus.INVITED, meeting__start__gt=now)
        .select_related("meeting", "participant")
        .order_by("meeting__start", "meeting_id", "participant__name")
    )


# How the plan's reasons spell Meeting.closed_reason's answers.
_CLOSED_TEXTS = {"unpublished": "meeting not published", "started": "meeting has started"}


def meeting_closed_reason(meeting: Meeting, *, now: dt.datetime) -> str:
    """Why a meeting's delegations are no longer written to ("" if they still are)."""
    reason = meeting.closed_reason(now=now)
    if not reason or reason in _CLOSED_TEXTS:
        return _CLOSED_TEXTS.get(reason, reason)
    return f"meeting {MeetingStatus(reason).label.lower()}"


def link_step(link_version: int) -> str:
    """The outbox step of the mail carrying a delegation's new link: 2 -> "link-2"."""
    return f"link-{link_version}"


def step_key(days: int) -> str:
    """The outbox step of a scheduled reminder: 7 -> "7d"."""
    return f"{days}d"


def days_label(days: int) -> str:
    """A step as the plan's reasons spell it: "1 day before the deadline"."""
    return f"{days} day{'' if days == 1 else 's'} before the deadline"


def _days_for(meeting: Meeting, schedules: Schedules) -> tuple[int, ...]:
    return schedules.get(meeting.format_id, schedules[None])


def _not_mailed_reason(delegation: Delegation, *, now: dt.datetime) -> str:
    """Why the pass writes an invited delegation nothing at all, not even its invitation
    ("" if it may)."""
    reason = meeting_closed_reason(delegation.meeting, now=now)
    if reason:
        return reason
    if delegation.reminders_paused:
        return "reminders paused"
    if not delegation.addresses:
        return "no contact addresses"
    return ""


def _not_reminded_reason(delegation: Delegation, *, now: dt.datetime) -> str:
    """Why an invited delegation whose invitation went gets no scheduled reminder at any
    step ("" if it may)."""
    if confirmation_deadline(delegation.meeting) <= now:
        return "confirmation deadline passed"
    return ""


def _nothing_due_reason(*, days: Iterable[int], deadline: dt.datetime, now: dt.datetime) -> str:
    coming = next_step(days=days, deadline=deadline, now=now)
    if coming is None:
        return "no reminder step left before the deadline"
    when = deadline - dt.timedelta(days=coming)
    return f"nothing due yet; next {days_label(coming)}, on {when:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class _Outbox:
    """The candidates' rows already written: status per (delegation, step), and each
    delegation's invitation row: its id and when it was sent."""

    statuses: dict[tuple[int, str], str]
    invitation_ids: dict[int, int]
    invitation_sent: dict[int, dt.datetime]

    @classmethod
    def of(cls, candidates: QuerySet[Delegation]) -> "_Outbox":
        outbox = cls({}, {}, {})
        for pk, delegation_id, step, status, sent_at in Reminder.objects.filter(
            delegation__in=candidates.values("pk")
        ).values_list("pk", "delegation_id", "step", "status", "sent_at"):
            outbox.statuses[delegation_id, step] = status
            if step == INVITATION_STEP:
                outbox.invitation_ids[delegation_id] = pk
                if sent_at is not None:
                    outbox.invitation_sent[delegation_id] = sent_at
        return outbox


def _invitation_first(
    delegation: Delegation, *, outbox: _Outbox, now: dt.datetime
) -> Reminder | Skip | None:
    """The invitation a delegation is owed before any reminder, or why it waits for it;
    None once its invitation has gone.

    A delegation can be "invited" without an invitation mail: loaded by the demo or from
    a record, or its invitation skipped while it could not go (meeting withdrawn, no
    addresses). No reminder ever reaches it first. The caller has checked the meeting is
    open, the delegation has addresses and is not paused, which is also why a skipped
    invitation may be queued again: its cause is gone. Like the services' invitations, it
    goes until the meeting starts, past the confirmation deadline too: the delegation
    never heard of the meeting, and its link works until then. A failed one waits for
    staff, as every failed row does.
    """
    status = outbox.statuses.get((delegation.pk, INVITATION_STEP))
    if status == ReminderStatus.SENT:
        return None
    if status is None or status == ReminderStatus.SKIPPED:
        return Reminder(
            pk=outbox.invitation_ids.get(delegation.pk),
            delegation=delegation,
            kind=ReminderKind.INVITATION,
            step=INVITATION_STEP,
            due_at=now,
        )
    return Skip(
        delegation, f"no reminder before its invitation ({ReminderStatus(status).label.lower()})"
    )


def _plan_one(
    delegation: Delegation, *, days: tuple[int, ...], outbox: _Outbox, now: dt.datetime
) -> Reminder | Skip:
    """The row a delegation is due now (its invitation first), or why it gets none (it may
    be mailed at all)."""
    invitation = _invitation_first(delegation, outbox=outbox, now=now)
    if invitation is not None:
        return invitation
    reason = _not_reminded_reason(delegation, now=now)
    if reason:
        return Skip(delegation, reason)
    deadline = confirmation_deadline(delegation.meeting)
    # Steps that fell before the invitation went out are not sent after it.
    invited_at = max(
        filter(None, (delegation.invited_at, outbox.invitation_sent.get(delegation.pk))),
        default=None,
    )
    step = due_step(days=days, deadline=deadline, invited_at=invited_at, now=now)
    if step is None:
        return Skip(delegation, _nothing_due_reason(days=days, deadline=deadline, now=now))
    status = outbox.statuses.get((delegation.pk, step_key(step)))
    if status is not None:
        label = ReminderStatus(status).label.lower()
        return Skip(delegation, f"{days_label(step)}: already {label}")
    return Reminder(
        delegation=delegation,
        kind=ReminderKind.SCHEDULED,
        step=step_key(step),
        days_before=step,
        due_at=deadline - dt.timedelta(days=step),
    )


def reminders_plan(*, now: dt.datetime | None = None) -> Plan:
    """Write the outbox row of every delegation due a scheduled reminder, or of its
    invitation if that never went (idempotent)."""
    now = now or timezone.now()
    schedules = schedule_days()
    candidates = reminder_candidates(now=now)
    outbox = _Outbox.of(candidates)
    plan = Plan()
    for delegation in candidates:
        reason = _not_mailed_reason(delegation, now=now)
        if reason:
            plan.skipped.append(Skip(delegation, reason))
            continue
        days = _days_for(delegation.meeting, schedules)
        found = _plan_one(delegation, days=days, outbox=outbox, now=now)
        if isinstance(found, Skip):
            plan.skipped.append(found)
        else:
            plan.planned.append(found)
    # The unique (delegation, step) constraint makes a concurrent planner's rows win quietly.
    Reminder.objects.bulk_create([r for r in plan.planned if r.pk is None], ignore_conflicts=True)
    _invitations_again([r.pk for r in plan.planned if r.pk is not None], now=now)
    return plan


def _invitations_again(ids: list[int], *, now: dt.datetime) -> None:
    """Queue skipped invitations afresh for `reminders_enqueue`, as if never tried; a
    concurrent planner that did so first leaves nothing to change here."""
    if ids:
        Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SKIPPED).update(
            status=ReminderStatus.QUEUED,
            attempts=0,
            skip_reason="",
            last_error="",
            due_at=now,
            enqueued_at=None,
            claimed_at=None,
            requested_by=None,
            updated_at=now,
        )


def unwanted_reason(reminder: Reminder, *, now: dt.datetime) -> str:
    """Why a queued mail should no longer go ("" if it should)."""
    delegation = reminder.delegation
    if reminder.kind == ReminderKind.NEW_LINK:
        # A delegation that answered may still change its answer: it needs the new link.
        if reminder.step != link_step(delegation.link_version):
            return "overtaken by a newer link"
    elif delegation.attendance != AttendanceStatus.INVITED:
        return f"delegation answered: {AttendanceStatus(delegation.attendance).label.lower()}"
    reason = meeting_closed_reason(delegation.meeting, now=now)
    if not reason and reminder.kind == ReminderKind.SCHEDULED:
        reason = _scheduled_unwanted_reason(reminder, now=now)
    if not reason and reminder.kind in _REMINDER_KINDS and not _invitation_sent(delegation):
        # The planner and staff's "send now" queue none before the invitation has gone;
        # a row queued otherwise (planned before that rule, or requeued by staff) is
        # skipped rather than sent ahead of it.
        reason = "invitation not yet sent"
    if not reason and not delegation.addresses:
        reason = "no contact addresses"
    return reason


# Mails that ask again for an answer: never before the invitation that asked first.
_REMINDER_KINDS = (ReminderKind.SCHEDULED, ReminderKind.MANUAL)


def _invitation_sent(delegation: Delegation) -> bool:
    return Reminder.objects.filter(
        delegation=delegation, step=INVITATION_STEP, status=ReminderStatus.SENT
    ).exists()


def _scheduled_unwanted_reason(reminder: Reminder, *, now: dt.datetime) -> str:
    """Why a scheduled step should no longer go, beyond what stops every mail."""
    delegation = reminder.delegation
    meeting = delegation.meeting
    if delegation.reminders_paused:
        return "reminders paused"
    deadline = confirmation_deadline(meeting)
    if deadline <= now:
        return "confirmation deadline passed"
    # A row left queued while the workers were down is overtaken by a later step:
    # the delegation gets the latest due step once, not the backlog.
    latest = due_step(
        days=_days_for(meeting, schedule_days()),
        deadline=deadline,
        invited_at=delegation.invited_at,
        now=now,
    )
    if latest is not None and latest < (reminder.days_before or 0):
        return f"overtaken by the reminder {days_label(latest)}"
    return ""
