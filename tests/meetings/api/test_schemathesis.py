"""A property-based run of the whole API schema against the app itself (schemathesis).

Every operation gets generated requests, valid and invalid, anonymously and with an
editor's token (so writes are exercised too). No response may be a server error, or have a
status, content type or body the schema does not describe.
"""

import os
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from meetings.enums import DocumentKind
from meetings.models import Document, Event, Meeting, PressConference, PressContact, Venue

pytestmark = pytest.mark.django_db

# Bounded for CI (about a minute); raise it locally for a deeper search.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))


# Codes and slugs are data, so the schema gives their shape (a pattern) and names their kind
# (`format`); a value of the right shape that names nothing is a 400 naming the field. Valid
# data for this run names rows of the reference calendar (`load_demo`).
for kind, values in {
    "format-code": ["AMM", "apt", "ARF", "EAS", "pmc", "SOM", "SUMMIT"],
    "participant-code": ["KH", "ru", "JP", "EU", "TL", "us", "CN"],
    "event-slug": ["2022-55th-amm-and-related-meetings", "sample-senior-officials-meetings"],
    "meeting-slug": ["2022-amm-55", "2022-pmc-ru", "sample-som", "sample-eas-som"],
}.items():
    schemathesis.openapi.format(kind, st.sampled_from(values))


# Loaded at collection: serving the schema needs no database. (schemathesis's lazy
# from_fixture loader does not run under this pytest.)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/",
    get_wsgi_application(),
    headers={"Accept": "application/vnd.oai.openapi+json"},
    config=schemathesis.Config.from_dict(
        {
            "checks": {
                # A well-formed If-Match that no longer matches is answered 412, as it must be.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]
                },
                # Preconditions are evaluated before the body is read (RFC 9110 13.2.1), so a
                # bad body sent with an If-Match that no longer matches is answered 412.
                "negative_data_rejection": {
                    "expected-statuses": [
                        *("400", "401", "403", "404", "405", "406", "409", "412"),
                        *("415", "422", "428", "429", "5xx"),
                    ]
                },
            }
        }
    ),
)


# What a JSON schema cannot state, the field descriptions do: a code or id of the right shape
# must name a row; timed meetings give start and end (the end after the start), all-day ones
# first_day and last_day, never both; a meeting without a venue needs a time zone. Valid
# cases follow those rules here (invalid ones are left as drawn), so that a valid case the
# API refuses is a fault of the schema or of the API, never of the draw.
KNOWN = {
    "format": ["AMM", "EAS", "SOM"],
    "country": ["KH", "RU"],
    "host": ["KH", "JP"],
    "counterpart": ["RU", "JP"],
    "participant": ["RU", "US"],
    "event": ["2022-55th-amm-and-related-meetings"],
    "meeting": ["2022-amm-55"],
}
PERIOD = {"start": "2031-07-20T09:00:00+07:00", "end": "2031-07-20T12:00:00+07:00"}
DAYS = {"first_day": "2031-07-20", "last_day": "2031-07-21"}


def _choices(name: str) -> list:
    # Venue ids are the database's own: on PostgreSQL they do not restart at 1 per test.
    if name == "venue":
        return list(Venue.objects.order_by("pk").values_list("pk", flat=True)[:2])
    return KNOWN.get(name, [])


def _known(name: str, value: object) -> object:
    if (name not in KNOWN and name != "venue") or value is None:
        return value
    if isinstance(value, list):
        return [_known(name, item) for item in value]
    choices = _choices(name)
    return value if value in choices else choices[len(str(value)) % len(choices)]


# Text is Unicode: a lone surrogate escape (\ud800) is valid JSON but no character, and is
# refused naming its field (meetings/api/parsers.py).
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: object) -> object:
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_text(item) for item in value]
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items() if not LONE_SURROGATE.search(key)}
    return value


