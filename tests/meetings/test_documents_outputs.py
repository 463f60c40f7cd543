"""Documents in the iCal outputs: a meeting's DESCRIPTION ends with its public documents; a
document's change rebuilds that meeting's VEVENT (and only it) and never raises SEQUENCE."""

import datetime as dt

import pytest
import vobject
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings import caching, ical, selectors, services
from meetings.enums import DocumentKind
from meetings.models import Document, Meeting
from tests.conftest import TODAY
from tests.factories import FormatFactory, MeetingFactory
from tests.meetings.test_changes import add_document, umbrella_event

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
FEED = "/feeds/meetings.ics"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database hashes rows on PostgreSQL only"
)


def vevent(client, meeting: Meeting):
    response = client.get(f"/meetings/{meeting.slug}.ics")
    assert response.status_code == 200
    return vobject.readOne(response.content.decode()).vevent


@pytest.fixture
def amm(frozen_now):
    fmt = FormatFactory(code="AMM", name="ASEAN Foreign Ministers' Meeting")
    return MeetingFactory(format=fmt, number=55, start=dt.datetime(2030, 8, 3, 2, tzinfo=dt.UTC))


def test_description_ends_with_the_meetings_public_documents(client, amm, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event = umbrella_event()
    amm.event = event
    services.meeting_save(meeting=amm, by=None)
    statement = add_document(
        meeting=amm,
        title="Chairman's Statement of the 55th AMM",
        published_on=dt.date(2030, 8, 5),
        file=SimpleUploadedFile("upload.pdf", b"%PDF-1.7\n", content_type="application/pdf"),
        filename="chairmans-statement-55th-amm.pdf",
    )
    agenda = add_document(
        meeting=amm,
        kind=DocumentKind.AGENDA,
        title="Agenda of the 55th AMM; opening, plenary",
        published_on=dt.date(2030, 8, 1),
    )
    add_document(meeting=amm, title="Chairman's Statement (draft)", published=False)
    add_document(event=event, kind=DocumentKind.PRESS_RELEASE, title="Media advisory")
    add_document(meeting=MeetingFactory(), title="Another meeting's statement")
    page = f"{SITE}/meetings/2030-amm-55/"

    shown = vevent(client, amm)

    assert shown.description.value.split("\n\n")[-2:] == [
        page,
        "Documents:\n"
        "- Chairman's statement: Chairman's Statement of the 55th AMM "
        f"{SITE}/documents/{statement.pk}/chairmans-statement-55th-amm.pdf\n"
        f"- Agenda: Agenda of the 55th AMM; opening, plenary {agenda.url}",
    ]
    # The address only in the text: no ATTACH (see meetings/ical.py).
    assert "attach" not in shown.contents


def test_adding_a_document_moves_last_modified_but_not_sequence(client, amm, frozen_now):
    before = client.get(f"/meetings/{amm.slug}.ics")
    frozen_now.shift(dt.timedelta(hours=2))
    add_document(meeting=amm, title="Chairman's Statement of the 55th AMM")

    after = client.get(f"/meetings/{amm.slug}.ics")

    old = vobject.readOne(before.content.decode()).vevent
    new = vobject.readOne(after.content.decode()).vevent
    later = TODAY + dt.timedelta(hours=2)
    assert (old.sequence.value, old.dtstamp.value, old.last_modified.value) == ("0", TODAY, TODAY)
    assert (new.sequence.value, new.dtstamp.value, new.last_modified.value) == ("0", later, later)
    assert (after["ETag"] != before["ETag"], Meeting.objects.get(pk=amm.pk).sequence) == (True, 0)


def test_long_document_lists_are_shortened(client, amm):
    for n in range(12):
        add_document(
            meeting=amm,
            kind=DocumentKind.DELEGATION_STATEMENT,
            title=f"Statement {n:02d}",
            published_on=dt.date(2030, 8, 1) + dt.timedelta(days=n),
        )

    lines = vevent(client, amm).description.value.split("\n\nDocuments:\n")[1].splitlines()

    assert [line.rsplit(" ", 1)[0] for line in lines] == [
        *(f"- Delegation statement: Statement {n:02d}" for n in range(11, 2, -1)),
        "- 3 more:",
    ]
    assert lines[-1] == f"- 3 more: {SITE}/meetings/2030-amm-55/"


def test_entry_from_instance_equals_entry_from_selector_with_documents(amm):
    add_document(meeting=amm, title="Chairman's Statement of the 55th AMM")
    add_document(meeting=amm, kind=DocumentKind.AGENDA, title="Agenda", published=False)

    from_selector = selectors.feed_entries(selectors.feed_meetings().filter(pk=amm.pk))[0]

    assert ical.MeetingEntry.from_meeting(amm) == from_selector
    assert [d.title for d in from_selector.documents] == ["Chairman's Statement of the 55th AMM"]


# The feed rebuilt after each kind of document change


def forget_everything() -> None:
    caching.reset()


def from_scratch(client) -> bytes:
    forget_everything()
    return client.get(FEED).content


def som() -> Meeting:
    return Meeting.objects.get(slug="sample-som")


def add_statement():
    add_document(meeting=som(), title="Chairman's Statement of the SOM")


def add_draft():
    add_document(meeting=som(), title="Draft statement", published=False)


def retitle():
    Document.objects.filter(title="Chairman's Statement of the SOM").update(
        title="Chairman's Statement of the SOM, corrected"
    )


def withdraw():
    document = Document.objects.get(meeting=som(), published=True)
    document.published = False
    document.save()


def republish():
    document = Document.objects.get(meeting=som(), title__startswith="Chairman's")
    document.published = True
    document.save()


def delete():
    Document.objects.filter(meeting=som(), published=True).delete()


# Each change, and whether the feed shows it.
DOCUMENT_CHANGES = [
    (add_statement, True),
    (add_draft, False),
    (retitle, True),
    (withdraw, True),
    (republish, True),
    (delete, True),
]


def test_feed_after_each_document_change_equals_a_fresh_build(demo, client):
    forget_everything()
    before = client.get(FEED).content
    for change, shown in DOCUMENT_CHANGES:
        change()
        after = client.get(FEED).content

        assert (change.__name__, after) == (change.__name__, from_scratch(client))
        assert (change.__name__, after != before) == (change.__name__, shown)
        before = after


def fingerprints(meetings) -> dict[int, list]:
    return {pk: rest for pk, *rest in selectors.feed_fingerprints(meetings)}


@on_postgresql
def test_document_changes_move_their_meetings_fingerprint_only(demo):
    meetings = selectors.feed_meetings()
    start = before = fingerprints(meetings)
    for change, shown in DOCUMENT_CHANGES:
        change()
        after = fingerprints(meetings)

        moved = {pk for pk in before if after[pk] != before[pk]}
        assert (change.__name__, moved) == (change.__name__, {som().pk} if shown else set())
        before = after

    # Without public documents again: as it was.
    assert after == start


@on_postgresql
def test_after_a_document_change_only_its_meeting_is_read_in_full(demo, client):
    forget_everything()
    client.get(FEED)
    add_statement()

    with CaptureQueriesContext(connection) as queries:
        client.get(FEED)

    reads = [
        q["sql"] for q in queries.captured_queries if '"meetings_meeting"."slug" AS' in q["sql"]
    ]
    assert len(reads) == 1
    assert f'"meetings_meeting"."id" IN ({som().pk})' in reads[0]


# A constant number of queries


def meetings_with_documents(count: int) -> None:
    fmt = FormatFactory(code="EAS")
    for n in range(count):
        meeting = MeetingFactory(format=fmt, start=TODAY + dt.timedelta(days=30 + n))
        add_document(meeting=meeting, kind=DocumentKind.AGENDA, title=f"Agenda {n}")
        add_document(meeting=meeting, title=f"Chairman's Statement {n}")


@pytest.mark.parametrize("count", [1, 20])
def test_feed_with_documents_query_count_does_not_grow(
    frozen_now, client, django_assert_num_queries, count
):
    meetings_with_documents(count)
    # On PostgreSQL the hashes first: the delegations' stamp, the meetings' hashes (their
    # documents' with them), their delegations' hashes.
    hashes = 3 if connection.vendor == "postgresql" else 0

    # The stamp, the meetings, their answers, their documents, the stamp again.
    with django_assert_num_queries(5 + hashes):
        response = client.get(FEED)

    events = vobject.readOne(response.content.decode()).vevent_list
    listed = [e.description.value.split("\n\nDocuments:\n")[1].count("\n- ") for e in events]
    assert listed == [1] * count


@pytest.mark.parametrize("count", [1, 20])
def test_meeting_ics_with_documents_query_count(
    frozen_now, client, django_assert_num_queries, count
):
    meetings_with_documents(count)
    slug = Meeting.objects.order_by("start").first().slug

    # The meeting, its answers, its documents.
    with django_assert_num_queries(3):
        response = client.get(f"/meetings/{slug}.ics")

    assert response.content.decode().count("- Chairman's statement: Chairman's Statement 0") == 1


@pytest.mark.parametrize(
    ("file", "filename", "url", "address"),
    [
        ("documents/ab12/document.pdf", "statement.pdf", "", f"{SITE}/documents/7/statement.pdf"),
        ("documents/ab12/document.pdf", "", "", f"{SITE}/documents/7/document.pdf"),
        ("documents/ab12/document.pdf", "../x/y.pdf", "", f"{SITE}/documents/7/document.pdf"),
        ("", "", "https://asean.org/a.pdf", "https://asean.org/a.pdf"),
        ("", "", "http://asean.org/a.pdf", ""),
        ("", "", "javascript:alert(1)", ""),
    ],
)
def test_document_url_is_the_sites_download_or_an_https_link(file, filename, url, address):
    assert ical.document_url(pk=7, file=file, filename=filename, url=url) == address


def test_document_stored_with_another_scheme_is_listed_without_an_address(client, amm):
    agenda = add_document(meeting=amm, kind=DocumentKind.AGENDA, title="Agenda")
    Document.objects.filter(pk=agenda.pk).update(url="http://asean.org/agenda.pdf")

    description = vevent(client, amm).description.value

    assert description.endswith("\n\nDocuments:\n- Agenda: Agenda")
