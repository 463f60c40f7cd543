"""Views mounted only when ASEANCAL_BENCH=1: reference points for `make bench`."""

from functools import cache

from django.http import HttpRequest, HttpResponse


@cache
def _payload(size: int) -> bytes:
    line = b"X-BENCH:" + b"x" * 64 + b"\r\n"
    return (line * (size // len(line) + 1))[:size]


def bytes_from_memory(request: HttpRequest, size: int) -> HttpResponse:
    """Django returning `size` bytes it already holds: the ceiling for a cached feed."""
    return HttpResponse(_payload(min(size, 8 * 1024 * 1024)), content_type="text/calendar")
