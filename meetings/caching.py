"""Every cache of the public surfaces, their validators, and the one way to empty them.

What an anonymous reader gets from a page, an API read or a feed depends only on the URL,
the calendar's data and the clock. The data is covered by the calendar version
(`calendar_stamp`, one small query): database triggers (migrations 0004 and 0005) write it
in the same transaction as any write to TRACKED_TABLES, whichever door the write came
through. A worker reads it again once RESPONSE_CACHE_REVALIDATE_SECONDS have passed since
it last did (default 1 s; 0: on every request), so an edit reaches anonymous readers
within that time whichever worker serves them; the clock is covered by the current minute.

The stores, all keyed so that nothing ever needs invalidating:
- `memory`: finished pages, anonymous JSON API reads and feed documents, by URL (or
  filter), calendar version and minute (this worker only);
- `feed_events`: each meeting's feed entry and VEVENT bytes by the database's hash of its
  rows (selectors.feed_fingerprints; this worker only);
- `answer_hashes`: each meeting's delegations hash under the delegations' own stamp
  (`answers_stamp`; this worker only);
- `document_keys`: the document key of each recent raw feed query string (this worker);
- the FEED_CACHE_ALIAS cache: VEVENT bytes by a hash of their content, and each feed's
  Last-Modified (`first_served`); the FEED_DOCUMENT_CACHE_ALIAS cache: finished feed
  documents. Both are shared between workers when FEED_CACHE_URL is set.

Readers with a session, credentials or a pending message are never served from here:
staff see their own edits at once. `reset()` empties everything (tests).
"""

import datetime as dt
import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag

from meetings.filters import MeetingFilter
from meetings.models.version import SHARDS, CalendarVersion

# Response headers a view sets that a copy must carry; the middleware adds the rest.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Link")
CLOCK_STEP = 60  # seconds: how long "now" may stand still for a cached page
ETAG_DIGITS = 32  # hex digits of a page's or an API read's ETag
DOCUMENT_KEYS_MAX = 4096


# The calendar version ----------------------------------------------------------------------

_STAMP_SQL = f"SELECT value FROM {CalendarVersion._meta.db_table} ORDER BY id"  # noqa: S608  # nosec B608: a model's table name, no input
_ANSWERS_STAMP_SQL = f"SELECT value FROM {CalendarVersion._meta.db_table} WHERE id > %s ORDER BY id"  # noqa: S608  # nosec B608: a model's table name, no input


def calendar_stamp(*, using: str = "default") -> tuple[int, ...]:
    """A value that moves whenever anything the public pages, API or feeds show is written.

    Database triggers change it in the writing transaction itself (see
    models/version.py), so it moves with the data, for ORM saves, bulk writes and
    raw SQL alike. One query of a few rows, whatever the size of the calendar.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(_STAMP_SQL)
        return tuple(row[0] for row in cursor.fetchall())


def answers_stamp(*, using: str = "default") -> tuple[int, ...]:
    """A value that moves whenever a delegation is written (PostgreSQL; migration 0005).

    Empty where the database keeps no such value: nothing may then be reused.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(_ANSWERS_STAMP_SQL, [SHARDS])
        return tuple(row[0] for row in cursor.fetchall())


_clock = time.monotonic
# The calendar version this worker read last, and when (by _clock).
_last_read: tuple[float, tuple[int, ...]] | None = None


def read_stamp() -> tuple[int, ...]:
    """The calendar version, read from the database now (and remembered)."""
    global _last_read
    stamp = calendar_stamp()
    _last_read = (_clock(), stamp)
    return stamp


def current_stamp() -> tuple[int, ...]:
    """The calendar version as read at most RESPONSE_CACHE_REVALIDATE_SECONDS ago.

    Under load most requests then need no query at all; an edit reaches anonymous
    readers that much later at most.
    """
    last = _last_read
    if last is not None and _clock() - last[0] < settings.RESPONSE_CACHE_REVALIDATE_SECONDS:
        return last[1]
    return read_stamp()


# Stores ------------------------------------------------------------------------------------


class LocalLRU:
    """A size-bounded, thread-safe least-recently-used map of one process."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value under `key`, now the most recently used; None when absent."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        """Keep `value`, dropping the least recently used beyond max_bytes (never one larger)."""
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= old[0]
            self._items[key] = (size, value)
            self._size += size
            while self._size > self.max_bytes:
                _, (dropped, _) = self._items.popitem(last=False)
                self._size -= dropped

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._items)


class KeyMemo:
    """A small map of one process, bounded by emptying it whole: the next requests fill it."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self._items: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any:
        """The value under `key`, or None."""
        return self._items.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        """Keep `value`, emptying the map first when it is full."""
        if len(self._items) >= self.max_items:
            self._items.clear()
        self._items[key] = value

    def clear(self) -> None:
        """Forget everything."""
        self._items.clear()


