"""The public pages journalists browse, through the test client, with exact content."""

import datetime as dt
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertInHTML

from meetings import services
from meetings.enums import MeetingStatus
from meetings.models import Delegation, Event, Meeting, Participant
from tests.factories import (
    DelegationFactory,
    FormatFactory,
    MeetingFactory,
    ParticipantFactory,
    VenueFactory,
)

SITE = settings.SITE_URL
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
# Elements whose text reads as separate words from their neighbours'.
BLOCKS = {"br", "dd", "div", "dt", "h1", "h2", "h3", "li", "p", "td", "th", "tr"}


class _Texts(HTMLParser):
    """Collects the whitespace-normalised text of each element matching tag and attribute."""

    def __init__(self, tag: str, attr: str | None, value: str | None):
        super().__init__(convert_charrefs=True)
        self.tag, self.attr, self.value = tag, attr, value
        self.depth, self.parts, self.found = 0, [], []

    def _matches(self, tag, attrs) -> bool:
        if tag != self.tag:
            return False
        if self.attr is None:
            return True
        found = dict(attrs).get(self.attr) or ""
        return self.value in found.split() if self.attr == "class" else found == self.value

    def handle_starttag(self, tag, attrs):
        if self.depth:
            if tag not in VOID:
                self.depth += 1
            self.parts.append(" " if tag in BLOCKS else "")
        elif self._matches(tag, attrs) and tag not in VOID:
            self.depth, self.parts = 1, []

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            self.parts.append(" " if tag in BLOCKS else "")
            if not self.depth:
                self.found.append(" ".join("".join(self.parts).split()))

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def texts(response, tag: str, attr: str | None = None, value: str | None = None) -> list[str]:
    """The text of every `tag` element (with attr=value; for class, one of its classes)."""
    parser = _Texts(tag, attr, value)
    parser.feed(response.content.decode())
    return parser.found


def listed(response) -> list[str]:
    """Slugs of the meetings a list page shows, in order."""
    return re.findall(r'<h3><a href="/meetings/([^/]+)/">', response.content.decode())


def feed_hrefs(response) -> list[str]:
    """The subscribe block of a page: its links (calendar app, Google, Outlook.com, Outlook
    for work or school, how to subscribe), then the feed address in its read-only field."""
    block = re.search(r'<div class="subscribe">(.*?)</div>', response.content.decode(), re.S)
    links = re.findall(r'href="([^"]+)"', block.group(1))
    field = re.findall(
        r'<input id="feed-address" type="url" value="([^"]+)" readonly', block.group(1)
    )
    return [value.replace("&amp;", "&") for value in links + field]


def feeds(query: str, name: str) -> list[str]:
    """What feed_hrefs finds for the feed filtered by `query`, whose calendar is `name`."""
    https = f"{SITE}/feeds/meetings.ics" + (f"?{query}" if query else "")
    webcal = "webcal://" + https.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/render?cid=" + (
        webcal.replace(":", "%3A").replace("/", "%2F").replace("?", "%3F")
    ).replace("=", "%3D").replace("&", "%26")
    outlook = f"url={quote(https, safe='')}&name={quote(name, safe='')}"
    return [
        webcal,
        google,
        f"https://outlook.live.com/calendar/0/addfromweb?{outlook}",
        f"https://outlook.office.com/calendar/0/addfromweb?{outlook}",
        "/subscribe/" + (f"?{query}" if query else ""),
        https,
    ]


def json_ld(response) -> dict:
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(match.group(1))


def open_graph(response) -> dict[str, str]:
    found = re.findall(
        r'<meta (?:property|name)="((?:og|twitter):[a-z_]+)" content="([^"]*)">',
        response.content.decode(),
    )
    return {name: content.replace("&#x27;", "'") for name, content in found}


def timed_meeting(**fields) -> Meeting:
    """09:00-12:00 on Monday 5 August 2030 in Phnom Penh (02:00-05:00 UTC)."""
    values = {
        "start": dt.datetime(2030, 8, 5, 2, 0, tzinfo=dt.UTC),
        "end": dt.datetime(2030, 8, 5, 5, 0, tzinfo=dt.UTC),
        "title": "Timed meeting",
    } | fields
    return MeetingFactory(**values)


# The meeting page


