"""Hostile query parameters (and path segments) on every read: the API lists, the public
pages and both feeds.

A bad value is a 400 naming the parameter (JSON keys, the page's list of filters, the
feed's text), a name in a path that names nothing is a 404, and anything served parses
as what it claims to be and runs no script: the echoed values stay text.
"""

import json
import re
from urllib.parse import quote

import feedparser
import icalendar
import pytest
import vobject
from django.http import QueryDict
from django.utils import timezone
from hypothesis import given, note
from hypothesis import strategies as st

from meetings import feeds
from meetings.filters import filtered_meetings
from meetings.ical import clean_text
from meetings.selectors import feed_meetings

from . import tally
from .conftest import isolated
from .outputs import PageScan, assert_calendar
from .strategies import (
    DATES,
    HOSTILE,
    KNOWN,
    NUMBERS,
    hostile_text,
    shown,
    with_examples,
)
from .transport import encode, get_query, received, wire

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]

FILTERS = ("format", "country", "host", "status", "from", "to", "q")
API_PARAMS = (*FILTERS, "ordering", "page", "page_size")
PAGE_PARAMS = (*FILTERS, "page")
READ_PATHS = {
    "api meetings": ("/api/v1/meetings/", API_PARAMS),
    "api delegations": ("/api/v1/delegations/", ("meeting", "participant", "attendance", "page")),
    "page meetings": ("/meetings/", PAGE_PARAMS),
    "page month": ("/calendar/2026/11/", FILTERS),
    "page changes": ("/changes/", PAGE_PARAMS),
    "feed ics": ("/feeds/meetings.ics", FILTERS),
    "feed atom": ("/feeds/changes.atom", FILTERS),
}
CODES = ("AMM", "amm", " kh ", "KH\x00", "K", "KHM", "ZZ", "EU", "ß", "ǅ", "ﬀ")
OTHER = ("-start", "start,-start", "updated_at", "-pk", "?", "200", "201", "0", "1" * 40)
_FILTER_ERROR = re.compile(r"The filter <code>(.*?)</code>")
_NAMED_IN_TEXT = re.compile(r"(?:^|; )([a-z_]+): ")


def query_value() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from((*DATES, *NUMBERS, *CODES, *OTHER)), hostile_text())


def queries(params: tuple[str, ...]) -> st.SearchStrategy[dict[str, list[str]]]:
    return st.dictionaries(
        st.sampled_from(params), st.lists(query_value(), min_size=1, max_size=2), min_size=1
    )


def read_cases() -> st.SearchStrategy[tuple[str, dict[str, list[str]]]]:
    """A read surface and a hostile query of its parameters."""
    return st.sampled_from(sorted(READ_PATHS)).flatmap(
        lambda surface: st.tuples(st.just(surface), queries(READ_PATHS[surface][1]))
    )


