"""Checking an iCalendar file: each VEVENT -> the plan of what it changes, or why it is bad.

An event names its meeting by a UID this site wrote (meeting-<pk>@<SITE_DOMAIN>), else by
the format code (first CATEGORIES value) and the ordinal opening the SUMMARY (“56th ...”).
Times, titles and status are imported; bad events are reported at the line of their
BEGIN:VEVENT, under the property at fault.
"""

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

import icalendar
from django.conf import settings
from django.core.exceptions import ValidationError

from meetings.enums import MeetingStatus
from meetings.imports import cells
from meetings.imports.cells import CellError
from meetings.imports.checker import Key, RowChecker
from meetings.imports.lookups import Lookups
from meetings.imports.read import MAX_ROWS, read_ics
from meetings.imports.results import ImportFileError, Progress, RowError, RowPlan
from meetings.imports.when import end_not_after_start, refusal
from meetings.models import Meeting
from meetings.periods import local_period
from meetings.validators import validate_timezone

OWN_UID = re.compile(r"^meeting-(\d+)@(.+)$")
ORDINAL = re.compile(r"^\s*(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
ICS_CONFIRMED = (MeetingStatus.SCHEDULED, MeetingStatus.HELD)
# A repeating event (or one occurrence of a series) is several meetings under one UID,
# each with its own ordinal in this calendar: refused rather than read as its first one.
REPETITION = ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
REPEATS = (
    "the event repeats: a meeting takes place once. Export each occurrence as an event of "
    "its own (its ordinal opening the SUMMARY), or enter the meetings in a spreadsheet."
)
# The SUMMARY prefix the feed adds for a STATUS, and the status it stands for.
SUMMARY_PREFIXES = {
    "CANCELLED": ("Cancelled: ", MeetingStatus.CANCELLED),
    "TENTATIVE": ("Postponed: ", MeetingStatus.POSTPONED),
}


@dataclass(frozen=True)
class EventKey:
    """How an event names its meeting: this site's pk, else a format code and ordinal."""

    pk: int | None = None
    code: str = ""
    number: int | None = None

    @property
    def claimed(self) -> Key:
        """The key refusing a second event naming the same meeting."""
        return ("pk", self.pk) if self.pk is not None else ("number", self.code, self.number)


def check_ics(data: bytes, errors: list[RowError], progress: Progress) -> tuple[int, list[RowPlan]]:
    """Plans for the VEVENTs of an iCalendar file; bad events add to `errors`."""
    cal, lines = read_ics(data)
    events: list[Any] = list(cal.walk("VEVENT"))
    if len(events) > MAX_ROWS:
        raise ImportFileError(f"More than {MAX_ROWS} events; split the file.")
    default_zone = str(cal.get("X-WR-TIMEZONE", "")).strip()
    keys = [event_key(event) for event in events]
    checker = RowChecker(_lookups(keys), errors)
    plans = []
    for n, (event, key) in enumerate(zip(events, keys, strict=True)):
        line = lines[n] if n < len(lines) else 0
        plan = check_event(checker, line, event, key, default_zone)
        if plan is not None:
            plans.append(plan)
        progress("check", n + 1, len(events))
    return len(events), plans


def event_key(event: icalendar.Event) -> EventKey:
    """This site's UID, else the first CATEGORIES code and the SUMMARY's ordinal."""
    match = OWN_UID.match(str(event.get("UID", "")).strip())
    if match and match.group(2) == settings.SITE_DOMAIN:
        return EventKey(pk=int(match.group(1)))
    codes = _categories(event)
    summary = strip_prefix(str(event.get("SUMMARY", "")), raw_status(event))[0]
    ordinal = ORDINAL.match(summary)
    return EventKey(code=codes[0] if codes else "", number=int(ordinal[1]) if ordinal else None)


def _categories(event: icalendar.Event) -> list[str]:
    """The CATEGORIES codes in upper case, over every CATEGORIES line."""
    categories = event.get("CATEGORIES")
    codes: list[str] = []
    for prop in categories if isinstance(categories, list) else [categories]:
        if prop is not None:
            codes.extend(str(c).strip().upper() for c in prop.cats)
    return codes


def _lookups(keys: list[EventKey]) -> Lookups:
    return Lookups(
        slugs=set(),
        numbered={(k.code, k.number) for k in keys if k.pk is None and k.number},
        pks={k.pk for k in keys if k.pk is not None},
    )


def strip_prefix(summary: str, raw: str) -> tuple[str, MeetingStatus | None]:
    """The SUMMARY without the status prefix the feed adds, and the status it stood for."""
    summary = " ".join(summary.split())
    prefix, status = SUMMARY_PREFIXES.get(raw, ("", None))
    if prefix and summary.startswith(prefix):
        return summary[len(prefix) :], status
    return summary, None


def raw_status(event: icalendar.Event) -> str:
    """The event's STATUS in upper case; CONFIRMED when absent."""
    return str(event.get("STATUS", "CONFIRMED")).strip().upper()


def check_event(
    checker: RowChecker,
    line: int,
    event: icalendar.Event,
    key: EventKey,
    default_zone: str,
) -> RowPlan | None:
    """The plan of one VEVENT, or None with the reason it is bad recorded."""
    repeats = _repetition(event)
    if repeats:
        checker.fail(line, REPEATS, repeats)
        return None
    found = _named_meeting(checker, line, event, key)
    if found is None:
        return None
    meeting, label, values = found
    if not checker.claim(line, [("pk", meeting.pk)] if meeting else [key.claimed], label):
        return None
    try:
        values.update(_event_values(event, meeting, default_zone))
    except CellError as exc:
        checker.fail(line, str(exc), exc.column)
        return None
    return checker.plan(line, meeting, meeting.slug if meeting else label, values)


def _repetition(event: icalendar.Event) -> str:
    """The first property making the event part of a series, if any."""
    return next((name for name in REPETITION if name in event), "")


def _named_meeting(
    checker: RowChecker, line: int, event: icalendar.Event, key: EventKey
) -> tuple[Meeting | None, str, dict[str, Any]] | None:
    """The meeting an event names (None: a new one, with its format and number in the
    values), and its label in messages; None after recording why it names none."""
    look = checker.lookups
    if key.pk is not None:
        meeting = look.by_pk.get(key.pk)
        label = f"UID {str(event.get('UID', '')).strip()}"
        if meeting is None:
            checker.fail(line, f"{label} names no meeting on this site.", "UID")
            return None
        return meeting, label, {}
    # key.number is never None past the first test, which refuses it; the second says so.
    if not _known_code_and_number(checker, line, key) or key.number is None:
        return None
    meeting = look.by_number.get((key.code, key.number))
    values = {} if meeting else {"format": look.formats[key.code], "number": key.number}
    return meeting, f"{key.code} {key.number}", values


def _known_code_and_number(checker: RowChecker, line: int, key: EventKey) -> bool:
    """False, with each reason recorded, unless the event has a known code and an ordinal."""
    bad_before = len(checker.errors)
    if not key.code:
        checker.fail(line, "no format code in CATEGORIES.", "CATEGORIES")
    elif key.code not in checker.lookups.formats:
        checker.fail(line, f"unknown format code “{key.code}”.", "CATEGORIES")
    if not key.number:
        checker.fail(
            line, "no ordinal opening the SUMMARY (“56th ...”) to find it again.", "SUMMARY"
        )
    return len(checker.errors) == bad_before


def _event_values(
    event: icalendar.Event, meeting: Meeting | None, default_zone: str
) -> dict[str, Any]:
    """Title, status, zone, start and end; raises CellError naming the property at fault."""
    values: dict[str, Any] = {}
    raw = raw_status(event)
    title, prefixed = strip_prefix(str(event.get("SUMMARY", "")), raw)
    if "\x00" in title:
        raise CellError(cells.NUL_MESSAGE, "SUMMARY")
    if title:
        try:
            values["title"] = cells.field_text("title", title[: cells.field_length("title")])
        except CellError as exc:
            raise CellError(str(exc), "SUMMARY") from exc
    status = ics_status(raw, prefixed, meeting)
    if status is None:
        raise CellError(f"unknown STATUS “{raw}”.", "STATUS")
    values["status"] = status
    try:
        values.update(event_period(event, meeting, default_zone))
    except CellError as exc:
        raise CellError(str(exc), "DTSTART") from exc
    return values


def ics_status(raw: str, prefixed: MeetingStatus | None, meeting: Meeting | None) -> str | None:
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


# Times ----------------------------------------------------------------------------------

# DTSTART and DTEND read as a date (all-day) or a datetime (aware, or naive: at the venue).
Moment = dt.date | dt.datetime


def event_period(
    event: icalendar.Event, meeting: Meeting | None, default_zone: str
) -> dict[str, Any]:
    """The event's zone, whether it is all-day, and its aware start and end."""
    start, end = _bounds(event)
    all_day = not isinstance(start, dt.datetime)
    if all_day != (not isinstance(end, dt.datetime)):
        raise CellError("DTSTART and DTEND must both be dates or both be times.")
    zone = _zone(event["DTSTART"], start, meeting, default_zone)
    start_at, end_at = _aware(start, end, zone)
    return {"timezone": zone, "all_day": all_day, "start": start_at, "end": end_at}


def _bounds(event: icalendar.Event) -> tuple[Moment, Moment]:
    """DTSTART and the end: DTEND, else DTSTART + DURATION, else a day (or nothing) later."""
    if "DTSTART" not in event:
        raise CellError("the event has no DTSTART.")
    # The property's class depends on its VALUE parameter, so it is read untyped.
    start_prop: Any = event["DTSTART"]
    end_prop: Any = event.get("DTEND")
    try:
        start = start_prop.dt
        if end_prop is not None:
            end = end_prop.dt
        elif "DURATION" in event:
            duration: Any = event["DURATION"]
            end = start + duration.dt
        else:
            end = start + dt.timedelta(days=1) if not isinstance(start, dt.datetime) else start
    except ValueError as exc:  # icalendar reports an unreadable value when it is read
        raise CellError(f"a date or time that cannot be read: {exc}") from exc
    return start, end


def _zone(start_prop: Any, start: Moment, meeting: Meeting | None, default_zone: str) -> str:
    """DTSTART's TZID; for a UTC time the meeting's zone, else the calendar's
    X-WR-TIMEZONE (Google writes every time in UTC and names the calendar's zone there),
    else UTC; for a floating time the meeting's zone or the X-WR-TIMEZONE. Raises
    CellError unless an IANA name results."""
    tzid = str(start_prop.params.get("TZID", "")).strip()
    if tzid:
        zone = tzid
    elif _utc(start):
        zone = (meeting.timezone if meeting else "") or default_zone or "UTC"
    else:
        zone = (meeting.timezone if meeting else "") or default_zone
    if not zone:
        raise CellError("no time zone: give DTSTART a TZID, or the calendar an X-WR-TIMEZONE.")
    try:
        validate_timezone(zone)
    except ValidationError as exc:
        raise CellError(f"“{zone}” is not an IANA time zone name.") from exc
    return zone


def _utc(start: Moment) -> bool:
    """A time given in UTC (…Z): it says nothing of the venue's zone."""
    if not isinstance(start, dt.datetime) or start.tzinfo is None:
        return False
    return start.utcoffset() == dt.timedelta(0)


def _aware(start: Moment, end: Moment, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """Aware start and end: dates at midnight and naive times read at the venue."""
    # Midnight at the venue for an all-day event: its DTEND is the day after it ends.
    walls = [
        m if isinstance(m, dt.datetime) else dt.datetime.combine(m, dt.time(0))
        for m in (start, end)
    ]
    try:
        return local_period(zone=zone, start=walls[0], end=walls[1])
    except ValidationError as exc:
        _field, code, message = refusal(exc)
        if code != "end_before_start":
            raise CellError(message) from exc
        tz = zoneinfo.ZoneInfo(zone)
        local = [w if w.tzinfo is None else w.astimezone(tz) for w in walls]
        raise CellError(end_not_after_start(*local)) from exc