class AnswerHashes:
    """Each meeting's delegations hash, valid while `answers_stamp` has not moved."""

    def __init__(self) -> None:
        self._memo: tuple[tuple[int, ...], dict[int, str | None]] = ((), {})

    def known(self, stamp: tuple[int, ...]) -> dict[int, str | None]:
        """The hashes remembered under `stamp`; none when it is empty (nothing to trust)."""
        memo = self._memo
        return memo[1] if stamp and memo[0] == stamp else {}

    def remember(self, stamp: tuple[int, ...], hashes: dict[int, str | None]) -> None:
        """Keep `hashes` as those of `stamp` (an empty stamp keeps nothing)."""
        if stamp:
            self._memo = (stamp, hashes)

    def clear(self) -> None:
        """Forget every hash."""
        self._memo = ((), {})


# Finished responses and feed documents.
memory = LocalLRU(settings.RESPONSE_CACHE_MAX_BYTES)
# Each meeting's feed entry and VEVENT bytes by the hash of its rows: what a feed rebuilt
# after a change takes unchanged.
feed_events = LocalLRU(settings.RESPONSE_CACHE_MAX_BYTES)
answer_hashes = AnswerHashes()
# The document key of each recent (query string, day, calendar version): a subscriber
# polling an unchanged feed then costs a look-up, not parsing and hashing its query again.
document_keys = KeyMemo(DOCUMENT_KEYS_MAX)


def _forget_local() -> None:
    global _last_read
    memory.clear()
    feed_events.clear()
    answer_hashes.clear()
    document_keys.clear()
    _last_read = None


@receiver(setting_changed)
def _forget_on_setting_change(**kwargs: Any) -> None:
    # Pages and feeds render settings (SITE_URL and the like): tests that change one
    # start afresh.
    _forget_local()


def reset() -> None:
    """Empty every cache this module owns, in this process and in the feed cache aliases."""
    _forget_local()
    for alias in (settings.FEED_CACHE_ALIAS, settings.FEED_DOCUMENT_CACHE_ALIAS):
        caches[alias].clear()


# Keys --------------------------------------------------------------------------------------


def digest(value: object) -> str:
    """A hash of `value`'s repr: the same in every process for plain values."""
    return hashlib.sha256(repr(value).encode()).hexdigest()


def filter_query(params: QueryDict) -> list[tuple[str, list[str]]]:
    """Every parameter MeetingFilter declares, with its values: what makes two queries one.

    Read from the filter on each call, so a parameter added to it is part of every key
    at once; anything else in the query (a cache buster, a tracker) is not.
    """
    return [(name, params.getlist(name)) for name in sorted(MeetingFilter.base_filters)]


def vevents(keys: Sequence[str], build: Callable[[int], bytes]) -> list[bytes]:
    """The VEVENT bytes under each of `keys`, building (by index) and keeping those missing."""
    shared = caches[settings.FEED_CACHE_ALIAS]
    found = shared.get_many(keys) if keys else {}
    built = {key: build(index) for index, key in enumerate(keys) if key not in found}
    if built:
        shared.set_many(built)
    return [found.get(key) or built[key] for key in keys]


def find_document(key: str) -> Any:
    """The feed document kept under `key`: this worker's memory first (no copy, no
    unpickling), then the shared store, whose find is then kept in memory too."""
    local_key = key.encode()
    document = memory.get(local_key)
    if document is None:
        document = caches[settings.FEED_DOCUMENT_CACHE_ALIAS].get(key)
        if document is not None:
            memory.put(local_key, document, len(document.body) + 512)
    return document


def keep_document(key: str, document: Any, *, stamp: tuple[int, ...]) -> None:
    """Keep a feed document built at `stamp`, unless the calendar moved while it was built."""
    # A save between the two stamps may or may not be in the bytes: keep them uncached.
    if read_stamp() != stamp:
        return
    caches[settings.FEED_DOCUMENT_CACHE_ALIAS].set(key, document)
    memory.put(key.encode(), document, len(document.body) + 512)


