"""Subscribing, explained: the subscribe block of the pages (links, the feed address in a
read-only field, no offer for a filter matching nothing) and the /subscribe/ page."""

import re

import icalendar
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertInHTML

from meetings.links import FeedLinks, feed_links, links_to
from tests.meetings.test_views import feed_hrefs, feeds, texts

SITE = settings.SITE_URL
NOTHING = "No meetings match these filters, so there is nothing to subscribe to."


# The links


def test_feed_links_offer_outlook_for_personal_and_work_accounts_with_the_feed_name():
    links = feed_links({"host": "KH", "format": ["EAS", "AMM"], "q": ""})

    assert links == FeedLinks(
        https=f"{SITE}/feeds/meetings.ics?format=AMM&format=EAS&host=KH",
        webcal="webcal://127.0.0.1:8000/feeds/meetings.ics?format=AMM&format=EAS&host=KH",
        google="https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F127.0.0.1"
        "%3A8000%2Ffeeds%2Fmeetings.ics%3Fformat%3DAMM%26format%3DEAS%26host%3DKH",
        outlook="https://outlook.live.com/calendar/0/addfromweb?url=http%3A%2F%2F127.0.0.1"
        "%3A8000%2Ffeeds%2Fmeetings.ics%3Fformat%3DAMM%26format%3DEAS%26host%3DKH"
        "&name=ASEAN%20meetings%3A%20AMM%20or%20EAS%20%C2%B7%20hosted%20by%20KH",
        outlook_work="https://outlook.office.com/calendar/0/addfromweb?url=http%3A%2F%2F"
        "127.0.0.1%3A8000%2Ffeeds%2Fmeetings.ics%3Fformat%3DAMM%26format%3DEAS%26host%3DKH"
        "&name=ASEAN%20meetings%3A%20AMM%20or%20EAS%20%C2%B7%20hosted%20by%20KH",
        guide="/subscribe/?format=AMM&format=EAS&host=KH",
    )


def test_links_to_another_calendar_point_at_the_general_guide():
    links = links_to("https://cal.example/events/55th-amm.ics", name="55th AMM")

    assert (links.webcal, links.outlook, links.guide) == (
        "webcal://cal.example/events/55th-amm.ics",
        "https://outlook.live.com/calendar/0/addfromweb"
        "?url=https%3A%2F%2Fcal.example%2Fevents%2F55th-amm.ics&name=55th%20AMM",
        "/subscribe/",
    )
    # Built the old way (https, webcal, Google), FeedLinks still works.
    assert FeedLinks("https://a", "webcal://a", "https://g").outlook == ""


# The block on the pages


@pytest.mark.usefixtures("demo")
def test_list_page_subscribe_block_field_label_and_guide(client):
    response = client.get("/meetings/?format=eas&country=ru")
    content = response.content.decode()

    assertInHTML(
        '<p class="feed-address"><label for="feed-address">iCal feed address</label>'
        '<input id="feed-address" type="url" readonly spellcheck="false" data-copy '
        f'value="{SITE}/feeds/meetings.ics?country=RU&amp;format=EAS">'
        '<a class="subscribe-guide" href="/subscribe/?country=RU&amp;format=EAS">'
        "How to subscribe</a></p>",
        content,
        count=1,
    )
    assert texts(response, "p", "class", "subscribe-links") == [
        "Follow these meetings in your calendar: Subscribe (calendar app) Google Calendar "
        "Outlook.com Outlook (work or school)"
    ]
    # The address is a field now, not a link that downloads a file.
    assert f'href="{SITE}/feeds/meetings.ics' not in content


@pytest.mark.usefixtures("demo")
def test_every_page_loads_the_copy_script_from_a_file(client):
    content = client.get("/meetings/2022-amm-55/").content.decode()

    assert re.findall(r"<script[^>]*>", content) == [
        '<script type="application/ld+json">',
        '<script src="/static/js/local-time.js" defer>',
        '<script src="/static/js/copy-feed.js" defer>',
    ]


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    "url",
    [
        "/meetings/?q=Retreat",
        "/meetings/?country=GB&host=KH",
        "/formats/amm/?status=cancelled",
        "/countries/gb/",
        "/calendar/2026/11/?format=AMM",
        "/calendar/2030/1/",
    ],
)
def test_a_filter_with_no_meetings_offers_no_subscription(client, url):
    response = client.get(url)
    content = response.content.decode()

    assert response.status_code == 200
    assert texts(response, "p", "class", "subscribe-none") == [NOTHING]
    assert (content.count('class="subscribe"'), content.count("feeds/meetings.ics?")) == (0, 0)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("url", "query", "name"),
    [
        ("/meetings/?format=amm", "format=AMM", "ASEAN meetings: AMM"),
        ("/formats/amm/?q=", "format=AMM", "ASEAN meetings: AMM"),
        (
            "/countries/ru/?status=held",
            "country=RU&status=held",
            "ASEAN meetings: hosted or attended by RU · held",
        ),
        (
            "/calendar/2022/8/?format=AMM",
            "format=AMM&from=2022-08-01&to=2022-08-31",
            "ASEAN meetings: AMM · from 2022-08-01 · to 2022-08-31",
        ),
    ],
)
def test_a_filter_with_meetings_offers_the_subscription(client, url, query, name):
    response = client.get(url)

    assert texts(response, "p", "class", "subscribe-none") == []
    assert feed_hrefs(response) == feeds(query, name)


# The /subscribe/ page


