"""The client address the login lock-out counts failures against."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The socket's address, or with PROXY_COUNT trusted reverse proxies in front, the
    address the outermost of them saw.

    Each proxy appends the address it received from to X-Forwarded-For, so the last
    PROXY_COUNT entries are trustworthy and anything before them is the client's say-so.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if not chain:
        return remote
    # Fewer entries than proxies: every entry came from a proxy, the first is the furthest.
    candidate = chain[-count] if len(chain) >= count else chain[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
