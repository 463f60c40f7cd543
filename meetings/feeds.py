"""iCal responses: the subscription feed and single-meeting files.

Two caches make a feed cheap without serving it stale (for longer than
RESPONSE_CACHE_REVALIDATE_SECONDS to anonymous readers; see response_cache):
- each meeting's VEVENT bytes under `ical.entry_key`, a hash of every value they
  show, so an edit anywhere (a venue rename included) gives new keys and only
  the changed meetings are rebuilt;
- each feed's finished document (bytes, ETag, Last-Modified) under its query, the
  day (the window moves daily) and the calendar version, which moves on any
  write; a request for unchanged data then needs at most one small query. The
  worker's memory (response_cache.memory) holds the documents it served last.

A meeting leaving the feed (unpublished, past the window) or a renamed venue changes
the bytes without any date in them moving, so a feed's Last-Modified is not a date
from its rows: it is when these bytes were first served for this query (stable_since),
and it moves, by a second at least, whenever the bytes do. If-None-Match is compared
first; a client that sends only If-Modified-Since gets a 304 while that date holds.
"""

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass

import icalendar
from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from meetings import ical, response_cache, selectors
from meetings.enums import MeetingStatus
from meetings.filters import InvalidFilter, filtered_meetings

CONTENT_TYPE = "text/calendar; charset=utf-8"
FILTER_PARAMS = ("format", "country", "host", "status", "from", "to", "q")
FEED_TITLE = "ASEAN meetings"
FEED_DESCRIPTION = (
    "ASEAN diplomatic meetings from {site}. Times are those of each venue; "
    "cancelled meetings stay for a while, marked cancelled."
)


@dataclass(frozen=True)
class Document:
    """A calendar's bytes and their validators."""

    body: bytes
    etag: str
    last_modified: dt.datetime | None


def feed_name(params) -> str:
    """The calendar's name, describing the filter: “ASEAN meetings: EAS; hosted by KH”."""
    parts = []
    formats = sorted({v.strip().upper() for v in params.getlist("format") if v.strip()})
    if formats:
        parts.append(", ".join(formats))
    if params.get("country", "").strip():
        parts.append(f"hosted or attended by {params['country'].strip().upper()}")
    if params.get("host", "").strip():
        parts.append(f"hosted by {params['host'].strip().upper()}")
    statuses = sorted(set(params.getlist("status")) & set(MeetingStatus.values))
    if statuses:
        parts.append(", ".join(MeetingStatus(s).label.lower() for s in statuses))
    for name in ("from", "to"):
        if params.get(name, "").strip():
            parts.append(f"{name} {params[name].strip()}")
    query = ical.clean_text(params.get("q", ""))
    if query:
        parts.append(f"“{query[:60]}”")
    return f"{FEED_TITLE}: {'; '.join(parts)}" if parts else FEED_TITLE


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


