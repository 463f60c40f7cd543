"""What the OpenAPI schema says about errors, so that it describes every response truthfully."""

import re

from django.db import models
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import follow_field_source
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from meetings.api.problems import ABOUT_BLANK, INVALID_INPUT, MEDIA_TYPE, problem
from meetings.api.serializers import CODE_PATTERN, PARTICIPANT_PATTERN, SLUG_PATTERN
from meetings.models import Event, Format, Meeting, Participant


class ApiAutoSchema(AutoSchema):
    """Says that reads need no credentials (ActionPermission lets anyone read), and which
    HTTP headers each operation reads and sends."""

    def get_override_parameters(self) -> list:
        return [*super().get_override_parameters(), *http_headers(self)]

    def get_auth(self) -> list[dict]:
        auths = super().get_auth()
        if self.method in permissions.SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


class ProblemSerializer(serializers.Serializer):
    """Every error: an RFC 9457 problem document (meetings.api.problems)."""


class FieldProblemSerializer(serializers.Serializer):
    """400 and 409: a problem document that may name the fields or parameters at fault."""


def _problem_schema(*, with_errors: bool) -> dict:
    properties: dict = {
        "type": {
            "type": "string",
            "enum": [ABOUT_BLANK],
            "description": "Always about:blank: the status code says what kind of problem it is.",
        },
        "title": {"type": "string", "description": "The status code's standard phrase."},
        "status": {
            "type": "integer",
            "minimum": 400,
            "maximum": 599,
            "description": "The HTTP status code, as in the response's status line.",
        },
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
    }
    if with_errors:
        properties["errors"] = {
            "type": "array",
            "description": (
                "One entry per message, each naming the field or query parameter it is about. "
                "Absent when the problem is the request as a whole (a body that is not JSON)."
            ),
            "items": {
                "type": "object",
                "properties": {
                    "field": {
                        "type": "string",
                        "description": (
                            "The field or query parameter: `non_field_errors` for the input as a "
                            "whole, `contact_emails.1` for an item of a list field."
                        ),
                    },
                    "detail": {"type": "string", "description": "The message about it."},
                },
                "required": ["field", "detail"],
                "additionalProperties": False,
            },
        }
    example = problem(404, "No Meeting matches the given query.")
    if with_errors:
        example = problem(400, INVALID_INPUT, [FIELD_ERROR_EXAMPLE])
    return {
        "type": "object",
        "description": "An RFC 9457 problem document (application/problem+json).",
        "properties": properties,
        "required": ["type", "title", "status", "detail"],
        "additionalProperties": False,
        "example": example,
    }


FIELD_ERROR_EXAMPLE = {"field": "end", "detail": "The end must be after the start."}


class ProblemExtension(OpenApiSerializerExtension):
    target_class = ProblemSerializer

    def map_serializer(self, auto_schema, direction) -> dict:
        return _problem_schema(with_errors=False)


class FieldProblemExtension(OpenApiSerializerExtension):
    target_class = FieldProblemSerializer

    def map_serializer(self, auto_schema, direction) -> dict:
        return _problem_schema(with_errors=True)


# Codes and slugs are data (staff add formats): a pattern, not an enum. `format` names the
# kind of key, so that clients (and the schemathesis test) can tell one from another.
CODE_SCHEMAS: dict[type[models.Model], dict[str, str]] = {
    Format: {"pattern": CODE_PATTERN, "format": "format-code", "example": "AMM"},
    Participant: {"pattern": PARTICIPANT_PATTERN, "format": "participant-code", "example": "KH"},
    Meeting: {"pattern": SLUG_PATTERN, "format": "meeting-slug", "example": "2022-amm-55"},
    Event: {
        "pattern": SLUG_PATTERN,
        "format": "event-slug",
        "example": "2022-55th-amm-and-related-meetings",
    },
}


