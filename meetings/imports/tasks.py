"""The Celery task applying a large confirmed import, outside the web request.

The task names the stored upload (see meetings.imports.jobs), never carries the file:
the worker reads it from VAR_DIR/imports, which it must share with the web processes,
and reports its progress to the upload's job file there.

It runs at most once. A lost worker rolls its transaction back and is not retried
(the job reads "interrupted"), and a task no worker took within STALLED_AFTER expires
unrun, when the status page already says nothing was imported.
"""

import logging
from functools import partial

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from meetings.imports.apply import import_calendar
from meetings.imports.jobs import STALLED_AFTER, ImportJob

logger = logging.getLogger(__name__)

FAILED = "The import stopped on an error: nothing was imported."
NOT_QUEUED = "The import could not be started: nothing was imported."


@shared_task(
    name="meetings.imports.apply_import",
    ignore_result=True,
    acks_late=False,
    reject_on_worker_lost=False,
)
def apply_import(file: str, name: str, user_pk: int, digest: str) -> str:
    """Apply the confirmed upload `file` if it still plans `digest`; return the job's state."""
    job = ImportJob(file)
    state = job.read()["state"]
    if state != "running":
        logger.warning("The import of %s was not applied: its job is %s.", name, state)
        return state
    job.start()
    try:
        user = get_user_model().objects.get(pk=user_pk)
        result = import_calendar(
            job.upload.read_bytes(),
            name=name,
            by=user,
            expected_digest=digest,
            progress=job.progress,
        )
    except Exception:
        logger.exception("The import of %s failed", name)
        job.discard(FAILED)
        return "failed"
    job.finish(result)
    if result.applied:
        job.upload.unlink(missing_ok=True)
    return job.read()["state"]


def apply_import_on_commit(job: ImportJob, name: str, user_pk: int, digest: str) -> None:
    """Queue the import once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(_queue, job, name, user_pk, digest))


def _queue(job: ImportJob, name: str, user_pk: int, digest: str) -> None:
    try:
        apply_import.apply_async(args=(job.file, name, user_pk, digest), expires=STALLED_AFTER)
    except Exception:  # the broker is away: say so now rather than after STALLED_AFTER
        logger.exception("The import of %s could not be queued", name)
        job.fail(NOT_QUEUED)
