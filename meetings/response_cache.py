"""Finished public responses kept in each worker's memory, keyed by the calendar version.

What an anonymous reader gets from a public page or an API read depends only on the
URL, the calendar's data and the clock. The data is covered by
`selectors.calendar_stamp()` (one small query), which a worker reads again once
RESPONSE_CACHE_REVALIDATE_SECONDS have passed since it last did (default 1 s; 0: on
every request), so an edit reaches anonymous readers within that time whichever worker
serves them; the clock by the current minute, so "upcoming" moves on within a minute.
Readers with a session, credentials or a pending message are never served from here:
staff see their own edits at once.

Nothing is shared between processes, so there is nothing to invalidate: a worker that
has not seen the new version simply renders once and keeps that.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag

from meetings import selectors

# Response headers a view sets that a copy must carry; the middleware adds the rest.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Link")
CLOCK_STEP = 60  # seconds: how long "now" may stand still for a cached page


class LocalLRU:
    """A size-bounded, thread-safe least-recently-used map of one process."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[bytes, tuple[int, Any]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: bytes) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: bytes, value: Any, size: int) -> None:
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
        with self._lock:
            self._items.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class Stored:
    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str


memory = LocalLRU(settings.RESPONSE_CACHE_MAX_BYTES)

_clock = time.monotonic
# The calendar version this worker read last, and when (by _clock).
_last_read: tuple[float, tuple[int, ...]] | None = None


def read_stamp() -> tuple[int, ...]:
    """The calendar version, read from the database now (and remembered)."""
    global _last_read
    stamp = selectors.calendar_stamp()
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


@receiver(setting_changed)
def _forget_on_setting_change(**kwargs: Any) -> None:
    # A page renders settings (SITE_URL and the like): tests that change one start afresh.
    global _last_read
    memory.clear()
    _last_read = None


def shareable(request: HttpRequest) -> bool:
    """Whether the request is an anonymous GET that any other anonymous GET could share."""
    if request.method != "GET" or "Authorization" in request.headers:
        return False
    # A session (staff), a pending message: anything but the CSRF cookie makes it personal.
    return all(name == settings.CSRF_COOKIE_NAME for name in request.COOKIES)


def etag_matches(header: str, etag: str) -> bool:
    """Whether an If-None-Match header value names `etag` (pass request.META's, which,
    unlike request.headers, copies nothing)."""
    if header == etag:  # what a polling client sends back, parsed by nobody
        return True
    # Weak comparison (RFC 9110 13.1.2): a CDN or compressing proxy may weaken the tag.
    tags = parse_etags(header)
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


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
            etag=quote_etag(hashlib.sha256(content).hexdigest()[:32]),
        )
        # A write committed since the version was read may or may not be in the bytes.
        if read_stamp() == self.stamp:
            memory.put(self.key, stored, len(content) + 512)
        return stored


def respond(request: HttpRequest, stored: Stored) -> HttpResponse:
    """A fresh response from a stored one (a 304 when the reader has these bytes)."""
    if etag_matches(request.META.get("HTTP_IF_NONE_MATCH", ""), stored.etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(stored.content)
        for name, value in stored.headers:
            response[name] = value
    response["ETag"] = stored.etag
    # Whoever is logged in may see more: shared caches must tell the two apart.
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


def cached_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve a public page's anonymous GETs from the cache while the calendar is unchanged."""

    @wraps(view)
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
