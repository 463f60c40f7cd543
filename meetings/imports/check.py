"""Checking rows: a spreadsheet record -> the plan of what it changes, or every reason it is bad.

A row names its meeting by `slug`, else by its format code and ordinal `number`. Bad rows
add RowErrors to the checker's list and plan nothing; the caller applies nothing then.
"""

import re
from collections.abc import Callable
from typing import Any

from meetings.imports import cells
from meetings.imports.cells import CellError
from meetings.imports.checker import Key, RowChecker
from meetings.imports.columns import COLUMN_PARSERS, Row
from meetings.imports.lookups import Lookups
from meetings.imports.results import Progress, Record, RowError, RowPlan
from meetings.imports.when import check_when
from meetings.models import Format, Meeting
from meetings.selectors import meeting_title_default

EVENT_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def table_lookups(records: list[Record]) -> Lookups:
    """The reference data and the meetings the records could name.

    Only keys that could name a row are looked up: a database may refuse others outright
    (PostgreSQL a NUL); the rows holding them are reported by check_record.
    """
    slugs = {cells.text(r.cells.get("slug")).lower() for r in records}
    lookups = Lookups(
        slugs={slug for slug in slugs if slug and cells.slug_error(slug) is None},
        numbered=_numbered(records),
        pks=set(),
    )
    events = {cells.text(r.cells.get("event")) for r in records}
    lookups.load_events({slug for slug in events if EVENT_SLUG.fullmatch(slug)})
    return lookups


def _numbered(records: list[Record]) -> set[tuple[str, int]]:
    """The (format code, ordinal) of each record with a readable ordinal."""
    numbered = set()
    for record in records:
        try:
            number = cells.number(record.cells.get("number"))
        except CellError:
            continue
        if number:
            numbered.add((cells.code(record.cells.get("format")), number))
    return numbered


def check_table(
    header: list[str], records: list[Record], errors: list[RowError], progress: Progress
) -> list[RowPlan]:
    """Plans for spreadsheet rows; bad rows add to `errors`."""
    present = set(header)
    checker = RowChecker(table_lookups(records), errors)
    plans = []
    for done, record in enumerate(records, 1):
        plan = check_record(checker, record, present)
        if plan is not None:
            plans.append(plan)
        progress("check", done, len(records))
    return plans


def check_record(checker: RowChecker, record: Record, present: set[str]) -> RowPlan | None:
    """The plan of one spreadsheet row, or None with every reason it is bad recorded."""
    line, bad_before = record.line, len(checker.errors)
    if not _storable(checker, record):
        return None
    values = read_columns(checker, record, present)
    slug = values.pop("slug", None) or ""
    fmt, number = values.get("format"), values.get("number")
    meeting, key = _named_meeting(checker, line, slug, fmt, number)
    if not slug and not cells.text(record.cells.get("number")):
        checker.fail(line, "give a slug or a number, so the meeting can be found again.")
    if meeting is None and slug:
        values["slug"] = slug
    if not _claim(checker, line, meeting, slug, fmt, number, key):
        return None
    check_when(checker, line, record.cells, present, values, meeting)
    if len(checker.errors) > bad_before:
        return None
    _complete(values, meeting)
    return checker.plan(line, meeting, key, values)


def _storable(checker: RowChecker, record: Record) -> bool:
    """False, with each column named, when a cell holds a NUL (no database stores it)."""
    bad = [c for c, v in record.cells.items() if isinstance(v, str) and "\x00" in v]
    for column in bad:
        checker.fail(record.line, cells.NUL_MESSAGE, column)
    return not bad


def read_columns(checker: RowChecker, record: Record, present: set[str]) -> dict[str, Any]:
    """Each present column's value by its parser (COLUMN_PARSERS); None where a cell is bad.

    A column left out of the file is left out of the values: the field stays as it is.
    """
    row = Row(record.cells, checker.lookups)
    values: dict[str, Any] = {}
    for column, parse in COLUMN_PARSERS.items():
        if column in present:
            values[column] = checker.cell(record.line, record.cells, column, _bound(parse, row))
    return values


def _bound(parse: Callable[[Any, Row], Any], row: Row) -> Callable[[Any], Any]:
    return lambda value: parse(value, row)


def _named_meeting(
    checker: RowChecker, line: int, slug: str, fmt: Format | None, number: int | None
) -> tuple[Meeting | None, str]:
    """The meeting the row's slug, else its format and number, name (None: a new one),
    and the key the preview shows; a slug and a number naming two meetings is an error."""
    meeting = checker.lookups.by_slug.get(slug) if slug else None
    if fmt is None or not number:
        return meeting, slug
    other = checker.lookups.by_number.get((fmt.code, number))
    if other is not None:
        _check_same_meeting(checker, line, slug, meeting, other)
    return meeting or other, slug or f"{fmt.code} {number}"


def _check_same_meeting(
    checker: RowChecker, line: int, slug: str, meeting: Meeting | None, other: Meeting
) -> None:
    """Record an error if the slug names no meeting, or another one, than the number does."""
    named = f"{other.format.code} {other.number}"
    if meeting is None and slug:
        checker.fail(line, f"{named} is the meeting “{other.slug}”, not “{slug}”.", "slug")
    elif meeting is not None and other.pk != meeting.pk:
        checker.fail(line, f"{named} is already the meeting “{other.slug}”.", "number")


def _claim(
    checker: RowChecker,
    line: int,
    meeting: Meeting | None,
    slug: str,
    fmt: Format | None,
    number: int | None,
    key: str,
) -> bool:
    """False when an earlier row named the same meeting, by any of its keys."""
    keys: list[Key] = [("pk", meeting.pk)] if meeting else []
    if slug:
        keys.append(("slug", slug))
    if fmt is not None and number:
        keys.append(("number", fmt.code, number))
    return not keys or checker.claim(line, keys, f"This meeting ({key})")


def _complete(values: dict[str, Any], meeting: Meeting | None) -> None:
    """Derive what the service would, so an unchanged row compares equal."""
    if "title" in values and not values["title"]:
        probe = Meeting(
            format=values.get("format") or (meeting.format if meeting else None),
            number=values.get("number", meeting.number if meeting else None),
            counterpart=values.get("counterpart", meeting.counterpart if meeting else None),
        )
        values["title"] = meeting_title_default(probe)
