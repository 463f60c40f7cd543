"""The OpenAPI schema and its documentation page."""

import json
import re

import jsonschema
import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

from meetings.models import Event

ENDPOINTS = {
    "/api/v1/delegations/": ["get", "post"],
    "/api/v1/delegations/{id}/": ["get", "patch"],
    "/api/v1/delegations/{id}/answer/": ["post"],
    "/api/v1/documents/": ["get"],
    "/api/v1/documents/{id}/": ["get"],
    "/api/v1/events/": ["get"],
    "/api/v1/events/{slug}/": ["get"],
    "/api/v1/formats/": ["get"],
    "/api/v1/formats/{code}/": ["get"],
    "/api/v1/meetings/": ["get", "post"],
    "/api/v1/meetings/{slug}/": ["get", "patch"],
    "/api/v1/meetings/{slug}/cancel/": ["post"],
    "/api/v1/meetings/{slug}/invite/": ["post"],
    "/api/v1/meetings/{slug}/postpone/": ["post"],
    "/api/v1/meetings/{slug}/reschedule/": ["post"],
    "/api/v1/participants/": ["get"],
    "/api/v1/participants/{code}/": ["get"],
    "/api/v1/venues/": ["get"],
    "/api/v1/venues/{id}/": ["get"],
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    """The schema as `manage.py spectacular --validate --fail-on-warn` writes it."""
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_schema_generates_valid_without_warnings(schema):
    assert (schema["openapi"], schema["info"]["title"], schema["info"]["version"]) == (
        "3.0.3",
        "aseancal API",
        "1.0.0",
    )


def test_schema_describes_every_endpoint(schema):
    described = {path: sorted(operations) for path, operations in schema["paths"].items()}
    assert described == ENDPOINTS


def test_schema_describes_the_shared_meeting_filters(schema):
    parameters = schema["paths"]["/api/v1/meetings/"]["get"]["parameters"]
    assert {p["name"]: p["schema"] for p in parameters} == {
        "If-None-Match": {
            "type": "string",
            "description": "`*`, or one or more entity tags separated by commas.",
        },
        "country": {
            "type": "string",
            "pattern": "^[A-Za-z]{2}$",
            "format": "participant-code",
            "example": "KH",
        },
        "format": {
            "type": "array",
            "items": {
                "type": "string",
                "pattern": "^[A-Za-z][A-Za-z0-9_]{1,19}$",
                "format": "format-code",
                "example": "AMM",
            },
        },
        "from": {"type": "string", "format": "date"},
        "host": {
            "type": "string",
            "pattern": "^[A-Za-z]{2}$",
            "format": "participant-code",
            "example": "KH",
        },
        "ordering": {"type": "string", "enum": ["start", "-start", "updated_at", "-updated_at"]},
        "page": {"type": "integer", "minimum": 1, "maximum": 10**30 - 1},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 10**30 - 1},
        "q": {"type": "string"},
        "status": {
            "type": "array",
            "items": {
                "type": "string",
                "enum": ["cancelled", "held", "postponed", "scheduled", "tentative"],
            },
        },
        "to": {"type": "string", "format": "date"},
    }


READ = ["200", "304"]
WRITE = ["400", "401", "403", "405", "406", "409", "415"]
OBJECT_WRITE = sorted([*WRITE, "404", "412"])


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/meetings/", "get", READ + ["400", "401", "404", "405", "406", "429"]),
        ("/api/v1/meetings/", "post", ["201", *WRITE]),
        ("/api/v1/meetings/{slug}/", "get", READ + ["401", "404", "405", "406", "429"]),
        ("/api/v1/meetings/{slug}/", "patch", ["200", *OBJECT_WRITE]),
        ("/api/v1/meetings/{slug}/invite/", "post", ["200", *OBJECT_WRITE]),
        ("/api/v1/delegations/{id}/answer/", "post", ["200", *OBJECT_WRITE]),
    ],
)
def test_schema_describes_error_responses(schema, path, method, statuses):
    assert sorted(schema["paths"][path][method]["responses"]) == statuses


def test_schema_says_reads_need_no_credentials_and_writes_do(schema):
    meetings = schema["paths"]["/api/v1/meetings/"]
    assert (meetings["get"]["security"], meetings["post"]["security"]) == (
        [{"tokenAuth": []}, {"cookieAuth": []}, {}],
        [{"tokenAuth": []}, {"cookieAuth": []}],
    )


