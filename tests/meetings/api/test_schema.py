"""The OpenAPI schema and its documentation page."""

import json
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

ENDPOINTS = {
    "/api/v1/delegations/": ["get", "post"],
    "/api/v1/delegations/{id}/": ["get", "patch"],
    "/api/v1/delegations/{id}/answer/": ["post"],
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
        "country": {"type": "string"},
        "format": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "from": {"type": "string", "format": "date"},
        "host": {"type": "string"},
        "ordering": {"type": "string", "enum": ["start", "-start", "updated_at", "-updated_at"]},
        "page": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1},
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


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/meetings/", "get", ["200", "304", "400", "401", "404", "429"]),
        ("/api/v1/meetings/", "post", ["201", "400", "401", "403", "415"]),
        ("/api/v1/meetings/{slug}/", "get", ["200", "304", "401", "404", "429"]),
        (
            "/api/v1/meetings/{slug}/",
            "patch",
            ["200", "400", "401", "403", "404", "412", "415"],
        ),
        (
            "/api/v1/delegations/{id}/answer/",
            "post",
            ["200", "400", "401", "403", "404", "412", "415"],
        ),
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
