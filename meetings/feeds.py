"""iCal documents: the subscription feed and single-meeting files (views/feeds.py serves them).

Three stores (meetings.caching) make a feed cheap without serving it stale (for longer
than RESPONSE_CACHE_REVALIDATE_SECONDS to anonymous readers):
- each meeting's VEVENT bytes under `ical.entry_key`, a hash of every value they
  show, so an edit anywhere (a venue rename included) gives new keys and only
  the changed meetings are rebuilt;
- on PostgreSQL, each meeting's entry and bytes under the database's hash of its rows
  (its own, its answered delegations' and its published documents'), so only the changed
  meetings are even read;
- each feed's finished document (bytes, ETag, Last-Modified) under its filter
  (`caching.filter_query`), the day (the window moves daily) and the calendar version,
  which moves on any write; a request for unchanged data then needs at most one small
  query.

A meeting leaving the feed (unpublished, past the window) or a renamed venue changes
the bytes without any date in them moving, so a feed's Last-Modified is not a date
from its rows: it is when these bytes were first served for this query
(caching.first_served), and it moves, by a second at least, whenever the bytes do.
"""

import datetime as dt
from dataclasses import dataclass

import icalendar
from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict

from meetings import caching, ical, selectors
from meetings.enums import MeetingStatus
from meetings.filters import code_value, filtered_meetings
from meetings.models import Meeting

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Feeds' ETags have always had 40 hex digits: subscribers hold them in If-None-Match.
ETAG_DIGITS = 40
FEED_TITLE = "ASEAN meetings"
# Said when the calendar's size cap left upcoming meetings out.
TRIMMED_NOTE = (
    "Meetings starting after {day} are left out to keep this calendar within the size "
    "calendar apps accept. Subscribe to a calendar filtered by format or dates for them."
)
# Names and descriptions without commas or semicolons: clients disagree on whether
# X-WR-CALNAME and X-WR-CALDESC are escaped TEXT (see meetings.ical).
FEED_DESCRIPTION = (
    "ASEAN diplomatic meetings from {site}. Times are those of each venue. "
    "Cancelled meetings stay for a while and are marked as such."
)


@dataclass(frozen=True)
class Document:
    """A calendar's bytes and their validators."""

    body: bytes
    etag: str
    last_modified: dt.datetime | None


def feed_name(params) -> str:
    """The calendar's name, describing the filter: “ASEAN meetings: EAS · hosted by KH”."""
    parts = []
    formats = sorted({code_value(v) for v in params.getlist("format") if v.strip()})
    if formats:
        parts.append(" or ".join(formats))
    if params.get("country", "").strip():
        parts.append(f"hosted or attended by {code_value(params['country'])}")
    if params.get("host", "").strip():
        parts.append(f"hosted by {code_value(params['host'])}")
    statuses = sorted(set(params.getlist("status")) & set(MeetingStatus.values))
    if statuses:
        parts.append(" or ".join(MeetingStatus(s).label.lower() for s in statuses))
    for name in ("from", "to"):
        if params.get(name, "").strip():
            parts.append(f"{name} {params[name].strip()}")
    query = ical.clean_text(params.get("q", ""))
    if query:
        parts.append(f"“{query[:60]}”")
    return f"{FEED_TITLE}: {' · '.join(parts)}" if parts else FEED_TITLE


def feed_window(params, *, today: dt.date) -> dict:
    """Recent and upcoming meetings unless `from`/`to` ask otherwise; cancelled ones
    for the retention window unless `status=cancelled` asks for them all.

    Whole days, so a feed's content (and its cached document) changes at most daily
    with the passing of time.
    """
    dated = any(params.get(name, "").strip() for name in ("from", "to"))
    wants_cancelled = MeetingStatus.CANCELLED in params.getlist("status")
    retention_start = today - dt.timedelta(days=settings.FEED_CANCELLED_RETENTION_DAYS)
    return {
        "ended_since": None if dated else today - dt.timedelta(days=settings.FEED_PAST_DAYS),
        "cancelled_since": None
        if wants_cancelled
        else dt.datetime.combine(retention_start, dt.time(0), dt.UTC),
    }


def _vevents(entries: list[ical.MeetingEntry]) -> list[bytes]:
    """Each entry's VEVENT bytes, building and caching only those not cached yet."""
    keys = [ical.entry_key(entry) for entry in entries]
    return caching.vevents(keys, lambda index: ical.vevent_bytes(entries[index]))


def feed_parts(meetings: QuerySet[Meeting]) -> tuple[list[ical.MeetingEntry], list[bytes]]:
    """The entries of `meetings` and their VEVENT bytes, in order.

    Reads in full only the meetings whose rows changed since this worker last saw them,
    where the database can say which (PostgreSQL); everything elsewhere.
    """
    with selectors.one_snapshot(meetings.db):
        prints = selectors.feed_fingerprints(meetings)
        if prints is None:
            entries = selectors.feed_entries(meetings)
            return entries, _vevents(entries)
        found = {key[0]: caching.feed_events.get(key) for key in prints}
        missing = [pk for pk, part in found.items() if part is None]
        if missing:
            # Past half, one read of all is cheaper than a long list of keys.
            wanted = meetings if 2 * len(missing) > len(prints) else meetings.filter(pk__in=missing)
            entries = selectors.feed_entries(wanted)
    if missing:
        keys = {key[0]: key for key in prints}
        for entry, body in zip(entries, _vevents(entries), strict=True):
            part = found[entry.pk] = (entry, body)
            size = len(body) + 2 * len(repr(entry))  # the bytes, and about the tuple
            caching.feed_events.put(keys[entry.pk], part, size)
    parts = [found[key[0]] for key in prints]
    return [entry for entry, _ in parts], [body for _, body in parts]


