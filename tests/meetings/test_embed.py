"""The upcoming-meetings widget newsrooms frame: /embed/upcoming/ with the list's filter and
`limit`, small and script-free, and the only page whose policy lets other sites frame it."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from aseancal.csp import PolicyMiddleware, framable
from tests.factories import FormatFactory, MeetingFactory
from tests.meetings.test_views import texts
from tests.security.test_csp import SITE_POLICY, policy

# The reference calendar's meetings not yet over on 2 November 2026, in order.
UPCOMING = ["sample-som", "sample-arf-ism", "sample-eas-som", "sample-asean-japan-pmc"]
EMBED_POLICY = SITE_POLICY | {"frame-ancestors": ["*"]}


def slugs(response) -> list[str]:
    """The meetings the widget lists, in order."""
    return re.findall(r'<a href="/meetings/([^/]+)/" target="_blank"', response.content.decode())


def queries(client, url: str, **headers) -> tuple:
    """The response to a GET of `url` and how many queries it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    return response, len(captured)


@pytest.mark.usefixtures("demo")
def test_embed_lists_the_next_meetings_with_dates_at_the_venue_city_and_status(client):
    response = client.get("/embed/upcoming/")

    assert response.status_code == 200
    assert texts(response, "h1") == ["Next ASEAN meetings"]
    assert texts(response, "li") == [
        "Sat 14 Nov 2026, 09:00–12:00 UTC+8 [Sample] ASEAN Senior Officials' Meeting Manila",
        "Sun 15 – Tue 17 Nov 2026 · all day [Sample] ARF Inter-Sessional Meeting Manila",
        "Sun 15 Nov 2026, 09:30–17:00 UTC+8 "
        "[Sample] East Asia Summit Senior Officials' Meeting Tentative Manila",
        "Mon 16 Nov 2026, 14:00–16:00 UTC+8 "
        "[Sample] ASEAN-Japan Post Ministerial Conference Cancelled Manila",
    ]
    assert slugs(response) == UPCOMING


@pytest.mark.usefixtures("demo")
def test_embed_links_open_the_meeting_pages_in_a_new_tab(client):
    content = client.get("/embed/upcoming/?format=eas_som&status=tentative").content.decode()

    assert re.findall(r"<a [^>]*>", content) == [
        '<a href="/meetings/sample-eas-som/" target="_blank" rel="noopener">',
        '<a href="/meetings/?format=EAS_SOM&amp;status=tentative" target="_blank" rel="noopener">',
    ]
    assert re.findall(r"<a [^>]*>([^<]*)</a>", content)[-1] == "All meetings on aseancal"


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("format=EAS_SOM", ["sample-eas-som"]),
        ("format=eas_som&format=ARF", ["sample-arf-ism", "sample-eas-som"]),
        ("country=ru", ["sample-arf-ism", "sample-eas-som"]),
        ("host=PH&status=cancelled", ["sample-asean-japan-pmc"]),
        ("status=tentative", ["sample-eas-som"]),
        ("from=2026-11-16", ["sample-arf-ism", "sample-asean-japan-pmc"]),
        ("to=2026-11-14", ["sample-som"]),
        ("q=Post+Ministerial", ["sample-asean-japan-pmc"]),
        ("format=AMM", []),
        ("format=&country=+&q=", UPCOMING),
    ],
)
def test_embed_takes_every_list_filter(client, query, expected):
    response = client.get(f"/embed/upcoming/?{query}")

    assert (response.status_code, slugs(response)) == (200, expected)


@pytest.mark.usefixtures("demo")
def test_embed_says_when_nothing_matches(client):
    response = client.get("/embed/upcoming/?format=AMM")

    assert texts(response, "li", "class", "empty") == ["No upcoming meetings match."]
    assert texts(response, "h1") == ["Next ASEAN meetings: AMM"]


@pytest.fixture
def seven_upcoming(db, frozen_now):
    fmt = FormatFactory(code="SOM")
    first = dt.datetime(2027, 1, 4, 2, 0, tzinfo=dt.UTC)
    return [
        MeetingFactory(format=fmt, number=n + 1, start=first + dt.timedelta(days=n)).slug
        for n in range(7)
    ]


@pytest.mark.parametrize(("query", "count"), [("", 5), ("?limit=1", 1), ("?limit=07", 7)])
def test_embed_limit_is_honoured_and_five_by_default(client, seven_upcoming, query, count):
    response = client.get(f"/embed/upcoming/{query}")

    assert slugs(response) == seven_upcoming[:count]


