"""Change notices under the reminders' faults: a worker killed mid-batch, Redis restarted with
notices queued. Notices travel the same outbox, so each delegation must still get exactly
one notice of the change, with one Message-ID, whatever is lost on the way.

The services run here, in the test's process; the notices are due at once
(NOTICE_COALESCE_SECONDS=0 here) because the workers read the real clock.
"""

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from meetings import reminders, services, tasks
from meetings.models import Reminder
from meetings.models.reminders import ReminderKind, ReminderStatus
from tests.conftest import SERVICES
from tests.meetings.test_tasks_worker import (  # noqa: F401  (fixtures)
    SWEEP_LATER,
    Worker,
    broker,
    due_delegations,
    mails,
    process_env,
    wait_for,
    workers,
)
from tests.reliability.test_redis_restart import queued_messages, redis_broker  # noqa: F401

pytestmark = [pytest.mark.faults, SERVICES, pytest.mark.django_db(transaction=True)]

DUE = 5


def invited_long_ago(count: int, prefix: str):
    """A published meeting ten days away and `count` delegations whose invitation went a
    month ago (their reminders paused: the outbox then carries notices only)."""
    meeting, delegations = due_delegations(count, prefix=prefix)
    sent = timezone.now() - dt.timedelta(days=30)
    for delegation in delegations:
        delegation.reminders_paused = True
        delegation.save(update_fields=["reminders_paused"])
        Reminder.objects.create(
            delegation=delegation,
            kind=ReminderKind.INVITATION,
            step=reminders.INVITATION_STEP,
            status=ReminderStatus.SENT,
            due_at=sent,
            sent_at=sent,
        )
    return meeting, delegations


def reschedule(meeting):
    return services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=meeting.start + dt.timedelta(days=1),
        end=meeting.end + dt.timedelta(days=1),
        reason="The chair's schedule",
    )


def notice_statuses() -> Counter:
    return Counter(
        Reminder.objects.filter(kind=ReminderKind.CHANGE).values_list("status", flat=True)
    )


def notice_figures(found: list) -> dict[str, int]:
    """Notices due, sent, duplicated (same Message-ID twice) and lost (due, never sent)."""
    ids = Counter(message["Message-ID"] for message in found)
    rows = {r.message_id for r in Reminder.objects.filter(kind=ReminderKind.CHANGE)}
    return {
        "due": len(rows),
        "sent": len(found),
        "duplicates": sum(n - 1 for n in ids.values()),
        "lost": len(rows - set(ids)),
    }


def test_worker_killed_mid_batch_of_notices_loses_none_and_doubles_none(
    workers,  # noqa: F811
    mailbox,
    settings,
    capsys,
):
    settings.NOTICE_COALESCE_SECONDS = 0
    meeting, due = invited_long_ago(DUE, "N")
    first = workers("first", REMINDER_TEST_PAUSE_BEFORE="2")
    reschedule(meeting)
    # Beat's sweep hands due notices to the workers (every five minutes).
    reminders.reminders_sweep()
    wait_for(
        lambda: notice_statuses()["sent"] >= 2 and notice_statuses()["sending"] == 1,
        what="two notices sent and one in flight",
    )
    first.kill()
    at_kill = notice_statuses()

    with time_machine.travel(timezone.now() + SWEEP_LATER, tick=False):
        swept = reminders.reminders_sweep()
    workers("second")
    wait_for(lambda: notice_statuses() == Counter({"sent": DUE}), what="every notice sent")

    found = mails(mailbox)
    result = notice_figures(found)
    with capsys.disabled():
        print(f"\nworker killed mid-batch of notices: {result}; at the kill {dict(at_kill)}")
    assert (at_kill["sending"], len(swept["requeued"])) == (1, 1)
    assert result == {"due": DUE, "sent": DUE, "duplicates": 0, "lost": 0}
    assert sorted(str(m["To"]) for m in found) == sorted(d.contact_emails for d in due)
    assert {str(m["Subject"]) for m in found} == {f"Rescheduled: {meeting.title}"}


def test_redis_restarted_with_notices_queued_sends_each_exactly_once(
    private_redis,
    redis_broker,  # noqa: F811
    shared_database,
    mailbox,
    tmp_path,
    settings,
    capsys,
):
    settings.NOTICE_COALESCE_SECONDS = 0
    meeting, due = invited_long_ago(DUE, "P")
    queue = redis_broker["CELERY_QUEUE"]
    reschedule(meeting)
    handed = reminders.reminders_sweep()
    in_redis = queued_messages(private_redis.url, queue)

    private_redis.kill()
    private_redis.start()
    after_restart = queued_messages(private_redis.url, queue)
    worker = Worker(
        process_env(redis_broker, shared_database, mailbox / "worker", REMINDER_REQUEUE_AFTER="1"),
        tmp_path / "worker.log",
    )
    try:
        waiting = notice_statuses()
        latest = max(
            Reminder.objects.filter(kind=ReminderKind.CHANGE).values_list("enqueued_at", flat=True)
        )
        wait_for(
            lambda: timezone.now() > latest + dt.timedelta(seconds=1),
            what="the notices to count as lost by the broker",
        )
        tasks.reminders_sweep.delay()
        wait_for(lambda: notice_statuses() == Counter({"sent": DUE}), what="every notice sent")
    finally:
        worker.stop()

    found = mails(mailbox)
    result = notice_figures(found)
    with capsys.disabled():
        print(
            f"\nredis restarted with {in_redis} notices queued: {after_restart} left after the "
            f"restart; after the sweep {result}"
        )
    assert (len(handed["republished"]), in_redis, after_restart) == (DUE, DUE, 0)
    assert waiting == {"queued": DUE}
    assert result == {"due": DUE, "sent": DUE, "duplicates": 0, "lost": 0}
    assert sorted(str(m["To"]) for m in found) == sorted(d.contact_emails for d in due)