@pytest.mark.usefixtures("demo")
def test_meeting_page_55th_amm_in_phnom_penh_time(client):
    response = client.get("/meetings/2022-amm-55/")

    assert response.status_code == 200
    assert texts(response, "h1") == ["55th ASEAN Foreign Ministers' Meeting"]
    assert texts(response, "p", "class", "kicker") == [
        "AMM · ASEAN Foreign Ministers' Meeting · 55th meeting"
    ]
    assert texts(response, "dl", "class", "facts") == [
        "Status Held "
        "When Wednesday 3 August 2022, all day (Phnom Penh time, UTC+7) "
        "Where Phnom Penh ភ្នំពេញ "
        "Host Cambodia ព្រះរាជាណាចក្រកម្ពុជា "
        "Chair Cambodia (ASEAN chair in 2022) "
        "Part of 55th AMM and Related Meetings"
    ]
    assertInHTML(
        '<p><time datetime="2022-08-03">Wednesday 3 August 2022</time>, all day '
        "(Phnom Penh time, UTC+7)</p>",
        response.content.decode(),
        count=1,
    )


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("slug", ["2022-pmc-ru", "2022-eas-12", "2022-arf-29"])
def test_meeting_page_russia_confirmed_headed_by_lavrov(client, slug):
    response = client.get(f"/meetings/{slug}/")

    russia = [row for row in texts(response, "tr") if row.startswith("Russia ")]
    assert russia == ["Russia Sergey Lavrov Minister of Foreign Affairs Minister Confirmed"]
    assertInHTML(
        '<tr class="delegation-confirmed"><th scope="row"><a href="/countries/ru/">Russia</a></th>'
        '<td>Sergey Lavrov <span class="sub">Minister of Foreign Affairs</span> '
        '<span class="sub">Minister</span></td>'
        '<td><span class="attendance attendance-confirmed">Confirmed</span></td></tr>',
        response.content.decode(),
        count=1,
    )


@pytest.mark.usefixtures("demo")
def test_meeting_page_asean_russia_delegations_and_co_chairs(client):
    response = client.get("/meetings/2022-pmc-ru/")

    assert texts(response, "p", "class", "summary") == [
        "11 invited: 2 confirmed, 0 declined, 9 not yet answered."
    ]
    assert [row.split(" ")[0] for row in texts(response, "tr")][1:] == [
        "Brunei",
        "Cambodia",
        "Indonesia",
        "Lao",
        "Malaysia",
        "Myanmar",
        "Philippines",
        "Russia",
        "Singapore",
        "Thailand",
        "Viet",
    ]
    facts = texts(response, "dl", "class", "facts")[0]
    assert facts.split("Co-chairs ")[1].split(" Part of")[0] == (
        "Cambodia (country coordinator for ASEAN-Russia relations) and Russia"
    )


@pytest.mark.usefixtures("demo")
def test_meeting_page_myanmar_declined_at_55th_amm(client):
    response = client.get("/meetings/2022-amm-55/")

    assert texts(response, "tr", "class", "delegation-declined") == [
        "Myanmar Non-political representative Declined"
    ]
    assert texts(response, "p", "class", "summary") == [
        "10 invited: 1 confirmed, 1 declined, 8 not yet answered."
    ]


@pytest.mark.usefixtures("demo")
def test_meeting_page_never_shows_contacts_or_staff_notes(client):
    Delegation.objects.filter(meeting__slug="2022-pmc-ru", participant__code="RU").update(
        notes="Staff only: arrives late", contact_emails="lavrov-office@mid.example"
    )

    content = client.get("/meetings/2022-pmc-ru/").content.decode()

    assert re.findall(r"[\w.-]+@[\w.-]+", content) == []
    assert "arrives late" not in content


def test_meeting_page_timed_meeting_at_0900_phnom_penh_is_0900_utc_plus_7(db, client):
    meeting = timed_meeting()

    response = client.get(meeting.get_absolute_url())

    assertInHTML(
        '<p><time datetime="2030-08-05T09:00+07:00">Monday 5 August 2030, 09:00</time>–'
        '<time datetime="2030-08-05T12:00+07:00">12:00</time> (Phnom Penh time, UTC+7)</p>',
        response.content.decode(),
        count=1,
    )
    assertInHTML(
        '<p class="reader"><span class="reader-time" data-start="2030-08-05T02:00+00:00" '
        'data-end="2030-08-05T05:00+00:00" data-offset="420" data-style="long" hidden></span></p>',
        response.content.decode(),
        count=1,
    )


def test_meeting_page_half_hour_offset_in_yangon(db, client):
    venue = VenueFactory(
        name="Myanmar International Convention Centre",
        city="Naypyidaw",
        country_code="MM",
        timezone="Asia/Yangon",
    )
    meeting = timed_meeting(venue=venue)

    response = client.get(meeting.get_absolute_url())

    when = texts(response, "dl", "class", "facts")[0].split("When ")[1].split(" Where")[0]
    assert when == "Monday 5 August 2030, 08:30–11:30 (Yangon time, UTC+6:30)"


