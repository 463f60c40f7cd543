"""The columns of a calendar file, and one parser for each column a row check reads.

A parser takes the cell's value and the row it is on (for the reference data, and for
the venue, its city beside it) and returns the field's value or raises CellError.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from meetings.enums import MeetingMode, MeetingStatus
from meetings.imports import cells
from meetings.imports.cells import CellError
from meetings.imports.lookups import Lookups
from meetings.models import Event, Format, Participant, Venue
from meetings.validators import sanitize_rich_text

# Every column, in the order an export writes them.
COLUMNS = (
    "slug",
    "format",
    "number",
    "counterpart",
    "title",
    "event",
    "venue",
    "venue_city",
    "host",
    "first_day",
    "start_time",
    "last_day",
    "end_time",
    "timezone",
    "utc_offset",
    "status",
    "status_note",
    "mode",
    "published",
    "description",
    "confirmation_deadline",
)
REQUIRED_COLUMNS = ("format", "first_day", "start_time", "last_day", "end_time")


@dataclass(frozen=True)
class Row:
    """What a column's parser may need besides its cell: the row's cells, the lookups."""

    cells: Mapping[str, Any]
    lookups: Lookups


Parser = Callable[[Any, Row], Any]


def parse_format(value: Any, row: Row) -> Format:
    """A known format code (required)."""
    code = cells.code(value)
    if not code:
        raise CellError("a format code is needed.")
    found = row.lookups.formats.get(code)
    if found is None:
        raise CellError(f"unknown format code “{code}”.")
    return found


def parse_number(value: Any, row: Row) -> int | None:
    """The ordinal (AMM 55), or None."""
    return cells.number(value)


def parse_slug(value: Any, row: Row) -> str:
    """A slug in lower case, or "" for none."""
    slug = cells.text(value).lower()
    if slug and (problem := cells.slug_error(slug)):
        raise CellError(problem)
    return slug


def parse_participant(value: Any, row: Row) -> Participant | None:
    """A known participant code (counterpart, host), or None for an empty cell."""
    code = cells.code(value)
    if code and code not in row.lookups.participants:
        raise CellError(f"unknown participant code “{code}”.")
    return row.lookups.participants.get(code)


def text_of(name: str) -> Parser:
    """A parser of plain text no longer than the field `name` of Meeting stores."""

    def parse(value: Any, row: Row) -> str:
        return cells.field_text(name, cells.text(value))

    return parse


def parse_event(value: Any, row: Row) -> Event | None:
    """A known umbrella event by its slug, or None for an empty cell."""
    slug = cells.text(value)
    if not slug:
        return None
    found = row.lookups.events.get(slug)
    if found is None:
        raise CellError(f"unknown umbrella event “{slug}”.")
    return found


def parse_venue(value: Any, row: Row) -> Venue | None:
    """A known venue by its name, and by its city (`venue_city`) when names repeat."""
    name, city = cells.text(value), cells.text(row.cells.get("venue_city"))
    if not name:
        return None
    if city:
        found = row.lookups.venues.get((name.casefold(), city.casefold()))
    else:
        same_name = row.lookups.venues_by_name.get(name.casefold(), [])
        if len(same_name) > 1:
            raise CellError(f"several venues are called “{name}”: give venue_city.")
        found = same_name[0] if same_name else None
    if found is None:
        where = f"“{name}” in “{city}”" if city else f"“{name}”"
        raise CellError(f"unknown venue {where}; add it in the admin first.")
    return found


def parse_status(value: Any, row: Row) -> str:
    """A MeetingStatus value; scheduled when empty."""
    return cells.choice(value, MeetingStatus, MeetingStatus.SCHEDULED.value)


def parse_mode(value: Any, row: Row) -> str:
    """A MeetingMode value; in person when empty."""
    return cells.choice(value, MeetingMode, MeetingMode.IN_PERSON.value)


def parse_published(value: Any, row: Row) -> bool:
    """Yes or no."""
    return cells.boolean(value)


def parse_description(value: Any, row: Row) -> str:
    """Rich text, cleaned as every save cleans it, so an unchanged row compares equal."""
    return cells.field_text("description", sanitize_rich_text(cells.text(value)))


# The parser of each column a row reads into a field (or, for the slug, into its key),
# in the order a row's errors are listed. The days, times and zone are read together,
# by meetings.imports.when, and venue_city by the venue's parser.
COLUMN_PARSERS: dict[str, Parser] = {
    "format": parse_format,
    "number": parse_number,
    "slug": parse_slug,
    "counterpart": parse_participant,
    "host": parse_participant,
    "title": text_of("title"),
    "event": parse_event,
    "venue": parse_venue,
    "status": parse_status,
    "status_note": text_of("status_note"),
    "mode": parse_mode,
    "published": parse_published,
    "description": parse_description,
}
