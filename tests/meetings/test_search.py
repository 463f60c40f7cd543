"""Site search (`/search/`, meetings/search.py) and the list filter `q` on the reference calendar.

Most tests run on both databases (marked `vendor`: CI's SQLite pass runs them too);
typos and accents are found on PostgreSQL only (its trigram and full-text search).
"""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from meetings.documents import document_link
from meetings.enums import DocumentKind
from meetings.filters import InvalidFilter
from meetings.models import Delegation, Document, Event, Meeting
from meetings.search import (
    DOCUMENT_INDEXES,
    MAX_LENGTH,
    Folded,
    document_results,
    matching_heads,
    search_results,
    search_terms,
    text_match,
)
from tests.factories import DelegationFactory, MeetingFactory, ParticipantFactory, VenueFactory
from tests.meetings.test_views import texts

pytestmark = pytest.mark.vendor

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram and full-text search are PostgreSQL's"
)

LAVROV_PEOPLE = [
    "Sergey Lavrov|RU|2022-pmc-ru|confirmed",
    "Sergey Lavrov|RU|2022-eas-12|confirmed",
    "Sergey Lavrov|RU|2022-arf-29|confirmed",
]
LAVROV_MEETINGS = ["2022-eas-12", "2022-arf-29", "2022-pmc-ru"]
SOKHONN_PEOPLE = [
    f"Prak Sokhonn|KH|{slug}|confirmed"
    for slug in ("2022-amm-55", "2022-pmc-ru", "2022-apt-23", "2022-eas-12", "2022-arf-29")
]
REFERENCE = ["2022-eas-12", "2022-arf-29", "2022-pmc-ru", "2022-apt-23", "2022-amm-55"]
EVENT_MEETINGS = ["2022-amm-55", "2022-pmc-ru", "2022-apt-23", "2022-eas-12", "2022-arf-29"]


def shown(row) -> str:
    """A result row as the tests compare it."""
    if isinstance(row, Meeting):
        return row.slug
    if isinstance(row, Delegation):
        return f"{row.head_name}|{row.participant.code}|{row.meeting.slug}|{row.attendance}"
    if isinstance(row, Event):
        return f"{row.slug}: {' '.join(m.slug for m in row.public_meetings)}"
    if isinstance(row, Document):
        parent = row.meeting or row.event
        return f"{row.title}|{row.kind}|{parent.slug}|{document_link(row)}"
    if hasattr(row, "meetings_held"):
        return f"{row}: {row.meetings_held}"
    return f"{row.code}: attends {row.attends}, hosts {row.hosts}"


def found(query: str, **kwargs) -> list[tuple[str, int, list[str]]]:
    """Each group of the search for `query`: kind, total and rows, in the page's order."""
    return [
        (group.kind.name, group.total, [shown(row) for row in group.rows])
        for group in search_results(search_terms(query), **kwargs)
    ]


def result_links(response) -> list[str]:
    """The address of each result's heading, in page order."""
    return re.findall(r'<h3>(?:<a href="([^"]*)">)?', response.content.decode())


# People, participants, places, meetings, events


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("query", ["Lavrov", "LAVROV", "lavrov", "Sergey Lavrov"])
def test_search_lavrov_finds_every_delegation_he_heads(query):
    assert found(query) == [
        ("people", 3, LAVROV_PEOPLE),
        ("meetings", 3, LAVROV_MEETINGS),
    ]


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("query", ["Sokhonn", "sokhon", "Prak Sokhonn"])
def test_search_sokhonn_finds_cambodias_head(query):
    assert found(query) == [("people", 5, SOKHONN_PEOPLE), ("meetings", 5, REFERENCE)]


@pytest.mark.usefixtures("demo")
def test_search_russia_leads_with_the_country_then_the_meetings_it_attends():
    assert found("Russia") == [
        ("participants", 1, ["RU: attends 5, hosts 0"]),
        (
            "meetings",
            5,
            ["2022-pmc-ru", "sample-eas-som", "sample-arf-ism", "2022-eas-12", "2022-arf-29"],
        ),
    ]