def test_schema_endpoint_serves_json(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert (
        response.status_code,
        response["Content-Type"],
        json.loads(response.content)["openapi"],
    ) == (
        200,
        "application/json",
        "3.0.3",
    )


def test_docs_page_uses_only_local_assets(client):
    response = client.get("/api/v1/docs/")
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    static = [asset for asset in assets if asset.startswith("/static/")]
    # Swagger UI's set-up is a script file of its own (no inline script: CSP).
    script = client.get("/api/v1/docs/?script=")
    setup = script.content.decode()
    assert (
        response.status_code,
        re.findall(r"(?:https?:)?//[\w.-]+", html),
        [asset for asset in assets if asset not in static],
        [asset for asset in static if not finders.find(asset.removeprefix("/static/"))],
        script.status_code,
        script["Content-Type"],
        re.findall(r"(?:https?:)?//[\w.-]+", setup),
        '"validatorUrl": null' in setup,
        'url: "/api/v1/schema/"' in setup,
    ) == (
        200,
        [],
        ["/api/v1/docs/?script="],
        [],
        200,
        "application/javascript",
        [],
        True,
        True,
    )


PROBLEM = {"$ref": "#/components/schemas/Problem"}
FIELD_PROBLEM = {"$ref": "#/components/schemas/FieldProblem"}


def test_schema_describes_every_error_as_a_problem_document(schema):
    shapes = {
        (status, media_type, content["schema"]["$ref"])
        for operations in schema["paths"].values()
        for operation in operations.values()
        for status, response in operation["responses"].items()
        if status >= "400"
        for media_type, content in response["content"].items()
    }
    assert sorted(shapes) == [
        ("400", "application/problem+json", FIELD_PROBLEM["$ref"]),
        *[
            (status, "application/problem+json", PROBLEM["$ref"])
            for status in ("401", "403", "404", "405", "406")
        ],
        ("409", "application/problem+json", FIELD_PROBLEM["$ref"]),
        *[
            (status, "application/problem+json", PROBLEM["$ref"])
            for status in ("412", "415", "429")
        ],
    ]


def _headers(operation: dict, status: str) -> list[str]:
    return sorted(operation["responses"][status].get("headers", {}))


def test_schema_declares_the_http_headers(schema):
    meetings = schema["paths"]["/api/v1/meetings/"]
    meeting = schema["paths"]["/api/v1/meetings/{slug}/"]
    invite = schema["paths"]["/api/v1/meetings/{slug}/invite/"]["post"]
    request_headers = {
        (path, method): sorted(
            p["name"] for p in operation.get("parameters", []) if p["in"] == "header"
        )
        for path, method, operation in [
            ("meetings", "get", meetings["get"]),
            ("meetings", "post", meetings["post"]),
            ("meeting", "patch", meeting["patch"]),
        ]
    }
    assert (
        request_headers,
        _headers(meetings["get"], "200"),
        _headers(meetings["get"], "304"),
        _headers(meetings["get"], "429"),
        _headers(meetings["post"], "201"),
        _headers(meetings["post"], "401"),
        _headers(meeting["patch"], "200"),
        _headers(meeting["patch"], "405"),
        _headers(invite, "200"),
    ) == (
        {
            ("meetings", "get"): ["If-None-Match"],
            ("meetings", "post"): [],
            ("meeting", "patch"): ["If-Match"],
        },
        ["ETag"],
        ["ETag"],
        ["Retry-After"],
        ["ETag", "Location"],
        ["WWW-Authenticate"],
        ["ETag"],
        ["Allow"],
        [],
    )


def _properties(name: str, schema: dict):
    for prop_name, prop in schema.get("properties", {}).items():
        yield f"{name}.{prop_name}", prop
        yield from _properties(f"{name}.{prop_name}", prop)
        if isinstance(prop.get("items"), dict):
            yield from _properties(f"{name}.{prop_name}[]", prop["items"])


def test_every_property_has_a_description(schema):
    undescribed = [
        name
        for component, body in schema["components"]["schemas"].items()
        for name, prop in _properties(component, body)
        if not prop.get("description")
    ]
    assert undescribed == []


def _examples(node, path=""):
    """Every (where, example, schema) in the document, `example` keywords and `examples`."""
    if isinstance(node, dict):
        if "example" in node:
            yield path, node["example"], node
        for key, value in node.items():
            yield from _examples(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _examples(value, f"{path}/{index}")


def test_every_example_is_accepted_by_the_schema_around_it(schema):
    refused = []
    for where, example, around in _examples(schema):
        subschema = {key: value for key, value in around.items() if key != "example"}
        subschema = _resolved(schema, subschema)
        validator = jsonschema.Draft4Validator(
            {**subschema, "components": schema["components"]},
            format_checker=jsonschema.FormatChecker(),
        )
        if not validator.is_valid(example):
            refused.append(where)
    assert refused == []


def _resolved(schema: dict, node: dict) -> dict:
    """An OpenAPI 3.0 subschema as JSON Schema: `nullable` as a null alternative."""
    if node.get("nullable"):
        rest = {key: value for key, value in node.items() if key != "nullable"}
        return {"anyOf": [rest, {"type": "null"}]}
    return node


def test_the_event_example_is_an_event_slug(schema, demo):
    event = schema["components"]["schemas"]["MeetingInputRequest"]["properties"]["event"]
    slug = event.get("example") or event["allOf"][0].get("example")
    assert (slug, Event.objects.filter(slug=slug).exists()) == (
        "2022-55th-amm-and-related-meetings",
        True,
    )


def test_schema_refuses_a_format_code_that_is_no_code(schema):
    parameters = schema["paths"]["/api/v1/meetings/"]["get"]["parameters"]
    items = next(p for p in parameters if p["name"] == "format")["schema"]["items"]
    validator = jsonschema.Draft4Validator(items)
    assert [validator.is_valid(value) for value in ("0", "", "AMM", "eas", "SUMMIT")] == [
        False,
        False,
        True,
        True,
        True,
    ]


def test_schema_describes_the_document_filters(schema):
    parameters = schema["paths"]["/api/v1/documents/"]["get"]["parameters"]
    slug = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}
    assert {p["name"]: p["schema"] for p in parameters} == {
        "If-None-Match": {
            "type": "string",
            "description": "`*`, or one or more entity tags separated by commas.",
        },
        "event": {
            **slug,
            "format": "event-slug",
            "example": "2022-55th-amm-and-related-meetings",
        },
        "kind": {
            "type": "array",
            "items": {
                "type": "string",
                "enum": [
                    "agenda",
                    "chairmans_statement",
                    "declaration",
                    "delegation_statement",
                    "joint_communique",
                    "joint_statement",
                    "media",
                    "press_release",
                ],
            },
        },
        "meeting": {**slug, "format": "meeting-slug", "example": "2022-amm-55"},
        "page": {"type": "integer", "minimum": 1, "maximum": 10**30 - 1},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 10**30 - 1},
        "published_before": {"type": "string", "format": "date"},
        "published_since": {"type": "string", "format": "date"},
    }