def _named_model(filter_field, model: type[models.Model]) -> type[models.Model] | None:
    """The model whose rows a choice filter names: its queryset's, or, for a queryset
    chosen per request (a callable), the model its field leads to."""
    queryset = getattr(filter_field, "queryset", None)
    if isinstance(queryset, models.QuerySet):
        return queryset.model
    if callable(queryset) and filter_field.field_name:
        return model._meta.get_field(filter_field.field_name).related_model
    return None


class FilterExtension(DjangoFilterExtension):
    """django-filter parameters as the filters really read them.

    Filters whose field_name already ends with their to_field_name (`format__code` looked
    up by `code`) are typed from that field, which the stock extension looks for twice;
    an empty value is declared allowed (ignored) or refused, as the filter treats it.
    """

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        from django_filters import filters

        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        named = _named_model(filter_field, model)
        code: dict[str, str] | None = CODE_SCHEMAS.get(named) if named else None
        for parameter in parameters:
            if isinstance(filter_field, filters.ModelMultipleChoiceFilter):
                # An empty value names no row: the filter refuses it.
                items = parameter["schema"].get("items")
                if items and items.get("type") == "string":
                    items.update(code or {"minLength": 1})  # type: ignore[dict-item]
            elif parameter["schema"].get("type") != "array":
                if code:
                    parameter["schema"].update(code)
                # django-filter reads `?to=` as no filter, as an empty form field is.
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_model_field(self, filter_field, model):
        if not filter_field.field_name:
            return None
        path = filter_field.field_name.split("__")
        to_field_name = filter_field.extra.get("to_field_name")
        if to_field_name is not None and path[-1] != to_field_name:
            path.append(to_field_name)
        return follow_field_source(model, path, emit_warnings=False)


def _error(status: int, description: str, serializer: type = ProblemSerializer) -> dict:
    return {(status, MEDIA_TYPE): OpenApiResponse(serializer, description=description)}


BAD_REQUEST = _error(
    400,
    "A bad parameter or field, named in `errors`; or a body that is not JSON.",
    FieldProblemSerializer,
)
UNAUTHENTICATED = _error(401, "No credentials, or a bad token.")
FORBIDDEN = _error(403, "Authenticated, but without the permission this change needs.")
NOT_FOUND = _error(404, "No such object (or not visible to you).")
PAGE_NOT_FOUND = _error(404, "A page past the last one.")
NOT_ALLOWED = _error(405, "A method this address does not offer (see Allow).")
NOT_ACCEPTABLE = _error(406, "Accept names no type the API can answer with.")
CONFLICT = _error(
    409,
    "The input conflicts with data already saved (a number or delegation taken), named in "
    "`errors`; or with a change saved at the same time.",
    FieldProblemSerializer,
)
PRECONDITION_FAILED = _error(
    412, "If-Match given, and the object changed since (its ETag differs)."
)
UNSUPPORTED_MEDIA = _error(415, "The body is not application/json.")
THROTTLED = _error(429, "Too many requests from an anonymous client; retry after Retry-After.")
NOT_MODIFIED = {304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match.")}

ANY_REQUEST = {**NOT_ALLOWED, **NOT_ACCEPTABLE}
LIST_ERRORS = {
    **NOT_MODIFIED,
    **BAD_REQUEST,
    **UNAUTHENTICATED,
    **PAGE_NOT_FOUND,
    **ANY_REQUEST,
    **THROTTLED,
}
DETAIL_ERRORS = {**NOT_MODIFIED, **UNAUTHENTICATED, **NOT_FOUND, **ANY_REQUEST, **THROTTLED}
WRITE_ERRORS = {
    **BAD_REQUEST,
    **UNAUTHENTICATED,
    **FORBIDDEN,
    **ANY_REQUEST,
    **CONFLICT,
    **UNSUPPORTED_MEDIA,
}
OBJECT_WRITE_ERRORS = {**WRITE_ERRORS, **NOT_FOUND, **PRECONDITION_FAILED}


# HTTP headers --------------------------------------------------------------------------------

ETAG_SCHEMA = {"type": "string", "pattern": r'^"[0-9a-f]{32}"$'}
# `*`, or entity tags separated by commas (RFC 9110 13.1.1).
ENTITY_TAGS_PATTERN = r'^(\*|(W/)?"[\x21\x23-\x7e]*"([ \t]*,[ \t]*(W/)?"[\x21\x23-\x7e]*")*)$'
ENTITY_TAGS = {
    "type": "string",
    "description": "`*`, or one or more entity tags separated by commas.",
}
IF_MATCH_SCHEMA = {**ENTITY_TAGS, "pattern": ENTITY_TAGS_PATTERN}


def _header(
    name: str,
    schema: dict,
    description: str,
    *,
    response: list[int | str] | bool = False,
    required: bool = False,
) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        schema,
        OpenApiParameter.HEADER,
        description=description,
        response=response,
        required=required,
    )


