"""iCalendar builder: what feeds show of meetings -> icalendar components -> bytes.

Pure: no database, no clock. Each meeting arrives as a `MeetingEntry`, a frozen
snapshot of every value its VEVENT shows (read by `selectors.feed_entries`), so a
hash of the entry (`entry_key`) names its VEVENT bytes exactly and a cache keyed
by it can never serve a stale event. Serialising is a separate step: `vevent_bytes`
for one event, `calendar_bytes` to join a calendar shell (properties) with
serialised VTIMEZONEs and already-serialised events.

Choices a calendar app depends on:
- UID `meeting-<pk>@<site domain>`: stable forever, the same in the feed and in the
  single-meeting file.
- DTSTAMP and LAST-MODIFIED are the latest edit of the meeting or of an answer or a
  document it shows, never the clock, so the same data gives the same bytes in every process.
- Timed meetings carry TZID=<the stored IANA zone> with a VTIMEZONE for each zone,
  in name order; all-day meetings are DATE values with an exclusive DTEND.
- Postponed meetings are TENTATIVE (the old dates stand until a new date is set)
  and, like cancelled ones, say so at the start of SUMMARY, which every client
  shows, unlike STATUS.
- TRANSP:TRANSPARENT: subscribing to other people's meetings must not mark the
  subscriber busy.
- No X-WR-TIMEZONE: a feed spans several zones, and clients that honour the
  property reinterpret times through it.
- No METHOD: a subscribed feed is not a scheduling message (RFC 5546's PUBLISH would
  require an ORGANIZER in every event and a DTSTAMP at the time of writing, which would
  change the bytes, and so the ETag, at every request).
- VTIMEZONE: one RDATE per line (ical.js and vobject read only the first of a list) and
  no COMMENT (libical refuses one there).
- X-WR-CALNAME and X-WR-CALDESC are written as plain single lines: the clients that read
  them take them as unknown properties and would show TEXT escapes as backslashes.
- A meeting's public documents end its DESCRIPTION ("Documents:", then one line each:
  "- <kind>: <title> <address>"), the one place every client shows and most turn addresses
  into links. No ATTACH, though RFC 5545 allows a URI there: clients treat it unevenly
  (Apple Calendar takes ATTACH for its own managed attachments, Google Calendar shows the
  attachments it stores itself, some parsers refuse the property), and it would repeat
  each address in a feed that must stay within FEED_MAX_BYTES. A document's edit moves
  DTSTAMP and LAST-MODIFIED, never SEQUENCE: it changes no date, place or status.
"""

import datetime as dt
import hashlib
import html
import posixpath
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple, cast

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils.html import strip_tags

from meetings.enums import AttendanceStatus, DocumentKind, MeetingMode, MeetingStatus
from meetings.formatting import day_text, offset_label

PRODID = "-//aseancal//ASEAN meetings calendar//EN"
# Raise when the bytes built from the same entry change, so cached VEVENTs are rebuilt.
BUILDER_VERSION = "5"
REFRESH_INTERVAL = dt.timedelta(hours=6)
# Google drops feeds over about 1 MB: a VEVENT stays near 1 KB even for a full ARF.
DESCRIPTION_TEXT_LIMIT = 400
DELEGATIONS_LISTED = 10
DOCUMENTS_LISTED = 10

ICAL_STATUS = {
    MeetingStatus.TENTATIVE: "TENTATIVE",
    MeetingStatus.SCHEDULED: "CONFIRMED",
    MeetingStatus.HELD: "CONFIRMED",
    MeetingStatus.POSTPONED: "TENTATIVE",
    MeetingStatus.CANCELLED: "CANCELLED",
}
SUMMARY_PREFIX = {MeetingStatus.CANCELLED: "Cancelled: ", MeetingStatus.POSTPONED: "Postponed: "}
# Zones written as UTC ("Z") times, which need no VTIMEZONE.
UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Zulu"})

_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufff9-\ufffb]")
_SPACES = re.compile(r"[ \t]+")


class DelegationEntry(NamedTuple):
    """An answered delegation as a feed shows it."""

    participant: str
    attendance: str
    head_name: str


