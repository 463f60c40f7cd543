"""Follow by e-mail under faults: the outbox, not the worker or the broker, decides what is
sent.

Real Celery workers on the configured broker (Redis in CI, on a database number and a
queue of the test's own; the embedded filesystem broker otherwise), sharing the test
database, as in tests/meetings/test_tasks_worker.py. A worker is killed after claiming a
follow mail and before the mail server has it; and the broker is unreachable when the
dispatcher hands the rows over. Each subscriber must get each change exactly once.
"""

# ruff: noqa: F811  (the fixtures imported below are the tests' parameters)

import logging
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from meetings import follow, services
from meetings.models import FollowMail, Subscription
from tests.conftest import SERVICES
from tests.factories import MeetingFactory

# The reminder worker tests' fixtures (broker, workers, ...), used here by name.
from tests.meetings.test_tasks_worker import (  # noqa: F401
    SWEEP_LATER,
    broker,
    celery_broker,
    mailbox,
    mails,
    shared_database,
    wait_for,
    workers,
)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.broker,
    SERVICES,
    pytest.mark.django_db(transaction=True),
]

SUBSCRIBERS = 4
# Nothing listens here: the broker as the dispatcher finds it during an outage.
UNREACHABLE = "redis://127.0.0.1:9/0"


def statuses() -> Counter:
    return Counter(FollowMail.objects.values_list("status", flat=True))


def all_sent(expected: int):
    return lambda: statuses() == Counter({"sent": expected})


def figures(found: list, due: int) -> dict[str, int]:
    """Mails due, sent, duplicated (same Message-ID twice) and lost (due, never sent)."""
    ids = Counter(message["Message-ID"] for message in found)
    rows = {row.message_id for row in FollowMail.objects.select_related("subscription")}
    return {
        "due": due,
        "sent": len(found),
        "duplicates": sum(n - 1 for n in ids.values()),
        "lost": len(rows - set(ids)),
    }


@pytest.fixture
def cancelled(settings):
    """SUBSCRIBERS confirmed subscriptions to every meeting, then a meeting cancelled."""
    settings.FOLLOW_SETTLE_SECONDS = 0  # the workers run on the real clock; no waiting
    meeting = MeetingFactory(title="58th AMM")
    since = timezone.now()
    for n in range(SUBSCRIBERS):
        Subscription.objects.create(
            email=f"desk{n}@newsroom{n}.example",
            label="ASEAN meetings",
            confirmed_at=since,
            cursor=since,
        )
    services.meeting_cancel(meeting=meeting, by=None, reason="Typhoon")
    return meeting


def test_worker_lost_after_claiming_a_follow_mail_sends_it_once_with_its_message_id(
    workers, mailbox, cancelled, capsys
):
    first = workers("first", REMINDER_TEST_PAUSE_BEFORE="2")
    passed = follow.follow_pass()
    # One sent, the next claimed (SENDING, committed) but not yet with the mail server: kill.
    wait_for(
        lambda: statuses()["sent"] >= 1 and statuses()["sending"] == 1,
        what="one sent and one in flight",
    )
    first.kill()
    at_kill = statuses()
    lost = FollowMail.objects.select_related("subscription").get(status="sending")

    with time_machine.travel(timezone.now() + SWEEP_LATER, tick=False):
        swept = follow.follow_sweep()
    workers("second")
    wait_for(all_sent(SUBSCRIBERS), what="every follow mail sent by the second worker")
    with time_machine.travel(timezone.now() + SWEEP_LATER, tick=False):
        later = follow.follow_sweep()
    again = follow.follow_pass()

    found = mails(mailbox)
    result = figures(found, due=SUBSCRIBERS)
    with capsys.disabled():
        print(f"\nfollow worker lost: {result}; at the kill {dict(at_kill)}; swept {swept}")
    assert passed == {"queued": SUBSCRIBERS, "enqueued": SUBSCRIBERS}
    assert (at_kill["sending"], swept["requeued"]) == (1, [lost.pk])
    assert result == {"due": SUBSCRIBERS, "sent": SUBSCRIBERS, "duplicates": 0, "lost": 0}
    assert [m["Message-ID"] for m in found if str(m["To"]) == lost.subscription.email] == [
        lost.message_id
    ]
    assert sorted(str(m["To"]) for m in found) == sorted(
        Subscription.objects.values_list("email", flat=True)
    )
    assert {str(m["Subject"]) for m in found} == {"58th AMM: Cancelled"}
    assert later == {"requeued": [], "republished": [], "failed": []}
    assert again == {"queued": 0, "enqueued": 0}


def test_broker_down_at_the_hand_over_keeps_the_rows_queued_until_republished(
    workers, broker, mailbox, cancelled, caplog, capsys
):
    queue = broker["CELERY_QUEUE"]
    with caplog.at_level(logging.ERROR), celery_broker(UNREACHABLE, {}, queue):
        # The rows commit; handing them over fails and is only logged.
        passed = follow.follow_pass()
    during = statuses()
    handed = set(FollowMail.objects.values_list("enqueued_at", flat=True))

    workers("worker")
    # The worker is up and has nothing to read: the rows wait, QUEUED.
    waited = statuses()
    # Beat's sweep, once the broker answers again, after REMINDER_REQUEUE_AFTER.
    with time_machine.travel(timezone.now() + SWEEP_LATER, tick=False):
        swept = follow.follow_sweep()
    wait_for(all_sent(SUBSCRIBERS), what="every follow mail sent after the outage")

    found = mails(mailbox)
    result = figures(found, due=SUBSCRIBERS)
    with capsys.disabled():
        print(f"\nfollow broker down at hand-over: rows {dict(during)}; swept {swept}; {result}")
    assert passed == {"queued": SUBSCRIBERS, "enqueued": SUBSCRIBERS}
    assert during == {"queued": SUBSCRIBERS}
    assert waited == {"queued": SUBSCRIBERS}
    assert None not in handed
    assert "publish_follow_mails in on_commit()" in caplog.text
    assert (swept["requeued"], len(swept["republished"])) == ([], SUBSCRIBERS)
    assert result == {"due": SUBSCRIBERS, "sent": SUBSCRIBERS, "duplicates": 0, "lost": 0}
