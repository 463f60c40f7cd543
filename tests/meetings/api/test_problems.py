"""Every API error is an RFC 9457 problem document (meetings/api/problems.py)."""

import pytest

from tests.meetings.api.expected import field_problem, problem


def test_unacceptable_accept_is_406_problem(demo, anon):
    response = anon.get("/api/v1/formats/", HTTP_ACCEPT="text/csv")
    assert (response.status_code, response["Content-Type"], response.json()) == (
        406,
        "application/problem+json",
        problem(406, "Could not satisfy the request Accept header."),
    )


def test_browser_gets_the_problem_document_too(demo, anon):
    response = anon.get("/api/v1/meetings/?format=ZZ", HTTP_ACCEPT="text/html")
    assert (response.status_code, response["Content-Type"], response.json()) == (
        400,
        "application/problem+json",
        field_problem(
            {"format": ["Select a valid choice. ZZ is not one of the available choices."]}
        ),
    )


@pytest.mark.parametrize("value", ["", "0", "abc", '"unterminated'])
def test_malformed_if_match_is_400_naming_the_header(calendar_editor, value):
    client, url = calendar_editor
    response = client.patch(url, {"mode": "virtual"}, format="json", HTTP_IF_MATCH=value)
    assert (response.status_code, response.json()) == (
        400,
        field_problem(
            {
                "If-Match": [
                    "Give * or the ETag of a GET of this object, e.g. "
                    '"9f86d081884c7d659a2feaa0c55ad015".'
                ]
            }
        ),
    )


@pytest.fixture
def calendar_editor(demo, client_for, editor):
    return client_for(editor), "/api/v1/meetings/2022-amm-55/"
