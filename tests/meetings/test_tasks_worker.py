"""Real Celery workers on a real broker: every due delegation mailed exactly once.

Each test starts `celery -A aseancal worker` as a separate process on the
configured broker (Redis in CI, on its own database number, so nothing else's
queue is touched; the embedded filesystem broker otherwise) and on a database both
processes see: the PostgreSQL test database, or, when tests run on in-memory
SQLite, a file copy of it. Mail is captured by Django's file backend, one folder
per process. Meetings are dated from the real clock, which the workers read;
this process moves its own clock with time-machine to plan later steps or sweep.
"""

import datetime as dt
import email
import email.policy
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import time_machine
from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.db import connection, connections
from django.db.utils import load_backend
from django.utils import timezone
from kombu import pools as kombu_pools

from aseancal.celery import app as celery_app
from meetings import reminders, services, tasks
from meetings.models import Delegation, Reminder
from tests.conftest import SERVICES
from tests.factories import DelegationFactory, MeetingFactory, ParticipantFactory

pytestmark = [pytest.mark.broker, SERVICES, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
# Past the SENDING timeout and the requeue delay (10 and 15 minutes by default).
SWEEP_LATER = dt.timedelta(minutes=20)


class SlowFileBackend(FileBackend):
    """The file backend with pauses around the hand-over, so a worker can be killed
    while a mail is in flight: before the server has it, or after it accepted it."""

    def send_messages(self, messages):
        time.sleep(float(os.environ.get("REMINDER_TEST_PAUSE_BEFORE", "0")))
        sent = super().send_messages(messages)
        time.sleep(float(os.environ.get("REMINDER_TEST_PAUSE_AFTER", "0")))
        return sent


# -- the broker, the database and the mailbox both processes share -------------------------


def broker_url() -> str:
    """The configured broker, on a database number of its own if it is Redis."""
    configured = os.environ.get("CELERY_BROKER_URL", "")
    if not configured or configured.startswith("filesystem://"):
        return "filesystem://"
    if not configured.startswith(("redis://", "rediss://")):
        pytest.skip(f"worker tests know Redis and the filesystem broker, not {configured}")
    db = os.environ.get("REMINDER_TEST_REDIS_DB", "5")
    return urlunsplit(urlsplit(configured)._replace(path=f"/{db}"))


def _reset_celery_pools() -> None:
    # Closed pools stay registered under their broker URL; reset() forgets them too.
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)  # its queues and producers were built for the old


@contextmanager
def celery_broker(url: str, options: dict, queue: str):
    """This process publishes to `queue` on `url` (the app was configured otherwise)."""
    conf = celery_app.conf
    before = (conf.broker_url, conf.broker_transport_options, conf.task_default_queue)
    environ = os.environ.get("CELERY_BROKER_URL")
    # Celery reads CELERY_BROKER_URL from the environment before its own settings.
    os.environ["CELERY_BROKER_URL"] = url
    conf.broker_url, conf.broker_transport_options, conf.task_default_queue = url, options, queue
    _reset_celery_pools()
    try:
        yield
    finally:
        if environ is None:
            del os.environ["CELERY_BROKER_URL"]
        else:
            os.environ["CELERY_BROKER_URL"] = environ
        conf.broker_url, conf.broker_transport_options, conf.task_default_queue = before
        _reset_celery_pools()