# Meeting field -> ORM path; selectors read exactly these values.
MEETING_PATHS = {
    "pk": "pk",
    "slug": "slug",
    "title": "title",
    "status": "status",
    "status_note": "status_note",
    "mode": "mode",
    "start": "start",
    "end": "end",
    "all_day": "all_day",
    "daily_hours": "daily_hours",
    "timezone": "timezone",
    "first_day": "first_day",
    "last_day": "last_day",
    "sequence": "sequence",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "description": "description",
    "format_code": "format__code",
    "format_name": "format__name",
    "venue_name": "venue__name",
    "venue_name_local": "venue__name_local",
    "venue_address": "venue__address",
    "venue_city": "venue__city",
    "latitude": "venue__latitude",
    "longitude": "venue__longitude",
    "host": "host__name",
    "event_title": "event__title",
    # An umbrella event is shown only once published (its title may still be a draft).
    "event_published": "event__published",
}
DELEGATION_PATHS = ("participant__name", "attendance", "head_name")


class DocumentEntry(NamedTuple):
    """A public document of a meeting as a feed lists it."""

    pk: int
    kind: str
    title: str
    published_on: dt.date
    file: str
    filename: str
    url: str
    updated_at: dt.datetime

    @property
    def address(self) -> str:
        return document_url(pk=self.pk, file=self.file, filename=self.filename, url=self.url)


# The Document fields a DocumentEntry holds, in its order; selectors read exactly these.
DOCUMENT_PATHS = tuple(DocumentEntry._fields)


def document_file_name(*, file: str, filename: str) -> str:
    """The last segment of a stored file's address: its `filename`, or for a row saved
    without one (not through the admin), the stored file's own name. Never a path."""
    return filename if filename and "/" not in filename else posixpath.basename(file)


def document_address(*, pk: int, file: str, filename: str, url: str) -> str:
    """Where the public reads a document: this site's download path for a file, else its
    https link ("" for any other scheme, should one be stored).

    The one rule, from plain values, so that builders use it too: `meetings.documents`
    applies it to model instances (builders cannot import that module: it imports the
    importer, hence the services and selectors, hence this one)."""
    if not file:
        return url if url.lower().startswith("https://") else ""
    name = document_file_name(file=file, filename=filename)
    return reverse("meetings:document-file", kwargs={"pk": pk, "name": name})


def document_url(*, pk: int, file: str, filename: str, url: str) -> str:
    """`document_address`, absolute."""
    address = document_address(pk=pk, file=file, filename=filename, url=url)
    return settings.SITE_URL + address if file else address


def _document_order(document: DocumentEntry) -> tuple:
    # Document.Meta.ordering, newest first, so that every reader lists them alike.
    return (-document.published_on.toordinal(), document.kind, document.title, document.pk)


class MeetingEntry(NamedTuple):
    """Every value a meeting's VEVENT shows, and nothing else.

    Tuples rather than dataclasses: a feed makes thousands, and tuples cost a tenth.
    """

    pk: int
    slug: str
    title: str
    status: str
    status_note: str
    mode: str
    start: dt.datetime
    end: dt.datetime
    all_day: bool
    daily_hours: bool
    timezone: str
    first_day: dt.date
    last_day: dt.date
    sequence: int
    created_at: dt.datetime
    updated_at: dt.datetime
    description: str
    format_code: str
    format_name: str
    venue_name: str | None
    venue_name_local: str | None
    venue_address: str | None
    venue_city: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    host: str | None
    event_title: str | None
    event_published: bool | None
    # The latest change to an answered delegation (its answer, its head).
    answered_at: dt.datetime | None
    delegations: tuple[DelegationEntry, ...] = ()
    # Its published documents, newest first.
    documents: tuple[DocumentEntry, ...] = ()

    @classmethod
    def from_values(
        cls,
        values: Sequence,
        delegations: Iterable[Sequence] = (),
        documents: Iterable[Sequence] = (),
    ) -> "MeetingEntry":
        """From MEETING_PATHS values and `answered_at`, rows of DELEGATION_PATHS values and
        rows of DOCUMENT_PATHS values (the published documents)."""
        answered = sorted(
            (DelegationEntry(*row) for row in delegations),
            key=lambda d: (d.attendance, d.participant, d.head_name),
        )
        listed = sorted((DocumentEntry(*row) for row in documents), key=_document_order)
        return cls._make([*values, tuple(answered), tuple(listed)])

    @classmethod
    def from_meeting(cls, meeting) -> "MeetingEntry":
        """From a Meeting instance (its delegations and documents prefetched or not), as a
        selector reads it."""
        values = [_resolve(meeting, path) for path in MEETING_PATHS.values()]
        answered = [
            d for d in meeting.delegations.all() if d.attendance != AttendanceStatus.INVITED
        ]
        values.append(max((d.updated_at for d in answered), default=None))
        rows = [[_resolve(d, path) for path in DELEGATION_PATHS] for d in answered]
        documents = [
            # A FileField reads as its stored name, as values_list gives it.
            [str(d.file) if path == "file" else getattr(d, path) for path in DOCUMENT_PATHS]
            for d in meeting.documents.all()
            if d.published
        ]
        return cls.from_values(values, rows, documents)

    @property
    def changed_at(self) -> dt.datetime:
        """The latest edit of the meeting, of an answer or of a document it shows."""
        return max(
            self.updated_at,
            self.answered_at or self.updated_at,
            *(document.updated_at for document in self.documents),
        )

    @property
    def uses_tzid(self) -> str | None:
        """The zone its DTSTART/DTEND name with TZID, if any."""
        return None if self.all_day or self.timezone in UTC_ZONES else self.timezone