def first_served(key: str, etag: str) -> dt.datetime:
    """When the bytes tagged `etag` were first served under `key`: their Last-Modified.

    A change of bytes moves the date to now, and a second past the previous date at
    least (HTTP dates count whole seconds), so a reader's If-Modified-Since never
    vouches for bytes it has not seen. A date forgotten (evicted, another worker's
    cache) is replaced by now: a reader may then fetch unchanged bytes once more, but
    is never told that changed bytes are unchanged.
    """
    validators = caches[settings.FEED_CACHE_ALIAS]
    cache_key = "since:" + digest(key)
    known = validators.get(cache_key)
    if known is not None and known[0] == etag:
        return known[1]
    since = timezone.now().replace(microsecond=0)
    if known is not None:
        since = max(since, known[1] + dt.timedelta(seconds=1))
    validators.set(cache_key, (etag, since), timeout=None)
    return since


# HTTP validators and conditional GET -------------------------------------------------------


def content_etag(content: bytes, *, digits: int = ETAG_DIGITS) -> str:
    """The strong ETag of `content`: a hash of the bytes, the same in every worker."""
    return quote_etag(hashlib.sha256(content).hexdigest()[:digits])


@functools.lru_cache(maxsize=1024)
def _http_date(seconds: int) -> str:
    return http_date(seconds)


def conditional(
    request: HttpRequest,
    response: HttpResponse,
    *,
    etag: str,
    last_modified: dt.datetime | None = None,
) -> HttpResponse:
    """`response` carrying its validators, or the 304 (or 412) the request's conditions ask for.

    RFC 9110 13.2.2 through Django: If-None-Match (weak comparison) decides when sent;
    If-Modified-Since only without it.
    """
    response["ETag"] = etag
    trusted = None
    if last_modified is not None:
        seconds = int(last_modified.timestamp())
        response["Last-Modified"] = _http_date(seconds)
        # A date is trusted once its second has passed: other bytes may have been served
        # earlier in that same second, and the dates cannot tell them apart.
        if seconds < int(timezone.now().timestamp()):
            trusted = seconds
    answer = get_conditional_response(request, etag=etag, last_modified=trusted, response=response)
    return response if answer is None else answer


def shareable(request: HttpRequest) -> bool:
    """Whether the request is an anonymous GET that any other anonymous GET could share."""
    if request.method != "GET" or "Authorization" in request.headers:
        return False
    # A session (staff), a pending message: anything but the CSRF cookie makes it personal.
    return all(name == settings.CSRF_COOKIE_NAME for name in request.COOKIES)


@dataclass(frozen=True)
class Stored:
    """A finished response's bytes, the headers a copy must carry, and its ETag."""

    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str


class Slot:
    """The place of one request's response in the cache, at the version read on arrival."""

    def __init__(self, request: HttpRequest, *variant: str) -> None:
        self.stamp = current_stamp()
        minute = int(timezone.now().timestamp() // CLOCK_STEP)
        identity = (
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            variant,
            self.stamp,
            minute,
        )
        self.key = hashlib.sha256(repr(identity).encode()).digest()

    def get(self) -> Stored | None:
        """The response kept here, if any."""
        return memory.get(self.key)

    def put(self, response: HttpResponseBase) -> Stored | None:
        """Keep a finished 200 that sets no cookie, unless the data moved while it was made."""
        if (
            response.status_code != 200
            or response.streaming
            or response.cookies
            or not isinstance(response, HttpResponse)
        ):
            return None
        content = response.content
        stored = Stored(
            content=content,
            headers=tuple((name, response[name]) for name in KEPT_HEADERS if name in response),
            etag=content_etag(content),
        )
        # A write committed since the version was read may or may not be in the bytes.
        if read_stamp() == self.stamp:
            memory.put(self.key, stored, len(content) + 512)
        return stored


def replay(stored: Stored) -> HttpResponse:
    """A fresh 200 with a stored response's bytes and headers (no validators yet)."""
    response = HttpResponse(stored.content)
    for name, value in stored.headers:
        response[name] = value
    return response


def respond(request: HttpRequest, stored: Stored) -> HttpResponse:
    """A page from a stored response: a 304 when the reader has these bytes."""
    response = replay(stored)
    # Whoever is logged in may see more: shared caches must tell the two apart.
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return conditional(request, response, etag=stored.etag)


def cached_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve a public page's anonymous GETs from memory while the calendar is unchanged."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not shareable(request):
            return view(request, *args, **kwargs)
        slot = Slot(request)
        stored = slot.get()
        if stored is None:
            response = view(request, *args, **kwargs)
            stored = slot.put(response)
            if stored is None:
                return response
        return respond(request, stored)

    return wrapper