def test_meeting_page_overnight_meeting_shows_both_days(db, client):
    meeting = timed_meeting(end=dt.datetime(2030, 8, 6, 10, 0, tzinfo=dt.UTC))

    response = client.get(meeting.get_absolute_url())

    when = texts(response, "dl", "class", "facts")[0].split("When ")[1].split(" Where")[0]
    assert when == (
        "Monday 5 August 2030, 09:00 – Tuesday 6 August 2030, 17:00 (Phnom Penh time, UTC+7)"
    )


@pytest.mark.usefixtures("demo")
def test_meeting_page_multi_day_all_day_meeting_shows_dates_only(client):
    response = client.get("/meetings/sample-arf-ism/")

    when = texts(response, "dl", "class", "facts")[0].split("When ")[1].split(" Where")[0]
    assert when == "Sunday 15 – Tuesday 17 November 2026, all day (Manila time, UTC+8)"
    assert 'class="reader-time"' not in response.content.decode()


@pytest.mark.usefixtures("demo")
def test_meeting_page_cancelled_is_struck_through_with_banner(client):
    response = client.get("/meetings/sample-asean-japan-pmc/")

    assertInHTML(
        "<h1><s>[Sample] ASEAN-Japan Post Ministerial Conference</s></h1>",
        response.content.decode(),
        count=1,
    )
    assert texts(response, "div", "class", "banner") == [
        "Cancelled. This meeting will not take place. Sample cancellation"
    ]


def test_meeting_page_postponed_banner(db, client):
    meeting = services.meeting_postpone(meeting=timed_meeting(), by=None, reason="Typhoon.")

    response = client.get(meeting.get_absolute_url())

    assert texts(response, "div", "class", "banner") == [
        "Postponed. The dates below are the original ones; a new date has not been announced. "
        "Typhoon."
    ]
    assert open_graph(response)["og:title"] == "Postponed: Timed meeting"


@pytest.mark.usefixtures("demo")
def test_meeting_page_calendar_links(client):
    response = client.get("/meetings/2022-amm-55/")

    assertInHTML(
        '<a class="button" href="/meetings/2022-amm-55.ics" download>Add this meeting (.ics)</a>',
        response.content.decode(),
        count=1,
    )
    assert feed_hrefs(response) == feeds("format=AMM&host=KH", "ASEAN meetings: AMM · hosted by KH")
    assert texts(response, "span", "class", "subscribe-label") == [
        "All AMM meetings hosted by Cambodia:"
    ]


@pytest.mark.usefixtures("demo")
def test_meeting_page_umbrella_event_lists_published_siblings_only(client):
    response = client.get("/meetings/sample-som/")

    siblings = re.findall(
        r'<li class="status-\w+"><a href="/meetings/([^/]+)/">', response.content.decode()
    )
    assert siblings == ["sample-arf-ism", "sample-eas-som", "sample-asean-japan-pmc"]
    assert texts(response, "h2", "id", "event-heading") == [
        "[Sample] Senior Officials' Meetings (demo data)"
    ]


@pytest.mark.usefixtures("demo")
def test_meeting_page_unpublished_event_is_not_shown(client):
    Event.objects.filter(slug="2022-55th-amm-and-related-meetings").update(published=False)

    response = client.get("/meetings/2022-amm-55/")

    assert texts(response, "h2", "id", "event-heading") == []
    assert " Part of " not in texts(response, "dl", "class", "facts")[0] + " "
    assert "superEvent" not in json_ld(response)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("slug", ["sample-amm-retreat", "no-such-meeting"])
def test_meeting_page_unpublished_or_unknown_is_404(client, slug):
    response = client.get(f"/meetings/{slug}/")

    assert (response.status_code, texts(response, "h1")) == (404, ["Page not found"])


@pytest.mark.usefixtures("demo")
def test_meeting_page_json_ld_all_day_gives_dates_only(client):
    assert json_ld(client.get("/meetings/2022-amm-55/")) == {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "55th ASEAN Foreign Ministers' Meeting",
        "url": f"{SITE}/meetings/2022-amm-55/",
        "startDate": "2022-08-03",
        "endDate": "2022-08-03",
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "description": "ASEAN Foreign Ministers' Meeting (AMM).",
        "location": {
            "@type": "Place",
            "name": "Phnom Penh",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": "Phnom Penh",
                "addressCountry": "KH",
            },
            "geo": {"@type": "GeoCoordinates", "latitude": 11.5564, "longitude": 104.9282},
        },
        "organizer": {"@type": "Organization", "name": "Cambodia", "url": f"{SITE}/countries/kh/"},
        "superEvent": {
            "@type": "Event",
            "name": "55th AMM and Related Meetings",
            "startDate": "2022-07-31",
            "endDate": "2022-08-06",
        },
    }