class Text(icalendar.vText):
    """TEXT escaped as RFC 5545 says and no more: icalendar's vText also takes a literal
    backslash-N in the value for an escaped line break, so a title holding one would
    reach calendars broken in two."""

    encoding: str  # set by vText.__new__

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
        return text.encode(self.encoding)


class Plain(icalendar.vText):
    """A value for properties some clients read as TEXT and others as unknown
    (X-WR-CALNAME, X-WR-CALDESC): one line, without the characters TEXT escapes, which
    both read the same."""

    encoding: str

    def to_ical(self) -> bytes:
        # Feed names avoid "," and ";" (meetings.feeds); a searched phrase may hold them.
        text = re.sub(r"[\\,;]", " ", str(self))
        return clean_text(text).encode(self.encoding)


def _resolve(obj, path: str):
    for name in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def entry_key(entry: MeetingEntry) -> str:
    """A name for the VEVENT bytes of `entry`: a hash of everything they are made from."""
    # repr of plain values is unambiguous and the same in every process.
    source = repr((BUILDER_VERSION, icalendar.__version__, settings.SITE_URL, tuple(entry)))
    return hashlib.sha256(source.encode()).hexdigest()


def meeting_uid(pk: int) -> str:
    return f"meeting-{pk}@{settings.SITE_DOMAIN}"


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Text safe for any client: no control characters; line breaks only where meant."""
    text = _CONTROLS.sub("", _LINE_BREAKS.sub("\n", value or ""))
    if not multiline:
        return " ".join(text.split())
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\t", " ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def plain_text(rich: str) -> str:
    """The sanitised rich-text description as plain text, links kept as addresses."""
    text = re.sub(r"\s+", " ", rich or "")
    text = re.sub(
        r'<a\s[^>]*?href="([^"]*)"[^>]*>(.*?)</a>',
        lambda m: m.group(2) if m.group(1) in m.group(2) else f"{m.group(2)} ({m.group(1)})",
        text,
        flags=re.IGNORECASE | re.DOTALL,
    )
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<li[^>]*>", "\n• ", text, flags=re.IGNORECASE)
    text = re.sub(r"</(p|ul|ol|blockquote)>", "\n\n", text, flags=re.IGNORECASE)
    return clean_text(html.unescape(strip_tags(text)), multiline=True)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _local_times(entry: MeetingEntry) -> str:
    zone = zoneinfo.ZoneInfo(entry.timezone)
    start, end = entry.start.astimezone(zone), entry.end.astimezone(zone)
    first, last = day_text(start, short=True), day_text(end, short=True)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{last} {end:%H:%M}"
    return f"Local time: {first} {start:%H:%M}–{until} ({entry.timezone}, {offset_label(start)})"


def _delegation_label(delegation: DelegationEntry) -> str:
    # Who heads a delegation that stays away is not news; it only lengthens the feed.
    name, head = clean_text(delegation.participant), clean_text(delegation.head_name)
    declined = delegation.attendance == AttendanceStatus.DECLINED
    return f"{name} ({head})" if head and not declined else name


def _description(entry: MeetingEntry, url: str) -> str:
    lines = []
    status = MeetingStatus(entry.status)
    note = clean_text(entry.status_note)
    lines.append(f"{status.label}: {note}" if note else f"Status: {status.label}")
    format_name = clean_text(entry.format_name)
    if format_name not in clean_text(entry.title):
        lines.append(f"Format: {format_name} ({entry.format_code})")
    if entry.event_title and entry.event_published:
        lines.append(f"Part of: {clean_text(entry.event_title)}")
    if entry.host:
        lines.append(f"Host: {clean_text(entry.host)}")
    if entry.mode != MeetingMode.IN_PERSON:
        lines.append(f"Mode: {MeetingMode(entry.mode).label}")
    if not entry.all_day:
        lines.append(_local_times(entry))
    for attendance, label in (
        (AttendanceStatus.CONFIRMED, "Confirmed"),
        (AttendanceStatus.DECLINED, "Declined"),
    ):
        names = [_delegation_label(d) for d in entry.delegations if d.attendance == attendance]
        if len(names) > DELEGATIONS_LISTED:
            rest = len(names) - DELEGATIONS_LISTED + 1
            names = [*names[: DELEGATIONS_LISTED - 1], f"{rest} more"]
        if names:
            lines.append(f"{label}: {'; '.join(names)}")
    text = _shorten(plain_text(entry.description), DESCRIPTION_TEXT_LIMIT)
    if text:
        lines.extend(["", text])
    lines.extend(["", url])
    if entry.documents:
        lines.extend(["", "Documents:", *_document_lines(entry.documents, url)])
    return "\n".join(lines)


def _document_lines(documents: Sequence[DocumentEntry], url: str) -> list[str]:
    """One line a document, newest first ("- Agenda: Agenda of the 55th AMM https://...");
    past DOCUMENTS_LISTED, how many more the meeting's page lists."""
    shown = documents if len(documents) <= DOCUMENTS_LISTED else documents[: DOCUMENTS_LISTED - 1]
    lines = [
        f"- {DocumentKind(d.kind).label}: {clean_text(d.title)} {d.address}".rstrip() for d in shown
    ]
    if len(shown) < len(documents):
        lines.append(f"- {len(documents) - len(shown)} more: {url}")
    return lines