def read_examples() -> list[tuple[str, dict[str, list[str]]]]:
    """Each known payload and parameter-shaped value under one parameter of one surface."""
    corpus = (*KNOWN[::2], *DATES, *CODES, *OTHER)
    surfaces = sorted(READ_PATHS)
    found = []
    for n, value in enumerate(corpus):
        surface = surfaces[n % len(surfaces)]
        params = READ_PATHS[surface][1]
        found.append((surface, {params[(n // len(surfaces)) % len(params)]: [value]}))
    # Every number-shaped value as a page number, wherever there are pages.
    paged = [surface for surface in surfaces if "page" in READ_PATHS[surface][1]]
    found += [(surface, {"page": [value]}) for surface in paged for value in NUMBERS]
    return found


def named_parameters(surface: str, response) -> set[str]:
    """The parameters a 400 names, read as its reader would."""
    body = response.content.decode()
    if surface.startswith("api"):  # an RFC 9457 problem document naming them in `errors`
        return {error["field"] for error in json.loads(body).get("errors", [])}
    if surface.startswith("page"):
        return {received(name) for name in _FILTER_ERROR.findall(body)}
    return set(_NAMED_IN_TEXT.findall(body.removeprefix("Bad filter: ")))


@HOSTILE
@with_examples("case", read_examples())
@given(case=read_cases())
def test_reads_hostile_query_refused_by_name_or_served_safely(client, world, case):
    surface, query = case
    path = READ_PATHS[surface][0]
    note(shown({"surface": surface, "query": query}))
    with isolated():
        response = tally.send(
            f"read {surface}", lambda: get_query(client, path, query), inputs=len(query)
        )

        assert response.status_code in (200, 400, 404), response.status_code
        if response.status_code == 400:
            named = named_parameters(surface, response)
            assert named, response.content[:300]
            assert named <= set(query), (named, query)
            return
        if response.status_code == 404:
            # Only a page past the last one.
            assert {"page"} & set(query), query
            return
        assert_served(surface, response, query)


def assert_served(surface: str, response, query: dict[str, list[str]]) -> None:
    """What came back parses as its kind and shows the echoed values as text only."""
    body = response.content
    if surface.startswith("api"):
        assert isinstance(json.loads(body)["results"], list)
    elif surface.startswith("page"):
        scan = PageScan(body.decode())
        assert (scan.handlers, scan.script_urls) == ([], [])
        assert [attrs.get("src") for attrs, _ in scan.scripts] == [
            "/static/js/local-time.js",
            "/static/js/copy-feed.js",
        ]
    elif surface == "feed atom":
        feed = feedparser.parse(body)
        assert (feed.bozo, feed.version) == (0, "atom10"), feed.get("bozo_exception")
    else:
        # The meetings the filter picks, each once; the query, in the calendar's name, as text.
        params = QueryDict(encode(query))
        window = feeds.feed_window(params, today=timezone.now().date())
        assert_calendar(body, list(filtered_meetings(params, feed_meetings(**window))))
        name = clean_text(feeds.feed_name(params))
        # X-WR-CALNAME: one plain line, nothing for any client to unescape.
        plain = clean_text(re.sub(r"[\\,;]", " ", name))
        parsed = icalendar.Calendar.from_ical(body)
        calendar = vobject.readOne(body.decode())
        # icalendar hands these back raw: it does not know that NAME is TEXT.
        assert (
            text_value(str(parsed["NAME"])),
            str(parsed["X-WR-CALNAME"]),
            calendar.contents["x-wr-calname"][0].value,
        ) == (name, plain, plain)


_TEXT_ESCAPE = re.compile(r"\\([\\;,nN])")


def text_value(raw: str) -> str:
    """An RFC 5545 TEXT value unescaped, as a calendar app reads NAME and X-WR-CALNAME."""
    return _TEXT_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), raw)


PATH_SEGMENTS = {
    "page format": "/formats/{}/",
    "page country": "/countries/{}/",
    "page meeting": "/meetings/{}/",
    "ics meeting": "/meetings/{}.ics",
    "api participant": "/api/v1/participants/{}/",
    "api format": "/api/v1/formats/{}/",
    "api meeting": "/api/v1/meetings/{}/",
    "api delegation": "/api/v1/delegations/{}/",
}


@HOSTILE
@with_examples(
    None,
    [
        {"surface": sorted(PATH_SEGMENTS)[n % len(PATH_SEGMENTS)], "segment": value}
        for n, value in enumerate((*KNOWN[1::3], *CODES))
    ]
    + [{"surface": surface, "segment": "KH\x00"} for surface in PATH_SEGMENTS],
)
@given(
    surface=st.sampled_from(sorted(PATH_SEGMENTS)),
    segment=st.one_of(hostile_text(), st.sampled_from(CODES)),
)
def test_reads_hostile_path_segment_is_404_or_the_named_thing(client, world, surface, segment):
    note(shown({"surface": surface, "segment": segment}))
    path = PATH_SEGMENTS[surface].format(quote(wire(segment), safe=""))
    with isolated():
        response = tally.send(f"read {surface}", lambda: client.get(path))

        assert response.status_code in (200, 404), response.status_code
        if response.status_code == 200:
            # Codes are case-insensitive: only a real one, in any case, is found.
            assert received(segment).upper() in ("AMM", "KH", "RU"), segment
