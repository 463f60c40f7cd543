"""The admin's stored uploads, and the progress of each one's preview and import.

An upload waits under VAR_DIR/imports for its confirmation. Its progress is a small
JSON file beside it: the web server's processes and the Celery worker that applies a
large import share that folder, while the default cache is per process.
"""

import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from meetings.imports.results import ImportResult

KEEP_FILES = 24 * 60 * 60  # seconds an upload and its progress are kept
PREVIEW_ROWS = 500  # rows (and errors) a preview or a job lists; the counts cover all
PROGRESS_EVERY = 0.25  # seconds between two writes of the progress file
# A running import whose progress has not moved for this long lost its process (a
# restart) or was never started (no worker took it): nothing was saved.
STALLED_AFTER = 5 * 60
STAGES = {"check": "Checked", "save": "Saved"}
# A stored upload's name: secrets.token_urlsafe, never a path.
FILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def upload_dir() -> Path:
    """VAR_DIR/imports, made if missing."""
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def forget_old_uploads(folder: Path) -> None:
    """Delete uploads and progress files older than KEEP_FILES."""
    cutoff = time.time() - KEEP_FILES
    for stale in [*folder.glob("*.upload"), *folder.glob("*.job")]:
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


class ImportJob:
    """The progress of one stored upload's preview and import, as its JSON file says.

    `state` is "running", "ready" (checked, waiting for a confirmation), "done",
    "failed" (bad rows: nothing imported), "stale" (the calendar changed since the
    preview: nothing imported); read back, also "interrupted" (its process stopped)
    or "gone" (over and forgotten, or never started).
    """

    def __init__(self, file: str):
        if not FILE_NAME.fullmatch(file):
            raise ValueError(f"Not the name of a stored upload: {file!r}")
        self.file = file
        self.path = upload_dir() / f"{file}.job"
        self.upload = self.path.with_suffix(".upload")
        self._written = 0.0
        self._state: dict[str, Any] = {}

    def read(self) -> dict[str, Any]:
        """The state as last written; "interrupted" if it stopped moving while running."""
        try:
            state: dict[str, Any] = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return {"state": "gone", "stage": "check", "done": 0, "total": 0}
        if state["state"] == "running" and time.time() - state["updated"] > STALLED_AFTER:
            state["state"] = "interrupted"
        return state

    def write(self, **changes: Any) -> None:
        """Merge `changes` into the state and write it whole."""
        self._state = {**self._state, **changes, "updated": time.time()}
        self._written = self._state["updated"]
        # Replaced whole, so that a reader never sees half a file.
        partial_file = self.path.with_suffix(f".{threading.get_ident()}.tmp")
        partial_file.write_text(json.dumps(self._state))
        os.replace(partial_file, self.path)

    def start(self) -> None:
        """Running, nothing read yet."""
        self._state = {"state": "running", "stage": "check", "done": 0, "total": 0}
        self.write()

    def progress(self, stage: str, done: int, total: int) -> None:
        """The importer's progress callback: written at most every PROGRESS_EVERY seconds."""
        self._state.update(stage=stage, done=done, total=total)
        if done == total or time.time() - self._written >= PROGRESS_EVERY:
            self.write()

    def finish(self, result: ImportResult) -> None:
        """The outcome of a preview or an import, with its first PREVIEW_ROWS errors."""
        errors = sorted(result.errors, key=lambda error: error.line)[:PREVIEW_ROWS]
        self.write(
            state=outcome(result),
            summary=result.summary(),
            bad_rows=len({error.line for error in result.errors}),
            error_count=len(result.errors),
            errors=[[error.line, error.column, error.message] for error in errors],
        )

    def fail(self, message: str) -> None:
        """Failed for a reason that is not a row's."""
        self.write(state="failed", summary=message, bad_rows=0, error_count=0, errors=[])

    def discard(self, message: str) -> None:
        """Failed, and the upload deleted: it will not be imported (the state says why)."""
        self.upload.unlink(missing_ok=True)
        self.fail(message)

    def forget(self) -> None:
        """Delete the progress file (the upload stays)."""
        self.path.unlink(missing_ok=True)


def outcome(result: ImportResult) -> str:
    """The job state an import's result ends in."""
    if result.applied:
        return "done"
    if result.stale:
        return "stale"
    if result.errors:
        return "failed"
    return "ready"


def progress_label(state: dict[str, Any]) -> str:
    """What the page says of a job's progress: "Checked 1,200 of 20,000 rows"."""
    if not state["total"]:
        return "Reading the file…"
    verb = STAGES.get(state["stage"], state["stage"].capitalize())
    rows = "row" if state["total"] == 1 else "rows"
    return f"{verb} {state['done']:,} of {state['total']:,} {rows}"
