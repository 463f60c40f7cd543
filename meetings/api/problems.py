"""One error shape for the whole API: RFC 9457 problem details (`application/problem+json`).

Every error the API answers, from DRF's exceptions (400, 401, 403, 404, 405, 406, 409, 412,
415, 429) to the JSON 404 of unknown addresses, is one JSON object:

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "The input is not valid: each entry of `errors` names a field or parameter.",
     "errors": [{"field": "end", "detail": "The end must be after the start."}]}

- `type` is always `about:blank`: the status code says what kind of problem it is, and
  `title` is the status's standard phrase (RFC 9457 4.2.1).
- `detail` is one sentence for a person.
- `errors` (400 and 409, when the problem is about named fields or parameters) lists each
  message with the field or query parameter it is about (`non_field_errors` for the input
  as a whole; an item of a list field as `contact_emails.0`).

drf-standardized-errors was weighed and not used: its documents are its own shape
(`type` is `validation_error` or `client_error`, every message sits in `errors`), and its
drf-spectacular integration describes that shape as `application/json`. Making it produce
RFC 9457 means replacing its formatter, its response and every error schema it generates;
what would remain of it is smaller than this module.
"""

import http
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

MEDIA_TYPE = "application/problem+json"
ABOUT_BLANK = "about:blank"
INVALID_INPUT = "The input is not valid: each entry of `errors` names a field or parameter."
CONFLICTING_INPUT = (
    "The input conflicts with data already saved: each entry of `errors` names the field."
)


class ProblemJSONRenderer(JSONRenderer):
    media_type = MEDIA_TYPE


class ProblemResponse(Response):
    """A problem document: rendered as problem+json whatever renderer the request chose
    (the browsable API's HTML included), so that every error has the one shape."""

    @property
    def rendered_content(self) -> Any:
        self.accepted_renderer = ProblemJSONRenderer()
        self.accepted_media_type = MEDIA_TYPE
        self.content_type = MEDIA_TYPE
        return super().rendered_content


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "This conflicts with the current state of the resource."
    default_code = "conflict"


def problem(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> dict:
    """The problem document for `status`."""
    document: dict[str, Any] = {
        "type": ABOUT_BLANK,
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        document["errors"] = errors
    return document


def field_errors(detail: Any, field: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list, each message with the field it is about."""
    if isinstance(detail, dict):
        return [
            error
            for key, value in detail.items()
            for error in field_errors(value, f"{field}.{key}" if field else str(key))
        ]
    if isinstance(detail, list):
        found: list[dict[str, str]] = []
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                found.extend(field_errors(item, f"{field}.{index}" if field else str(index)))
            else:
                found.extend(field_errors(item, field))
        return found
    return [{"field": field or api_settings.NON_FIELD_ERRORS_KEY, "detail": str(detail)}]


def document_for(exc: exceptions.APIException) -> dict:
    """The problem document for a DRF exception."""
    detail = exc.detail
    if isinstance(detail, dict | list):
        summary = CONFLICTING_INPUT if isinstance(exc, Conflict) else INVALID_INPUT
        return problem(exc.status_code, summary, field_errors(detail))
    return problem(exc.status_code, str(detail))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK's EXCEPTION_HANDLER: DRF's, answering with a problem document."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    if isinstance(exc, exceptions.Throttled):
        wait = getattr(exc, "wait", None)
        headers["Retry-After"] = str(wait if wait is not None else 1)
    set_rollback()
    return ProblemResponse(document_for(exc), status=exc.status_code, headers=headers)


def problem_response(status: int, detail: str) -> JsonResponse:
    """A problem document outside DRF's views (plain Django views under the API)."""
    return JsonResponse(problem(status, detail), status=status, content_type=MEDIA_TYPE)