@pytest.mark.usefixtures("demo")
def test_search_phnom_penh_finds_the_venue_and_its_meetings():
    assert found("Phnom Penh") == [
        ("places", 1, ["Phnom Penh: 5"]),
        ("meetings", 5, REFERENCE),
    ]


@pytest.mark.usefixtures("demo")
def test_search_vientiane_finds_venues_of_published_meetings_only():
    vientiane = VenueFactory(name="National Convention Centre", city="Vientiane", country_code="LA")
    hidden = VenueFactory(name="Don Chan Palace", city="Vientiane", country_code="LA")
    MeetingFactory(venue=vientiane, title="Vientiane Talks", slug="vientiane-talks")
    MeetingFactory(venue=hidden, title="Closed Talks", slug="closed-talks", published=False)

    assert found("Vientiane") == [
        ("places", 1, ["National Convention Centre, Vientiane: 1"]),
        ("meetings", 1, ["vientiane-talks"]),
    ]


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("query", ["55th AMM", "55th amm", "55 AMM"])
def test_search_by_ordinal_puts_that_meeting_first(query):
    assert found(query) == [
        (
            "meetings",
            5,
            ["2022-amm-55", "2022-eas-12", "2022-arf-29", "2022-pmc-ru", "2022-apt-23"],
        ),
        ("events", 1, ["2022-55th-amm-and-related-meetings: " + " ".join(EVENT_MEETINGS)]),
    ]


@pytest.mark.usefixtures("demo")
def test_search_ordinal_with_a_two_word_short_name():
    assert found("12th EAS FMM") == [("meetings", 1, ["2022-eas-12"])]


@pytest.mark.usefixtures("demo")
def test_search_never_finds_an_unpublished_meeting_or_its_delegations():
    retreat = Meeting.objects.get(slug="sample-amm-retreat")
    Delegation.objects.filter(meeting=retreat, participant__code="BN").update(
        head_name="Erywan Yusof"
    )

    assert (found("Retreat"), found("Erywan")) == ([], [])


@pytest.mark.usefixtures("demo")
def test_search_never_shows_an_unpublished_events_title():
    event = Event.objects.create(
        title="Secret Gathering",
        slug="secret-gathering",
        start_date=dt.date(2030, 8, 3),
        end_date=dt.date(2030, 8, 3),
        published=False,
    )
    MeetingFactory(event=event, title="Open Talks", slug="open-talks")

    assert found("Secret Gathering") == []


@pytest.mark.usefixtures("demo")
def test_search_finds_nothing_for_an_unknown_word():
    assert found("Xylophone") == []


# Pages of one kind


@pytest.fixture
def many_talks(demo):
    """25 published meetings titled "Zorvek Talks 01" ... "Zorvek Talks 25", a day apart."""
    start = dt.datetime(2030, 1, 1, 2, 0, tzinfo=dt.UTC)
    return [
        MeetingFactory(
            title=f"Zorvek Talks {n:02d}",
            slug=f"zorvek-talks-{n}",
            start=start + dt.timedelta(days=n),
            end=start + dt.timedelta(days=n, hours=2),
        )
        for n in range(1, 26)
    ]


def test_search_overview_shows_five_of_a_kind_and_links_to_the_rest(client, many_talks):
    response = client.get("/search/", {"q": "Zorvek"})

    assert response.status_code == 200
    assert result_links(response) == [f"/meetings/zorvek-talks-{n}/" for n in (25, 24, 23, 22, 21)]
    assert texts(response, "p", "class", "more") == ["All 25 meetings"]
    assert '<a href="/search/?q=Zorvek&amp;kind=meetings">' in response.content.decode()