@pytest.fixture
def broker(tmp_path):
    """Environment for worker processes; this process publishes to the same broker.

    A queue of the test's own keeps it apart from anything else on that broker
    (another test run, a developer's worker).
    """
    url = broker_url()
    var = tmp_path / "var"
    queue = f"reminders-test-{uuid.uuid4().hex[:12]}"
    env = {"CELERY_BROKER_URL": url, "ASEANCAL_VAR_DIR": str(var), "CELERY_QUEUE": queue}
    if url == "filesystem://":
        folder = var / "celery" / "broker"
        folder.mkdir(parents=True)
        options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder.parent / "control"),  # else ./control
            "store_processed": False,
        }
    else:
        options = {"visibility_timeout": 3600}
    with celery_broker(url, options, queue):
        if url != "filesystem://":
            conn = celery_app.connection_for_write()
            wanted = urlsplit(url)
            assert (conn.hostname, conn.virtual_host) == (wanted.hostname, wanted.path[1:])
        yield env
    if url != "filesystem://":
        import redis

        with redis.Redis.from_url(url) as client:
            for key in client.scan_iter(f"*{queue}*"):
                client.delete(key)
            # Messages a killed worker held stay in the shared `unacked` hash; drop ours.
            for tag, message in client.hscan_iter("unacked"):
                if queue.encode() in message:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """A DATABASE_URL naming the database this process uses, for other processes."""
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(params["USER"] or "", safe="")
        if params["PASSWORD"]:
            auth += ":" + quote(params["PASSWORD"], safe="")
        host = params["HOST"] or "localhost"
        port = f":{params['PORT']}" if params["PORT"] else ""
        yield f"postgres://{auth}@{host}{port}/{params['NAME']}"
        return
    if connection.vendor != "sqlite":
        pytest.skip(f"worker tests know PostgreSQL and SQLite, not {connection.vendor}")
    if not connection.is_in_memory_db():
        yield f"sqlite:///{params['NAME']}"
        return
    # In-memory SQLite is private to this process: copy the migrated database to a
    # file, and point this process at the file for the length of the test.
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    original = connections["default"]
    backend = load_backend(params["ENGINE"])
    shared = backend.DatabaseWrapper({**params, "NAME": str(path)}, "default")
    connections["default"] = shared
    try:
        yield f"sqlite:///{path}"
    finally:
        shared.close()
        connections["default"] = original


@pytest.fixture
def mailbox(tmp_path, settings):
    folder = tmp_path / "mail"
    folder.mkdir()
    # Anything this process sends lands beside the workers' mail.
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(folder / "test-process")
    return folder


