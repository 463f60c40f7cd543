"""Queueing mails: invitations, staff requests, requeues, and handing row ids to the workers."""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from meetings import outbox
from meetings.enums import AttendanceStatus
from meetings.models import Delegation, Reminder
from meetings.models.reminders import ReminderKind, ReminderStatus

from .plan import INVITATION_STEP, link_step, meeting_closed_reason

# The worker task that sends one row, registered under this name by meetings.tasks.
SEND_REMINDER_TASK = "meetings.tasks.send_reminder"


def publish_on_commit(ids: Iterable[int]) -> None:
    """Give the rows' ids to the workers once the rows are committed (outbox.publish)."""
    ids = list(ids)

    def publish_reminders() -> None:
        outbox.publish(SEND_REMINDER_TASK, ids)

    if ids:
        transaction.on_commit(publish_reminders, robust=True)


def reminders_enqueue(*, now: dt.datetime | None = None) -> list[int]:
    """Hand every planned row not yet given to the workers to them, after commit; change
    notices once their burst of edits has ended (notices.py)."""
    return outbox.enqueue(Reminder, publish=publish_on_commit, now=now, due=True)


def requester_id(by: AbstractBaseUser | None) -> int | None:
    """The staff user a row is recorded as asked by; None for anonymous or system callers."""
    return by.pk if by is not None and getattr(by, "is_authenticated", False) else None


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
                requested_by_id=requester_id(by),
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


def queue_row(
    *, delegation: Delegation, step: str, kind: str, by: AbstractBaseUser | None, now: dt.datetime
) -> tuple[Reminder, bool]:
    return Reminder.objects.get_or_create(
        delegation=delegation,
        step=step,
        defaults={
            "kind": kind,
            "due_at": now,
            "enqueued_at": now,
            "requested_by_id": requester_id(by),
        },
    )


def new_link_queue(
    *, delegation: Delegation, by: AbstractBaseUser | None = None, now: dt.datetime | None = None
) -> Reminder | None:
    """Queue a mail with the delegation's current RSVP link to its addresses, once per link
    version, if a mail with an earlier link went out (or is going) and its meeting is open.

    A delegation whose invitation has not gone yet needs none: the invitation, composed
    when it is sent, carries the current link to the current addresses.
    """
    now = now or timezone.now()
    if not delegation.addresses or meeting_closed_reason(delegation.meeting, now=now):
        return None
    earlier = Reminder.objects.filter(
        delegation=delegation, status__in=[ReminderStatus.SENT, ReminderStatus.SENDING]
    )
    if not earlier.exists():
        return None
    row, created = queue_row(
        delegation=delegation,
        step=link_step(delegation.link_version),
        kind=ReminderKind.NEW_LINK,
        by=by,
        now=now,
    )
    if created:
        publish_on_commit([row.pk])
    return row


def _invitation_again(
    invitation: Reminder, *, by: AbstractBaseUser | None, now: dt.datetime
) -> Reminder:
    """Queue a skipped or failed invitation afresh, as if never tried."""
    invitation.status = ReminderStatus.QUEUED
    invitation.attempts = 0
    invitation.skip_reason = invitation.last_error = ""
    invitation.due_at = invitation.enqueued_at = now
    invitation.requested_by_id = requester_id(by)
    invitation.save()
    return invitation


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
        row, created = queue_row(
            delegation=delegation,
            step=INVITATION_STEP,
            kind=ReminderKind.INVITATION,
            by=by,
            now=now,
        )
    elif invitation.status in (ReminderStatus.SKIPPED, ReminderStatus.FAILED):
        row, created = _invitation_again(invitation, by=by, now=now), True
    elif invitation.status != ReminderStatus.SENT:
        row, created = invitation, False  # already on its way
    else:
        row, created = queue_row(
            delegation=delegation,
            step=f"manual-{now:%Y%m%d%H%M}",
            kind=ReminderKind.MANUAL,
            by=by,
            now=now,
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