@pytest.mark.usefixtures("demo")
def test_subscribe_page_steps_for_each_calendar_app(client):
    response = client.get("/subscribe/")

    assert response.status_code == 200
    assert texts(response, "h1") == ["How to subscribe"]
    assert texts(response, "h2") == [
        "The feed",
        "Google Calendar",
        "Apple Calendar",
        "Outlook",
        "Thunderbird",
        "khal and vdirsyncer",
    ]
    assert texts(response, "h3") == [
        "On a Mac",
        "On an iPhone or iPad",
        "Outlook on the web and the new Outlook for Windows and Mac",
        "Classic Outlook for Windows",
    ]
    steps = texts(response, "ol")
    assert [
        len(re.findall(r"<li>", ol))
        for ol in re.findall(r"<ol>(.*?)</ol>", response.content.decode(), re.S)
    ] == [3, 4, 3, 3, 3, 3]
    assert steps[0] == (
        "Copy the iCal feed address above. "
        "Open Google Calendar on the web. Beside Other calendars, select +, then From URL. "
        "Paste the address and select Add calendar."
    )
    assert steps[1].split(". ")[1] == "In Calendar, choose File → New Calendar Subscription"
    assert "Add Account → Other → Add Subscribed Calendar" in steps[2]
    assert "select Add calendar, then Subscribe from web" in steps[3]
    assert "choose On the Network" in steps[5]


@pytest.mark.usefixtures("demo")
def test_subscribe_page_says_how_often_each_app_refreshes(client):
    response = client.get("/subscribe/")
    paragraphs = texts(response, "p")

    assert [p for p in paragraphs if "every several hours" in p] == [
        "The “Google Calendar” link above opens the same page with the address filled in. "
        "Google fetches subscribed calendars on its own schedule, every several hours and "
        "sometimes only once a day; there is no way to make it fetch sooner."
    ]
    assert (
        "Classic Outlook follows the feed's own suggestion: a fresh copy every 6 hours."
        in paragraphs
    )


@pytest.mark.usefixtures("demo")
def test_subscribe_page_shows_every_meeting_by_default_without_linking_to_itself(client):
    response = client.get("/subscribe/")

    assert feed_hrefs(response) == [
        link for link in feeds("", "ASEAN meetings") if not link.startswith("/subscribe/")
    ]
    assert texts(response, "span", "class", "subscribe-label") == ["In one step:"]


@pytest.mark.usefixtures("demo")
def test_subscribe_page_for_a_filter_shows_that_feed_under_its_calendar_name(client):
    response = client.get("/subscribe/?country=ru&format=eas&format=&page=3")

    name = "ASEAN meetings: EAS · hosted or attended by RU"
    assert feed_hrefs(response) == [
        link for link in feeds("country=RU&format=EAS", name) if not link.startswith("/sub")
    ]
    assert texts(response, "section", "class", "feed-choice")[0].split(" In one step:")[0] == (
        "The feed Only the meetings matching: format EAS; country RU. In your calendar it is "
        f"called {name}. Subscribe to every meeting instead."
    )


@pytest.mark.usefixtures("demo")
def test_subscribe_page_address_is_the_feed_that_carries_the_same_name(client):
    """The name given to Outlook is the one the feed itself gives its calendar."""
    response = client.get("/subscribe/?host=kh&status=held")
    address = feed_hrefs(response)[-1]

    feed = client.get(address.removeprefix(SITE))

    assert (feed.status_code, feed["Content-Type"]) == (200, "text/calendar; charset=utf-8")
    assert str(icalendar.Calendar.from_ical(feed.content)["X-WR-CALNAME"]) == (
        "ASEAN meetings: hosted by KH · held"
    )
    assert feed_hrefs(response)[2].endswith(
        "&name=ASEAN%20meetings%3A%20hosted%20by%20KH%20%C2%B7%20held"
    )


@pytest.mark.usefixtures("demo")
def test_subscribe_page_for_a_filter_with_no_meetings_offers_nothing(client):
    response = client.get("/subscribe/?q=Retreat")

    assert response.status_code == 200
    assert texts(response, "p", "class", "subscribe-none") == [NOTHING]
    assert texts(response, "h2") == ["The feed"]
    assert "feeds/meetings.ics?" not in response.content.decode()


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("format=XYZ", "format", "Select a valid choice. XYZ is not one of the available choices."),
        (
            "country=zz",
            "country",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        (
            "status=bogus",
            "status",
            "Select a valid choice. bogus is not one of the available choices.",
        ),
        ("from=2026-13-01", "from", "Enter a valid date."),
        ("from=2026-11-02&to=2026-11-01", "to", "“to” must not be before “from”."),
        ("q=Phnom%00Penh", "q", "Null characters are not allowed."),
    ],
)
def test_subscribe_page_bad_filter_is_400_naming_the_parameter(client, query, param, message):
    response = client.get(f"/subscribe/?{query}")

    assert response.status_code == 400
    assert texts(response, "div", "class", "notice-error") == [
        f"Some filters could not be used The filter {param}: {message} "
        "Correct the value and try again, or start again without filters."
    ]
    assert (texts(response, "h2"), 'class="subscribe' in response.content.decode()) == (
        ["Some filters could not be used"],
        False,
    )


def queries(client, url: str, **headers) -> tuple:
    """The response to a GET of `url` and how many queries it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    # Counted now: the next request empties the connection's log.
    return response, len(captured)


@pytest.mark.usefixtures("demo")
def test_subscribe_page_is_kept_in_memory_and_answers_if_none_match(client):
    first, cold = queries(client, "/subscribe/?format=AMM")
    again, warm = queries(client, "/subscribe/?format=AMM")
    revalidated, _ = queries(client, "/subscribe/?format=AMM", if_none_match=again["ETag"])

    assert (first.status_code, again.status_code, revalidated.status_code) == (200, 200, 304)
    assert (cold, warm) == (4, 1)  # warm: the calendar version only
    assert again.content == first.content