def test_search_kind_pages_through_one_kind(client, many_talks):
    first = client.get("/search/", {"q": "Zorvek", "kind": "meetings"})
    second = client.get("/search/", {"q": "Zorvek", "kind": "meetings", "page": "2"})
    past = client.get("/search/", {"q": "Zorvek", "kind": "meetings", "page": "3"})

    assert (first.status_code, second.status_code, past.status_code) == (200, 200, 404)
    assert result_links(first) == [f"/meetings/zorvek-talks-{n}/" for n in range(25, 5, -1)]
    assert result_links(second) == [f"/meetings/zorvek-talks-{n}/" for n in range(5, 0, -1)]
    assert texts(first, "p", "class", "search-count") == ["25 results among meetings · all kinds"]
    assert texts(second, "nav", "aria-label", "Pages") == ["Page 2 of 2 Previous"]


# The page


@pytest.mark.usefixtures("demo")
def test_search_page_names_the_query_and_groups_the_results(client):
    response = client.get("/search/", {"q": "  Lavrov "})

    assert response.status_code == 200
    assert re.search(r"<title>(.*?)</title>", response.content.decode()).group(1) == (
        "Search: “Lavrov” · aseancal"
    )
    assert texts(response, "h1") == ["Search: “Lavrov”"]
    assert texts(response, "p", "class", "search-count") == ["6 results"]
    assert texts(response, "h2") == ["Heads of delegation (3)", "Meetings (3)"]
    assert texts(response, "li", "class", "search-result")[:3] == [
        "Sergey Lavrov Minister of Foreign Affairs, Russia Heads the delegation to "
        "ASEAN-Russia Post Ministerial Conference (Thu 4 Aug 2022 · all day): Confirmed",
        "Sergey Lavrov Minister of Foreign Affairs, Russia Heads the delegation to "
        "12th East Asia Summit Foreign Ministers' Meeting (Fri 5 Aug 2022 · all day): Confirmed",
        "Sergey Lavrov Minister of Foreign Affairs, Russia Heads the delegation to "
        "29th ASEAN Regional Forum (Fri 5 Aug 2022 · all day): Confirmed",
    ]
    assert result_links(response) == ["", "", "", *(f"/meetings/{s}/" for s in LAVROV_MEETINGS)]


@pytest.mark.usefixtures("demo")
def test_search_page_russia_links_its_country_page_first(client):
    response = client.get("/search/", {"q": "Russia"})

    assert result_links(response)[0] == "/countries/ru/"
    assert texts(response, "li", "class", "search-result")[0] == (
        "Russia Российская Федерация State · RU · Russian Federation "
        "Invited to 5 published meetings, host of 0: see its country page."
    )


@pytest.mark.usefixtures("demo")
def test_search_page_55th_amm_first(client):
    response = client.get("/search/", {"q": "55th AMM"})

    assert result_links(response)[0] == "/meetings/2022-amm-55/"
    assert texts(response, "li", "class", "search-result")[0] == (
        "55th ASEAN Foreign Ministers' Meeting Held Wed 3 Aug 2022 · all day "
        "AMM ASEAN Foreign Ministers' Meeting · 55th AMM · Phnom Penh · hosted by Cambodia"
    )


@pytest.mark.usefixtures("demo")
def test_search_page_without_results_says_so(client):
    response = client.get("/search/", {"q": "Xylophone"})

    assert response.status_code == 200
    assert texts(response, "p", "class", "empty") == [
        "Nothing published matches “Xylophone”. Try a shorter word, a country, a city or a "
        "format code such as AMM."
    ]


@pytest.mark.usefixtures("demo")
def test_every_public_page_has_the_search_form(client):
    for path in ("/", "/meetings/", "/meetings/2022-amm-55/", "/countries/ru/", "/changes/"):
        page = client.get(path).content.decode()
        assert re.findall(r'<form class="site-search" role="search" action="([^"]+)"', page) == [
            "/search/"
        ], path
        assert '<label class="visually-hidden" for="site-search-q">' in page


