"""/api/v1/documents/: exact bodies, who sees what, filters and their 400s, read-only methods,
conditional GET and query counts."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from meetings.enums import DocumentKind
from meetings.models import Document, Event, Meeting
from tests.factories import MeetingFactory, UserFactory
from tests.meetings.api.expected import field_problem, problem

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
EVENT = "2022-55th-amm-and-related-meetings"
COMMUNIQUE_FILE = "documents/5f0c2a9e41d7b3c8a6e19f04/document.pdf"


def add_file(meeting: Meeting | None = None, event: Event | None = None, **fields) -> Document:
    """A document uploaded as a file (the row as the upload leaves it: name, type, size)."""
    values = {
        "kind": DocumentKind.JOINT_COMMUNIQUE,
        "title": "Joint Communiqué of the 55th AMM",
        "published_on": dt.date(2022, 8, 5),
        "file": COMMUNIQUE_FILE,
        "filename": "joint-communique-55th-amm.pdf",
        "content_type": "application/pdf",
        "size": 182044,
        **fields,
    }
    return Document.objects.create(meeting=meeting, event=event, **values)


def add_link(meeting: Meeting | None = None, event: Event | None = None, **fields) -> Document:
    """A document published elsewhere, given by its https link."""
    values = {
        "kind": DocumentKind.CHAIRMANS_STATEMENT,
        "title": "Chairman's Statement of the 55th AMM and Related Meetings",
        "published_on": dt.date(2022, 8, 6),
        "url": "https://asean.example/chairmans-statement-55th-amm.pdf",
        **fields,
    }
    return Document.objects.create(meeting=meeting, event=event, **values)


@pytest.fixture
def documents(demo):
    """Two public documents (a file on the 55th AMM, a link on its event) and three the
    public must not see: unpublished, on an unpublished meeting, on an unpublished event."""
    amm = Meeting.objects.get(slug="2022-amm-55")
    event = Event.objects.get(slug=EVENT)
    draft_event = Event.objects.create(
        slug="draft-week",
        title="Draft week",
        start_date=dt.date(2027, 3, 1),
        end_date=dt.date(2027, 3, 5),
        published=False,
    )
    return {
        "communique": add_file(meeting=amm),
        "statement": add_link(event=event),
        "draft agenda": add_file(
            meeting=amm,
            kind=DocumentKind.AGENDA,
            title="Provisional agenda",
            published_on=dt.date(2022, 7, 30),
            published=False,
        ),
        "retreat agenda": add_link(
            meeting=Meeting.objects.get(slug="sample-amm-retreat"),
            kind=DocumentKind.AGENDA,
            title="Retreat agenda",
            published_on=dt.date(2026, 11, 1),
            url="https://asean.example/retreat-agenda",
        ),
        "draft week release": add_link(
            event=draft_event,
            kind=DocumentKind.PRESS_RELEASE,
            title="Draft week announced",
            published_on=dt.date(2026, 10, 30),
            url="https://asean.example/draft-week",
        ),
    }


def communique_body(document: Document) -> dict:
    return {
        "id": document.pk,
        "kind": "joint_communique",
        "kind_label": "Joint communiqué",
        "title": "Joint Communiqué of the 55th AMM",
        "language": "en",
        "published_on": "2022-08-05",
        "url": f"{SITE}/documents/{document.pk}/joint-communique-55th-amm.pdf",
        "is_file": True,
        "content_type": "application/pdf",
        "size": 182044,
        "meeting": "2022-amm-55",
        "event": None,
        "meeting_url": f"{SITE}/meetings/2022-amm-55/",
        "event_url": None,
        "published": True,
    }


def statement_body(document: Document) -> dict:
    return {
        "id": document.pk,
        "kind": "chairmans_statement",
        "kind_label": "Chairman's statement",
        "title": "Chairman's Statement of the 55th AMM and Related Meetings",
        "language": "en",
        "published_on": "2022-08-06",
        "url": "https://asean.example/chairmans-statement-55th-amm.pdf",
        "is_file": False,
        "content_type": None,
        "size": None,
        "meeting": None,
        "event": EVENT,
        "meeting_url": None,
        "event_url": f"{SITE}/events/{EVENT}/",
        "published": True,
    }


def titles(response) -> list[str]:
    return [document["title"] for document in response.json()["results"]]


# Reads -------------------------------------------------------------------------------------


def test_document_list_shows_anonymous_readers_only_public_documents_newest_first(documents, anon):
    response = anon.get("/api/v1/documents/")
    assert (response.status_code, response.json()) == (
        200,
        {
            "count": 2,
            "next": None,
            "previous": None,
            "results": [
                statement_body(documents["statement"]),
                communique_body(documents["communique"]),
            ],
        },
    )


def test_file_document_detail_gives_its_download_address(documents, anon):
    communique = documents["communique"]
    response = anon.get(f"/api/v1/documents/{communique.pk}/")
    assert (response.status_code, response.json()) == (200, communique_body(communique))


def test_link_document_detail_gives_its_link_and_no_file_fields(documents, anon):
    statement = documents["statement"]
    response = anon.get(f"/api/v1/documents/{statement.pk}/")
    assert (response.status_code, response.json()) == (200, statement_body(statement))


def test_file_without_a_recorded_name_is_downloaded_under_its_stored_name(documents, anon):
    nameless = add_file(meeting=Meeting.objects.get(slug="2022-arf-29"), filename="")
    body = anon.get(f"/api/v1/documents/{nameless.pk}/").json()
    assert body["url"] == f"{SITE}/documents/{nameless.pk}/document.pdf"


@pytest.mark.parametrize("url", ["http://asean.example/statement", "javascript:alert(1)"])
def test_link_that_is_not_https_is_no_document_at_all(documents, client_for, superuser, url):
    # Never saved through the admin (its form checks the scheme); written here directly.
    stray = add_link(meeting=Meeting.objects.get(slug="2022-arf-29"), url=url, title="Stray")
    client = client_for(superuser)
    listed = titles(client.get("/api/v1/documents/", {"meeting": "2022-arf-29"}))
    detail = client.get(f"/api/v1/documents/{stray.pk}/")
    meeting = client.get("/api/v1/meetings/2022-arf-29/").json()["documents"]
    assert (listed, detail.status_code, meeting) == ([], 404, [])


@pytest.mark.parametrize("name", ["draft agenda", "retreat agenda", "draft week release"])
def test_hidden_document_is_404_for_anonymous(documents, anon, name):
    response = anon.get(f"/api/v1/documents/{documents[name].pk}/")
    assert (response.status_code, response.json()) == (
        404,
        problem(404, "No Document matches the given query."),
    )


def test_user_with_every_view_permission_sees_every_document(documents, client_for, superuser):
    response = client_for(superuser).get("/api/v1/documents/")
    assert titles(response) == [
        "Retreat agenda",
        "Draft week announced",
        "Chairman's Statement of the 55th AMM and Related Meetings",
        "Joint Communiqué of the 55th AMM",
        "Provisional agenda",
    ]


def test_viewer_sees_each_hidden_row_only_with_its_models_view_permission(documents, client_for):
    # A reader who may view unpublished meetings and events, not unpublished documents.
    reader = UserFactory(username="reader")
    reader.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_meeting", "view_event"])
    )
    before = titles(client_for(reader).get("/api/v1/documents/"))
    reader.user_permissions.add(Permission.objects.get(codename="view_document"))
    reader = type(reader).objects.get(pk=reader.pk)  # permissions are cached on the user
    after = titles(client_for(reader).get("/api/v1/documents/"))
    assert (before, after) == (
        [
            "Retreat agenda",
            "Draft week announced",
            "Chairman's Statement of the 55th AMM and Related Meetings",
            "Joint Communiqué of the 55th AMM",
        ],
        [
            "Retreat agenda",
            "Draft week announced",
            "Chairman's Statement of the 55th AMM and Related Meetings",
            "Joint Communiqué of the 55th AMM",
            "Provisional agenda",
        ],
    )


def test_secretariat_viewers_see_unpublished_documents(documents, client_for, viewer):
    assert "Provisional agenda" in titles(client_for(viewer).get("/api/v1/documents/"))


def test_staff_detail_shows_an_unpublished_document_as_unpublished(
    documents, client_for, superuser
):
    draft = documents["draft agenda"]
    body = client_for(superuser).get(f"/api/v1/documents/{draft.pk}/").json()
    assert (body["title"], body["published"], body["kind_label"]) == (
        "Provisional agenda",
        False,
        "Agenda",
    )


def test_user_without_view_permissions_sees_only_public_documents(documents, client_for):
    clerk = UserFactory(username="clerk")
    response = client_for(clerk).get("/api/v1/documents/")
    assert titles(response) == [
        "Chairman's Statement of the 55th AMM and Related Meetings",
        "Joint Communiqué of the 55th AMM",
    ]


# Filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"meeting": "2022-amm-55"}, ["Joint Communiqué of the 55th AMM"]),
        ({"event": EVENT}, ["Chairman's Statement of the 55th AMM and Related Meetings"]),
        ({"meeting": "2022-arf-29"}, []),
        ({"kind": "joint_communique"}, ["Joint Communiqué of the 55th AMM"]),
        (
            {"kind": ["joint_communique", "chairmans_statement"]},
            [
                "Chairman's Statement of the 55th AMM and Related Meetings",
                "Joint Communiqué of the 55th AMM",
            ],
        ),
        ({"kind": "agenda"}, []),
        (
            {"published_since": "2022-08-06"},
            ["Chairman's Statement of the 55th AMM and Related Meetings"],
        ),
        ({"published_before": "2022-08-06"}, ["Joint Communiqué of the 55th AMM"]),
        (
            {"published_since": "2022-08-05", "published_before": "2022-08-06"},
            ["Joint Communiqué of the 55th AMM"],
        ),
        (
            {"meeting": "", "event": "", "published_since": "", "published_before": ""},
            [
                "Chairman's Statement of the 55th AMM and Related Meetings",
                "Joint Communiqué of the 55th AMM",
            ],
        ),
    ],
)
def test_document_filters(documents, anon, query, expected):
    response = anon.get("/api/v1/documents/", query)
    assert (response.status_code, titles(response)) == (200, expected)


def test_staff_may_filter_by_an_unpublished_meeting(documents, client_for, superuser):
    response = client_for(superuser).get("/api/v1/documents/", {"meeting": "sample-amm-retreat"})
    assert (response.status_code, titles(response)) == (200, ["Retreat agenda"])


KIND_ERROR = "Select a valid choice. {} is not one of the available choices."


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("meeting=2022-amm-99", {"meeting": ["There is no meeting “2022-amm-99”."]}),
        # An unpublished meeting is named as one that does not exist.
        ("meeting=sample-amm-retreat", {"meeting": ["There is no meeting “sample-amm-retreat”."]}),
        ("event=draft-week", {"event": ["There is no event “draft-week”."]}),
        ("event=2022-amm-55", {"event": ["There is no event “2022-amm-55”."]}),
        ("meeting=%00", {"meeting": ["Null characters are not allowed."]}),
        ("event=a%00b", {"event": ["Null characters are not allowed."]}),
        ("kind=minutes", {"kind": [KIND_ERROR.format("minutes")]}),
        ("kind=agenda&kind=Agenda", {"kind": [KIND_ERROR.format("Agenda")]}),
        ("kind=%ED%A0%80", {"kind": [KIND_ERROR.format("\ufffd\ufffd\ufffd")]}),
        ("published_since=2022-02-30", {"published_since": ["Enter a valid date."]}),
        ("published_before=yesterday", {"published_before": ["Enter a valid date."]}),
        (
            "published_since=2022-08-06&published_before=2022-08-06",
            {"published_before": ["“published_before” must be after “published_since”."]},
        ),
        (
            "meeting=nope&kind=minutes",
            {
                "meeting": ["There is no meeting “nope”."],
                "kind": [KIND_ERROR.format("minutes")],
            },
        ),
        ("page=0", {"page": ["Give a whole number from 1."]}),
        ("page_size=many", {"page_size": ["Give a whole number from 1."]}),
    ],
)
def test_bad_document_filter_is_400_naming_the_parameter(documents, anon, query, errors):
    response = anon.get(f"/api/v1/documents/?{query}")
    assert (response.status_code, response["Content-Type"], response.json()) == (
        400,
        "application/problem+json",
        field_problem(errors),
    )


def test_huge_and_malformed_document_ids_are_404(documents, anon):
    answers = [
        (anon.get(path).status_code, anon.get(path).json()["detail"])
        for path in (
            "/api/v1/documents/999999999999999999/",
            "/api/v1/documents/99999999999999999999/",
            "/api/v1/documents/-1/",
            "/api/v1/documents/joint-communique/",
        )
    ]
    assert answers == [
        (404, "No Document matches the given query."),
        (404, "Not found."),
        (404, "Not found."),
        (404, "Not found."),
    ]


# Methods -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "editor", "superuser"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("on", ["list", "detail"])
def test_documents_are_read_only_whoever_asks(documents, client_for, request, who, method, on):
    communique = documents["communique"]
    client = client_for(None if who == "anonymous" else request.getfixturevalue(who))
    path = "/api/v1/documents/" if on == "list" else f"/api/v1/documents/{communique.pk}/"
    response = getattr(client, method)(path, {"title": "Changed"}, format="json")
    assert (
        response.status_code,
        response["Allow"],
        response.json(),
        Document.objects.get(pk=communique.pk).title,
        Document.objects.count(),
    ) == (
        405,
        "GET, HEAD, OPTIONS",
        problem(405, f'Method "{method.upper()}" not allowed.'),
        "Joint Communiqué of the 55th AMM",
        5,
    )


# Conditional GET ---------------------------------------------------------------------------


def test_document_list_etag_gives_304_and_moves_when_a_document_changes(documents, anon):
    first = anon.get("/api/v1/documents/")
    unchanged = anon.get("/api/v1/documents/", HTTP_IF_NONE_MATCH=first["ETag"])
    Document.objects.filter(pk=documents["communique"].pk).update(title="Joint Communiqué (rev.)")
    changed = anon.get("/api/v1/documents/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (unchanged.status_code, unchanged["ETag"], changed.status_code, titles(changed)) == (
        304,
        first["ETag"],
        200,
        [
            "Chairman's Statement of the 55th AMM and Related Meetings",
            "Joint Communiqué (rev.)",
        ],
    )


def test_document_detail_etag_gives_304_when_unchanged(documents, anon):
    path = f"/api/v1/documents/{documents['statement'].pk}/"
    first = anon.get(path)
    again = anon.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", first["ETag"])


# Query counts ------------------------------------------------------------------------------

# An anonymous read not yet in memory also reads the calendar version before and after.
VERSION_READS = 2


def add_documents(count: int) -> None:
    """`count` published meetings and events, each with a file and a link."""
    for n in range(count):
        meeting = MeetingFactory(start=dt.datetime(2030, 8, 3, 2, tzinfo=dt.UTC))
        event = Event.objects.create(
            slug=f"week-{n}",
            title=f"Week {n}",
            start_date=dt.date(2030, 8, 1),
            end_date=dt.date(2030, 8, 7),
        )
        add_file(meeting=meeting, title=f"Communiqué {n}")
        add_link(event=event, title=f"Statement {n}")


@pytest.mark.parametrize("rows", [1, 20])
def test_anonymous_document_list_query_count_does_not_grow(
    db, anon, django_assert_num_queries, rows
):
    add_documents(rows)
    # count, documents with their meeting and event
    with django_assert_num_queries(2 + VERSION_READS):
        response = anon.get("/api/v1/documents/")
    assert (response.status_code, response.json()["count"]) == (200, 2 * rows)


@pytest.mark.parametrize("rows", [1, 20])
def test_filtered_document_list_query_count_does_not_grow(
    db, anon, django_assert_num_queries, rows
):
    add_documents(rows)
    query = {
        "event": "week-0",
        "kind": ["chairmans_statement", "agenda"],
        "published_since": "2022-01-01",
    }
    # the event named, count, documents
    with django_assert_num_queries(3 + VERSION_READS):
        response = anon.get("/api/v1/documents/", query)
    assert (response.status_code, titles(response)) == (200, ["Statement 0"])


@pytest.mark.parametrize("rows", [1, 20])
def test_staff_document_list_query_count_does_not_grow(
    db, client_for, viewer, django_assert_num_queries, rows
):
    add_documents(rows)
    client = client_for(viewer)
    # the token with its user, the user's and the groups' permissions, count, documents
    with django_assert_num_queries(5):
        response = client.get("/api/v1/documents/")
    assert (response.status_code, response.json()["count"]) == (200, 2 * rows)