def test_embed_past_meetings_are_left_out(client, seven_upcoming, frozen_now):
    frozen_now.move_to(dt.datetime(2027, 1, 6, 6, 0, tzinfo=dt.UTC))  # the third has ended

    assert slugs(client.get("/embed/upcoming/?limit=20")) == seven_upcoming[3:]


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("limit=0", ["limit: Enter a whole number from 1 to 20."]),
        ("limit=21", ["limit: Enter a whole number from 1 to 20."]),
        ("limit=five", ["limit: Enter a whole number from 1 to 20."]),
        ("limit=", ["limit: Enter a whole number from 1 to 20."]),
        ("limit=%C2%B2", ["limit: Enter a whole number from 1 to 20."]),
        ("limit=" + "9" * 5000, ["limit: Enter a whole number from 1 to 20."]),
        (
            "format=XYZ",
            ["format: Select a valid choice. XYZ is not one of the available choices."],
        ),
        ("from=2026-13-01", ["from: Enter a valid date."]),
        ("q=a%00b", ["q: Null characters are not allowed."]),
        (
            "host=ZZ&limit=-1",
            [
                "host: Select a valid choice. That choice is not one of the available choices.",
                "limit: Enter a whole number from 1 to 20.",
            ],
        ),
    ],
)
def test_embed_bad_value_is_a_small_400_naming_the_parameter(client, query, errors):
    response = client.get(f"/embed/upcoming/?{query}")
    content = response.content.decode()

    assert response.status_code == 400
    assert texts(response, "div", "class", "error") == [
        " ".join(["These meetings cannot be shown:", *errors])
    ]
    # The widget's own page, not the site's: no header, navigation or search form.
    assert ("site-header" in content, "<nav" in content, "<form" in content) == (
        False,
        False,
        False,
    )


@pytest.mark.usefixtures("demo")
def test_embed_is_small_with_one_stylesheet_and_no_script(client):
    response = client.get("/embed/upcoming/")
    content = response.content.decode()

    assert re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", content) == [
        '<link rel="stylesheet" href="/static/css/embed.css">'
    ]
    assert re.findall(r"\s(on\w+|style)=", content) == []
    assert len(response.content) < 4_000


# Framing: /embed/ alone


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("url", ["/embed/upcoming/", "/embed/upcoming/?limit=0"])
def test_embed_may_be_framed_by_any_site(client, url):
    response = client.get(url)

    assert policy(response) == EMBED_POLICY
    assert "X-Frame-Options" not in response


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("url", ["/", "/meetings/", "/subscribe/", "/subscribe/?format=XYZ"])
def test_every_other_page_refuses_to_be_framed(client, url):
    response = client.get(url)

    assert policy(response) == SITE_POLICY
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.usefixtures("demo")
def test_embed_from_memory_keeps_its_framing_headers(client):
    """The copy the cache replays, and its 304, are framable like the first answer."""
    first, cold = queries(client, "/embed/upcoming/?format=EAS")
    again, warm = queries(client, "/embed/upcoming/?format=EAS")
    revalidated, _ = queries(client, "/embed/upcoming/?format=EAS", if_none_match=again["ETag"])

    assert (first.status_code, again.status_code, revalidated.status_code) == (200, 200, 304)
    assert (cold > 2, warm) == (True, 1)  # warm: the calendar version only
    assert again.content == first.content
    for response in (again, revalidated):
        assert (policy(response), "X-Frame-Options" in response) == (EMBED_POLICY, False)


@pytest.mark.parametrize("count", [1, 20])
def test_embed_query_count_does_not_grow_with_rows(db, client, frozen_now, count):
    fmt = FormatFactory(code="SOM")
    for n in range(count):
        MeetingFactory(format=fmt, number=n + 1, start=dt.datetime(2027, 1, 4 + n, tzinfo=dt.UTC))

    # the calendar version, the meetings shown, the version again (before keeping the page)
    response, taken = queries(client, "/embed/upcoming/?limit=20")

    assert (len(slugs(response)), taken) == (count, 3)


def test_framable_header_is_remembered_apart_from_the_plain_one(rf):
    """The middleware's memoised header never hands one kind of response the other's."""

    def page(request):
        return HttpResponse("page")

    widget, plain = PolicyMiddleware(framable(page)), PolicyMiddleware(page)

    answers = [widget(rf.get("/embed/x/")), plain(rf.get("/x/")), widget(rf.get("/embed/x/"))]

    assert [policy(answer)["frame-ancestors"] for answer in answers] == [["*"], ["'none'"], ["*"]]
    assert answers[0].xframe_options_exempt is True
