"""What every outbox of the project shares (the reminders' and notices' rows, the follow
mails): how row ids reach the workers, how a failed attempt is recorded, and how rows whose
worker or message was lost are found and queued again. One rule, whichever table the rows
live in.

A row goes QUEUED -> SENDING -> SENT, or FAILED after REMINDER_MAX_ATTEMPTS, or SKIPPED.
A row SENDING for longer than REMINDER_SENDING_TIMEOUT (far above the SMTP timeout) has
lost its worker; one QUEUED and handed over longer than REMINDER_REQUEUE_AFTER ago has lost
its message (a broker restart, a crash before the hand-over).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from meetings.models.reminders import ReminderStatus as Status

Publisher = Callable[[Iterable[int]], None]


def publish(task: str, ids: Iterable[int]) -> None:
    """Give the rows' ids to the worker task named `task`: callers do so once the rows are
    committed (transaction.on_commit, robust=True: a broker that is down does not undo the
    commit; the rows stay QUEUED and the sweeper offers them again later)."""
    # By task name, so the outboxes never import meetings.tasks (which imports them).
    # A signature runs the registered task where this process has it (a worker, or eager
    # mode in tests) and falls back to send_task by name where it does not (the web
    # process): the same message either way. send_task alone would ignore eager mode; a
    # publisher hook that tasks.py installs would depend on tasks.py having been imported
    # first; moving this into tasks.py would make every queueing service hand its ids back
    # up to its callers.
    for pk in ids:
        current_app.signature(task, args=(pk,)).apply_async()


def enqueue(
    model: type[models.Model],
    *,
    publish: Publisher,
    now: dt.datetime | None = None,
    due: bool = False,
) -> list[int]:
    """Hand every queued row of `model` not yet given to the workers to them, after commit
    (with `due`, only those whose `due_at` has come)."""
    now = now or timezone.now()
    rows = model._default_manager
    with transaction.atomic():
        queued = rows.filter(status=Status.QUEUED, enqueued_at__isnull=True)
        if due:
            queued = queued.filter(due_at__lte=now)
        ids = list(
            queued.select_for_update(skip_locked=True)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)
        )
        rows.filter(pk__in=ids).update(enqueued_at=now, updated_at=now)
        publish(ids)
    return ids


def retry_delay(attempts: int) -> int:
    """Seconds before another attempt: one minute, doubling, at most an hour."""
    return min(60 * 2 ** max(attempts - 1, 0), 3600)


@dataclass(frozen=True)
class Failure:
    """A failed attempt as recorded: final (FAILED) or queued again after `delay` seconds."""

    error: str
    final: bool
    delay: int


def failure_record(model: type[models.Model], pk: int, attempts: int, exc: Exception) -> Failure:
    """Record a failed attempt on row `pk` (still SENDING): queued again after a delay, or
    FAILED once it has had its attempts."""
    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    final = attempts >= settings.REMINDER_MAX_ATTEMPTS
    delay = 0 if final else retry_delay(attempts)
    model._default_manager.filter(pk=pk, status=Status.SENDING).update(
        status=Status.FAILED if final else Status.QUEUED,
        last_error=error,
        claimed_at=None,
        # The task retries after `delay`; the sweeper steps in only if that retry is lost.
        enqueued_at=now + dt.timedelta(seconds=delay),
        updated_at=now,
    )
    return Failure(error, final, delay)


def sweep(
    model: type[models.Model],
    *,
    publish: Publisher,
    now: dt.datetime | None = None,
    due: bool = False,
) -> dict[str, list[int]]:
    """Queue again the rows of `model` stuck SENDING and those QUEUED long ago, handing
    their ids to `publish` after commit; rows stuck past their attempts become FAILED.

    With `due`, a queued row is offered only once its `due_at` has come (change notices
    wait for their burst of edits to end).
    """
    now = now or timezone.now()
    rows = model._default_manager
    stuck_before = now - dt.timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT)
    stale_before = now - dt.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER)
    with transaction.atomic():
        stuck = list(
            rows.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING, claimed_at__lt=stuck_before)
            .order_by("pk")
            .values_list("pk", "attempts")
        )
        give_up = [pk for pk, attempts in stuck if attempts >= settings.REMINDER_MAX_ATTEMPTS]
        requeue = [pk for pk, attempts in stuck if attempts < settings.REMINDER_MAX_ATTEMPTS]
        lost = f"No result {settings.REMINDER_SENDING_TIMEOUT} s after sending began (worker lost)"
        rows.filter(pk__in=give_up).update(
            status=Status.FAILED, last_error=f"{lost}; gave up.", updated_at=now
        )
        rows.filter(pk__in=requeue).update(
            status=Status.QUEUED,
            last_error=f"{lost}; queued again.",
            claimed_at=None,
            enqueued_at=now,
            updated_at=now,
        )
        queued = rows.filter(status=Status.QUEUED)
        if due:
            queued = queued.filter(due_at__lte=now)
        stale = list(
            queued.select_for_update(skip_locked=True)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale_before))
            .exclude(pk__in=requeue)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rows.filter(pk__in=stale).update(enqueued_at=now, updated_at=now)
        publish([*requeue, *stale])
    return {"requeued": requeue, "republished": stale, "failed": give_up}
