"""Celery tasks, run in-process (eager): the beat schedule, retries, the pass and the sweeper.

The same tasks on a real worker and broker: test_tasks_worker.py.
"""

import ast
import datetime as dt
import smtplib
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from kombu import pools as kombu_pools

from aseancal.celery import app as celery_app
from meetings import reminders, tasks
from meetings.models import Reminder
from meetings.models.reminders import ReminderKind, ReminderStatus
from tests.conftest import TODAY, eager_tasks
from tests.factories import DelegationFactory, MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


class FlakyBackend(LocmemBackend):
    """A mail server that drops the first connection of each test, then accepts."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def eager_celery():
    """Tasks run in this process when enqueued; a retry runs again at once."""
    # Propagating would raise Retry here instead of running the retry.
    with eager_tasks(propagate=False):
        yield


@pytest.fixture
def due(frozen_now):
    """A delegation due its 7-day reminder now, its invitation sent a month ago."""
    start = TODAY + dt.timedelta(days=5)
    invited_at = TODAY - dt.timedelta(days=30)
    delegation = DelegationFactory(
        meeting=MeetingFactory(start=start, end=start + dt.timedelta(hours=3)),
        participant=ParticipantFactory(code="RU", name="Russia"),
        invited_at=invited_at,
        contact_emails="asean@ru.mfa.example",
    )
    Reminder.objects.create(
        delegation=delegation,
        kind=ReminderKind.INVITATION,
        step=reminders.INVITATION_STEP,
        status=ReminderStatus.SENT,
        due_at=invited_at,
        sent_at=invited_at,
    )
    return delegation


def test_beat_schedule_names_registered_tasks():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {
        "meetings.tasks.reminders_pass",
        "meetings.tasks.reminders_sweep",
        "meetings.tasks.follow_dispatch",
        "meetings.tasks.follow_digests",
    }
    assert scheduled <= set(celery_app.tasks)


def test_send_task_is_acknowledged_late_so_a_lost_worker_gives_it_back():
    task = celery_app.tasks["meetings.tasks.send_reminder"]
    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)


def test_pass_task_plans_and_hands_the_rows_to_the_workers(
    due, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        counts = tasks.reminders_pass.delay().get()
    assert counts == {"planned": 1, "enqueued": 1}
    assert (
        list(Reminder.objects.order_by("pk").values_list("step", "status", "enqueued_at")),
        [m.to for m in mail.outbox],
    ) == (
        [("invitation", "sent", None), ("7d", "sent", TODAY)],
        [["asean@ru.mfa.example"]],
    )


def test_pass_task_twice_sends_once(due, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reminders_pass.delay()
        second = tasks.reminders_pass.delay().get()
    assert (second, len(mail.outbox)) == ({"planned": 0, "enqueued": 0}, 1)


def test_send_task_retries_a_mail_server_failure_then_sends(
    due, eager_celery, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "tests.meetings.test_tasks.FlakyBackend"
    FlakyBackend.failures = 2
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reminders_pass.delay()
    row = Reminder.objects.get(kind=ReminderKind.SCHEDULED)
    assert (row.status, row.attempts, row.last_error, len(mail.outbox)) == ("sent", 3, "", 1)


def test_send_task_gives_up_after_the_last_attempt(
    due, eager_celery, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "tests.meetings.test_tasks.FlakyBackend"
    FlakyBackend.failures = 100
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reminders_pass.delay()
    row = Reminder.objects.get(kind=ReminderKind.SCHEDULED)
    FlakyBackend.failures = 0
    assert (row.status, row.attempts, row.last_error, mail.outbox) == (
        "failed",
        5,
        "SMTPServerDisconnected: Connection unexpectedly closed",
        [],
    )


def test_send_task_for_a_row_already_sent_does_nothing(due, eager_celery):
    row = Reminder.objects.create(
        delegation=due,
        kind="scheduled",
        step="7d",
        days_before=7,
        due_at=TODAY,
        status="sent",
        sent_at=TODAY,
    )
    assert (tasks.send_reminder.delay(row.pk).get(), mail.outbox) == ("busy", [])


def test_sweep_task_requeues_a_row_whose_worker_was_lost(
    due, eager_celery, django_capture_on_commit_callbacks
):
    row = Reminder.objects.create(
        delegation=due,
        kind="scheduled",
        step="7d",
        days_before=7,
        due_at=TODAY,
        status="sending",
        attempts=1,
        claimed_at=TODAY - dt.timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        found = tasks.reminders_sweep.delay().get()
    row.refresh_from_db()
    assert found == {"requeued": [row.pk], "republished": [], "failed": []}
    assert (row.status, row.attempts, len(mail.outbox)) == ("sent", 2, 1)


@pytest.fixture
def broker_down(monkeypatch):
    """This process publishes to a Redis port nothing listens on."""
    url = "redis://127.0.0.1:1/0"
    monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads it before its settings
    monkeypatch.setattr(celery_app.conf, "broker_url", url)
    forget_pools()
    yield
    # Not restored by monkeypatch: the pools it would put back were closed above, and the
    # next test of this process to publish would find them so ("Acquire on closed pool").
    forget_pools()


def forget_pools() -> None:
    """Close the pooled broker connections and make the app build new ones."""
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


def test_broker_down_at_commit_keeps_the_rows_for_the_sweeper(
    due, broker_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reminders_pass()  # as beat would run it in a worker
    assert list(Reminder.objects.order_by("pk").values_list("step", "status", "enqueued_at")) == [
        ("invitation", "sent", None),
        ("7d", "queued", TODAY),
    ]
    # Logged, not raised: the caller's commit stands and the sweeper offers the row again.
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "Error calling publish_on_commit.<locals>.publish_reminders in on_commit() "
        "(Error 111 connecting to 127.0.0.1:1. Connection refused.)."
    ]


def test_the_reminders_package_never_imports_the_tasks():
    """tasks.py imports meetings.reminders; the other way round would be a cycle."""
    imported = set()
    for path in Path(reminders.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported |= {f"{node.module}.{alias.name}" for alias in node.names}
    assert [name for name in imported if name.startswith("meetings.tasks")] == []


def test_rows_reach_the_workers_by_task_name_where_the_tasks_are_not_loaded(
    monkeypatch, django_capture_on_commit_callbacks
):
    """A web process never imports meetings.tasks: its rows are published by name."""
    send_task = mock.Mock()
    monkeypatch.setattr(celery_app, "send_task", send_task)
    with mock.patch.dict(celery_app.tasks):
        del celery_app.tasks[reminders.SEND_REMINDER_TASK]
        with django_capture_on_commit_callbacks(execute=True):
            reminders.publish_on_commit([7, 8])
    assert [c.args[:2] for c in send_task.call_args_list] == [
        ("meetings.tasks.send_reminder", (7,)),
        ("meetings.tasks.send_reminder", (8,)),
    ]
    assert tasks.send_reminder.name == reminders.SEND_REMINDER_TASK