IF_NONE_MATCH = _header(
    "If-None-Match", ENTITY_TAGS, "An ETag from an earlier GET: 304 if it still matches."
)
IF_MATCH = _header(
    "If-Match",
    IF_MATCH_SCHEMA,
    "The ETag of the object as last read: the change is refused with 412 if it differs now.",
)
ETAG_READ = _header(
    "ETag",
    ETAG_SCHEMA,
    "A hash of the body: send it back in If-None-Match (reads) or If-Match (writes).",
    response=[200, 304],
    required=True,
)
ETAG_WRITTEN = _header(
    "ETag",
    ETAG_SCHEMA,
    "The object's ETag after the change, the one a GET of it returns: send it in If-Match.",
    response=[200, 201],
    required=True,
)
LOCATION = _header(
    "Location",
    {"type": "string", "format": "uri"},
    "The new object's address.",
    response=[201],
    required=True,
)
RETRY_AFTER = _header(
    "Retry-After",
    {"type": "string", "pattern": "^[0-9]+$"},
    "Seconds to wait before asking again.",
    response=[429],
    required=True,
)
ALLOW = _header(
    "Allow",
    {"type": "string"},
    "The methods this address offers.",
    response=[405],
    required=True,
)
WWW_AUTHENTICATE = _header(
    "WWW-Authenticate",
    {"type": "string", "enum": ["Token"]},
    "How to authenticate: `Authorization: Token <key>`.",
    response=[401],
    required=True,
)


def http_headers(schema: AutoSchema) -> list[OpenApiParameter]:
    """The conditional-request and response headers of an operation."""
    headers = [ALLOW, WWW_AUTHENTICATE]
    if schema.method == "GET":
        return [*headers, IF_NONE_MATCH, ETAG_READ, RETRY_AFTER]
    if "{" in schema.path:
        headers.append(IF_MATCH)
    action = getattr(schema.view, "action", None)
    if action not in getattr(schema.view, "collection_actions", ()):
        headers.append(ETAG_WRITTEN)
    if action == "create":
        headers.append(LOCATION)
    return headers


# Property descriptions -----------------------------------------------------------------------

