"""Anonymous API throttling, counted per client address in a cache every worker shares."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from aseancal.client_ip import client_ip


class AnonThrottle(AnonRateThrottle):
    """DRF's anonymous throttle (API_ANON_RATE), keyed on the address the login lock-out
    uses: the socket's, or the one the outermost of DJANGO_PROXY_COUNT proxies saw.

    X-Forwarded-For entries before those the proxies added are the client's say-so: keying
    on them (DRF's default without NUM_PROXIES keys on the whole header) lets a client
    start a fresh count with every request.
    """

    def __init__(self) -> None:
        super().__init__()
        # DRF's own is the default cache, per process here.
        self.cache = caches[settings.THROTTLE_CACHE_ALIAS]

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or super().get_ident(request)