@pytest.mark.usefixtures("demo")
def test_search_page_keeps_the_query_in_the_header_form(client):
    page = client.get("/search/", {"q": "Phnom <b>"}).content.decode()

    assert re.findall(r'<input id="site-search-q"[^>]*>', page) == [
        '<input id="site-search-q" type="search" name="q" value="Phnom &lt;b&gt;" '
        'maxlength="200" required>'
    ]


# Bad input: a 400 naming the parameter, never a 500


BAD_QUERIES = [
    ({}, "q", "Enter a word or a name to search for."),
    ({"q": ""}, "q", "Enter a word or a name to search for."),
    ({"q": "   "}, "q", "Enter a word or a name to search for."),
    ({"q": "x" * (MAX_LENGTH + 1)}, "q", "Enter at most 200 characters (this has 201)."),
    (
        {"q": "Lav\x00rov"},
        "q",
        "Remove the control character U+0000: this field takes one line of text.",
    ),
    (
        {"q": "Lavrov\n"},
        "q",
        "Remove the control character U+000A: this field takes one line of text.",
    ),
    (
        {"q": "Lav\x85rov"},
        "q",
        "Remove the control character U+0085: this field takes one line of text.",
    ),
    (
        {"q": "Lavrov", "kind": "planets"},
        "kind",
        "Choose one of: "
        + ", ".join(["meetings", "people", "participants", "places", "events", "documents"])
        + ".",
    ),
    ({"q": "Lavrov", "page": "0"}, "page", "Enter a whole number from 1 to 10,000."),
    ({"q": "Lavrov", "page": "x"}, "page", "Enter a whole number from 1 to 10,000."),
]


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(("params", "name", "message"), BAD_QUERIES)
def test_bad_search_parameter_is_a_400_naming_it(client, params, name, message):
    response = client.get("/search/", params)

    assert response.status_code == 400
    assert texts(response, "div", "role", "alert") == [
        f"The search could not be run The parameter {name}: {message} "
        "Type a word or a name, up to 200 characters, in the search box at the top of the page."
    ]
    assert re.search(r"<title>(.*?)</title>", response.content.decode()).group(1) == (
        "Search · aseancal"
    )


def test_search_terms_keep_the_first_ten_words():
    terms = search_terms(" ".join(f"w{n}" for n in range(12)))

    assert (terms.text, terms.words) == (
        "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11",
        tuple(f"w{n}" for n in range(10)),
    )


def test_search_terms_refuse_a_control_character():
    with pytest.raises(InvalidFilter) as refused:
        search_terms("a\tb")

    assert refused.value.errors == {
        "q": ["Remove the control character U+0009: this field takes one line of text."]
    }


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("query", ["%", "\\", "%_%", "a'b\\c", "&|!():*", "<>"])
def test_search_with_sql_and_tsquery_syntax_finds_nothing_and_never_fails(client, query):
    response = client.get("/search/", {"q": query})

    assert (response.status_code, result_links(response)) == (200, [])


@pytest.mark.usefixtures("demo")
def test_search_for_an_underscore_is_literal_not_a_wildcard(client):
    # Format codes hold underscores (EAS_SOM): "_" finds what holds one, not everything.
    response = client.get("/search/", {"q": "_"})

    assert (response.status_code, result_links(response)) == (200, ["/meetings/sample-eas-som/"])


# A constant number of queries


def zorvek_rows(count: int) -> None:
    """`count` published meetings, each with a document, and everything else the search for
    "Zorvek" finds."""
    country = ParticipantFactory(code="ZV", name="Zorvekistan")
    venue = VenueFactory(name="Zorvek Hall", city="Zorvek City")
    event = Event.objects.create(
        title="Zorvek Week",
        slug="zorvek-week",
        start_date=dt.date(2030, 1, 1),
        end_date=dt.date(2030, 3, 1),
        host=country,
    )
    start = dt.datetime(2030, 1, 1, 2, 0, tzinfo=dt.UTC)
    for n in range(count):
        meeting = MeetingFactory(
            title=f"Zorvek Talks {n}",
            slug=f"zorvek-talks-{n}",
            venue=venue,
            host=country,
            event=event,
            start=start + dt.timedelta(days=n),
            end=start + dt.timedelta(days=n, hours=2),
        )
        DelegationFactory(meeting=meeting, participant=country, head_name="Anna Zorvek")
        document(meeting=meeting, title=f"Chairman's Statement of Zorvek Talks {n}")


