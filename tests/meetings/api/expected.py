"""The API's error documents as tests expect them: RFC 9457 problem details, written out."""

import http

MEDIA_TYPE = "application/problem+json"
INVALID_INPUT = "The input is not valid: each entry of `errors` names a field or parameter."
CONFLICTING_INPUT = (
    "The input conflicts with data already saved: each entry of `errors` names the field."
)


def problem(status: int, detail: str) -> dict:
    """A problem document about the request as a whole."""
    return {
        "type": "about:blank",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }


def field_problem(messages: dict[str, list[str]], status: int = 400) -> dict:
    """A problem document listing `messages` (field -> its messages, in order)."""
    return {
        **problem(status, INVALID_INPUT if status == 400 else CONFLICTING_INPUT),
        "errors": [
            {"field": field, "detail": message}
            for field, field_messages in messages.items()
            for message in field_messages
        ],
    }


# The `press` of a meeting or event that has no press information, nor an event with any.
NO_PRESS = {
    "accreditation_deadline": None,
    "accreditation": "",
    "accreditation_url": "",
    "media_centre": "",
    "livestream_url": "",
    "contacts": [],
    "conferences": [],
}
