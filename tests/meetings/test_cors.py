"""Cross-origin reading: the API, the iCal feeds and the Atom feed answer any origin, for
reading only and never with credentials; pages, the admin and RSVP links do not."""

import pytest

pytestmark = pytest.mark.usefixtures("demo")

ORIGIN = "https://newsroom.example"
READABLE = [
    "/api/v1/meetings/",
    "/api/v1/meetings/2022-amm-55/",
    "/api/v1/events/2022-55th-amm-and-related-meetings/",
    "/feeds/meetings.ics",
    "/feeds/meetings.ics?format=EAS",
    "/feeds/changes.atom",
    "/meetings/2022-amm-55.ics",
    "/events/2022-55th-amm-and-related-meetings.ics",
]
NOT_SHARED = ["/", "/meetings/", "/meetings/2022-amm-55/", "/admin/login/", "/search/?q=Lavrov"]


@pytest.mark.parametrize("path", READABLE)
def test_public_reads_answer_any_origin_without_credentials(client, path):
    response = client.get(path, headers={"origin": ORIGIN})

    assert response.status_code == 200
    assert (
        response["Access-Control-Allow-Origin"],
        response.has_header("Access-Control-Allow-Credentials"),
    ) == ("*", False)
    assert "ETag" in response["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("path", NOT_SHARED)
def test_pages_and_the_admin_are_not_shared_across_origins(client, path):
    response = client.get(path, headers={"origin": ORIGIN})

    assert response.has_header("Access-Control-Allow-Origin") is False


def test_preflight_allows_reading_only_and_no_authorization(client):
    response = client.options(
        "/api/v1/meetings/",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization",
        },
    )

    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "authorization" not in response["Access-Control-Allow-Headers"]
    assert response.has_header("Access-Control-Allow-Credentials") is False
