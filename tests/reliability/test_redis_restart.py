"""Redis restarted with reminders queued: the outbox, not the broker, decides what is sent.

Rows are planned and their messages published to a private Redis that keeps nothing
on disk; Redis is killed and started again, empty, before any worker has read them.
A worker then starts on the new Redis, and beat's sweep (REMINDER_REQUEUE_AFTER)
publishes the rows again. Each due delegation must get exactly one mail.
"""

import datetime as dt
import uuid

import pytest
import redis
import time_machine
from django.utils import timezone

from meetings import reminders, tasks
from meetings.models import Reminder
from tests.conftest import SERVICES
from tests.meetings.test_tasks_worker import (
    SWEEP_LATER,
    Worker,
    all_sent,
    celery_broker,
    due_delegations,
    figures,
    mails,
    process_env,
    statuses,
    wait_for,
)

pytestmark = [pytest.mark.faults, SERVICES, pytest.mark.django_db(transaction=True)]

DUE = 6
# The worker's sweep treats a row queued this long ago (seconds) as lost by the broker.
REQUEUE_AFTER = 1


@pytest.fixture
def redis_broker(private_redis, tmp_path):
    """This process and the worker on the private Redis, on a queue of the test's own."""
    queue = f"reminders-fault-{uuid.uuid4().hex[:12]}"
    env = {
        "CELERY_BROKER_URL": private_redis.url,
        "ASEANCAL_VAR_DIR": str(tmp_path / "var"),
        "CELERY_QUEUE": queue,
    }
    with celery_broker(private_redis.url, {"visibility_timeout": 3600}, queue):
        yield env


def queued_messages(url: str, queue: str) -> int:
    with redis.Redis.from_url(url) as client:
        return client.llen(queue)


def test_redis_restarted_with_reminders_queued_sends_each_exactly_once(
    private_redis, redis_broker, shared_database, mailbox, tmp_path, capsys
):
    _, due = due_delegations(DUE)
    queue = redis_broker["CELERY_QUEUE"]
    planned = reminders.reminders_pass()
    in_redis = queued_messages(private_redis.url, queue)

    private_redis.kill()
    private_redis.start()
    after_restart = queued_messages(private_redis.url, queue)
    worker = Worker(
        process_env(
            redis_broker,
            shared_database,
            mailbox / "worker",
            REMINDER_REQUEUE_AFTER=str(REQUEUE_AFTER),
        ),
        tmp_path / "worker.log",
    )
    try:
        # The worker is up and has nothing to read: the rows wait, QUEUED.
        waiting = statuses()
        latest = max(Reminder.objects.values_list("enqueued_at", flat=True))
        wait_for(
            lambda: timezone.now() > latest + dt.timedelta(seconds=REQUEUE_AFTER),
            what="the rows to count as lost by the broker",
        )
        # Beat's sweep, published by this process through the restarted Redis.
        tasks.reminders_sweep.delay()
        wait_for(all_sent(DUE), what=f"{DUE} sent rows")
        log = worker.log.read_text()
    finally:
        worker.stop()
    with time_machine.travel(timezone.now() + SWEEP_LATER, tick=False):
        later_sweep = reminders.reminders_sweep()

    found = mails(mailbox)
    result = figures(found, due=DUE)
    with capsys.disabled():
        print(
            f"\nredis restarted with {in_redis} reminders queued: {after_restart} left after "
            f"the restart; rows then {dict(waiting)}; after the sweep {result}"
        )
    assert (len(planned.enqueued), in_redis, after_restart) == (DUE, DUE, 0)
    assert waiting == {"queued": DUE}
    assert "Reminder sweep: {'requeued': [], 'republished': [" in log
    assert result == {"due": DUE, "sent": DUE, "duplicates": 0, "lost": 0}
    assert sorted(str(m["To"]) for m in found) == sorted(d.contact_emails for d in due)
    assert later_sweep == {"requeued": [], "republished": [], "failed": []}


def test_redis_restarted_under_a_working_worker_sends_the_rest_exactly_once(
    private_redis, redis_broker, shared_database, mailbox, tmp_path, capsys
):
    _, due = due_delegations(DUE)
    worker = Worker(
        process_env(
            redis_broker,
            shared_database,
            mailbox / "worker",
            REMINDER_REQUEUE_AFTER=str(REQUEUE_AFTER),
            REMINDER_TEST_PAUSE_BEFORE="1",  # a slow mail server: the batch takes a while
        ),
        tmp_path / "worker.log",
    )
    try:
        reminders.reminders_pass()
        wait_for(
            lambda: statuses()["sent"] >= 1 and statuses()["sending"] == 1,
            what="one sent and one in flight",
        )
        private_redis.kill()
        at_kill = statuses()
        private_redis.start()
        # The mail in flight at the kill still goes; the messages Redis held are gone.
        wait_for(lambda: statuses()["sending"] == 0, what="the mail in flight to finish")
        latest = max(Reminder.objects.values_list("enqueued_at", flat=True))
        wait_for(
            lambda: timezone.now() > latest + dt.timedelta(seconds=REQUEUE_AFTER),
            what="the rows to count as lost by the broker",
        )
        tasks.reminders_sweep.delay()
        wait_for(all_sent(DUE), what=f"{DUE} sent rows")
        same_worker = worker.process.poll() is None
    finally:
        worker.stop()

    found = mails(mailbox)
    result = figures(found, due=DUE)
    with capsys.disabled():
        print(f"\nredis restarted under a working worker: at the kill {dict(at_kill)}; {result}")
    assert same_worker
    assert at_kill["sent"] + at_kill["sending"] < DUE
    assert result == {"due": DUE, "sent": DUE, "duplicates": 0, "lost": 0}
    assert sorted(str(m["To"]) for m in found) == sorted(d.contact_emails for d in due)
