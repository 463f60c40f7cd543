"""One filter, three outputs: the same query string gives the same meetings through the API,
the shared filter, the public list and the iCal feed."""

import re

import icalendar
import pytest
from django.http import QueryDict

from meetings.filters import InvalidFilter, filtered_meetings
from meetings.selectors import public_meetings
from tests.meetings.api.expected import field_problem

pytestmark = pytest.mark.django_db

REFERENCE = ["2022-amm-55", "2022-apt-23", "2022-pmc-ru", "2022-arf-29", "2022-eas-12"]
SAMPLES = ["sample-som", "sample-arf-ism", "sample-eas-som", "sample-asean-japan-pmc"]
# Each is dated (from/to): undated, the feed shows only a recent window by design.
EXPECTED = {
    "from=2022-01-01": REFERENCE + SAMPLES,
    "from=2022-01-01&format=AMM": ["2022-amm-55"],
    "from=2022-01-01&format=amm&format=EAS": ["2022-amm-55", "2022-eas-12"],
    "to=2030-12-31&country=RU": [
        "2022-pmc-ru",
        "2022-arf-29",
        "2022-eas-12",
        "sample-arf-ism",
        "sample-eas-som",
    ],
    "to=2030-12-31&country=ru&status=held": ["2022-pmc-ru", "2022-arf-29", "2022-eas-12"],
    "from=2026-11-01&host=PH": SAMPLES,
    "from=2022-01-01&status=cancelled&status=tentative": [
        "sample-eas-som",
        "sample-asean-japan-pmc",
    ],
    "from=2022-08-04&to=2022-08-04": ["2022-apt-23", "2022-pmc-ru"],
    "from=2022-01-01&q=regional": ["2022-arf-29", "sample-arf-ism"],
    "from=2022-01-01&q=Phnom Penh": REFERENCE,
    "from=2022-01-01&format=PMC&country=jp": ["sample-asean-japan-pmc"],
    "from=2022-08-06&to=2026-11-01": [],
}
QUERIES = list(EXPECTED)
BAD_QUERIES = [
    "format=XX",
    "country=ZZ",
    "status=done",
    "from=yesterday",
    "from=2026-11-02&to=2026-11-01",
]


def api_slugs(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/meetings/?{query}&page_size=200")
    assert response.status_code == 200
    return [meeting["slug"] for meeting in response.json()["results"]]


def filter_slugs(query: str) -> list[str]:
    meetings = filtered_meetings(QueryDict(query), public_meetings())
    return list(
        meetings.order_by("start", "format__code", "number", "pk").values_list("slug", flat=True)
    )


@pytest.mark.parametrize("query", QUERIES)
def test_api_list_matches_the_shared_filter(demo, anon, query):
    assert (api_slugs(anon, query), filter_slugs(query)) == (EXPECTED[query], EXPECTED[query])


@pytest.mark.parametrize("query", QUERIES)
def test_public_list_page_shows_the_same_meetings(demo, client, anon, query):
    response = client.get(f"/meetings/?{query}")
    assert (response.status_code, [m.slug for m in response.context["meetings"]]) == (
        200,
        api_slugs(anon, query),
    )


@pytest.mark.parametrize("query", QUERIES)
def test_feed_carries_the_same_meetings(demo, client, anon, query):
    response = client.get(f"/feeds/meetings.ics?{query}")
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    slugs = [re.fullmatch(r".*/meetings/([-\w]+)/", str(event["URL"])).group(1) for event in events]
    assert (response.status_code, sorted(slugs)) == (200, sorted(api_slugs(anon, query)))


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_filter_is_the_same_400_as_the_shared_filter(demo, anon, query):
    with pytest.raises(InvalidFilter) as refused:
        filtered_meetings(QueryDict(query), public_meetings())
    response = anon.get(f"/api/v1/meetings/?{query}")
    assert (response.status_code, response.json()) == (400, field_problem(refused.value.errors))


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_filter_is_a_400_on_the_page_and_feed_too(demo, client, query):
    statuses = [
        client.get(f"{path}?{query}").status_code for path in ("/meetings/", "/feeds/meetings.ics")
    ]
    assert statuses == [400, 400]
