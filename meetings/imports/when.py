"""A spreadsheet row's days and times, at the venue, -> the aware start and end it stores.

`first_day`, `start_time`, `last_day`, `end_time` are the wall-clock time in the zone
named by `timezone` (else the venue's, else the meeting's); empty times mean an all-day
meeting. The conversion is meetings.periods.local_period, the rule every door shares;
its refusals are reported in the importer's words, under the row's columns.
"""

import datetime as dt
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError

from meetings.formatting import offset_label, offset_minutes
from meetings.imports import cells
from meetings.imports.cells import CellError
from meetings.imports.checker import RowChecker
from meetings.imports.offsets import offset_mismatch, read_offset
from meetings.models import Meeting
from meetings.periods import local_period
from meetings.validators import localize, validate_timezone

# Read before the zone, in this order, each reported under its own column when bad.
DAY_AND_TIME_CELLS = {
    "first_day": cells.date,
    "last_day": cells.date,
    "start_time": cells.time,
    "end_time": cells.time,
}
# The column a refusal of local_period is reported under, by the argument it names. The
# importer has always reported a day the clocks skip at midnight as start_day or end_day.
TIMED_COLUMNS = {"start": "start_time", "end": "end_time"}
ALL_DAY_COLUMNS = {"first_day": "start_day", "last_day": "end_day"}


def check_when(
    checker: RowChecker,
    line: int,
    row: dict[str, Any],
    present: set[str],
    values: dict[str, Any],
    meeting: Meeting | None,
) -> None:
    """Local days and times in the row's zone -> aware start and end (and the deadline)."""
    bad_before = len(checker.errors)
    read = {
        name: checker.cell(line, row, name, parse) for name, parse in DAY_AND_TIME_CELLS.items()
    }
    zone = _zone(checker, line, row, present, values, meeting)
    if zone is None or len(checker.errors) > bad_before:
        return
    try:
        start, end, all_day = period(
            read["first_day"], read["start_time"], read["last_day"], read["end_time"], zone
        )
        _check_offset(row, present, start, zone)
    except CellError as exc:
        checker.fail(line, str(exc), exc.column)
        return
    values.update(timezone=zone, all_day=all_day, start=start, end=end)
    if "confirmation_deadline" in present:
        values["confirmation_deadline"] = _deadline(checker, line, row, zone)


def _zone(
    checker: RowChecker,
    line: int,
    row: dict[str, Any],
    present: set[str],
    values: dict[str, Any],
    meeting: Meeting | None,
) -> str | None:
    """The row's IANA zone, else its venue's, else its meeting's; None after an error."""
    zone = cells.text(row.get("timezone")) if "timezone" in present else ""
    if zone:
        try:
            validate_timezone(zone)
        except ValidationError:
            checker.fail(line, f"“{zone}” is not an IANA time zone name.", "timezone")
            return None
        return zone
    if values.get("venue") is not None:
        return str(values["venue"].timezone)
    if meeting is not None:
        return meeting.timezone
    checker.fail(line, "give the IANA time zone, or a venue that has one.", "timezone")
    return None


def period(
    first: dt.date, start_time: dt.time | None, last: dt.date, end_time: dt.time | None, zone: str
) -> tuple[dt.datetime, dt.datetime, bool]:
    """The aware start and end, and whether the meeting is all-day (no times given).

    Raises CellError naming the column at fault.
    """
    if start_time is None and end_time is None:
        return (*_all_day(first, last, zone), True)
    if start_time is None or end_time is None:
        missing = "start_time" if start_time is None else "end_time"
        raise CellError("give both times, or neither for an all-day meeting.", missing)
    walls = (dt.datetime.combine(first, start_time), dt.datetime.combine(last, end_time))
    try:
        start, end = local_period(zone=zone, start=walls[0], end=walls[1])
    except ValidationError as exc:
        raise _refused(exc, walls) from exc
    return start, end, False


def _all_day(first: dt.date, last: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """Midnight starting the first day to midnight ending the last (inclusive) day."""
    try:
        return local_period(zone=zone, first_day=first, last_day=last)
    except ValidationError as exc:
        field, code, message = refusal(exc)
        if code == "last_before_first":
            raise CellError(
                f"the last day {last} is before the first day {first}.", "last_day"
            ) from exc
        raise CellError(message, ALL_DAY_COLUMNS.get(field, field)) from exc


def refusal(exc: ValidationError) -> tuple[str, str | None, str]:
    """The argument, code and message of local_period's refusal (one at a time)."""
    field, errors = next(iter(exc.error_dict.items()))
    return field, errors[0].code, errors[0].messages[0]


def end_not_after_start(start: dt.datetime, end: dt.datetime) -> str:
    """The importer's message for an end at or before the start (wall-clock times)."""
    return f"the end ({end:%Y-%m-%d %H:%M}) is not after the start ({start:%Y-%m-%d %H:%M})."


def _refused(exc: ValidationError, walls: tuple[dt.datetime, dt.datetime]) -> CellError:
    """local_period's refusal of a row's times, in the importer's words and columns."""
    field, code, message = refusal(exc)
    if code == "end_before_start":
        return CellError(end_not_after_start(*walls), "end_time")
    return CellError(message, TIMED_COLUMNS.get(field, field))


def _check_offset(row: dict[str, Any], present: set[str], start: dt.datetime, zone: str) -> None:
    """A `utc_offset` given must be the zone's offset at the start, in any notation
    meetings.imports.offsets reads (UTC+7, +07:00, +0700, GMT+7, Z)."""
    cell = cells.text(row.get("utc_offset")) if "utc_offset" in present else ""
    if not cell:
        return
    try:
        offset = read_offset(cell)
    except CellError as exc:
        raise CellError(str(exc), "utc_offset") from exc
    local = start.astimezone(zoneinfo.ZoneInfo(zone))
    expected = offset_minutes(local)
    if offset.minutes != expected:
        message = offset_mismatch(
            cell, offset, expected=expected, label=offset_label(local), zone=zone
        )
        raise CellError(message, "utc_offset")


def _deadline(checker: RowChecker, line: int, row: dict[str, Any], zone: str) -> dt.datetime | None:
    """The confirmation deadline, a wall-clock time in the zone; None if empty or bad."""
    wall = checker.cell(line, row, "confirmation_deadline", cells.local_datetime)
    if wall is None:
        return None
    try:
        return localize(wall, zone)
    except ValidationError as exc:
        checker.fail(line, exc.messages[0], "confirmation_deadline")
        return None