def _hash(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def _vevents(entries: list[ical.MeetingEntry]) -> list[bytes]:
    """Each entry's VEVENT bytes, building and caching only those not cached yet."""
    cache = caches[settings.FEED_CACHE_ALIAS]
    keys = [ical.entry_key(entry) for entry in entries]
    found = cache.get_many(keys) if keys else {}
    built = {
        key: ical.vevent_bytes(entry)
        for entry, key in zip(entries, keys, strict=True)
        if key not in found
    }
    if built:
        cache.set_many(built)
    return [found.get(key) or built[key] for key in keys]


# Each meeting's entry and VEVENT bytes by the hash of its rows (selectors.feed_fingerprints),
# in this worker's memory: what a feed rebuilt after a change takes unchanged.
_by_fingerprint = response_cache.LocalLRU(settings.RESPONSE_CACHE_MAX_BYTES)


@receiver(setting_changed)
def _forget_events(**kwargs) -> None:
    _by_fingerprint.clear()  # SITE_URL and the like are in the bytes
    _document_keys.clear()


# The document key of each recent (query string, day, calendar version) in this worker: a
# subscriber polling an unchanged feed then costs a look-up, not parsing and hashing its
# query again. Bounded by emptying it whole; the next requests fill it again.
_document_keys: dict[tuple, bytes] = {}
DOCUMENT_KEYS_MAX = 4096


def feed_parts(meetings) -> tuple[list[ical.MeetingEntry], list[bytes]]:
    """The entries of `meetings` and their VEVENT bytes, in order.

    Reads in full only the meetings whose rows changed since this worker last saw them,
    where the database can say which (PostgreSQL); everything elsewhere.
    """
    with selectors.one_snapshot(meetings.db):
        prints = selectors.feed_fingerprints(meetings)
        if prints is None:
            entries = selectors.feed_entries(meetings)
            return entries, _vevents(entries)
        found = {key[0]: _by_fingerprint.get(key) for key in prints}
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
            _by_fingerprint.put(keys[entry.pk], part, size)
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

    With `trim_ended_before`, meetings that ended before that day are left out, oldest
    first, as far as needed to keep the calendar within settings.FEED_MAX_BYTES.
    `events` are the entries' VEVENT bytes where the caller has them (feed_parts).
    """
    if events is None:
        events = _vevents(entries)

    shell = ical.calendar_shell(name=name, description=description, tzids=(), span=None)

    def serialise(kept: list[ical.MeetingEntry], kept_events: list[bytes]) -> bytes:
        return ical.calendar_bytes(
            shell,
            kept_events,
            tzids=[e.uses_tzid for e in kept if e.uses_tzid],
            span=ical.timezone_span(kept),
        )

    if trim_ended_before is not None:
        size = len(serialise(entries, [])) + sum(map(len, events))
        excess = size - settings.FEED_MAX_BYTES
        dropped = 0
        while excess > 0 and dropped < len(entries):
            if entries[dropped].last_day >= trim_ended_before:
                break
            excess -= len(events[dropped])
            dropped += 1
        entries, events = entries[dropped:], events[dropped:]
    body = serialise(entries, events)
    return Document(
        body=body,
        etag=f'"{hashlib.sha256(body).hexdigest()[:40]}"',
        last_modified=max((e.changed_at for e in entries), default=None),
    )


def stable_since(key: str, document: Document) -> Document:
    """`document` with Last-Modified set to when its bytes were first served under `key`.

    A change of bytes moves the date to now, and a second past the previous date at
    least (HTTP dates count whole seconds), so a reader's If-Modified-Since never
    vouches for bytes it has not seen. A date forgotten (evicted, another worker's
    cache) is replaced by now: a reader may then fetch unchanged bytes once more, but
    is never told that changed bytes are unchanged.
    """
    validators = caches[settings.FEED_CACHE_ALIAS]
    cache_key = "since:" + _hash(key)
    known = validators.get(cache_key)
    if known is not None and known[0] == document.etag:
        since = known[1]
    else:
        since = timezone.now().replace(microsecond=0)
        if known is not None:
            since = max(since, known[1] + dt.timedelta(seconds=1))
        validators.set(cache_key, (document.etag, since), timeout=None)
    return Document(body=document.body, etag=document.etag, last_modified=since)


@functools.lru_cache(maxsize=1024)
def _http_date(seconds: int) -> str:
    return http_date(seconds)


def _not_modified(request: HttpRequest, document: Document) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when sent; If-Modified-Since only without it.

    A date is trusted once its second has passed: other bytes may have been served
    earlier in that same second, and the dates cannot tell them apart.
    """
    # META rather than request.headers, which copies every header on first use.
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return response_cache.etag_matches(if_none_match, document.etag)
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    if since is None or document.last_modified is None:
        return False
    modified = int(document.last_modified.timestamp())
    return modified <= since and modified < int(timezone.now().timestamp())


def _respond(request: HttpRequest, document: Document, *, filename: str = "") -> HttpResponse:
    if _not_modified(request, document):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(document.body, content_type=CONTENT_TYPE)
        if filename:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = document.etag
    if document.last_modified is not None:
        response["Last-Modified"] = _http_date(int(document.last_modified.timestamp()))
    response["Cache-Control"] = f"public, max-age={settings.FEED_MAX_AGE}"
    return response


def feed_document(params, *, today: dt.date, query_string: str | None = None) -> Document:
    """The feed for the query `params`, from the cache while nothing has changed.

    `query_string`, the raw one of the request, lets a repeated request skip computing
    the cache key. Raises InvalidFilter for a bad parameter.
    """
    stamp = response_cache.current_stamp()
    remembered = (query_string, today, stamp)
    if query_string is not None and (known := _document_keys.get(remembered)) is not None:
        document = response_cache.memory.get(known)
        if document is not None:
            return document
    window = feed_window(params, today=today)
    query = sorted((name, params.getlist(name)) for name in FILTER_PARAMS)
    key = "document:" + _hash(
        (
            ical.BUILDER_VERSION,
            icalendar.__version__,
            settings.SITE_URL,
            settings.FEED_MAX_BYTES,
            query,
            window,
            stamp,
        )
    )
    # This worker's memory first (no copy, no unpickling), then the configured cache.
    # A cached document also proves the query valid: what the filter checks codes
    # against (formats, participants) is in the stamp.
    local_key = key.encode()
    if query_string is not None:
        if len(_document_keys) >= DOCUMENT_KEYS_MAX:
            _document_keys.clear()
        # Only a key: a query that turns out invalid never has a document under it.
        _document_keys[remembered] = local_key
    document = response_cache.memory.get(local_key)
    if document is not None:
        return document
    documents = caches[settings.FEED_DOCUMENT_CACHE_ALIAS]
    document = documents.get(key)
    if document is None:
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
        document = stable_since(_hash(("feed", settings.SITE_URL, query)), document)
        # A save between the two stamps may or may not be in the bytes: keep them uncached.
        if response_cache.read_stamp() != stamp:
            return document
        documents.set(key, document)
    response_cache.memory.put(local_key, document, len(document.body) + 512)
    return document


@require_safe
def meetings_feed(request: HttpRequest) -> HttpResponse:
    """/feeds/meetings.ics: published meetings matching the shared filter."""
    try:
        document = feed_document(
            request.GET,
            today=timezone.now().date(),
            query_string=request.META.get("QUERY_STRING", ""),
        )
    except InvalidFilter as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return _respond(request, document)


@require_safe
def meeting_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """/meetings/<slug>.ics: one published meeting, as a file to download."""
    entries = selectors.feed_entries(selectors.feed_meetings().filter(slug=slug))
    if not entries:
        raise Http404("No such meeting.")
    document = calendar_document(entries, name=ical.clean_text(entries[0].title))
    document = stable_since(_hash(("meeting", settings.SITE_URL, slug)), document)
    return _respond(request, document, filename=f"{slug}.ics")
