"""Sending one outbox row exactly once, retrying failures, sweeping lost rows, and the pass."""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from meetings import outbox
from meetings.models import Reminder
from meetings.models.reminders import ReminderKind, ReminderStatus

from .compose import reminder_email
from .notices import notice_email, notice_unwanted_reason
from .plan import Plan, reminders_plan, unwanted_reason
from .queue import publish_on_commit, reminders_enqueue
from .receipts import receipt_email, receipt_unwanted_reason

logger = logging.getLogger(__name__)


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
    """A pass: the plan it made, the rows it sent in-process, or the ids it handed on."""

    plan: Plan
    results: list[SendResult] = field(default_factory=list)
    enqueued: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {"planned": len(self.plan.planned), "enqueued": len(self.enqueued)}
        for result in self.results:
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        return counts


# Kept here for callers that import it with the rest of the reminders' sending.
retry_delay = outbox.retry_delay


def _claim(reminder_id: int) -> Reminder | SendResult:
    """The row, now SENDING and committed; or why this worker does not send it."""
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
            return SendResult(reminder_id, "busy", "gone, or being sent by another worker")
        if row.status != ReminderStatus.QUEUED:
            return SendResult(reminder_id, "busy", f"already {row.status}", row)
        if row.kind == ReminderKind.CHANGE and row.due_at > now:
            # A notice handed over before its burst of edits ended (by staff's requeue, say):
            # the sweeper offers it again once due.
            return SendResult(reminder_id, "busy", "not due yet", row)
        reason = _unwanted_reason(row, now=now)
        if reason:
            row.status, row.skip_reason = ReminderStatus.SKIPPED, reason
            row.save(update_fields=["status", "skip_reason", "updated_at"])
            return SendResult(reminder_id, "skipped", reason, row)
        row.status, row.claimed_at = ReminderStatus.SENDING, now
        row.attempts += 1
        row.recipients = "\n".join(row.delegation.addresses)
        row.save(update_fields=["status", "claimed_at", "attempts", "recipients", "updated_at"])
    return row


def _unwanted_reason(row: Reminder, *, now: dt.datetime) -> str:
    if row.kind == ReminderKind.CHANGE:
        return notice_unwanted_reason(row, now=now)
    if row.kind == ReminderKind.RECEIPT:
        return receipt_unwanted_reason(row, now=now)
    return unwanted_reason(row, now=now)


def _email(row: Reminder) -> EmailMultiAlternatives:
    if row.kind == ReminderKind.CHANGE:
        return notice_email(row)
    if row.kind == ReminderKind.RECEIPT:
        return receipt_email(row)
    return reminder_email(row)


def reminder_send(*, reminder_id: int) -> SendResult:
    """Send one outbox row if it is still queued and still wanted; at most one sender wins.

    The SENDING state is committed before the mail leaves, so a crash after the
    mail server accepted it cannot pass for "never sent": the row waits for the
    sweeper, and a resend carries the same Message-ID.
    """
    row = _claim(reminder_id)
    if isinstance(row, SendResult):
        return row
    try:
        _email(row).send()
    except Exception as exc:  # whatever the mail server or the rendering raised
        return _record_failure(row, exc)
    now = timezone.now()
    Reminder.objects.filter(pk=row.pk).update(
        status=ReminderStatus.SENT, sent_at=now, claimed_at=None, last_error="", updated_at=now
    )
    row.status, row.sent_at = ReminderStatus.SENT, now
    return SendResult(row.pk, "sent", row.recipients.replace("\n", ", "), row)


def _record_failure(row: Reminder, exc: Exception) -> SendResult:
    failure = outbox.failure_record(Reminder, row.pk, row.attempts, exc)
    logger.warning("Reminder %s attempt %s failed: %s", row.pk, row.attempts, failure.error)
    outcome = "failed" if failure.final else "retry"
    return SendResult(row.pk, outcome, failure.error, row, retry_in=failure.delay)


def reminders_sweep(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Queue again rows stuck SENDING (their worker was lost) and rows queued long ago
    (their message was lost), and hand over notices whose burst has ended (outbox.sweep)."""
    return outbox.sweep(Reminder, publish=publish_on_commit, now=now, due=True)


def reminders_pass(*, now: dt.datetime | None = None, send: bool = False) -> PassReport:
    """Plan due rows, then hand new rows to the workers, or (send=True) send every queued
    row in this process, as the `send_reminders` command does without a broker."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = reminders_plan(now=now)
    report = PassReport(plan=plan)
    if send:
        queued = Reminder.objects.filter(status=ReminderStatus.QUEUED, due_at__lte=now).order_by(
            "due_at", "pk"
        )
        report.results = [
            reminder_send(reminder_id=pk) for pk in queued.values_list("pk", flat=True)
        ]
    else:
        report.enqueued = reminders_enqueue(now=now)
    return report
