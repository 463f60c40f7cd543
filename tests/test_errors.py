"""Server errors: a database briefly away is 503 with Retry-After; anything else stays 500.

The full path (gunicorn, a real PostgreSQL restarted under writes) is exercised in
tests/reliability/test_postgres_restart.py; these pin what each kind of page says.
"""

import json

from django.db import InterfaceError, OperationalError

from aseancal.errors import server_error


def respond_to(exc: Exception, path: str, rf):
    # handler500 runs while the exception is being handled, as Django calls it.
    try:
        raise exc
    except Exception:
        return server_error(rf.get(path))


def test_server_error_lost_database_under_the_api_is_a_503_problem(rf):
    response = respond_to(OperationalError("server closed the connection"), "/api/v1/meetings/", rf)

    assert (response.status_code, response["Retry-After"], response["Content-Type"]) == (
        503,
        "5",
        "application/problem+json",
    )
    assert json.loads(response.content) == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "The database is briefly unavailable. Try again in a few seconds; a write "
        "may or may not have been saved, so check before repeating it.",
    }


def test_server_error_closed_connection_on_a_page_is_html_503(rf):
    response = respond_to(InterfaceError("connection already closed"), "/meetings/", rf)

    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b"<h1>Briefly unavailable</h1>" in response.content


def test_server_error_other_exception_stays_500(rf):
    page = respond_to(ValueError("a bug"), "/meetings/", rf)
    api = respond_to(ValueError("a bug"), "/api/v1/meetings/", rf)

    assert (page.status_code, page.has_header("Retry-After")) == (500, False)
    assert b"<h1>Something went wrong</h1>" in page.content
    assert (api.status_code, api["Content-Type"], json.loads(api.content)) == (
        500,
        "application/problem+json",
        {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "The server failed to answer this request.",
        },
    )