def _location(entry: MeetingEntry) -> str:
    if entry.venue_name is None:
        return "Online" if entry.mode == MeetingMode.VIRTUAL else ""
    name, city = clean_text(entry.venue_name), clean_text(entry.venue_city)
    parts = [name, clean_text(entry.venue_address), "" if city == name else city]
    place = ", ".join(part for part in parts if part)
    local = clean_text(entry.venue_name_local)
    return f"{place} ({local})" if local and local != name else place


def first_session_end(start: dt.datetime, end: dt.datetime, zone: str) -> dt.datetime:
    """The end of the first day's session of a meeting with the same hours each day: the
    last day's closing time, on the first day, at the venue."""
    tz = zoneinfo.ZoneInfo(zone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    return dt.datetime.combine(local_start.date(), local_end.time(), tz)


def meeting_event(entry: MeetingEntry) -> icalendar.Event:
    """The VEVENT of one meeting."""
    event = icalendar.Event()
    url = settings.SITE_URL + reverse("meetings:meeting", kwargs={"slug": entry.slug})
    status = MeetingStatus(entry.status)
    event.add("uid", meeting_uid(entry.pk))
    event.add("dtstamp", entry.changed_at)
    # Daily sessions: the first day's session, repeated each day to the last.
    daily = entry.daily_hours and not entry.all_day
    end = first_session_end(entry.start, entry.end, entry.timezone) if daily else entry.end
    if entry.all_day:
        event.add("dtstart", entry.first_day)
        event.add("dtend", entry.last_day + dt.timedelta(days=1))
    elif entry.uses_tzid is None:
        event.add("dtstart", entry.start.astimezone(dt.UTC))
        event.add("dtend", end.astimezone(dt.UTC))
    else:
        zone = zoneinfo.ZoneInfo(entry.timezone)
        event.add("dtstart", entry.start.astimezone(zone))
        event.add("dtend", end.astimezone(zone))
    if daily:
        event.add("rrule", {"freq": "daily", "count": (entry.last_day - entry.first_day).days + 1})
    event.add("summary", Text(SUMMARY_PREFIX.get(status, "") + clean_text(entry.title)))
    location = _location(entry)
    if location:
        event.add("location", Text(location))
    if entry.latitude is not None and entry.longitude is not None:
        event.add("geo", (float(entry.latitude), float(entry.longitude)))
    event.add("url", url)
    event.add("description", Text(_description(entry, url)))
    event.add("categories", [entry.format_code])
    event.add("status", ICAL_STATUS[status])
    event.add("transp", "TRANSPARENT")
    event.add("sequence", entry.sequence)
    event.add("created", entry.created_at)
    event.add("last-modified", entry.changed_at)
    return event


def vevent_bytes(entry: MeetingEntry) -> bytes:
    """The serialised VEVENT of one meeting."""
    return meeting_event(entry).to_ical()


def timezone_span(entries: Iterable[MeetingEntry]) -> tuple[dt.date, dt.date]:
    """Whole years covering every meeting, for the VTIMEZONE definitions."""
    entries = list(entries)
    if not entries:
        return dt.date(2000, 1, 1), dt.date(2001, 1, 1)
    first = min(e.first_day for e in entries)
    last = max(e.last_day for e in entries)
    return dt.date(first.year, 1, 1), dt.date(last.year + 2, 1, 1)


@lru_cache(maxsize=256)
def _timezone_bytes(tzid: str, first: dt.date, last: dt.date) -> bytes:
    # Deriving a VTIMEZONE scans the zone's history: milliseconds, so once per process.
    zone = icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
    zone.pop("COMMENT", None)  # "only works from ... to ...": libical refuses it here
    for observance in zone.subcomponents:
        listed = observance.pop("RDATE", None)
        if listed is None:
            continue
        for rdates in listed if isinstance(listed, list) else [listed]:
            for rdate in rdates.dts:
                observance.add("RDATE", rdate.dt)  # one per line: see the module's notes
    return zone.to_ical()


def timezone_component(tzid: str, first: dt.date, last: dt.date) -> icalendar.Timezone:
    """The VTIMEZONE of an IANA zone between two dates (a fresh component each call)."""
    return cast(
        icalendar.Timezone, icalendar.Timezone.from_ical(_timezone_bytes(tzid, first, last))
    )


@lru_cache(maxsize=256)
def timezone_bytes(tzid: str, first: dt.date, last: dt.date) -> bytes:
    """The VTIMEZONE as a calendar's to_ical() writes it (round-tripped once, then kept)."""
    return timezone_component(tzid, first, last).to_ical()


def calendar_shell(
    *,
    name: str,
    tzids: Iterable[str],
    span: tuple[dt.date, dt.date] | None,
    description: str = "",
) -> icalendar.Calendar:
    """A calendar's properties and VTIMEZONEs (in name order), without events."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    # icalendar 7 types NAME as an unknown value and would write it unescaped: it is TEXT
    # (RFC 7986). The X-WR- forms, which Apple, Google and Outlook read, are plain.
    calendar.add("name", Text(clean_text(name)))
    calendar.add("x-wr-calname", Plain(name))
    if description:
        calendar.add("description", Text(clean_text(description, multiline=True)))
        calendar.add("x-wr-caldesc", Plain(description))
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    # Outlook reads the older X-PUBLISHED-TTL rather than REFRESH-INTERVAL.
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    for tzid in sorted(set(tzids)):
        if span is None:
            raise ValueError("A calendar with VTIMEZONEs needs the span of dates they cover.")
        calendar.add_component(timezone_component(tzid, *span))
    return calendar


def meetings_calendar(
    entries: Sequence[MeetingEntry], *, name: str, description: str = ""
) -> icalendar.Calendar:
    """A whole calendar of `entries`, in their order."""
    calendar = calendar_shell(
        name=name,
        description=description,
        tzids=[e.uses_tzid for e in entries if e.uses_tzid],
        span=timezone_span(entries),
    )
    for entry in entries:
        calendar.add_component(meeting_event(entry))
    return calendar


_END = b"END:VCALENDAR\r\n"


def calendar_bytes(
    shell: icalendar.Calendar,
    events: Iterable[bytes] = (),
    *,
    tzids: Iterable[str] = (),
    span: tuple[dt.date, dt.date] | None = None,
) -> bytes:
    """Serialise `shell`, then the VTIMEZONEs of `tzids` over `span` (in name order),
    then already-serialised VEVENTs, after the shell's own components.

    Gives the bytes `shell.to_ical()` would give had the time zones and events been
    added to it, without parsing and writing the time zones again each time.
    """
    head = shell.to_ical()
    if not head.endswith(_END):
        raise ValueError("A calendar's serialisation must end with END:VCALENDAR.")
    zones = [timezone_bytes(tzid, *span) for tzid in sorted(set(tzids))] if span else []
    return b"".join([head[: -len(_END)], *zones, *events, _END])
