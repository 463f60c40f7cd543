"""Handing rows to the workers, sending one row exactly once, retrying, and the sweeper.

As for the reminders (meetings/reminders/send.py): a row is claimed under a lock
(QUEUED -> SENDING, committed before the mail leaves), checked again (an address that
unsubscribed, or is no longer confirmed, gets nothing), sent, and marked SENT. A worker
lost in between leaves the row SENDING until the sweeper queues it again; the resend
carries the same Message-ID. The same settings bound it: REMINDER_SENDING_TIMEOUT,
REMINDER_REQUEUE_AFTER and REMINDER_MAX_ATTEMPTS.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from meetings import outbox
from meetings.models import FollowMail
from meetings.models.follow import FollowMailKind, FollowMailStatus

from .compose import follow_email

logger = logging.getLogger(__name__)

# The worker task that sends one row, registered under this name by meetings.tasks.
SEND_FOLLOW_TASK = "meetings.tasks.send_follow_mail"


@dataclass(frozen=True)
class FollowResult:
    """What happened to one row: sent, skipped (no longer wanted), retry, failed or busy."""

    mail_id: int
    outcome: str
    detail: str = ""
    retry_in: int = 0


def publish_on_commit(ids: Iterable[int]) -> None:
    """Give the rows' ids to the workers once the rows are committed (outbox.publish)."""
    ids = list(ids)

    def publish_follow_mails() -> None:
        outbox.publish(SEND_FOLLOW_TASK, ids)

    if ids:
        transaction.on_commit(publish_follow_mails, robust=True)


def follow_enqueue(*, now: dt.datetime | None = None) -> list[int]:
    """Hand every queued row not yet given to the workers to them, after commit."""
    return outbox.enqueue(FollowMail, publish=publish_on_commit, now=now)


def unwanted_reason(mail: FollowMail) -> str:
    """Why the row must not be sent now ("" if it must)."""
    subscription = mail.subscription
    if subscription.unsubscribed_at is not None:
        return "Unsubscribed"
    if mail.kind != FollowMailKind.CONFIRM and subscription.confirmed_at is None:
        return "Address not confirmed"
    return ""


def _claim(mail_id: int) -> FollowMail | FollowResult:
    """The row, now SENDING and committed; or why this worker does not send it."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            FollowMail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription__event")
            .filter(pk=mail_id)
            .first()
        )
        if row is None:
            return FollowResult(mail_id, "busy", "gone, or being sent by another worker")
        if row.status != FollowMailStatus.QUEUED:
            return FollowResult(mail_id, "busy", f"already {row.status}")
        reason = unwanted_reason(row)
        if reason:
            row.status, row.skip_reason = FollowMailStatus.SKIPPED, reason
            row.save(update_fields=["status", "skip_reason", "updated_at"])
            return FollowResult(mail_id, "skipped", reason)
        row.status, row.claimed_at = FollowMailStatus.SENDING, now
        row.attempts += 1
        row.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
    return row


def follow_mail_send(*, mail_id: int) -> FollowResult:
    """Send one row if it is still queued and still wanted; at most one sender wins."""
    row = _claim(mail_id)
    if isinstance(row, FollowResult):
        return row
    try:
        follow_email(row).send()
    except Exception as exc:  # whatever the mail server or the rendering raised
        return _record_failure(row, exc)
    now = timezone.now()
    FollowMail.objects.filter(pk=row.pk).update(
        status=FollowMailStatus.SENT, sent_at=now, claimed_at=None, last_error="", updated_at=now
    )
    return FollowResult(row.pk, "sent")


def _record_failure(row: FollowMail, exc: Exception) -> FollowResult:
    failure = outbox.failure_record(FollowMail, row.pk, row.attempts, exc)
    logger.warning("Follow mail %s attempt %s failed: %s", row.pk, row.attempts, failure.error)
    outcome = "failed" if failure.final else "retry"
    return FollowResult(row.pk, outcome, failure.error, retry_in=failure.delay)


def follow_sweep(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Queue again rows stuck SENDING (their worker was lost) and rows queued long ago
    (their message was lost: a broker down or restarted, a crash before the hand-over)."""
    return outbox.sweep(FollowMail, publish=publish_on_commit, now=now)