# The calendar version (2 reads: the cache slot, then the stored response's check), then one
# query a kind, and one for the umbrella events' meetings.
SEARCH_QUERIES = 2 + 6 + 1


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 30])
def test_search_page_query_count_does_not_grow_with_the_results(client, count):
    zorvek_rows(count)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": "Zorvek"})

    assert response.status_code == 200
    assert sorted(texts(response, "h2")) == [
        "Countries and organisations (1)",
        f"Documents ({count})",
        f"Heads of delegation ({count})",
        f"Meetings ({count})",
        "Umbrella events (1)",
        "Venues and cities (1)",
    ]
    assert len(queries) == SEARCH_QUERIES


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 30])
def test_search_documents_page_query_count_does_not_grow_with_the_results(client, count):
    zorvek_rows(count)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": "Zorvek statement", "kind": "documents"})

    assert texts(response, "h2") == [f"Documents ({count})"]
    assert len(queries) == 2 + 1


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 30])
def test_search_kind_page_query_count_does_not_grow_with_the_results(client, count):
    zorvek_rows(count)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": "Zorvek", "kind": "events"})

    assert response.status_code == 200
    assert len(queries) == 2 + 1 + 1


# The list filter `q` (pages, API, feeds)


def listed_slugs(client, query: str) -> list[str]:
    response = client.get("/api/v1/meetings/", {"q": query, "page_size": 100})
    return [row["slug"] for row in response.json()["results"]]


@pytest.mark.usefixtures("demo")
def test_list_filter_q_matches_heads_of_delegation(client):
    # In calendar order: day, then format code.
    assert listed_slugs(client, "Lavrov") == ["2022-pmc-ru", "2022-arf-29", "2022-eas-12"]


@pytest.mark.usefixtures("demo")
def test_list_filter_q_matches_participants_names_once_per_meeting(client):
    # Many delegations of each meeting have "Republic" in their participant's official name.
    everything = [
        "2022-amm-55",
        "2022-apt-23",
        "2022-pmc-ru",
        "2022-arf-29",
        "2022-eas-12",
        "sample-som",
        "sample-arf-ism",  # all day from day 2: before the EAS SOM at 09:30 that day
        "sample-eas-som",
        "sample-asean-japan-pmc",
    ]
    assert listed_slugs(client, "Republic") == everything
    assert listed_slugs(client, "Russian Federation") == [
        "2022-pmc-ru",
        "2022-arf-29",
        "2022-eas-12",
        "sample-arf-ism",
        "sample-eas-som",
    ]


@pytest.mark.usefixtures("demo")
def test_list_page_filter_q_matches_heads_of_delegation(client):
    response = client.get("/meetings/", {"q": "Sokhonn", "page": "1"})

    assert re.findall(r'<h3><a href="/meetings/([^/]+)/">', response.content.decode()) == [
        "2022-amm-55",
        "2022-apt-23",
        "2022-pmc-ru",
        "2022-arf-29",
        "2022-eas-12",
    ]


@pytest.mark.usefixtures("demo")
def test_list_filter_q_never_matches_an_unpublished_events_title(client):
    event = Event.objects.create(
        title="Secret Gathering",
        slug="secret-gathering",
        start_date=dt.date(2030, 8, 3),
        end_date=dt.date(2030, 8, 3),
        published=False,
    )
    MeetingFactory(event=event, title="Open Talks", slug="open-talks")

    assert (listed_slugs(client, "Secret"), listed_slugs(client, "Open Talks")) == (
        [],
        ["open-talks"],
    )


# Documents


