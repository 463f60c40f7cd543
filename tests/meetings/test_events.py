"""Umbrella event pages (/events/<slug>/), their iCal file, and the API's programme."""

import re

import icalendar
import pytest

from meetings import caching
from meetings.models import Event, Meeting
from tests.meetings.test_views import feed_hrefs, texts

pytestmark = pytest.mark.usefixtures("demo")

EVENT = "2022-55th-amm-and-related-meetings"
URL = f"/events/{EVENT}/"
SITE = "http://127.0.0.1:8000"
# The reference week (docs/domain.md): five meetings, 3 to 5 August 2022.
PROGRAMME = {
    "Sunday 31 July 2022": [],
    "Monday 1 August 2022": [],
    "Tuesday 2 August 2022": [],
    "Wednesday 3 August 2022": ["55th ASEAN Foreign Ministers' Meeting"],
    "Thursday 4 August 2022": [  # calendar order: by start, then format code
        "23rd ASEAN Plus Three Foreign Ministers' Meeting",
        "ASEAN-Russia Post Ministerial Conference",
    ],
    "Friday 5 August 2022": [
        "29th ASEAN Regional Forum",
        "12th East Asia Summit Foreign Ministers' Meeting",
    ],
    "Saturday 6 August 2022": [],
}


def programme(response) -> dict[str, list[str]]:
    """Each day of the programme with the titles of its meetings, in order."""
    html = response.content.decode()
    section = html[html.index('id="programme-heading"') :]
    days = re.findall(
        r'<li class="day[^"]*">\s*<h3>(.*?)</h3>(.*?)</li>\s*(?=<li class="day|</ol>)',
        section,
        re.S,
    )
    return {
        " ".join(re.sub(r"<[^>]+>", "", day).split()): re.findall(
            r'<a href="/meetings/[^/]+/">([^<]+)</a>', body
        )
        for day, body in days
    }


def test_event_page_shows_the_programme_day_by_day(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert texts(response, "h1") == ["55th AMM and Related Meetings"]
    assert {
        day: [t.replace("&#x27;", "'") for t in titles]
        for day, titles in programme(response).items()
    } == PROGRAMME


def test_event_page_names_host_chair_and_venues_with_a_map_link(client):
    response = client.get(URL)

    facts = texts(response, "dl", "class", "facts")[0]
    assert "Host Cambodia" in facts
    assert "Chair Cambodia (ASEAN chair in 2022)" in facts
    assert (
        "https://www.openstreetmap.org/?mlat=11.556400&amp;mlon=104.928200#map=17/11.556400/104.928200"
        in response.content.decode()
    )
    # A link only: nothing on the page loads from elsewhere.
    assert re.findall(r'<(?:script|img|iframe)[^>]+src="https?://', response.content.decode()) == []


def test_event_page_offers_the_events_own_calendar(client):
    response = client.get(URL)
    ics = client.get(f"/events/{EVENT}.ics")

    https = f"{SITE}/events/{EVENT}.ics"
    assert feed_hrefs(response)[-1] == https
    assert feed_hrefs(response)[0] == "webcal://" + https.split("://", 1)[1]
    calendar = icalendar.Calendar.from_ical(ics.content)
    assert (ics.status_code, str(calendar["X-WR-CALNAME"])) == (
        200,
        "55th AMM and Related Meetings",
    )
    assert sorted(str(e["URL"]).rsplit("/", 2)[1] for e in calendar.walk("VEVENT")) == [
        "2022-amm-55",
        "2022-apt-23",
        "2022-arf-29",
        "2022-eas-12",
        "2022-pmc-ru",
    ]


def test_unpublished_event_or_meeting_stays_out(client):
    Meeting.objects.filter(slug="2022-arf-29").update(published=False)
    caching.reset()
    without_arf = client.get(URL)
    Event.objects.filter(slug=EVENT).update(published=False)
    caching.reset()

    assert "29th ASEAN Regional Forum" not in without_arf.content.decode()
    assert client.get(URL).status_code == 404
    assert client.get(f"/events/{EVENT}.ics").status_code == 404
    assert client.get("/events/no-such-event/").status_code == 404


def test_meeting_and_home_pages_link_to_the_event_page(client):
    meeting = client.get("/meetings/2022-amm-55/").content.decode()

    assert f'<dt>Part of</dt><dd><a href="{URL}">55th AMM and Related Meetings</a>' in meeting


def test_api_event_lists_its_programme(client):
    response = client.get(f"/api/v1/events/{EVENT}/")

    programme = response.json()["programme"]
    assert [(m["slug"], m["format"], m["first_day"], m["status"]) for m in programme] == [
        ("2022-amm-55", "AMM", "2022-08-03", "held"),
        ("2022-apt-23", "APT", "2022-08-04", "held"),
        ("2022-pmc-ru", "PMC", "2022-08-04", "held"),
        ("2022-arf-29", "ARF", "2022-08-05", "held"),
        ("2022-eas-12", "EAS", "2022-08-05", "held"),
    ]
    assert programme[0]["url"] == f"{SITE}/meetings/2022-amm-55/"


# -- navigation -----------------------------------------------------------------------------


def month_links(response) -> dict[str, str]:
    """The month page's year and month links: text -> address."""
    html = response.content.decode()
    nav = html[
        html.index('aria-label="Go to a month"') : html.index(
            "</nav>", html.index('aria-label="Go to a month"')
        )
    ]
    return {
        re.sub(r"<[^>]+>", "", text): href.replace("&amp;", "&")
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', nav)
    }


def test_any_month_is_two_clicks_away_keeping_the_filter(client):
    today = client.get("/calendar/2026/11/?format=AMM")

    year = client.get(month_links(today)["2022"])
    august = client.get(month_links(year)["Aug"])

    assert month_links(today)["2022"] == "/calendar/2022/11/?format=AMM"
    assert month_links(year)["Aug"] == "/calendar/2022/8/?format=AMM"
    assert texts(august, "h1") == ["Meetings in August 2022"]
    assert [a for a in texts(august, "a") if a.startswith("55th")] == [
        "55th ASEAN Foreign Ministers' Meeting"
    ]


def test_month_page_has_the_list_filters_without_dates(client):
    html = client.get("/calendar/2022/08/?format=EAS").content.decode()

    assert '<form class="filters" method="get" action="/calendar/2022/08/"' in html
    assert 'value="EAS" checked' in html
    assert ('name="from"' in html, 'name="to"' in html) == (False, False)


def test_meeting_page_links_to_its_month_and_home_to_every_year(client):
    meeting = client.get("/meetings/2022-amm-55/").content.decode()
    home = client.get("/")

    assert '<a href="/calendar/2022/8/">See in calendar</a>' in meeting
    archive = re.findall(
        r'href="/meetings/\?from=(\d{4})-01-01&amp;to=\d{4}-12-31"', home.content.decode()
    )
    assert archive == sorted(
        {str(m.first_day.year) for m in Meeting.objects.filter(published=True)}, reverse=True
    )