@pytest.mark.usefixtures("demo")
def test_meeting_page_json_ld_cancelled_timed_meeting_with_offset(client):
    data = json_ld(client.get("/meetings/sample-asean-japan-pmc/"))

    assert {key: data[key] for key in ("startDate", "endDate", "eventStatus")} == {
        "startDate": "2026-11-16T14:00:00+08:00",
        "endDate": "2026-11-16T16:00:00+08:00",
        "eventStatus": "https://schema.org/EventCancelled",
    }
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"


def test_meeting_page_json_ld_postponed(db, client):
    meeting = services.meeting_postpone(
        meeting=timed_meeting(), by=None, reason="Venue unavailable"
    )

    assert (
        json_ld(client.get(meeting.get_absolute_url()))["eventStatus"]
        == "https://schema.org/EventPostponed"
    )


def test_meeting_page_json_ld_cannot_break_out_of_its_script(db, client):
    meeting = timed_meeting(title="</script><script>alert(1)</script> & more")

    response = client.get(meeting.get_absolute_url())

    assert "<script>alert(1)" not in response.content.decode()
    assert json_ld(response)["name"] == "</script><script>alert(1)</script> & more"


@pytest.mark.usefixtures("demo")
def test_meeting_page_open_graph(client):
    assert open_graph(client.get("/meetings/2022-amm-55/")) == {
        "og:type": "website",
        "og:site_name": "aseancal",
        "og:locale": "en_GB",
        "og:title": "55th ASEAN Foreign Ministers' Meeting",
        "og:description": "Wednesday 3 August 2022, all day (Phnom Penh time, UTC+7) "
        "· Phnom Penh · hosted by Cambodia",
        "og:url": f"{SITE}/meetings/2022-amm-55/",
        "twitter:card": "summary",
    }


def test_meeting_page_description_sanitised_at_display(db, client):
    meeting = timed_meeting()
    Meeting.objects.filter(pk=meeting.pk).update(
        description='<p>Agenda: <a href="javascript:alert(1)">x</a></p><script>alert(2)</script>'
    )

    response = client.get(meeting.get_absolute_url())

    assertInHTML(
        '<div class="prose"><p>Agenda: <a rel="noopener noreferrer nofollow">x</a></p></div>',
        response.content.decode(),
        count=1,
    )


# Local scripts


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("code", "heading"),
    [
        ("kh", 'Cambodia <span class="local" lang="km" dir="auto">ព្រះរាជាណាចក្រកម្ពុជា</span>'),
        ("th", 'Thailand <span class="local" lang="th" dir="auto">ราชอาณาจักรไทย</span>'),
        (
            "la",
            'Lao PDR <span class="local" lang="lo" dir="auto">'
            "ສາທາລະນະລັດ ປະຊາທິປະໄຕ ປະຊາຊົນລາວ</span>",
        ),
        (
            "mm",
            'Myanmar <span class="local" lang="my" dir="auto">ပြည်ထောင်စု သမ္မတ မြန်မာနိုင်ငံတော်</span>',
        ),
        (
            "vn",
            'Viet Nam <span class="local" lang="vi" dir="auto">'
            "Cộng hòa Xã hội chủ nghĩa Việt Nam</span>",
        ),
    ],
)
def test_country_page_local_name_in_its_script_with_lang(client, code, heading):
    response = client.get(f"/countries/{code}/")

    assert response["Content-Type"] == "text/html; charset=utf-8"
    assertInHTML(f"<h1>{heading}</h1>", response.content.decode(), count=1)


# The list and its filters


ALL_PUBLISHED = [
    "2022-amm-55",
    "2022-apt-23",
    "2022-pmc-ru",
    "2022-arf-29",
    "2022-eas-12",
    "sample-som",
    "sample-arf-ism",
    "sample-eas-som",
    "sample-asean-japan-pmc",
]


