"""The Content-Security-Policy: django-csp 4, with two exceptions: the API's HTML pages,
and the views other sites may show in a frame.

No page may run inline script. Inline styles are refused too, except for the exact style
attributes hashed in settings, and on the browsable API and Swagger UI pages under
API_HTML_PREFIX, whose third-party templates and scripts write styles inline.

No page may be framed (frame-ancestors 'none', X-Frame-Options: DENY) unless its view is
decorated with `framable`: the embeddable widgets newsrooms put in an iframe.
"""

import functools
from collections.abc import Callable
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY, SELF, UNSAFE_INLINE
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.clickjacking import xframe_options_exempt

API_HTML_PREFIX = "/api/"
# Where a framable response may be shown: in a frame of any page (http or https).
FRAME_ANCESTORS_ANYWHERE = ["*"]
# The response attribute `framable` sets; a plain attribute, so the fast path below keeps it.
_FRAMABLE = "_frame_anywhere"

# Response attributes through which django-csp's decorators change one response's policy.
_PER_RESPONSE = (
    "_csp_exempt",
    "_csp_exempt_ro",
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)

# The header for responses that use no nonce and no django-csp decorator, by ("is an API
# HTML page", "is framable"). Building it takes a good part of a cached page's time, and it
# changes only with settings.
_plain_headers: dict[tuple[bool, bool], str] = {}


@receiver(setting_changed)
def _forget_headers(**kwargs) -> None:
    _plain_headers.clear()


def framable(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let any site show the view's responses in a frame: frame-ancestors * and no
    X-Frame-Options. Put it outside `cached_page`, so that copies from the cache carry it."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        setattr(response, _FRAMABLE, True)
        return response

    return xframe_options_exempt(wrapper)


class PolicyMiddleware(CSPMiddleware):
    """django-csp's middleware; the API's HTML pages may also use inline styles."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if getattr(response, _FRAMABLE, False):
            parts.replace = {**(parts.replace or {}), "frame-ancestors": FRAME_ANCESTORS_ANYWHERE}
        if request.path_info.startswith(API_HTML_PREFIX):
            # Replaced, not added to: a hash in a directive would make 'unsafe-inline' void.
            parts.replace = {
                **(parts.replace or {}),
                "style-src": [SELF, UNSAFE_INLINE],
                "style-src-attr": [UNSAFE_INLINE],
            }
        return parts

    @staticmethod
    def is_plain(request: HttpRequest, response: HttpResponseBase) -> bool:
        """Whether the response takes the settings' policy unchanged: no nonce, no decorator,
        no header of its own, no report-only policy or excluded prefixes configured."""
        return (
            not (settings.DEBUG and response.status_code in (404, 500))
            and getattr(request, "_csp_nonce", None) is None
            and HEADER not in response
            and HEADER_REPORT_ONLY not in response
            and not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            and not (settings.CONTENT_SECURITY_POLICY or {}).get("EXCLUDE_URL_PREFIXES")
            and not any(hasattr(response, name) for name in _PER_RESPONSE)
        )

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not self.is_plain(request, response):
            return super().process_response(request, response)
        kind = (
            request.path_info.startswith(API_HTML_PREFIX),
            getattr(response, _FRAMABLE, False),
        )
        header = _plain_headers.get(kind)
        if header is None:
            parts = self.get_policy_parts(request, response)
            header = _plain_headers[kind] = build_policy(
                config=parts.config, update=parts.update, replace=parts.replace
            )
        if header:
            response[HEADER] = header
        # As django-csp does: a nonce asked for after the header is written is an error.
        # The attribute is django-csp's own; HttpRequest's type does not declare it.
        request.csp_nonce = CheckableLazyObject(  # type: ignore[attr-defined]
            self._csp_nonce_post_response
        )
        return response
