"""Server errors: a database that is briefly away answers 503, anything else 500.

A PostgreSQL restart or fail-over ends every open connection, and requests caught in
it fail. That is no fault of the request: 503 with Retry-After tells clients, proxies
and health checks to try again shortly, where 500 would report a bug. Each write runs
in a transaction, so a failed one left nothing half-written; but a connection lost
during COMMIT leaves the client unsure whether it was saved (tests/reliability).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as default_server_error

from meetings.api.problems import problem_response

RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"


def database_unavailable(exc: BaseException | None) -> bool:
    """Lost, refused or not yet accepted connections (and SQLite's busy file)."""
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: called while the uncaught exception is being handled. The API answers
    in its one error shape (RFC 9457 problem details), pages with the site's look."""
    api = request.path.startswith(API_PREFIX)
    if not database_unavailable(sys.exc_info()[1]):
        if api:
            return problem_response(500, "The server failed to answer this request.")
        return default_server_error(request)
    response: HttpResponse
    if api:
        response = problem_response(
            503,
            "The database is briefly unavailable. Try again in a few seconds; a write may "
            "or may not have been saved, so check before repeating it.",
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