@pytest.mark.usefixtures("demo")
def test_list_shows_published_meetings_in_calendar_order(client):
    response = client.get("/meetings/")

    assert listed(response) == ALL_PUBLISHED
    assert texts(response, "h2", "id", "results-heading") == ["9 meetings"]
    assert feed_hrefs(response) == feeds("", "ASEAN meetings")


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("format=AMM", ["2022-amm-55"]),
        ("format=amm", ["2022-amm-55"]),
        (
            "format=EAS&format=ARF",
            ["2022-arf-29", "2022-eas-12", "sample-arf-ism"],
        ),
        (
            "country=RU",
            ["2022-pmc-ru", "2022-arf-29", "2022-eas-12", "sample-arf-ism", "sample-eas-som"],
        ),
        ("country=ru&format=eas", ["2022-eas-12"]),
        ("host=PH&status=cancelled", ["sample-asean-japan-pmc"]),
        ("format=AMM&format=APT&status=held", ["2022-amm-55", "2022-apt-23"]),
        ("from=2026-11-15&to=2026-11-15", ["sample-arf-ism", "sample-eas-som"]),
        # The title of the PMC, and the meetings Russia is invited to.
        (
            "q=Russia",
            ["2022-pmc-ru", "2022-arf-29", "2022-eas-12", "sample-arf-ism", "sample-eas-som"],
        ),
        ("q=Phnom+Penh+ARF", ["2022-arf-29"]),
        ("q=Retreat", []),
        (
            "country=MM&host=PH",
            ["sample-som", "sample-arf-ism", "sample-eas-som", "sample-asean-japan-pmc"],
        ),
        ("country=GB&host=KH", []),
        ("format=&country=+&q=&status=", ALL_PUBLISHED),
    ],
)
def test_list_filters_combine(client, query, slugs):
    response = client.get(f"/meetings/?{query}")

    assert (response.status_code, listed(response)) == (200, slugs)


@pytest.mark.usefixtures("demo")
def test_list_filters_reflected_in_form_and_feed(client):
    response = client.get("/meetings/?format=amm&format=EAS&country=ru&status=held&q=Phnom")
    content = response.content.decode()

    assertInHTML('<input type="checkbox" name="format" value="AMM" checked>', content, count=1)
    assertInHTML('<input type="checkbox" name="format" value="APT">', content, count=1)
    assertInHTML('<option value="RU" selected>Russia (RU)</option>', content, count=1)
    assertInHTML('<input type="checkbox" name="status" value="held" checked>', content, count=1)
    assertInHTML(
        '<input id="filter-q" name="q" type="search" value="Phnom" maxlength="200">',
        content,
        count=1,
    )
    assert feed_hrefs(response) == feeds(
        "country=RU&format=AMM&format=EAS&q=Phnom&status=held",
        "ASEAN meetings: AMM or EAS · hosted or attended by RU · held · “Phnom”",
    )


NOT_A_CHOICE = "Select a valid choice. That choice is not one of the available choices."


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("format=XYZ", "format", "Select a valid choice. XYZ is not one of the available choices."),
        ("country=zz", "country", NOT_A_CHOICE),
        ("host=ZZ", "host", NOT_A_CHOICE),
        (
            "status=bogus",
            "status",
            "Select a valid choice. bogus is not one of the available choices.",
        ),
        ("from=2026-13-01", "from", "Enter a valid date."),
        ("from=2026-11-02&to=2026-11-01", "to", "“to” must not be before “from”."),
        ("q=Phnom%00Penh", "q", "Null characters are not allowed."),
        ("country=R%00", "country", "Null characters are not allowed."),
        ("page=abc", "page", "Enter a whole number from 1 to 1,000,000."),
        ("page=0", "page", "Enter a whole number from 1 to 1,000,000."),
        ("page=%C2%B2", "page", "Enter a whole number from 1 to 1,000,000."),
        ("page=1000001", "page", "Enter a whole number from 1 to 1,000,000."),
        ("page=" + "9" * 4301, "page", "Enter a whole number from 1 to 1,000,000."),
    ],
)
def test_list_bad_filter_is_400_naming_the_parameter(client, query, param, message):
    response = client.get(f"/meetings/?{query}")

    assert response.status_code == 400
    assert texts(response, "div", "class", "notice-error")[0].split(" Correct")[0] == (
        f"Some filters could not be used The filter {param}: {message}"
    )
    assert listed(response) == []


@pytest.mark.usefixtures("demo")
def test_list_page_past_the_end_is_404(client):
    assert client.get("/meetings/?page=2").status_code == 404


def test_list_opens_at_the_page_holding_the_next_meeting(db, client, frozen_now):
    fmt = FormatFactory(code="SOM")
    past = [
        MeetingFactory(
            format=fmt, start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)
        )
        for n in range(32)
    ]
    upcoming = MeetingFactory(format=fmt, start=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))

    response = client.get("/meetings/")

    assert listed(response) == [m.slug for m in past[30:]] + [upcoming.slug]
    assert texts(response, "nav", "class", "pagination") == ["Page 2 of 2 First Earlier"]
    assert texts(response, "p", "class", "note") == [
        "Starting at the next meeting. Earlier meetings are on the previous pages."
    ]
    assert listed(client.get("/meetings/?page=1")) == [m.slug for m in past[:30]]
    assert listed(client.get("/meetings/?from=2025-01-01")) == [m.slug for m in past[:30]]