def _consistent_period(body: dict, path: str) -> None:
    given = {name for name in (*PERIOD, *DAYS) if name in body}
    creating = path == "/api/v1/meetings/"
    if body.get("venue", None if creating else 1) is None and not body.get("timezone"):
        body["timezone"] = "Asia/Phnom_Penh"
    if body.get("all_day"):
        for name in PERIOD:
            body.pop(name, None)
        if given or path.endswith("/reschedule/") or path == "/api/v1/meetings/":
            body.update(DAYS)
        return
    for name in DAYS:
        body.pop(name, None)
    if given or path.endswith("/reschedule/") or path == "/api/v1/meetings/":
        body.update(PERIOD)


def _ordered_publication_days(query: dict) -> None:
    """published_before (not included) after published_since, as its description says."""
    since, before = query.get("published_since"), query.get("published_before")
    if not since or not before:
        return
    if str(since) > str(before):
        query["published_since"], query["published_before"] = before, since
    elif since == before:
        del query["published_before"]


def follow_the_described_rules(case) -> None:
    """A valid case made to follow the rules above (in place)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if isinstance(case.query, dict):
        query = {name: _known(name, value) for name, value in case.query.items()}
        if str(query.get("from", "")) > str(query.get("to", "~")):
            query["from"], query["to"] = query["to"], query["from"]
        _ordered_publication_days(query)
        case.query = query
    if case.path == "/api/v1/documents/{id}/" and isinstance(case.path_parameters, dict):
        ids = list(Document.objects.order_by("pk").values_list("pk", flat=True))
        case.path_parameters["id"] = ids[int(case.path_parameters.get("id", 0)) % len(ids)]
    if isinstance(case.body, dict):
        body = {
            name: _known(name, _text(value))
            for name, value in case.body.items()
            if not LONE_SURROGATE.search(name)
        }
        if case.method in ("POST", "PATCH") and "/delegations/" not in case.path:
            _consistent_period(body, case.path)
        case.body = body
    for name in list(case.headers or {}):
        if name.lower() == "if-match":
            # Well-formed: an entity tag (that no longer matches: 412, which is expected).
            case.headers[name] = '"0"'


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: a request must not close the connection that holds the
    test's transaction (PostgreSQL would lose it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def materials(demo):
    """Documents and press information on the reference calendar, so that their
    representations are checked against the schema too: a file and a link (their document
    ids are drawn for /documents/{id}/), an unpublished document, the event's press values
    and contact, and a press conference of the 55th AMM."""
    amm = Meeting.objects.get(slug="2022-amm-55")
    event = Event.objects.get(slug="2022-55th-amm-and-related-meetings")
    Event.objects.filter(pk=event.pk).update(
        accreditation_deadline="2022-07-25",
        accreditation="Apply to the Ministry of Information.",
        accreditation_url="https://press.example/accreditation",
        media_centre="Hall B, Sokha Phnom Penh Hotel",
        livestream_url="https://press.example/live",
    )
    PressContact.objects.create(event=event, name="Press office", email="press@example.org")
    PressConference.objects.create(
        meeting=amm, start="2022-08-03T08:30:00+00:00", place="Hall B", title=""
    )
    common = {"meeting": amm, "published_on": "2022-08-05", "title": "Joint Communiqué"}
    Document.objects.bulk_create(
        [
            Document(
                **common,
                kind=DocumentKind.JOINT_COMMUNIQUE,
                file="documents/5f0c2a9e41d7b3c8a6e19f04/document.pdf",
                filename="Joint Communiqué.pdf",
                content_type="application/pdf",
                size=182044,
            ),
            Document(**common, kind=DocumentKind.MEDIA, url="https://press.example/photos"),
            Document(
                **common, kind=DocumentKind.AGENDA, url="https://press.example/a", published=False
            ),
        ]
    )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.parametrize("as_editor", [False, True], ids=["anonymous", "editor"])
def test_api_conforms_to_its_schema(case, as_editor, materials, editor):
    headers = {}
    if as_editor:
        token, _ = Token.objects.get_or_create(user=editor)
        headers["Authorization"] = f"Token {token.key}"
    follow_the_described_rules(case)
    case.call_and_validate(headers=headers)
