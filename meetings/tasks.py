"""Celery tasks: ids in, a call into meetings.reminders, retries with backoff.

Every task is safe to run twice or concurrently: the outbox rows, not the
messages, decide what is sent. This module imports meetings.reminders, never the
other way round: the reminders package publishes rows by task name.
"""

import logging
from typing import Any

from celery import shared_task
from django.db import DatabaseError

from meetings import follow, reminders

logger = logging.getLogger(__name__)

# How a task sending one outbox row runs: its message acknowledged only once it is done
# (a worker lost mid-send leaves it on the broker), retried when the database is briefly
# away (locked, restarting).
SEND_ONE_ROW: dict[str, Any] = {
    "bind": True,
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 15,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="meetings.tasks.reminders_pass", ignore_result=True)
def reminders_pass() -> dict[str, int]:
    """Beat: plan the reminders now due and hand them to the workers."""
    counts = reminders.reminders_pass().counts()
    logger.info("Reminder pass: %s", counts)
    return counts


@shared_task(name="meetings.tasks.reminders_sweep", ignore_result=True)
def reminders_sweep() -> dict[str, list[int]]:
    """Beat: queue again the rows whose worker or message was lost."""
    found = reminders.reminders_sweep()
    if any(found.values()):
        logger.warning("Reminder sweep: %s", found)
    return found


# The name the reminders package publishes rows under (it never imports this module).
@shared_task(name=reminders.SEND_REMINDER_TASK, **SEND_ONE_ROW)
def send_reminder(self, reminder_id: int) -> str:
    """Send one outbox row; a failed send is retried after the row's backoff."""
    result = reminders.reminder_send(reminder_id=reminder_id)
    if result.outcome == "retry":
        raise self.retry(countdown=result.retry_in)
    return result.outcome


@shared_task(name="meetings.tasks.follow_dispatch", ignore_result=True)
def follow_dispatch() -> dict[str, int]:
    """Beat: queue new changes for immediate subscribers, hand the rows to the workers,
    and queue again the follow mails whose worker or message was lost."""
    counts = follow.follow_pass()
    found = follow.follow_sweep()
    if any(found.values()):
        logger.warning("Follow sweep: %s", found)
    logger.info("Follow pass: %s", counts)
    return counts


@shared_task(name="meetings.tasks.follow_digests", ignore_result=True)
def follow_digests() -> int:
    """Beat, daily: queue each daily subscriber's digest of the day's changes."""
    return follow.follow_digests()


# The name the follow package publishes rows under (it never imports this module).
@shared_task(name=follow.SEND_FOLLOW_TASK, **SEND_ONE_ROW)
def send_follow_mail(self, mail_id: int) -> str:
    """Send one follow mail row; a failed send is retried after the row's backoff."""
    result = follow.follow_mail_send(mail_id=mail_id)
    if result.outcome == "retry":
        raise self.retry(countdown=result.retry_in)
    return result.outcome