def test_list_pagination_keeps_the_filters(db, client, frozen_now):
    fmt = FormatFactory(code="SOM")
    for n in range(31):
        MeetingFactory(
            format=fmt, start=dt.datetime(2027, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)
        )

    response = client.get("/meetings/?format=som&q=SOM")

    assertInHTML(
        '<a rel="next" href="?format=som&amp;q=SOM&amp;page=2">Later</a>',
        response.content.decode(),
        count=1,
    )


# Format and country pages


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("code", ["amm", "AMM", "Amm"])
def test_format_page_case_insensitive(client, code):
    response = client.get(f"/formats/{code}/")

    assert texts(response, "h1") == ["ASEAN Foreign Ministers' Meeting"]
    assert listed(response) == ["2022-amm-55"]
    assert texts(response, "h2", "id", "results-heading") == ["1 meeting"]
    assert feed_hrefs(response) == feeds("format=AMM", "ASEAN meetings: AMM")


@pytest.mark.usefixtures("demo")
def test_format_page_takes_the_other_filters(client):
    response = client.get("/formats/eas_som/?status=tentative")

    assert listed(response) == ["sample-eas-som"]
    assert feed_hrefs(response) == feeds(
        "format=EAS_SOM&status=tentative", "ASEAN meetings: EAS_SOM · tentative"
    )


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("url", ["/formats/nope/", "/countries/zz/", "/countries/russia/"])
def test_unknown_format_or_country_is_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("code", ["ru", "RU"])
def test_country_page_lists_where_russia_hosts_or_attends(client, code):
    response = client.get(f"/countries/{code}/")

    assert listed(response) == [
        "2022-pmc-ru",
        "2022-arf-29",
        "2022-eas-12",
        "sample-arf-ism",
        "sample-eas-som",
    ]
    assert texts(response, "span", "class", "attendance") == [
        "Russia: Confirmed, headed by Sergey Lavrov",
        "Russia: Confirmed, headed by Sergey Lavrov",
        "Russia: Confirmed, headed by Sergey Lavrov",
        "Russia: Invited",
        "Russia: Invited",
    ]
    assert feed_hrefs(response) == feeds("country=RU", "ASEAN meetings: hosted or attended by RU")


@pytest.mark.usefixtures("demo")
def test_country_page_host_with_roles_and_chair_years(client):
    response = client.get("/countries/kh/")

    assert texts(response, "ul", "class", "facts-inline") == [
        "ASEAN member state since 30 April 1999 "
        "ASEAN Regional Forum participant "
        "ASEAN chair in 2022, 2012, 2002"
    ]
    assert listed(response) == [
        "2022-amm-55",
        "2022-apt-23",
        "2022-pmc-ru",
        "2022-arf-29",
        "2022-eas-12",
        "sample-som",
        "sample-arf-ism",
        "sample-eas-som",
        "sample-asean-japan-pmc",
    ]


# Unpublished meetings never reach the public


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/meetings/",
        "/meetings/?q=Retreat",
        "/meetings/?format=AMM",
        "/meetings/?host=PH&status=tentative",
        "/formats/amm/",
        "/countries/ph/",
        "/calendar/2026/11/",
        "/meetings/sample-som/",
    ],
)
def test_unpublished_meeting_appears_nowhere(client, url):
    content = client.get(url).content.decode()

    assert (content.count("sample-amm-retreat"), content.count("AMM Retreat")) == (0, 0)


@pytest.mark.usefixtures("demo")
def test_unpublished_meeting_not_counted(client):
    # The Philippines also hosts the unpublished retreat: ten meetings, nine public.
    response = client.get("/countries/ph/")

    assert texts(response, "h2", "id", "results-heading") == ["9 meetings"]
    assert texts(client.get("/meetings/?q=Retreat"), "h2", "id", "results-heading") == [
        "0 meetings"
    ]


# The month grid


def day_entries(response) -> dict[str, list[str]]:
    """Each day of the grid with the slugs of its meetings."""
    days = {}
    for cell in re.findall(r"<td[^>]*>(.*?)</td>", response.content.decode(), re.S):
        day = re.search(r'<time datetime="(\d{4}-\d\d-\d\d)">', cell).group(1)
        slugs = re.findall(r'<a href="/meetings/([^/]+)/">', cell)
        if slugs:
            days[day] = slugs
    return days


@pytest.mark.usefixtures("demo")
def test_month_grid_august_2022(client):
    response = client.get("/calendar/2022/8/")

    assert texts(response, "h1") == ["Meetings in August 2022"]
    assert day_entries(response) == {
        "2022-08-03": ["2022-amm-55"],
        "2022-08-04": ["2022-apt-23", "2022-pmc-ru"],
        "2022-08-05": ["2022-arf-29", "2022-eas-12"],
    }
    assert texts(response, "caption") == [
        "August 2022: 5 meetings. Days run Monday to Sunday; times are at the venue."
    ]
    assert feed_hrefs(response) == feeds(
        "from=2022-08-01&to=2022-08-31", "ASEAN meetings: from 2022-08-01 · to 2022-08-31"
    )