def test_schema_describes_press_and_documents_in_the_details_only(schema):
    components = schema["components"]["schemas"]
    press = {"allOf": [{"$ref": "#/components/schemas/Press"}]}
    documents = {"type": "array", "items": {"$ref": "#/components/schemas/DocumentRef"}}

    def shape(component: str, name: str) -> dict | None:
        prop = components[component]["properties"].get(name)
        return None if prop is None else {k: v for k, v in prop.items() if k in press | documents}

    assert (
        [shape(c, "press") for c in ("MeetingDetail", "EventDetail", "MeetingList", "Event")],
        [shape(c, "documents") for c in ("MeetingDetail", "EventDetail", "MeetingList", "Event")],
        sorted(components["Press"]["properties"]),
        components["DocumentRef"]["properties"]["kind"]["allOf"],
        components["DocumentKindEnum"]["enum"],
    ) == (
        [press, press, None, None],
        [documents, documents, None, None],
        [
            "accreditation",
            "accreditation_deadline",
            "accreditation_url",
            "conferences",
            "contacts",
            "livestream_url",
            "media_centre",
        ],
        [{"$ref": "#/components/schemas/DocumentKindEnum"}],
        [
            "agenda",
            "joint_communique",
            "chairmans_statement",
            "joint_statement",
            "declaration",
            "press_release",
            "delegation_statement",
            "media",
        ],
    )


@pytest.mark.parametrize(
    ("component", "name"),
    [
        ("PatchedDelegationUpdateRequest", "notes"),
        ("MeetingInputRequest", "title"),
        ("RescheduleRequest", "reason"),
    ],
)
def test_a_blank_string_matches_a_blank_allowed_field_one_way(schema, component, name):
    prop = schema["components"]["schemas"][component]["properties"][name]
    validator = jsonschema.Draft4Validator(prop)
    assert [validator.is_valid(value) for value in ("", "text", "line\x00")] == [
        True,
        True,
        False,
    ]


def test_schema_describes_sources_in_the_meeting_detail_only(schema):
    components = schema["components"]["schemas"]
    detail = components["MeetingDetail"]["properties"]["sources"]
    assert (
        {k: detail[k] for k in ("type", "items", "readOnly")},
        "sources" in components["MeetingList"]["properties"],
        "sources" in components["EventDetail"]["properties"],
    ) == (
        {"type": "array", "items": {"type": "string", "format": "uri"}, "readOnly": True},
        False,
        False,
    )
