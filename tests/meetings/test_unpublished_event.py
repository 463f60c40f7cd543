"""An umbrella event's title stays private until the event is published.

Its meetings may be published first (the week's programme is announced before the
umbrella's name is settled): then no public output shows the title, and the `q` filter
does not match its words, so they cannot be probed one guess at a time.
"""

import icalendar
import pytest
from django.urls import reverse

from meetings import caching
from meetings.models import Event, Meeting

pytestmark = pytest.mark.usefixtures("demo")

EVENT = "2022-55th-amm-and-related-meetings"
# A word of the event's title ("55th AMM and Related Meetings") in no meeting's own text.
PROBE = "Related"


def hide_event():
    Event.objects.filter(slug=EVENT).update(published=False)
    caching.reset()


def event_meetings() -> list[str]:
    return sorted(
        Meeting.objects.filter(event__slug=EVENT, published=True).values_list("slug", flat=True)
    )


def descriptions(response) -> dict[str, str]:
    """Each VEVENT's DESCRIPTION, by the slug at the end of its URL."""
    calendar = icalendar.Calendar.from_ical(response.content)
    return {
        str(event["URL"]).rstrip("/").rsplit("/", 1)[1]: str(event["DESCRIPTION"])
        for event in calendar.walk("VEVENT")
    }


def found_by_probe(client) -> dict[str, list[str]]:
    """The meetings each public surface lists for q=PROBE."""
    query = {"q": PROBE, "from": "2022-01-01"}
    page = client.get(reverse("meetings:meeting-list"), query)
    api = client.get("/api/v1/meetings/", query)
    feed = client.get("/feeds/meetings.ics", query)
    return {
        "page": sorted(meeting.slug for meeting in page.context["page_obj"]),
        "api": sorted(row["slug"] for row in api.json()["results"]),
        "feed": sorted(descriptions(feed)),
    }


def test_q_matches_a_published_events_title(client):
    expected = event_meetings()

    assert len(expected) > 1
    assert found_by_probe(client) == {"page": expected, "api": expected, "feed": expected}


def test_q_does_not_match_an_unpublished_events_title(client):
    hide_event()

    assert found_by_probe(client) == {"page": [], "api": [], "feed": []}


def test_feed_names_the_event_only_once_published(client):
    before = descriptions(client.get("/feeds/meetings.ics", {"from": "2022-01-01"}))
    hide_event()
    after = descriptions(client.get("/feeds/meetings.ics", {"from": "2022-01-01"}))
    single = descriptions(client.get("/meetings/2022-amm-55.ics"))

    part_of = "Part of: 55th AMM and Related Meetings"
    assert sorted(slug for slug, text in before.items() if part_of in text) == event_meetings()
    assert [slug for slug, text in after.items() if "Related Meetings" in text] == []
    assert "Part of" not in single["2022-amm-55"]