def calendar_document(
    entries: list[ical.MeetingEntry],
    *,
    name: str,
    description: str = "",
    trim_ended_before: dt.date | None = None,
    events: list[bytes] | None = None,
) -> Document:
    """The calendar of `entries` with its ETag (a hash of the bytes) and Last-Modified.

    With `trim_ended_before`, the calendar is kept within settings.FEED_MAX_BYTES
    (Google Calendar ignores feeds of about 1 MB): meetings that ended before that day
    are left out first, oldest first; then, if still needed, the farthest upcoming ones,
    latest first, and the description says from which day on.
    `events` are the entries' VEVENT bytes where the caller has them (feed_parts).
    """
    if events is None:
        events = _vevents(entries)

    def serialise(kept: list[ical.MeetingEntry], kept_events: list[bytes], text: str) -> bytes:
        shell = ical.calendar_shell(name=name, description=text, tzids=(), span=None)
        return ical.calendar_bytes(
            shell,
            kept_events,
            tzids=[e.uses_tzid for e in kept if e.uses_tzid],
            span=ical.timezone_span(kept),
        )

    if trim_ended_before is not None:
        # The longest description it may get, so that the estimate is never short.
        note = TRIMMED_NOTE.format(day="9999-12-31")
        size = len(serialise(entries, [], f"{description} {note}")) + sum(map(len, events))
        excess = size - settings.FEED_MAX_BYTES
        first = 0
        while excess > 0 and first < len(entries) and entries[first].last_day < trim_ended_before:
            excess -= len(events[first])
            first += 1
        last = len(entries)
        # The next meeting stays whatever the cap: a feed is for what comes.
        while excess > 0 and last > first + 1:
            last -= 1
            excess -= len(events[last])
        if last < len(entries):
            # Calendar order is by start: everything starting after the last kept one is out.
            cut = entries[last - 1].first_day
            description = f"{description} {TRIMMED_NOTE.format(day=cut.isoformat())}".strip()
        entries, events = entries[first:last], events[first:last]
    body = serialise(entries, events, description)
    return Document(
        body=body,
        etag=caching.content_etag(body, digits=ETAG_DIGITS),
        last_modified=max((e.changed_at for e in entries), default=None),
    )


def stable_since(key: str, document: Document) -> Document:
    """`document` with Last-Modified set to when its bytes were first served under `key`."""
    since = caching.first_served(key, document.etag)
    return Document(body=document.body, etag=document.etag, last_modified=since)


def document_key(params: QueryDict, *, window: dict, stamp: tuple[int, ...]) -> str:
    """The name of the feed document for `params`: its filter, window and calendar version."""
    return "document:" + caching.digest(
        (
            ical.BUILDER_VERSION,
            icalendar.__version__,
            settings.SITE_URL,
            settings.FEED_MAX_BYTES,
            caching.filter_query(params),
            window,
            stamp,
        )
    )


def _build_feed(params: QueryDict, *, today: dt.date, window: dict) -> Document:
    """The feed for `params` built from the database (and the VEVENT stores)."""
    meetings = filtered_meetings(params, selectors.feed_meetings(**window))
    entries, events = feed_parts(meetings)
    document = calendar_document(
        entries,
        events=events,
        name=feed_name(params),
        description=FEED_DESCRIPTION.format(site=settings.SITE_URL),
        # Google drops feeds over about 1 MB: the default window gives up past
        # meetings first; a feed that asks for dates gets what it asks for.
        trim_ended_before=today if window["ended_since"] else None,
    )
    query = caching.filter_query(params)
    return stable_since(caching.digest(("feed", settings.SITE_URL, query)), document)


def feed_document(
    params: QueryDict, *, today: dt.date, query_string: str | None = None
) -> Document:
    """The feed for the query `params`, from the cache while nothing has changed.

    `query_string`, the raw one of the request, lets a repeated request skip computing
    the cache key. Raises InvalidFilter for a bad parameter.
    """
    stamp = caching.current_stamp()
    remembered = (query_string, today, stamp)
    if query_string is not None and (known := caching.document_keys.get(remembered)):
        document = caching.memory.get(known.encode())
        if document is not None:
            return document
    window = feed_window(params, today=today)
    key = document_key(params, window=window, stamp=stamp)
    if query_string is not None:
        # Only a key: a query that turns out invalid never has a document under it.
        caching.document_keys.put(remembered, key)
    # A kept document also proves the query valid: what the filter checks codes
    # against (formats, participants) is in the stamp.
    document = caching.find_document(key)
    if document is None:
        document = _build_feed(params, today=today, window=window)
        caching.keep_document(key, document, stamp=stamp)
    return document