# What a property means wherever it appears, for properties whose field has no help text of
# its own; (component, property) entries win over the property's name alone.
DESCRIPTIONS: dict[str | tuple[str, str], str] = {
    "id": "The row's id, stable for its life.",
    "slug": "Stable address of the row, set once (ASCII).",
    "title": "Title as shown on the site.",
    "name": "Name in English.",
    "name_local": "Name in the local language and script, if different.",
    "official_name": "Full official name.",
    "description": "Longer description (sanitised HTML).",
    "url": "The public page's address.",
    "ical_url": "The meeting as an iCalendar file.",
    "published": "Whether the public sees it (false only for staff with view permission).",
    "head_name": "Who heads the delegation; blank once it declined, except for staff.",
    "head_title": "Title of the head of delegation.",
    "level": "The level the delegation is headed at (empty when not known).",
    "attendance": "Whether the delegation was invited, confirmed or declined.",
    "answered_at": "When the delegation answered (null until it does).",
    "updated_at": "When the row last changed.",
    "created_at": "When the row was created.",
    "reminders_paused": "Staff only: no reminders are sent while true.",
    "notes": "Staff only: internal notes.",
    "format": "The meeting's format.",
    "status": "Where the meeting stands.",
    "status_note": "Public note on the status (why it was postponed or cancelled).",
    "mode": "In person, virtual or hybrid.",
    "all_day": "Whether the meeting has days but no times (start and end at midnights).",
    "daily_hours": "Whether a meeting over several days sits the same hours each day (from "
    "start's time to end's time, at the venue), rather than in one block.",
    "venue": "Where it takes place (null for a virtual meeting without one).",
    "delegations": "The delegations invited, with their answers.",
    "confirmation_deadline": "By when delegations should answer (at the venue); null: the start.",
    "start_date": "The event's first day.",
    "end_date": "The event's last day.",
    "meetings": "The slugs of the event's meetings.",
    "role": "The participant's role in ASEAN's formats.",
    "kind": "A state or an organisation.",
    "memberships": "The participant's roles over time.",
    "city": "City.",
    "country": "Code of the country the venue is in.",
    "address": "Street address.",
    "timezone": "IANA time zone name.",
    "latitude": "Latitude in degrees (WGS 84), or null.",
    "longitude": "Longitude in degrees (WGS 84), or null.",
    "count": "How many results there are in all, on every page.",
    "next": "The next page's address, or null on the last page.",
    "previous": "The previous page's address, or null on the first page.",
    "results": "This page's results.",
    ("Format", "description"): "What the format is (plain text).",
    ("Event", "description"): "What the event is (plain text).",
    ("Event", "title"): "The umbrella event's title.",
    ("EventRef", "title"): "The umbrella event's title.",
    ("Membership", "notes"): "Notes on the role (plain text).",
    ("Format", "url"): "The format's page on the site.",
    ("Participant", "url"): "The participant's page on the site.",
    ("MeetingInputRequest", "format"): "Format code, in any case.",
    ("PatchedMeetingInputRequest", "format"): "Format code, in any case.",
    ("MeetingInputRequest", "venue"): "The venue's id (see /api/v1/venues/), or null.",
    ("PatchedMeetingInputRequest", "venue"): "The venue's id (see /api/v1/venues/), or null.",
    ("MeetingInputRequest", "published"): "Whether the public sees it (default true).",
    ("PatchedMeetingInputRequest", "published"): "Whether the public sees it.",
}


def _describe(component: str, name: str, schema: dict) -> None:
    if "description" in schema:
        return
    text = DESCRIPTIONS.get((component, name)) or DESCRIPTIONS.get(name)
    if text is None:
        return
    if "$ref" in schema:  # OpenAPI 3.0 ignores a $ref's siblings
        schema["allOf"] = [{"$ref": schema.pop("$ref")}]
    schema["description"] = text


# drf-spectacular's extra branch for "" on a blank-allowed string with a pattern.
BLANK_BRANCH = {"type": "string", "maxLength": 0}


def _one_blank_branch(schema: dict) -> None:
    """Where a string's pattern already accepts "", drop the extra `oneOf` branch for "":
    "" would match both branches, which `oneOf` forbids, so validators refused a blank."""
    branches = schema.get("oneOf")
    if not branches or len(branches) != 2 or branches[1] != BLANK_BRANCH:
        return
    inner = branches[0]
    pattern = inner.get("pattern")
    if pattern is None or "format" in inner or inner.get("minLength", 0) > 0:
        return
    if re.search(pattern, "") is not None:
        del schema["oneOf"]
        schema.update(inner)


def describe_properties(result: dict, generator, request, public) -> dict:
    """SPECTACULAR_SETTINGS POSTPROCESSING_HOOKS: a description on every property, and one
    way only for a blank string to match."""
    for component, schema in result.get("components", {}).get("schemas", {}).items():
        for name, prop in schema.get("properties", {}).items():
            _one_blank_branch(prop)
            _describe(component, name, prop)
    return result