def mails(folder: Path) -> list[email.message.EmailMessage]:
    """Every mail written under `folder` (one folder per process, so none interleave)."""
    found = []
    for path in sorted(folder.rglob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return found


def written(folder: Path) -> int:
    """How many mails are completely written (none half-way)."""
    files = list(folder.rglob("*.log"))
    if not all(path.read_bytes().endswith(SEPARATOR) for path in files):
        return -1
    return len(mails(folder))


def process_env(broker_env: dict, database_url: str, mail_folder: Path, **extra: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"}
    }
    env.update(broker_env)
    env.update(
        DJANGO_SETTINGS_MODULE="aseancal.settings",
        DJANGO_DEBUG="1" if settings.DEBUG else env.get("DJANGO_DEBUG", "0"),
        DJANGO_SECRET_KEY=settings.SECRET_KEY,  # tokens signed there are checked here
        SITE_URL=settings.SITE_URL,
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="0",
        EMAIL_BACKEND="tests.meetings.test_tasks_worker.SlowFileBackend",
        EMAIL_FILE_PATH=str(mail_folder),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


class Worker:
    """`celery -A aseancal worker` in its own process group."""

    def __init__(self, env: dict, log: Path, *, pool: str = "solo", concurrency: int = 1):
        self.log = log
        name = f"reminders-test-{uuid.uuid4().hex[:8]}@%h"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "aseancal",
                    "worker",
                    f"--pool={pool}",
                    f"--concurrency={concurrency}",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    name,
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: b" ready." in log.read_bytes() or self.process.poll() is not None, 90)
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited at start:\n{log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, nothing written after."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def workers(broker, shared_database, mailbox, tmp_path):
    """Start workers with `start(name, **env)`; all are stopped at the end of the test."""
    started: list[Worker] = []

    def start(name: str, *, pool: str = "solo", concurrency: int = 1, **extra: str) -> Worker:
        env = process_env(broker, shared_database, mailbox / name, **extra)
        worker = Worker(env, tmp_path / f"{name}.log", pool=pool, concurrency=concurrency)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(condition, timeout: float = 90, what: str = "the condition") -> None:
    """Poll (real time; the workers run on it) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def statuses() -> Counter:
    return Counter(Reminder.objects.values_list("status", flat=True))


def all_sent(expected: int):
    return lambda: statuses() == Counter({"sent": expected})


def due_delegations(count: int, *, days_ahead: int = 10, prefix: str = "Q", **meeting):
    """`count` delegations due their 14-day reminder now (the meeting is 10 days away)."""
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days_ahead)
    meeting = MeetingFactory(start=start, end=start + dt.timedelta(hours=3), **meeting)
    return meeting, [
        DelegationFactory(
            meeting=meeting,
            participant=ParticipantFactory(code=f"{prefix}{chr(65 + n)}"),
            invited_at=start - dt.timedelta(days=30),
            contact_emails=f"desk@{prefix.lower()}{chr(97 + n)}.mfa.example",
        )
        for n in range(count)
    ]


def figures(found: list, due: int) -> dict[str, int]:
    """Mails due, sent, duplicated (same Message-ID twice) and lost (due, never sent)."""
    ids = Counter(message["Message-ID"] for message in found)
    rows = {r.message_id for r in Reminder.objects.all()}
    return {
        "due": due,
        "sent": len(found),
        "duplicates": sum(n - 1 for n in ids.values()),
        "lost": len(rows - set(ids)),
    }


# -- the tests ----------------------------------------------------------------------------


def test_worker_n_due_delegations_get_n_mails_though_four_planners_run_at_once(
    workers, broker, shared_database, mailbox, capsys
):
    meeting, due = due_delegations(8)
    DelegationFactory(
        meeting=meeting,
        participant=ParticipantFactory(code="QY"),
        invited_at=meeting.start - dt.timedelta(days=30),
        contact_emails="desk@qy.mfa.example",
        reminders_paused=True,
    )
    worker = workers("worker", pool="prefork", concurrency=2)

    # Two beat passes on the worker's two processes and two `send_reminders` commands,
    # all planning (and the commands sending) at the same moment.
    commands = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_reminders"],
            cwd=ROOT,
            env=process_env(broker, shared_database, mailbox / f"command-{n}"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for n in (1, 2)
    ]
    tasks.reminders_pass.delay()
    tasks.reminders_pass.delay()
    outputs = [command.communicate(timeout=120)[0].decode() for command in commands]
    wait_for(all_sent(8), what="8 sent rows")
    # The commands may finish the sending before the worker polls its queue; the two
    # beat passes must still run (and find nothing left to plan).
    passes = r"Task meetings\.tasks\.reminders_pass\[\S+\] succeeded"
    wait_for(lambda: len(re.findall(passes, worker.log.read_text())) == 2, what="both passes")
    again = reminders.reminders_pass()

    found = mails(mailbox)
    result = figures(found, due=8)
    with capsys.disabled():
        print(f"\nfour planners at once: {result}")
    assert [command.returncode for command in commands] == [0, 0], outputs
    assert len(re.findall(passes, worker.log.read_text())) == 2
    assert result == {"due": 8, "sent": 8, "duplicates": 0, "lost": 0}
    assert sorted(str(message["To"]) for message in found) == sorted(d.contact_emails for d in due)
    assert (again.plan.planned, again.enqueued, Reminder.objects.count()) == ([], [], 8)


def test_worker_stops_mailing_a_delegation_that_confirms_and_a_cancelled_meeting(
    workers, mailbox, client, capsys
):
    meeting, (first, second, third) = due_delegations(3, prefix="Q")
    cancelled, (fourth, fifth) = due_delegations(2, prefix="R")
    workers("worker")

    reminders.reminders_pass()
    wait_for(all_sent(5), what="the 14-day reminders")
    mail_to_first = next(m for m in mails(mailbox) if str(m["To"]) == first.contact_emails)
    link = next(
        line.strip()
        for line in mail_to_first.get_body(("plain",)).get_content().splitlines()
        if "/rsvp/" in line
    )
    answered = client.post(link.removeprefix(settings.SITE_URL), {"attendance": "confirmed"})
    services.meeting_cancel(meeting=cancelled, by=None, reason="Typhoon")

    # Four days on, the 7-day step is due: only the two still invited to the live meeting.
    # (The answer through the link brought its receipt: one more row.)
    with time_machine.travel(timezone.now() + dt.timedelta(days=4), tick=False):
        later = reminders.reminders_pass()
    # The cancellation's notices wait for their burst of edits to end (five minutes).
    wait_for(
        lambda: statuses() == Counter({"sent": 8, "queued": 2}),
        what="the 7-day reminders and the receipt",
    )

    found = mails(mailbox)
    per_address = Counter(str(message["To"]) for message in found)
    with capsys.disabled():
        print(f"\nconfirm and cancel: {figures(found, due=8)}, per address {dict(per_address)}")
    assert answered.status_code == 303
    assert Delegation.objects.get(pk=first.pk).answered_via == "rsvp"
    assert sorted(r.delegation.participant.code for r in later.plan.planned) == ["QB", "QC"]
    assert per_address == {
        first.contact_emails: 2,  # its reminder, then the receipt of its answer
        second.contact_emails: 2,
        third.contact_emails: 2,
        fourth.contact_emails: 1,
        fifth.contact_emails: 1,
    }
    assert client.get(link.removeprefix(settings.SITE_URL)).status_code == 200
    refused = client.get(
        next(
            line.strip().removeprefix(settings.SITE_URL)
            for m in found
            if str(m["To"]) == fourth.contact_emails
            for line in m.get_body(("plain",)).get_content().splitlines()
            if "/rsvp/" in line
        )
    )
    assert refused.status_code == 410


def test_worker_killed_mid_batch_loses_nothing_once_a_new_worker_starts(workers, mailbox, capsys):
    _, due = due_delegations(6)
    first = workers("first", REMINDER_TEST_PAUSE_BEFORE="2")
    reminders.reminders_pass()
    # Two sent, the third in flight (claimed, not yet handed to the mail server): kill.
    wait_for(
        lambda: statuses()["sent"] >= 2 and statuses()["sending"] == 1,
        what="two sent and one in flight",
    )
    first.kill()
    at_kill = statuses()

    with time_machine.travel(timezone.now() + SWEEP_LATER, tick=False):
        swept = reminders.reminders_sweep()
    workers("second")
    wait_for(all_sent(6), what="every row sent by the second worker")

    found = mails(mailbox)
    result = figures(found, due=6)
    with capsys.disabled():
        print(f"\nworker killed mid-batch: {result}; at the kill {dict(at_kill)}; swept {swept}")
    assert (at_kill["sending"], len(swept["requeued"])) == (1, 1)
    assert result == {"due": 6, "sent": 6, "duplicates": 0, "lost": 0}
    assert sorted(str(m["To"]) for m in found) == sorted(d.contact_emails for d in due)


def test_worker_killed_after_the_server_accepted_resends_with_the_same_message_id(
    workers, mailbox, capsys
):
    # The window no outbox closes: the mail server has the message, the row is not yet
    # marked sent. The resend is recognisable by its Message-ID.
    due_delegations(3)
    first = workers("first", REMINDER_TEST_PAUSE_AFTER="30")
    reminders.reminders_pass()
    wait_for(
        lambda: written(mailbox) == 1 and statuses()["sending"] == 1,
        what="one mail accepted, its row still in flight",
    )
    first.kill()
    in_flight = Reminder.objects.get(status="sending")

    with time_machine.travel(timezone.now() + SWEEP_LATER, tick=False):
        reminders.reminders_sweep()
    workers("second")
    wait_for(all_sent(3), what="every row sent by the second worker")

    found = mails(mailbox)
    result = figures(found, due=3)
    with capsys.disabled():
        print(f"\nworker killed after the server accepted: {result}")
    ids = Counter(message["Message-ID"] for message in found)
    assert result == {"due": 3, "sent": 4, "duplicates": 1, "lost": 0}
    assert [mid for mid, n in ids.items() if n == 2] == [in_flight.message_id]