@pytest.mark.usefixtures("demo")
def test_month_grid_multi_day_on_each_day_and_cancelled_struck(client):
    response = client.get("/calendar/2026/11/")

    assert day_entries(response) == {
        "2026-11-14": ["sample-som"],
        "2026-11-15": ["sample-arf-ism", "sample-eas-som"],
        "2026-11-16": ["sample-arf-ism", "sample-asean-japan-pmc"],
        "2026-11-17": ["sample-arf-ism"],
    }
    assert texts(response, "span", "class", "span") == [
        "day 1 of 3",
        "day 2 of 3",
        "day 3 of 3",
    ]
    assertInHTML(
        '<li class="status-cancelled"><a href="/meetings/sample-asean-japan-pmc/">'
        '<time datetime="2026-11-16T14:00+08:00">14:00</time> '
        "<s>[Sample] ASEAN-Japan Post Ministerial Conference</s> "
        '<span class="tag tag-cancelled">Cancelled</span></a></li>',
        response.content.decode(),
        count=1,
    )


def test_month_grid_shows_days_of_neighbouring_months(db, client):
    meeting = MeetingFactory(
        start=dt.datetime(2030, 7, 29, 2, tzinfo=dt.UTC),
        end=dt.datetime(2030, 8, 2, 5, tzinfo=dt.UTC),
    )

    assert day_entries(client.get("/calendar/2030/8/")) == {
        "2030-07-29": [meeting.slug],
        "2030-07-30": [meeting.slug],
        "2030-07-31": [meeting.slug],
        "2030-08-01": [meeting.slug],
        "2030-08-02": [meeting.slug],
    }


@pytest.mark.usefixtures("demo")
def test_month_grid_previous_and_next_across_the_year(client):
    response = client.get("/calendar/2026/12/?format=arf")

    assert re.findall(r'<a rel="(prev|next)" href="([^"]+)">', response.content.decode()) == [
        ("prev", "/calendar/2026/11/?format=ARF"),
        ("next", "/calendar/2027/1/?format=ARF"),
    ]


@pytest.mark.usefixtures("demo")
def test_month_grid_takes_the_shared_filter(client):
    response = client.get("/calendar/2026/11/?format=arf")

    assert day_entries(response) == {
        "2026-11-15": ["sample-arf-ism"],
        "2026-11-16": ["sample-arf-ism"],
        "2026-11-17": ["sample-arf-ism"],
    }
    assert feed_hrefs(response) == feeds(
        "format=ARF&from=2026-11-01&to=2026-11-30",
        "ASEAN meetings: ARF · from 2026-11-01 · to 2026-11-30",
    )


@pytest.mark.usefixtures("demo")
def test_month_grid_bad_filter_is_400_naming_the_parameter(client):
    response = client.get("/calendar/2026/11/?country=ZZ")

    assert response.status_code == 400
    assert texts(response, "div", "class", "notice-error")[0].split(" Correct")[0] == (
        "Some filters could not be used The filter country: Select a valid choice. That "
        "choice is not one of the available choices."
    )


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("url", ["/calendar/2026/13/", "/calendar/2026/0/", "/calendar/10000/1/"])
def test_month_grid_invalid_month_is_404(client, url):
    assert client.get(url).status_code == 404


# Home


@pytest.mark.usefixtures("demo")
def test_home_next_meetings_and_the_next_umbrella_event_day_by_day(client):
    response = client.get("/")

    assert listed(response) == [
        "sample-som",
        "sample-arf-ism",
        "sample-eas-som",
        "sample-asean-japan-pmc",
    ]
    assert texts(response, "h2", "id", "event-heading") == [
        "Next [Sample] Senior Officials' Meetings (demo data)"
    ]
    assert texts(response, "li", "class", "day") == [
        "Saturday 14 November 2026 09:00 UTC+8 [Sample] ASEAN Senior Officials' Meeting",
        "Sunday 15 November 2026 All day [Sample] ARF Inter-Sessional Meeting day 1 of 3 "
        "09:30 UTC+8 [Sample] East Asia Summit Senior Officials' Meeting Tentative",
        "Monday 16 November 2026 All day [Sample] ARF Inter-Sessional Meeting day 2 of 3 "
        "14:00 UTC+8 [Sample] ASEAN-Japan Post Ministerial Conference Cancelled",
        "Tuesday 17 November 2026 All day [Sample] ARF Inter-Sessional Meeting day 3 of 3",
    ]
    assert feed_hrefs(response) == feeds("", "ASEAN meetings")


