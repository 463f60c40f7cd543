"""Bulk import of meetings from CSV, XLSX or ICS, all or nothing.

The file is read into rows, every row is checked (every bad row is reported
with its line number and the reason), and only a file without a bad row is
applied, in one transaction, through meetings.services. A row names its meeting
by a stable key, so importing the same file again changes nothing:

- CSV and XLSX: `slug`, else the format code and ordinal `number` (AMM 55).
- ICS: a UID this site wrote (meeting-<pk>@<SITE_DOMAIN>), else the format code
  (first CATEGORIES value) and the ordinal opening the SUMMARY (“56th ...”).

Spreadsheet times are the venue's wall-clock time: `first_day`, `start_time`,
`last_day`, `end_time` in the zone named by `timezone` (or the venue's), empty
times meaning an all-day meeting. The exporter writes the same columns, so an
export imports back with no change. A column left out of the file leaves that
field as it is; an empty cell in a present column clears it.

A dry run checks every row and plans every change without saving anything, so a
preview is quick even for a large file. The checks cover what the database
would refuse (unknown codes, clashing keys, impossible dates and times); should a
save still fail, the real import reports that row and rolls everything back.
"""

import calendar
import csv
import datetime as dt
import hashlib
import io
import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import icalendar
import openpyxl
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from meetings import services
from meetings.enums import MeetingMode, MeetingStatus
from meetings.models import Event, Format, Meeting, Participant, Venue
from meetings.selectors import meeting_title_default
from meetings.validators import localize, sanitize_rich_text, validate_timezone

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
MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024 * 1024
KINDS = ("csv", "xlsx", "ics")
# Spreadsheet programs run a cell starting with one of these as a formula; the
# exporter quotes such text with a leading apostrophe, which the importer removes.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TRUE_WORDS = {"yes", "y", "true", "1", "x", "published"}
FALSE_WORDS = {"no", "n", "false", "0", ""}
OWN_UID = re.compile(r"^meeting-(\d+)@(.+)$")
ORDINAL = re.compile(r"^\s*(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
ICS_CONFIRMED = (MeetingStatus.SCHEDULED, MeetingStatus.HELD)
# The SUMMARY prefix the feed adds for a STATUS, and the status it stands for.
SUMMARY_PREFIXES = {
    "CANCELLED": ("Cancelled: ", MeetingStatus.CANCELLED),
    "TENTATIVE": ("Postponed: ", MeetingStatus.POSTPONED),
}
# Fields a row may set, in the order changes are listed.
FIELDS = (
    "format",
    "number",
    "counterpart",
    "title",
    "event",
    "venue",
    "host",
    "timezone",
    "all_day",
    "start",
    "end",
    "status",
    "status_note",
    "mode",
    "published",
    "description",
    "confirmation_deadline",
)

# Spelled out: the messages must not depend on the process's locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

Progress = Callable[[str, int, int], None]


class ImportFileError(Exception):
    """The file cannot be read at all (wrong kind, not UTF-8, too large, ...)."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str
    column: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class RowPlan:
    """What importing one row does to the calendar."""

    line: int
    key: str
    action: str  # "create", "change" or "unchanged"
    meeting: Meeting | None
    values: dict[str, Any]
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # field, old, new
    title: str = ""
    when: str = ""


@dataclass
class ImportResult:
    """The outcome of an import or a dry run: a plan per row, or the bad rows."""

    name: str
    rows: int = 0
    plans: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    stale: bool = False  # the plan differs from the one previewed: nothing was applied

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for plan in self.plans if plan.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in ("create", "change", "unchanged")}

    @property
    def digest(self) -> str:
        """A fingerprint of the plan, to check a confirmed preview is what gets applied."""
        text = repr([(p.line, p.key, p.action, p.changes) for p in self.plans])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def report(self) -> str:
        """Every bad row, one reason a line, in file order."""
        return "\n".join(str(error) for error in sorted(self.errors, key=_error_order))

    def summary(self) -> str:
        if self.errors:
            bad = len({error.line for error in self.errors})
            return (
                f"{self.rows} row{'s' if self.rows != 1 else ''} read: "
                f"{bad} bad row{'s' if bad != 1 else ''}; nothing imported."
            )
        counts = self.counts
        verb = "" if self.applied else "would be "
        return (
            f"{self.rows} row{'s' if self.rows != 1 else ''} read: "
            f"{counts['create']} {verb}created, {counts['change']} {verb}changed, "
            f"{counts['unchanged']} unchanged."
        )


def _error_order(error: RowError) -> tuple[int, int]:
    return error.line, COLUMNS.index(error.column) if error.column in COLUMNS else -1


@dataclass
class Record:
    """One data row: its line in the file and its cells by column name."""

    line: int
    cells: dict[str, Any]


# Reading files --------------------------------------------------------------------------


def file_kind(name: str, data: bytes) -> str:
    """csv, xlsx or ics, from the name's extension or else the first bytes."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in KINDS:
        return suffix
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.lstrip(b"\xef\xbb\xbf \r\n\t").upper().startswith(b"BEGIN:VCALENDAR"):
        return "ics"
    return "csv"


def _header(raw: Iterable[Any]) -> tuple[list[str], list[RowError]]:
    names, errors = [], []
    for cell in raw:
        name = re.sub(r"[\s-]+", "_", str(cell or "").strip().lower())
        if name and name not in COLUMNS:
            errors.append(RowError(1, f"unknown column “{name}”."))
        elif name and name in names:
            errors.append(RowError(1, f"column “{name}” appears twice."))
        names.append(name)
    present = set(names)
    for name in REQUIRED_COLUMNS:
        if name not in present:
            errors.append(RowError(1, f"the column “{name}” is missing."))
    if not present & {"slug", "number"}:
        errors.append(RowError(1, "a “slug” or a “number” column is needed to find meetings."))
    return names, errors


def _records(header: list[str], rows: Iterable[tuple[int, list[Any]]]) -> Iterator[Record]:
    for line, values in rows:
        cells = {name: value for name, value in zip(header, values, strict=False) if name}
        if all(value is None or str(value).strip() == "" for value in cells.values()):
            continue
        yield Record(line, cells)


def read_csv(data: bytes) -> tuple[list[str], list[Record], list[RowError]]:
    """Rows of a UTF-8 CSV file (comma, semicolon or tab separated)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"line {line}: the file is not UTF-8 text. Save it as “CSV UTF-8”."
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        while True:
            line = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(f"line {line}: {exc}.") from exc
            yield line, values

    rows = numbered()
    first = next(rows, None)
    if first is None:
        raise ImportFileError("The file is empty.")
    header, errors = _header(first[1])
    return header, list(_records(header, rows)), errors


def read_xlsx(data: bytes) -> tuple[list[str], list[Record], list[RowError]]:
    """Rows of the first sheet of an Excel workbook (values, not formulas)."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError(f"The file is not an Excel (.xlsx) workbook: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        rows = ((n, list(values)) for n, values in enumerate(sheet.iter_rows(values_only=True), 1))
        first = next(rows, None)
        if first is None:
            raise ImportFileError("The workbook's first sheet is empty.")
        header, errors = _header(first[1])
        records = []
        for record in _records(header, rows):
            records.append(record)
            if len(records) > MAX_ROWS:
                break
        return header, records, errors
    finally:
        book.close()


# Cells ----------------------------------------------------------------------------------


class CellError(ValueError):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS and text[1:2]:
        text = text[1:]
    return text


def _code(value: Any) -> str:
    return _text(value).upper()


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        raise CellError(f"“{value}” is not a whole number.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = _text(value)
        if not text:
            return None
        if not text.isdigit():
            raise CellError(f"“{text}” is not a whole number.")
        number = int(text)
    if not 1 <= number <= 32767:
        raise CellError(f"{number} is not an ordinal from 1 to 32767.")
    return number


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError(f"“{value}” has a time; give only the day (YYYY-MM-DD).")
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        raise CellError("a day is needed (YYYY-MM-DD).")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise CellError(f"“{text}” is not a date: write it as YYYY-MM-DD.")
    year, month, day = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        raise CellError(f"“{text}” does not exist: there is no month {month}.")
    days = calendar.monthrange(year, month)[1] if year >= 1 else 0
    if not 1 <= day <= days:
        raise CellError(f"“{text}” does not exist: {MONTHS[month - 1]} {year} has {days} days.")
    return dt.date(year, month, day)


def _time(value: Any) -> dt.time | None:
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    text = _text(value)
    if not text:
        return None
    if not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?", text):
        raise CellError(f"“{text}” is not a time: write it as HH:MM (24-hour).")
    if text.index(":") == 1:
        text = "0" + text
    try:
        return dt.time.fromisoformat(text)
    except ValueError as exc:
        raise CellError(f"“{text}” is not a time of day (00:00 to 23:59).") from exc


def _local_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    text = _text(value)
    if not text:
        return None
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)", text)
    if not match:
        raise CellError(f"“{text}” is not a local date and time: write YYYY-MM-DD HH:MM.")
    return dt.datetime.combine(_date(match.group(1)), _time(match.group(2)))


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(f"“{_text(value)}” is neither yes nor no.")


def _choice(value: Any, choices: type[MeetingStatus] | type[MeetingMode], default: str) -> str:
    text = _text(value)
    if not text:
        return default
    for choice in choices:
        if text.lower() in (choice.value, choice.label.lower()):
            return choice.value
    allowed = ", ".join(choice.value for choice in choices)
    raise CellError(f"“{text}” is not one of {allowed}.")


def offset_label(moment: dt.datetime) -> str:
    """The offset of an aware datetime as people read it: UTC+7, UTC+6:30."""
    minutes = int((moment.utcoffset() or dt.timedelta(0)).total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def _field_length(name: str) -> int:
    return Meeting._meta.get_field(name).max_length


# Reference data, fetched once per file ------------------------------------------------------


class Lookups:
    """Formats, participants, venues, events and the meetings the rows name, by their keys."""

    CHUNK = 500  # keys per query: SQLite limits the parameters of one statement

    def __init__(self, *, slugs: set[str], numbered: set[tuple[str, int]], pks: set[int]):
        self.formats = {f.code: f for f in Format.objects.all()}
        self.participants = {p.code: p for p in Participant.objects.all()}
        self.venues = {(v.name.casefold(), v.city.casefold()): v for v in Venue.objects.all()}
        self.venues_by_name: dict[str, list[Venue]] = {}
        for venue in self.venues.values():
            self.venues_by_name.setdefault(venue.name.casefold(), []).append(venue)
        self.events: dict[str, Event] = {}
        numbers_by_format: dict[int, set[int]] = {}
        for code, number in numbered:
            if code in self.formats:
                numbers_by_format.setdefault(self.formats[code].pk, set()).add(number)
        conditions = [Q(slug__in=chunk) for chunk in _chunks(slugs, self.CHUNK)]
        conditions += [Q(pk__in=chunk) for chunk in _chunks(pks, self.CHUNK)]
        for format_id, numbers in numbers_by_format.items():
            conditions += [
                Q(format_id=format_id, number__in=chunk) for chunk in _chunks(numbers, self.CHUNK)
            ]
        meetings = Meeting.objects.select_related("format", "counterpart", "event", "venue", "host")
        found = {m.pk: m for condition in conditions for m in meetings.filter(condition)}
        self.by_slug = {m.slug: m for m in found.values()}
        self.by_pk = found
        self.by_number = {(m.format.code, m.number): m for m in found.values() if m.number}

    def load_events(self, slugs: set[str]) -> None:
        self.events = {
            e.slug: e
            for chunk in _chunks(slugs, self.CHUNK)
            for e in Event.objects.filter(slug__in=chunk)
        }


def _chunks(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    values = sorted(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


# Checking rows -------------------------------------------------------------------------------


class RowChecker:
    """Turns each record into a plan, collecting every reason a row is bad."""

    def __init__(self, lookups: Lookups, errors: list[RowError]):
        self.lookups = lookups
        self.errors = errors
        self.seen: dict[Any, int] = {}

    def fail(self, line: int, message: str, column: str = "") -> None:
        self.errors.append(RowError(line, message, column))

    def claim(self, line: int, keys: Iterable[Any], label: str) -> bool:
        """Refuse a row naming a meeting an earlier row of the file already named."""
        for key in keys:
            if key in self.seen:
                self.fail(line, f"{label} is already on line {self.seen[key]}.")
                return False
        for key in keys:
            self.seen[key] = line
        return True

    def plan(self, line: int, meeting: Meeting | None, key: str, values: dict[str, Any]) -> RowPlan:
        zone = values.get("timezone") or meeting.timezone
        when = f"{_shown(values['start'], zone)} ({zone})" if "start" in values else ""
        if meeting is None:
            probe = Meeting(**{k: v for k, v in values.items() if k != "slug"})
            title = values.get("title") or meeting_title_default(probe)
            return RowPlan(line, key, "create", None, values, title=title, when=when)
        changes = []
        for name in FIELDS:
            if name not in values:
                continue
            old, new = getattr(meeting, name), values[name]
            if _same(old, new):
                values[name] = old
                continue
            changes.append((name, _shown(old, meeting.timezone), _shown(new, zone)))
        action = "change" if changes else "unchanged"
        title = values.get("title") or meeting.title
        return RowPlan(line, key, action, meeting, values, changes, title=title, when=when)


def _same(old: Any, new: Any) -> bool:
    # Surrounding blanks are not worth a history row (spreadsheets add and drop them).
    if isinstance(old, str) and isinstance(new, str):
        return old.strip() == new.strip()
    return old == new


def _shown(value: Any, zone: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        local = value.astimezone(zoneinfo.ZoneInfo(zone))
        return f"{local:%Y-%m-%d %H:%M} {offset_label(local)}"
    if isinstance(value, Format | Participant):
        return value.code
    if isinstance(value, Event):
        return value.slug
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _slug_error(slug: str) -> str | None:
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) or len(slug) > 120:
        return f"“{slug}” is not a slug: lower-case ASCII letters, digits and hyphens."
    return None


def check_table(
    header: list[str], records: list[Record], errors: list[RowError], progress: Progress
) -> list[RowPlan]:
    """Plans for spreadsheet rows; bad rows add to `errors`."""
    present = set(header)
    # Only keys that could name a row are looked up: a database may refuse others outright
    # (PostgreSQL a NUL); the rows holding them are reported by _check_record.
    slugs = {_text(r.cells.get("slug")).lower() for r in records}
    slugs = {slug for slug in slugs if slug and _slug_error(slug) is None}
    numbered = set()
    for record in records:
        try:
            number = _number(record.cells.get("number"))
        except CellError:
            number = None
        if number:
            numbered.add((_code(record.cells.get("format")), number))
    lookups = Lookups(slugs=slugs, numbered=numbered, pks=set())
    events = {_text(r.cells.get("event")) for r in records}
    lookups.load_events({slug for slug in events if re.fullmatch(r"[-a-zA-Z0-9_]+", slug)})
    checker = RowChecker(lookups, errors)
    plans = []
    for done, record in enumerate(records, 1):
        plan = _check_record(checker, record, present)
        if plan is not None:
            plans.append(plan)
        progress("check", done, len(records))
    return plans


def _check_record(checker: RowChecker, record: Record, present: set[str]) -> RowPlan | None:
    line, cells = record.line, record.cells
    look = checker.lookups
    bad_before = len(checker.errors)
    values: dict[str, Any] = {}
    for column, value in cells.items():
        if isinstance(value, str) and "\x00" in value:
            checker.fail(line, "holds a NUL character, which cannot be stored.", column)
    if len(checker.errors) > bad_before:
        return None

    def cell(name: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(cells.get(name))
        except CellError as exc:
            checker.fail(line, str(exc), name)
            return None

    def participant(name: str) -> None:
        if name not in present:
            return
        code = _code(cells.get(name))
        if code and code not in look.participants:
            checker.fail(line, f"unknown participant code “{code}”.", name)
        values[name] = look.participants.get(code)

    code = _code(cells.get("format"))
    fmt = look.formats.get(code)
    if not code:
        checker.fail(line, "a format code is needed.", "format")
    elif fmt is None:
        checker.fail(line, f"unknown format code “{code}”.", "format")
    values["format"] = fmt
    number = cell("number", _number) if "number" in present else None
    if "number" in present:
        values["number"] = number
    slug = _text(cells.get("slug")).lower()
    if slug and (problem := _slug_error(slug)):
        checker.fail(line, problem, "slug")
        slug = ""
    participant("counterpart")
    participant("host")
    if "title" in present:
        values["title"] = _text(cells.get("title"))
        if len(values["title"]) > _field_length("title"):
            checker.fail(line, f"longer than {_field_length('title')} characters.", "title")
    if "event" in present:
        event_slug = _text(cells.get("event"))
        values["event"] = look.events.get(event_slug) if event_slug else None
        if event_slug and values["event"] is None:
            checker.fail(line, f"unknown umbrella event “{event_slug}”.", "event")
    if "venue" in present:
        values["venue"] = _venue(checker, line, cells)
    if "status" in present:
        values["status"] = cell("status", lambda v: _choice(v, MeetingStatus, "scheduled"))
    if "status_note" in present:
        values["status_note"] = _text(cells.get("status_note"))
        if len(values["status_note"]) > _field_length("status_note"):
            limit = _field_length("status_note")
            checker.fail(line, f"longer than {limit} characters.", "status_note")
    if "mode" in present:
        values["mode"] = cell("mode", lambda v: _choice(v, MeetingMode, "in_person"))
    if "published" in present:
        values["published"] = cell("published", _bool)
    if "description" in present:
        values["description"] = sanitize_rich_text(_text(cells.get("description")))

    # Which meeting the row names.
    meeting, key = None, slug
    if slug:
        meeting = look.by_slug.get(slug)
    if fmt is not None and number:
        other = look.by_number.get((fmt.code, number))
        key = key or f"{fmt.code} {number}"
        if meeting is None and slug and other is not None:
            checker.fail(
                line, f"{fmt.code} {number} is the meeting “{other.slug}”, not “{slug}”.", "slug"
            )
        elif meeting is not None and other is not None and other.pk != meeting.pk:
            checker.fail(
                line, f"{fmt.code} {number} is already the meeting “{other.slug}”.", "number"
            )
        meeting = meeting or other
    if not slug and not _text(cells.get("number")):
        checker.fail(line, "give a slug or a number, so the meeting can be found again.")
    if meeting is None and slug:
        values["slug"] = slug
    keys = [("pk", meeting.pk)] if meeting else []
    if slug:
        keys.append(("slug", slug))
    if fmt is not None and number:
        keys.append(("number", fmt.code, number))
    if keys and not checker.claim(line, keys, f"This meeting ({key})"):
        return None

    _check_when(checker, line, cells, present, values, meeting)
    if len(checker.errors) > bad_before:
        return None
    _complete(values, meeting)
    return checker.plan(line, meeting, key, values)


def _venue(checker: RowChecker, line: int, cells: dict[str, Any]) -> Venue | None:
    name, city = _text(cells.get("venue")), _text(cells.get("venue_city"))
    if not name:
        return None
    look = checker.lookups
    if city:
        venue = look.venues.get((name.casefold(), city.casefold()))
    else:
        same_name = look.venues_by_name.get(name.casefold(), [])
        venue = same_name[0] if len(same_name) == 1 else None
        if len(same_name) > 1:
            checker.fail(line, f"several venues are called “{name}”: give venue_city.", "venue")
            return None
    if venue is None:
        where = f"“{name}” in “{city}”" if city else f"“{name}”"
        checker.fail(line, f"unknown venue {where}; add it in the admin first.", "venue")
    return venue


def _check_when(
    checker: RowChecker,
    line: int,
    cells: dict[str, Any],
    present: set[str],
    values: dict[str, Any],
    meeting: Meeting | None,
) -> None:
    """Local days and times in the row's zone -> aware start and end (and the deadline)."""
    bad_before = len(checker.errors)

    def cell(name: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(cells.get(name))
        except CellError as exc:
            checker.fail(line, str(exc), name)
            return None

    first, last = cell("first_day", _date), cell("last_day", _date)
    start_time, end_time = cell("start_time", _time), cell("end_time", _time)
    zone = _text(cells.get("timezone")) if "timezone" in present else ""
    if zone:
        try:
            validate_timezone(zone)
        except ValidationError:
            checker.fail(line, f"“{zone}” is not an IANA time zone name.", "timezone")
            return
    elif values.get("venue") is not None:
        zone = values["venue"].timezone
    elif meeting is not None:
        zone = meeting.timezone
    else:
        checker.fail(line, "give the IANA time zone, or a venue that has one.", "timezone")
        return
    if len(checker.errors) > bad_before:
        return
    timed = start_time is not None or end_time is not None
    if timed and (start_time is None or end_time is None):
        missing = "start_time" if start_time is None else "end_time"
        checker.fail(line, "give both times, or neither for an all-day meeting.", missing)
        return
    if timed:
        walls = (dt.datetime.combine(first, start_time), dt.datetime.combine(last, end_time))
    else:
        if last < first:
            checker.fail(line, f"the last day {last} is before the first day {first}.", "last_day")
            return
        walls = (
            dt.datetime.combine(first, dt.time(0)),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0)),
        )
    moments = []
    for wall, column in zip(walls, ("start_time", "end_time"), strict=True):
        try:
            moments.append(localize(wall, zone))
        except ValidationError as exc:
            checker.fail(line, exc.messages[0], column if timed else column.replace("time", "day"))
            return
    start, end = moments
    if end <= start:
        checker.fail(
            line,
            f"the end ({walls[1]:%Y-%m-%d %H:%M}) is not after the start "
            f"({walls[0]:%Y-%m-%d %H:%M}).",
            "end_time",
        )
        return
    offset = _text(cells.get("utc_offset")) if "utc_offset" in present else ""
    local_start = start.astimezone(zoneinfo.ZoneInfo(zone))
    if offset and offset.replace(" ", "").upper() != offset_label(local_start).upper():
        checker.fail(
            line,
            f"{offset} does not match {zone}, which is {offset_label(local_start)} at the start.",
            "utc_offset",
        )
        return
    values.update(timezone=zone, all_day=not timed, start=start, end=end)
    if "confirmation_deadline" in present:
        wall = cell("confirmation_deadline", _local_datetime)
        deadline = None
        if wall is not None:
            try:
                deadline = localize(wall, zone)
            except ValidationError as exc:
                checker.fail(line, exc.messages[0], "confirmation_deadline")
        values["confirmation_deadline"] = deadline


def _complete(values: dict[str, Any], meeting: Meeting | None) -> None:
    """Derive what the service would, so an unchanged row compares equal."""
    if "title" in values and not values["title"]:
        probe = Meeting(
            format=values.get("format") or meeting.format,
            number=values.get("number", meeting.number if meeting else None),
            counterpart=values.get("counterpart", meeting.counterpart if meeting else None),
        )
        values["title"] = meeting_title_default(probe)


# ICS ---------------------------------------------------------------------------------------


def read_ics(data: bytes) -> tuple[icalendar.Calendar, list[int]]:
    """The calendar and the line each VEVENT begins on."""
    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise ImportFileError(f"The file is not an iCalendar (.ics) file: {exc}") from exc
    lines = [
        n
        for n, text in enumerate(data.decode("utf-8", "replace").splitlines(), 1)
        if text.strip().upper() == "BEGIN:VEVENT"
    ]
    return cal, lines


def check_ics(data: bytes, errors: list[RowError], progress: Progress) -> tuple[int, list[RowPlan]]:
    """Plans for the VEVENTs of an iCalendar file; bad events add to `errors`."""
    cal, lines = read_ics(data)
    events = list(cal.walk("VEVENT"))
    if len(events) > MAX_ROWS:
        raise ImportFileError(f"More than {MAX_ROWS} events; split the file.")
    default_zone = str(cal.get("X-WR-TIMEZONE", "")).strip()
    keys = []
    for event in events:
        uid = str(event.get("UID", "")).strip()
        match = OWN_UID.match(uid)
        if match and match.group(2) == settings.SITE_DOMAIN:
            keys.append(("pk", int(match.group(1))))
        else:
            keys.append(("number", *_ics_format_number(event)))
    lookups = Lookups(
        slugs=set(),
        numbered={(k[1], k[2]) for k in keys if k[0] == "number" and k[2]},
        pks={k[1] for k in keys if k[0] == "pk"},
    )
    checker = RowChecker(lookups, errors)
    plans = []
    for n, (event, key) in enumerate(zip(events, keys, strict=True)):
        line = lines[n] if n < len(lines) else 0
        plan = _check_event(checker, line, event, key, default_zone)
        if plan is not None:
            plans.append(plan)
        progress("check", n + 1, len(events))
    return len(events), plans


def _ics_format_number(event: icalendar.Event) -> tuple[str, int | None]:
    categories = event.get("CATEGORIES")
    codes = []
    for prop in categories if isinstance(categories, list) else [categories]:
        if prop is not None:
            codes.extend(str(c).strip().upper() for c in prop.cats)
    summary = _strip_prefix(str(event.get("SUMMARY", "")), _raw_status(event))[0]
    ordinal = ORDINAL.match(summary)
    return (codes[0] if codes else "", int(ordinal.group(1)) if ordinal else None)


def _strip_prefix(summary: str, raw_status: str) -> tuple[str, MeetingStatus | None]:
    summary = " ".join(summary.split())
    prefix, status = SUMMARY_PREFIXES.get(raw_status, ("", None))
    if prefix and summary.startswith(prefix):
        return summary[len(prefix) :], status
    return summary, None


def _raw_status(event: icalendar.Event) -> str:
    return str(event.get("STATUS", "CONFIRMED")).strip().upper()


def _check_event(
    checker: RowChecker,
    line: int,
    event: icalendar.Event,
    key: tuple,
    default_zone: str,
) -> RowPlan | None:
    look = checker.lookups
    uid = str(event.get("UID", "")).strip()
    bad_before = len(checker.errors)
    values: dict[str, Any] = {}
    if key[0] == "pk":
        meeting = look.by_pk.get(key[1])
        label = f"UID {uid}"
        if meeting is None:
            checker.fail(line, f"{label} names no meeting on this site.", "UID")
            return None
    else:
        code, number = key[1], key[2]
        label = f"{code} {number}"
        if not code:
            checker.fail(line, "no format code in CATEGORIES.", "CATEGORIES")
        elif code not in look.formats:
            checker.fail(line, f"unknown format code “{code}”.", "CATEGORIES")
        if not number:
            checker.fail(
                line, "no ordinal opening the SUMMARY (“56th ...”) to find it again.", "SUMMARY"
            )
        if len(checker.errors) > bad_before:
            return None
        meeting = look.by_number.get((code, number))
        if meeting is None:
            values.update(format=look.formats[code], number=number)
    if not checker.claim(line, [("pk", meeting.pk)] if meeting else [key], label):
        return None

    raw_status = _raw_status(event)
    title, prefixed = _strip_prefix(str(event.get("SUMMARY", "")), raw_status)
    if "\x00" in title:
        checker.fail(line, "holds a NUL character, which cannot be stored.", "SUMMARY")
        return None
    if title:
        values["title"] = title[: _field_length("title")]
    status = _ics_status(raw_status, prefixed, meeting)
    if status is None:
        checker.fail(line, f"unknown STATUS “{raw_status}”.", "STATUS")
        return None
    values["status"] = status
    try:
        values.update(_ics_when(event, meeting, default_zone))
    except CellError as exc:
        checker.fail(line, str(exc), "DTSTART")
        return None
    key_text = meeting.slug if meeting else label
    return checker.plan(line, meeting, key_text, values)


def _ics_status(raw: str, prefixed: MeetingStatus | None, meeting: Meeting | None) -> str | None:
    """The feed writes CANCELLED, TENTATIVE (tentative, or postponed with a SUMMARY prefix)
    and CONFIRMED (scheduled or held alike: a meeting already held or scheduled stays so)."""
    if raw == "CANCELLED":
        return MeetingStatus.CANCELLED
    if raw == "TENTATIVE":
        return prefixed or MeetingStatus.TENTATIVE
    if raw == "CONFIRMED":
        if meeting is not None and meeting.status in ICS_CONFIRMED:
            return meeting.status
        return MeetingStatus.SCHEDULED
    return None


def _ics_when(event: icalendar.Event, meeting: Meeting | None, default_zone: str) -> dict:
    if "DTSTART" not in event:
        raise CellError("the event has no DTSTART.")
    start_prop = event["DTSTART"]
    try:
        start = start_prop.dt
        end_prop = event.get("DTEND")
        if end_prop is not None:
            end = end_prop.dt
        elif "DURATION" in event:
            end = start + event["DURATION"].dt
        else:
            end = start + dt.timedelta(days=1) if not isinstance(start, dt.datetime) else start
    except ValueError as exc:  # icalendar reports an unreadable value when it is read
        raise CellError(f"a date or time that cannot be read: {exc}") from exc
    all_day = not isinstance(start, dt.datetime)
    if all_day != (not isinstance(end, dt.datetime)):
        raise CellError("DTSTART and DTEND must both be dates or both be times.")
    tzid = str(start_prop.params.get("TZID", "")).strip()
    zone = ""
    if tzid:
        zone = tzid
    elif not all_day and start.tzinfo is not None and start.utcoffset() == dt.timedelta(0):
        zone = meeting.timezone if meeting else "UTC"
    else:
        zone = (meeting.timezone if meeting else "") or default_zone
    if not zone:
        raise CellError("no time zone: give DTSTART a TZID, or the calendar an X-WR-TIMEZONE.")
    try:
        validate_timezone(zone)
    except ValidationError as exc:
        raise CellError(f"“{zone}” is not an IANA time zone name.") from exc
    tz = zoneinfo.ZoneInfo(zone)
    try:
        if all_day:
            start = localize(dt.datetime.combine(start, dt.time(0)), zone)
            end = localize(dt.datetime.combine(end, dt.time(0)), zone)
        else:
            start = localize(start.replace(tzinfo=None), zone) if start.tzinfo is None else start
            end = localize(end.replace(tzinfo=None), zone) if end.tzinfo is None else end
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from exc
    if end <= start:
        raise CellError(
            f"the end ({end.astimezone(tz):%Y-%m-%d %H:%M}) is not after the start "
            f"({start.astimezone(tz):%Y-%m-%d %H:%M})."
        )
    return {"timezone": zone, "all_day": all_day, "start": start, "end": end}


# Applying -----------------------------------------------------------------------------------


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def import_calendar(
    data: bytes,
    *,
    name: str = "upload",
    by: AbstractBaseUser | None = None,
    dry_run: bool = False,
    kind: str | None = None,
    progress: Progress = _no_progress,
    expected_digest: str | None = None,
) -> ImportResult:
    """Check every row of a CSV, XLSX or ICS file and, if none is bad, apply them all.

    With `expected_digest` (a preview's `digest`), nothing is applied unless the
    plan is still the one previewed. Raises ImportFileError when the file cannot
    be read at all.
    """
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    kind = kind or file_kind(name, data)
    result = ImportResult(name=name)
    if kind == "ics":
        result.rows, result.plans = check_ics(data, result.errors, progress)
    else:
        header, records, result.errors = read_xlsx(data) if kind == "xlsx" else read_csv(data)
        if len(records) > MAX_ROWS:
            raise ImportFileError(f"More than {MAX_ROWS} rows; split the file.")
        result.rows = len(records)
        if not result.errors:
            result.plans = check_table(header, records, result.errors, progress)
    if result.errors:
        result.plans = []
        return result
    if expected_digest is not None and expected_digest != result.digest:
        result.stale = True
        return result
    if not dry_run:
        _apply(result, by=by, progress=progress)
    return result


def _apply(result: ImportResult, *, by, progress: Progress) -> None:
    """Save every planned change in one transaction; roll all back on any failure."""
    reason = f"Imported from {result.name}"[:200]
    pending = [plan for plan in result.plans if plan.action != "unchanged"]
    with transaction.atomic():
        for done, plan in enumerate(pending, 1):
            try:
                with transaction.atomic():
                    _save(plan, by=by, reason=reason)
            except ValidationError as exc:
                for column, message in _messages(exc):
                    result.errors.append(RowError(plan.line, message, column))
            except IntegrityError as exc:
                result.errors.append(RowError(plan.line, f"refused by the database: {exc}"))
            progress("save", done, len(pending))
        if result.errors:
            result.plans = []
            transaction.set_rollback(True)
    result.applied = not result.errors


def _save(plan: RowPlan, *, by, reason: str) -> None:
    if plan.meeting is None:
        services.meeting_create(by=by, reason=reason, **plan.values)
        return
    meeting = plan.meeting
    revision = meeting.revision
    for name, value in plan.values.items():
        setattr(meeting, name, value)
    services.meeting_save(meeting=meeting, by=by, expected_revision=revision, reason=reason)


def _messages(exc: ValidationError) -> Iterator[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        for column, errors in exc.message_dict.items():
            for message in errors:
                yield ("" if column == "__all__" else column), message
    else:
        for message in exc.messages:
            yield "", message