def document(*, meeting=None, event=None, **fields) -> Document:
    """A published document (a link) of a meeting or an event, saved as staff save it."""
    values = {"kind": DocumentKind.CHAIRMANS_STATEMENT, "published_on": dt.date(2022, 8, 5)}
    if "file" not in fields:
        values["url"] = f"https://asean.org/documents/{Document.objects.count()}.pdf"
    return Document.objects.create(meeting=meeting, event=event, **values | fields)


@pytest.fixture
def amm_documents(demo, settings, tmp_path):
    """Documents of the 55th AMM and its umbrella event, public or not."""
    settings.MEDIA_ROOT = tmp_path
    amm = Meeting.objects.get(slug="2022-amm-55")
    event = amm.event
    statement = document(
        meeting=amm,
        title="Chairman's Statement of the 55th AMM",
        file=SimpleUploadedFile("upload.pdf", b"%PDF-1.7\n", content_type="application/pdf"),
        filename="chairmans-statement-55th-amm.pdf",
    )
    communique = document(
        meeting=amm,
        kind=DocumentKind.JOINT_COMMUNIQUE,
        title="Joint Communiqué of the 55th AMM",
        published_on=dt.date(2022, 8, 4),
    )
    agenda = document(
        meeting=amm,
        kind=DocumentKind.AGENDA,
        title="Provisional schedule",
        published_on=dt.date(2022, 8, 1),
    )
    release = document(
        event=event,
        kind=DocumentKind.PRESS_RELEASE,
        title="Media advisory: 55th AMM",
        published_on=dt.date(2022, 7, 30),
    )
    document(meeting=amm, title="Chairman's Statement (draft)", published=False)
    retreat = Meeting.objects.get(slug="sample-amm-retreat")  # unpublished
    document(meeting=retreat, title="Chairman's Statement of the Retreat")
    hidden = Event.objects.create(
        title="Secret Gathering",
        slug="secret-gathering",
        start_date=dt.date(2030, 8, 3),
        end_date=dt.date(2030, 8, 3),
        published=False,
    )
    document(event=hidden, title="Chairman's Statement of the Secret Gathering")
    return statement, communique, agenda, release


def test_search_finds_published_documents_of_published_meetings_and_events(amm_documents):
    statement, communique, agenda, release = amm_documents
    event = release.event.slug

    assert found("Chairman's Statement", kind="documents") == [
        (
            "documents",
            1,
            [
                "Chairman's Statement of the 55th AMM|chairmans_statement|2022-amm-55|"
                f"/documents/{statement.pk}/chairmans-statement-55th-amm.pdf"
            ],
        )
    ]
    # Through its kind, its meeting's format code, its event's title.
    assert found("agenda", kind="documents")[0][2] == [
        f"Provisional schedule|agenda|2022-amm-55|{agenda.url}"
    ]
    # Named in the title first (in an order each engine ranks its own way), then found
    # through the meeting's format code alone.
    titles = [row.split("|")[0] for row in found("AMM", kind="documents")[0][2]]
    assert (sorted(titles[:3]), titles[3:]) == (
        [
            "Chairman's Statement of the 55th AMM",
            "Joint Communiqué of the 55th AMM",
            "Media advisory: 55th AMM",
        ],
        ["Provisional schedule"],
    )
    assert found("related meetings advisory", kind="documents")[0][2] == [
        f"Media advisory: 55th AMM|press_release|{event}|{release.url}"
    ]


def test_search_never_finds_unpublished_documents_or_those_of_unpublished_parents(
    amm_documents,
):
    assert found("draft", kind="documents") == [("documents", 0, [])]
    assert found("Retreat", kind="documents") == [("documents", 0, [])]
    assert found("Secret Gathering") == []


def test_search_ranks_a_document_named_by_the_query_first(amm_documents):
    assert [row.split("|")[0] for row in found("Joint Communiqué of the 55th AMM")[0][2]] == [
        "Joint Communiqué of the 55th AMM"
    ]
    rows = document_results(search_terms("communiqué")).values_list("title", flat=True)
    assert list(rows) == ["Joint Communiqué of the 55th AMM"]