@pytest.mark.usefixtures("demo")
def test_home_marks_a_meeting_happening_now(client, frozen_now):
    frozen_now.move_to(dt.datetime(2026, 11, 14, 2, 0, tzinfo=dt.UTC))

    response = client.get("/")

    assert texts(response, "span", "class", "tag-now") == ["Happening now", "Today"]


@pytest.mark.usefixtures("demo")
def test_a_cancelled_meeting_is_never_happening_now(client, frozen_now):
    frozen_now.move_to(dt.datetime(2026, 11, 14, 2, 0, tzinfo=dt.UTC))
    Meeting.objects.filter(slug="sample-som").update(status=MeetingStatus.CANCELLED)

    response = client.get("/")

    assert texts(response, "span", "class", "tag-now") == ["Today"]


@pytest.mark.usefixtures("demo")
def test_home_falls_back_to_the_latest_event_when_none_is_ahead(client, frozen_now):
    frozen_now.move_to(dt.datetime(2027, 6, 1, tzinfo=dt.UTC))

    response = client.get("/")

    assert listed(response) == []
    assert texts(response, "h2", "id", "event-heading") == [
        "Most recent [Sample] Senior Officials' Meetings (demo data)"
    ]


def test_home_skips_events_whose_meetings_are_all_unpublished(db, client, frozen_now):
    hidden = Event.objects.create(
        title="Draft event",
        slug="draft",
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2026, 12, 2),
    )
    MeetingFactory(event=hidden, published=False, start=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))

    response = client.get("/")

    assert (
        texts(response, "h2", "id", "event-heading"),
        "Draft event" in response.content.decode(),
    ) == ([], False)


# Query counts do not grow with the rows


def _make_rows(n: int, participant: Participant) -> list[Meeting]:
    fmt = FormatFactory(code="SOM")
    event = Event.objects.get_or_create(
        slug="week",
        defaults={
            "title": "Week",
            "host": participant,
            "start_date": dt.date(2026, 11, 10),
            "end_date": dt.date(2026, 11, 20),
        },
    )[0]
    made = []
    for k in range(n):
        meeting = MeetingFactory(
            format=fmt,
            event=event,
            host=participant,
            start=dt.datetime(2026, 11, 10, 2, tzinfo=dt.UTC) + dt.timedelta(hours=7 * k),
            status=MeetingStatus.CANCELLED if k % 3 == 0 else MeetingStatus.SCHEDULED,
        )
        DelegationFactory(meeting=meeting, participant=participant, head_name=f"Head {k}")
        made.append(meeting)
    return made


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    ["/", "/meetings/?format=SOM", "/formats/som/", "/countries/ru/", "/calendar/2026/11/"],
)
def test_list_pages_query_count_independent_of_rows(db, client, frozen_now, url):
    russia = ParticipantFactory(code="RU", name="Russia")
    _make_rows(1, russia)
    with_one = query_count(client, url)

    _make_rows(19, russia)

    assert query_count(client, url) == with_one


def test_meeting_page_query_count_independent_of_delegations_and_siblings(db, client, frozen_now):
    participants = [ParticipantFactory() for _ in range(20)]
    meeting = _make_rows(1, participants[0])[0]
    with_one = query_count(client, meeting.get_absolute_url())
    for participant in participants[1:]:
        DelegationFactory(meeting=meeting, participant=participant)
    _make_rows(19, participants[0])

    assert query_count(client, meeting.get_absolute_url()) == with_one
    response = client.get(meeting.get_absolute_url())
    assert texts(response, "p", "class", "summary") == [
        "20 invited: 0 confirmed, 0 declined, 20 not yet answered."
    ]
    assert (
        len(re.findall(r'<li class="status-\w+"><a href="/meetings/', response.content.decode()))
        == 19
    )


@pytest.mark.usefixtures("demo")
def test_a_declined_delegation_shows_no_head_of_delegation(client):
    Delegation.objects.filter(meeting__slug="2022-amm-55", participant__code="MM").update(
        head_name="Wunna Maung Lwin", head_title="Minister for Foreign Affairs"
    )

    page = client.get("/meetings/2022-amm-55/")
    country = client.get("/countries/mm/?from=2022-08-01&to=2022-08-31")
    found = client.get("/meetings/?q=Wunna&from=2022-01-01")

    assert (
        texts(page, "tr", "class", "delegation-declined"),
        "Wunna" in country.content.decode(),
        "Wunna" in page.content.decode(),
        listed(found),
    ) == (["Myanmar Non-political representative Declined"], False, False, [])
