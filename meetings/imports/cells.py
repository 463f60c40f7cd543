"""One spreadsheet cell -> one Python value, or a CellError saying why it cannot be read.

Cells arrive as CSV text or as XLSX values (numbers, dates, times, booleans), so each
parser accepts both. The messages are shown to staff as they are, after the line and
the column.
"""

import calendar
import datetime as dt
import re
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models

from meetings.enums import MeetingMode, MeetingStatus
from meetings.formatting import MONTHS
from meetings.models import Meeting
from meetings.numbers import whole_number

# Spreadsheet programs run a cell starting with one of these as a formula; the
# exporter quotes such text with a leading apostrophe, which the importer removes.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TRUE_WORDS = {"yes", "y", "true", "1", "x", "published"}
FALSE_WORDS = {"no", "n", "false", "0", ""}
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX_LENGTH = 120
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME = re.compile(r"\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
LOCAL_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)")
ORDINAL_MAX = 32767  # a PositiveSmallIntegerField
NUL_MESSAGE = "holds a NUL character, which cannot be stored."


class CellError(ValueError):
    """A value that cannot be read; `column` names where, when not the cell being read."""

    def __init__(self, message: str, column: str = ""):
        super().__init__(message)
        self.column = column


def text(value: Any) -> str:
    """The cell as trimmed text; whole floats without “.0”; a formula quote removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    if result[:1] == "'" and result[1:2] in FORMULA_STARTS and result[1:2]:
        result = result[1:]
    return result


def code(value: Any) -> str:
    """A format or participant code: trimmed, upper case."""
    return text(value).upper()


def number(value: Any) -> int | None:
    """An ordinal from 1 to 32767, or None for an empty cell."""
    if isinstance(value, bool):
        raise CellError(f"“{value}” is not a whole number.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return _ordinal(value)
    cell = text(value)
    if not cell:
        return None
    value = whole_number(cell, high=10**9)
    if value is None:
        raise CellError(f"“{cell}” is not a whole number.")
    return _ordinal(value)


def _ordinal(value: int) -> int:
    if not 1 <= value <= ORDINAL_MAX:
        raise CellError(f"{value} is not an ordinal from 1 to {ORDINAL_MAX}.")
    return value


def date(value: Any) -> dt.date:
    """A day: a date cell, or YYYY-MM-DD text naming a day that exists."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError(f"“{value}” has a time; give only the day (YYYY-MM-DD).")
        return value.date()
    if isinstance(value, dt.date):
        return value
    cell = text(value)
    if not cell:
        raise CellError("a day is needed (YYYY-MM-DD).")
    if not DAY.fullmatch(cell):
        raise CellError(f"“{cell}” is not a date: write it as YYYY-MM-DD.")
    return _existing_day(cell)


def _existing_day(cell: str) -> dt.date:
    # Checked here rather than by dt.date, whose messages are not for staff.
    year, month, day = (int(part) for part in cell.split("-"))
    if not 1 <= month <= 12:
        raise CellError(f"“{cell}” does not exist: there is no month {month}.")
    days = calendar.monthrange(year, month)[1] if year >= 1 else 0
    if not 1 <= day <= days:
        raise CellError(f"“{cell}” does not exist: {MONTHS[month - 1]} {year} has {days} days.")
    return dt.date(year, month, day)


def time(value: Any) -> dt.time | None:
    """A time of day: a time cell, or HH:MM text (24-hour); None for an empty cell."""
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    cell = text(value)
    if not cell:
        return None
    return _time_text(cell)


def _time_text(cell: str) -> dt.time:
    if not TIME.fullmatch(cell):
        raise CellError(f"“{cell}” is not a time: write it as HH:MM (24-hour).")
    if cell.index(":") == 1:
        cell = "0" + cell
    try:
        return dt.time.fromisoformat(cell)
    except ValueError as exc:
        raise CellError(f"“{cell}” is not a time of day (00:00 to 23:59).") from exc


def local_datetime(value: Any) -> dt.datetime | None:
    """A naive wall-clock moment: a datetime cell or “YYYY-MM-DD HH:MM”; None when empty."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    cell = text(value)
    if not cell:
        return None
    match = LOCAL_DATETIME.fullmatch(cell)
    if not match:
        raise CellError(f"“{cell}” is not a local date and time: write YYYY-MM-DD HH:MM.")
    return dt.datetime.combine(date(match.group(1)), _time_text(match.group(2)))


def boolean(value: Any) -> bool:
    """Yes or no, in the words spreadsheets use (yes/no, true/false, 1/0, x, empty)."""
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"“{text(value)}” is neither yes nor no.")


def choice(value: Any, choices: type[MeetingStatus] | type[MeetingMode], default: str) -> str:
    """A choice's value from its value or its label (any case); `default` when empty."""
    cell = text(value)
    if not cell:
        return default
    for option in choices:
        if cell.lower() in (option.value, option.label.lower()):
            return option.value
    allowed = ", ".join(option.value for option in choices)
    raise CellError(f"“{cell}” is not one of {allowed}.")


def slug_error(slug: str) -> str | None:
    """Why `slug` cannot be a meeting's slug, or None if it can."""
    if not SLUG.fullmatch(slug) or len(slug) > SLUG_MAX_LENGTH:
        return f"“{slug}” is not a slug: lower-case ASCII letters, digits and hyphens."
    return None


def field_length(name: str) -> int:
    """The max_length of a text field of Meeting."""
    length = getattr(Meeting._meta.get_field(name), "max_length", None)
    if not isinstance(length, int):
        raise TypeError(f"Meeting.{name} has no max_length.")
    return length


def field_text(name: str, text: str) -> str:
    """`text` if Meeting's field `name` accepts it (its own validators: length, control
    characters), else CellError with the field's message."""
    field = cast(models.Field, Meeting._meta.get_field(name))
    limit = getattr(field, "max_length", None)
    if limit is not None and len(text) > limit:
        raise CellError(f"longer than {limit} characters.")
    try:
        field.run_validators(text)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from exc
    return text