def test_search_page_shows_documents_with_their_kind_and_meeting(client, amm_documents):
    statement, *_ = amm_documents

    response = client.get("/search/", {"q": "Chairman's Statement"})

    assert texts(response, "h2")[-1] == "Documents (1)"
    assert texts(response, "li", "class", "search-result")[-1] == (
        "Chairman's Statement of the 55th AMM Chairman's statement · dated 5 August 2022 · "
        "English Of 55th ASEAN Foreign Ministers' Meeting"
    )
    assert result_links(response)[-1] == (
        f"/documents/{statement.pk}/chairmans-statement-55th-amm.pdf"
    )


def test_search_page_links_an_event_document_to_its_event(client, amm_documents):
    *_, release = amm_documents

    response = client.get("/search/", {"q": "advisory", "kind": "documents"})

    assert texts(response, "li", "class", "search-result") == [
        "Media advisory: 55th AMM Press release · dated 30 July 2022 · English "
        f"Of the umbrella event {release.event.title}"
    ]
    assert re.findall(r'Of the umbrella event <a href="([^"]+)">', response.content.decode()) == [
        f"/events/{release.event.slug}/"
    ]


# PostgreSQL: case, accents and one-letter typos


@postgresql_only
@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("query", ["Lavrow", "Lavroff", "LAVROW", "Lávrov"])
def test_search_finds_lavrov_despite_a_typo_or_an_accent(query):
    assert found(query) == [
        ("people", 3, LAVROV_PEOPLE),
        ("meetings", 3, LAVROV_MEETINGS),
    ]


@postgresql_only
@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("query", ["sokhom", "Sokhonn Prak", "sókhonn"])
def test_search_finds_sokhonn_despite_a_typo_an_order_or_an_accent(query):
    assert found(query)[0] == ("people", 5, SOKHONN_PEOPLE)


@postgresql_only
@pytest.mark.usefixtures("demo")
def test_search_finds_a_city_with_an_accent_typed():
    assert found("Phnom Pénh")[0] == ("places", 1, ["Phnom Penh: 5"])


@postgresql_only
@pytest.mark.usefixtures("demo")
def test_search_uses_the_gin_indexes():
    """The expressions meetings/search.py writes are those migration 0007 indexed."""
    terms = search_terms("Lavrow")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    heads = Delegation.objects.filter(matching_heads(terms)).explain()
    titles = Meeting.objects.filter(
        text_match(terms, ("title",), fuzzy=("title",), document=Folded(F("title")))
    ).explain()

    assert [name for name in INDEXES if name in heads + titles] == INDEXES


INDEXES = [
    "meeting_title_trgm",
    "meeting_title_fts",
    "delegation_head_name_trgm",
    "delegation_head_title_trgm",
    "delegation_head_fts",
]


@postgresql_only
@pytest.mark.usefixtures("amm_documents")
@pytest.mark.parametrize("query", ["Chairmans Statment", "chairman’s statement", "CHAIRMAN'S"])
def test_search_finds_a_document_despite_a_typo_or_an_apostrophe(query):
    assert [row.split("|")[0] for row in found(query, kind="documents")[0][2]] == [
        "Chairman's Statement of the 55th AMM"
    ]


@postgresql_only
@pytest.mark.usefixtures("demo")
def test_search_document_expressions_match_the_index_definitions():
    """The indexes a migration is to create for documents (DOCUMENT_INDEXES), created here,
    are the ones the planner uses for document_results' title expressions."""
    terms = search_terms("Statment")
    with connection.cursor() as cursor:
        for name, table, expression in DOCUMENT_INDEXES:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = Document.objects.filter(
        text_match(terms, ("title",), fuzzy=("title",), document=Folded(F("title")))
    ).explain()

    assert [name for name, *_ in DOCUMENT_INDEXES if name in plan] == [
        "document_title_trgm",
        "document_title_fts",
    ]
