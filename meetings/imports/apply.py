"""Importing a file: check every row, then apply them all through meetings.services, or none.

A dry run checks every row and plans every change without saving anything, so a
preview is quick even for a large file. The checks cover what the database would
refuse (unknown codes, clashing keys, impossible dates and times); should a save
still fail, the real import reports that row and rolls everything back.
"""

from collections.abc import Iterator

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from meetings import services
from meetings.imports.check import check_table
from meetings.imports.ics import check_ics
from meetings.imports.read import MAX_BYTES, MAX_ROWS, file_kind, read_csv, read_xlsx
from meetings.imports.results import (
    ImportFileError,
    ImportResult,
    Progress,
    RowError,
    RowPlan,
    no_progress,
)

REASON_LENGTH = 200  # the history's change reason


def import_calendar(
    data: bytes,
    *,
    name: str = "upload",
    by: AbstractBaseUser | AnonymousUser | None = None,
    dry_run: bool = False,
    kind: str | None = None,
    progress: Progress = no_progress,
    expected_digest: str | None = None,
) -> ImportResult:
    """Check every row of a CSV, XLSX or ICS file and, if none is bad, apply them all.

    With `expected_digest` (a preview's `digest`), nothing is applied unless the
    plan is still the one previewed. Raises ImportFileError when the file cannot
    be read at all.
    """
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    result = ImportResult(name=name)
    check_file(data, kind or file_kind(name, data), result, progress)
    if result.errors:
        result.plans = []
        return result
    if expected_digest is not None and expected_digest != result.digest:
        result.stale = True
        return result
    if not dry_run:
        apply(result, by=_user(by), progress=progress)
    return result


def check_file(data: bytes, kind: str, result: ImportResult, progress: Progress) -> None:
    """Read the file and plan each row into `result`: its rows, plans and errors."""
    if kind == "ics":
        result.rows, result.plans = check_ics(data, result.errors, progress)
        return
    header, records, result.errors = read_xlsx(data) if kind == "xlsx" else read_csv(data)
    if len(records) > MAX_ROWS:
        raise ImportFileError(f"More than {MAX_ROWS} rows; split the file.")
    result.rows = len(records)
    if not result.errors:
        result.plans = check_table(header, records, result.errors, progress)


def _user(by: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser | None:
    # The history records nobody for an anonymous user (an admin view is never one).
    return by if isinstance(by, AbstractBaseUser) else None


def apply(result: ImportResult, *, by: AbstractBaseUser | None, progress: Progress) -> None:
    """Save every planned change in one transaction; roll all back on any failure."""
    reason = f"Imported from {result.name}"[:REASON_LENGTH]
    pending = [plan for plan in result.plans if plan.action != "unchanged"]
    with transaction.atomic():
        for done, plan in enumerate(pending, 1):
            result.errors.extend(_save_row(plan, by=by, reason=reason))
            progress("save", done, len(pending))
        if result.errors:
            result.plans = []
            transaction.set_rollback(True)
    result.applied = not result.errors


def _save_row(plan: RowPlan, *, by: AbstractBaseUser | None, reason: str) -> list[RowError]:
    """Save one row in a savepoint; the reasons the database or a service refused it."""
    try:
        with transaction.atomic():
            _save(plan, by=by, reason=reason)
    except ValidationError as exc:
        return [RowError(plan.line, message, column) for column, message in _messages(exc)]
    except IntegrityError as exc:
        return [RowError(plan.line, f"refused by the database: {exc}")]
    return []


def _save(plan: RowPlan, *, by: AbstractBaseUser | None, reason: str) -> None:
    if plan.meeting is None:
        services.meeting_create(by=by, reason=reason, **plan.values)
        return
    meeting = plan.meeting
    revision = meeting.revision
    for name, value in plan.values.items():
        setattr(meeting, name, value)
    services.meeting_save(meeting=meeting, by=by, expected_revision=revision, reason=reason)


def _messages(exc: ValidationError) -> Iterator[tuple[str, str]]:
    """(column, message) of each error; "" for one not about a field."""
    if hasattr(exc, "error_dict"):
        for column, errors in exc.message_dict.items():
            for message in errors:
                yield ("" if column == "__all__" else column), message
    else:
        for message in exc.messages:
            yield "", message
