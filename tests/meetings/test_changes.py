"""The public record of what changed: entries from history, the /changes/ page, the Atom feed."""

import datetime as dt

import feedparser
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from meetings import caching, services
from meetings.changes import FieldChange, document_headline, meeting_changes, public_changes
from meetings.enums import AnswerChannel, AttendanceStatus, DocumentKind
from meetings.models import Document, Event, Meeting
from tests.conftest import TODAY
from tests.factories import (
    DelegationFactory,
    FormatFactory,
    MeetingFactory,
    ParticipantFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

PHNOM_PENH_0900 = dt.datetime(2030, 8, 3, 2, 0, tzinfo=dt.UTC)  # 09:00 at UTC+7
OLD_WHEN = "Sat 3 Aug 2030, 09:00–12:00 (Asia/Phnom_Penh, UTC+7)"
NEW_WHEN = "Sun 4 Aug 2030, 14:30–17:00 (Asia/Phnom_Penh, UTC+7)"


@pytest.fixture
def amm(frozen_now):
    fmt = FormatFactory(code="AMM", name="ASEAN Foreign Ministers' Meeting")
    venue = VenueFactory(name="Peace Palace", city="Phnom Penh")
    return MeetingFactory(format=fmt, number=63, venue=venue, start=PHNOM_PENH_0900)


def reschedule(meeting: Meeting, frozen_now, *, minutes_later: int = 60) -> Meeting:
    frozen_now.shift(dt.timedelta(minutes=minutes_later))
    return services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=dt.datetime(2030, 8, 4, 7, 30, tzinfo=dt.UTC),
        end=dt.datetime(2030, 8, 4, 10, 0, tzinfo=dt.UTC),
    )


def test_public_changes_rescheduled_meeting_has_old_and_new_local_times(amm, frozen_now):
    reschedule(amm, frozen_now)

    entries = public_changes(Meeting.objects.all())

    assert [(e.title, e.kinds, e.changes, e.at, e.note) for e in entries] == [
        (
            "63rd ASEAN Foreign Ministers' Meeting: Rescheduled",
            ("rescheduled",),
            (FieldChange("When", OLD_WHEN, NEW_WHEN),),
            TODAY + dt.timedelta(hours=1),
            "",
        )
    ]


def test_public_changes_cancellation_venue_title_and_answers_latest_first(amm, frozen_now):
    other_venue = VenueFactory(name="Sokha Hotel", city="Phnom Penh")
    russia = ParticipantFactory(code="RU", name="Russia")
    delegation = DelegationFactory(meeting=amm, participant=russia)
    frozen_now.shift(dt.timedelta(minutes=10))
    amm.venue, amm.title = other_venue, "63rd AMM"
    services.meeting_save(meeting=amm, by=None)
    frozen_now.shift(dt.timedelta(minutes=10))
    services.delegation_record_answer(
        delegation=delegation,
        attendance=AttendanceStatus.CONFIRMED,
        via=AnswerChannel.ADMIN,
        head_name="Sergey Lavrov",
        head_title="Minister of Foreign Affairs",
    )
    frozen_now.shift(dt.timedelta(minutes=10))
    services.meeting_cancel(meeting=amm, by=None, reason="Typhoon warning")

    entries = public_changes(Meeting.objects.all())

    assert [(e.id[0], e.headline, e.changes, e.note) for e in entries] == [
        (
            "m",
            "Cancelled",
            (FieldChange("Status", "Scheduled", "Cancelled"),),
            "Typhoon warning",
        ),
        (
            "d",
            "Russia confirmed",
            (FieldChange("Attendance", "Invited", "Confirmed"),),
            "Head of delegation: Sergey Lavrov, Minister of Foreign Affairs",
        ),
        (
            "m",
            "Venue changed and renamed",
            (
                FieldChange("Where", "Peace Palace, Phnom Penh", "Sokha Hotel, Phnom Penh"),
                FieldChange("Title", "63rd ASEAN Foreign Ministers' Meeting", "63rd AMM"),
            ),
            "",
        ),
    ]


def test_public_changes_unpublished_meeting_never_appears(amm, frozen_now):
    services.meeting_set_published(meeting=amm, by=None, published=False)
    reschedule(amm, frozen_now)
    services.meeting_cancel(meeting=amm, by=None, reason="Secret reason")

    assert (public_changes(Meeting.objects.all()), meeting_changes(amm)) == ([], [])


def test_public_changes_made_before_publication_never_appear_only_the_announcement(
    frozen_now,
):
    draft = MeetingFactory(start=PHNOM_PENH_0900, published=False, title="Draft title")
    reschedule(draft, frozen_now)
    draft.title = "Public title"
    services.meeting_save(meeting=draft, by=None)
    services.meeting_set_published(meeting=draft, by=None, published=True)

    assert [(e.headline, e.kinds, e.changes) for e in public_changes(Meeting.objects.all())] == [
        (
            "Announced",
            ("announced",),
            (
                FieldChange("When", "", NEW_WHEN),
                FieldChange("Where", "", f"{draft.venue.name}, Phnom Penh"),
            ),
        )
    ]


def test_public_changes_a_meeting_published_after_it_ended_is_not_announced(frozen_now):
    past = MeetingFactory(
        start=TODAY - dt.timedelta(days=30), published=False, title="Held last month"
    )
    services.meeting_set_published(meeting=past, by=None, published=True)

    assert public_changes(Meeting.objects.all()) == []


def test_public_changes_while_withdrawn_never_appear_and_later_ones_start_from_republished(
    amm, frozen_now
):
    services.meeting_set_published(meeting=amm, by=None, published=False)
    reschedule(amm, frozen_now)
    services.meeting_set_published(meeting=amm, by=None, published=True)
    frozen_now.shift(dt.timedelta(hours=1))
    services.meeting_reschedule(
        meeting=amm,
        by=None,
        start=dt.datetime(2030, 8, 5, 1, 0, tzinfo=dt.UTC),
        end=dt.datetime(2030, 8, 5, 2, 0, tzinfo=dt.UTC),
    )

    entries = public_changes(Meeting.objects.all())

    # Published again, it is announced again, with the times it then had.
    assert [e.changes for e in entries] == [
        (FieldChange("When", NEW_WHEN, "Mon 5 Aug 2030, 08:00–09:00 (Asia/Phnom_Penh, UTC+7)"),),
        (
            FieldChange("When", "", NEW_WHEN),
            FieldChange("Where", "", "Peace Palace, Phnom Penh"),
        ),
    ]


def test_public_changes_delegation_created_with_its_answer_is_not_a_change(amm):
    DelegationFactory(
        meeting=amm,
        participant=ParticipantFactory(code="KH", name="Cambodia"),
        attendance=AttendanceStatus.CONFIRMED,
        answered_at=TODAY,
    )

    assert public_changes(Meeting.objects.all()) == []


def test_public_changes_staff_only_edits_make_no_entry(amm, frozen_now):
    delegation = DelegationFactory(
        meeting=amm, participant=ParticipantFactory(code="JP", name="Japan")
    )
    delegation.contact_emails = "desk@mofa.example"
    delegation.notes = "Ambassador prefers morning slots"
    services.delegation_save(delegation=delegation, by=None)
    amm.description = "<p>Agenda to follow.</p>"
    amm.confirmation_deadline = PHNOM_PENH_0900 - dt.timedelta(days=7)
    services.meeting_save(meeting=amm, by=UserFactory(), reason="internal: moved per minister")

    assert public_changes(Meeting.objects.all()) == []


def test_changes_page_shows_reschedule_with_old_and_new_times(client, amm, frozen_now):
    reschedule(amm, frozen_now)

    response = client.get(reverse("meetings:changes"))

    entries = response.context["entries"]
    assert (response.status_code, [e.changes for e in entries]) == (
        200,
        [(FieldChange("When", OLD_WHEN, NEW_WHEN),)],
    )
    html = response.content.decode()
    assert html.count(f"was <del>{OLD_WHEN}</del>") == 1
    assert html.count(f"now <ins>{NEW_WHEN}</ins>") == 1


def test_changes_page_hides_unpublished_meetings_changes(client, amm, frozen_now):
    secret = MeetingFactory(start=PHNOM_PENH_0900, published=True, title="Secret retreat")
    services.meeting_set_published(meeting=secret, by=None, published=False)
    reschedule(secret, frozen_now)
    reschedule(amm, frozen_now)

    response = client.get(reverse("meetings:changes"))

    assert [e.meeting.pk for e in response.context["entries"]] == [amm.pk]
    assert "Secret retreat" not in response.content.decode()


def test_changes_page_filters_by_format(client, amm, frozen_now):
    other = MeetingFactory(format=FormatFactory(code="ARF"), start=PHNOM_PENH_0900)
    reschedule(other, frozen_now)
    reschedule(amm, frozen_now)

    response = client.get(reverse("meetings:changes"), {"format": "amm"})

    assert [e.meeting.pk for e in response.context["entries"]] == [amm.pk]


def test_changes_page_bad_filter_is_400_naming_parameter(client, amm):
    response = client.get(reverse("meetings:changes"), {"from": "2030-13-45", "format": "AMM"})

    assert (response.status_code, response.context["errors"]) == (
        400,
        [("from", ["Enter a valid date."])],
    )


def test_changes_page_bad_page_is_400_naming_page(client, amm):
    response = client.get(reverse("meetings:changes"), {"page": "zero"})

    assert (response.status_code, response.context["errors"]) == (
        400,
        [("page", ["Enter a whole number from 1 to 20."])],
    )


def test_changes_feed_entry_has_old_and_new_times_and_absolute_link(client, amm, frozen_now):
    reschedule(amm, frozen_now)

    response = client.get(reverse("meetings:changes-feed"))

    feed = feedparser.parse(response.content)
    entry = feed.entries[0]
    url = f"http://127.0.0.1:8000/meetings/{amm.slug}/#change-{meeting_changes(amm)[0].id}"
    assert (response["Content-Type"], len(feed.entries)) == (
        "application/atom+xml; charset=utf-8",
        1,
    )
    assert (entry.title, entry.link, entry.id, entry.updated) == (
        "63rd ASEAN Foreign Ministers' Meeting: Rescheduled",
        url,
        url,
        "2026-11-02T04:00:00+00:00",
    )
    assert entry.summary == (
        f'<p><a href="http://127.0.0.1:8000/meetings/{amm.slug}/">'
        "63rd ASEAN Foreign Ministers&#x27; Meeting</a>: Rescheduled.</p>\n<ul>\n"
        f"  <li>When: <del>{OLD_WHEN}</del> → <ins>{NEW_WHEN}</ins></li>\n</ul>"
    )


def test_changes_feed_validates_as_atom(client, amm, frozen_now):
    reschedule(amm, frozen_now)
    services.meeting_cancel(meeting=amm, by=None, reason="Typhoon & floods <severe>")

    response = client.get(reverse("meetings:changes-feed"), {"format": "AMM"})

    feed = feedparser.parse(response.content)
    assert (feed.version, feed.bozo, len(feed.entries)) == ("atom10", False, 2)
    assert (feed.feed.title, feed.feed.link, feed.feed.updated) == (
        "aseancal: what changed",
        "http://127.0.0.1:8000/changes/?format=AMM",
        "2026-11-02T04:00:00+00:00",
    )
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [
        "http://127.0.0.1:8000/feeds/changes.atom?format=AMM"
    ]
    entry_ids = [
        f"http://127.0.0.1:8000/meetings/{amm.slug}/#change-{e.id}" for e in meeting_changes(amm)
    ]
    assert (feed.feed.author, [(e.id, e.updated) for e in feed.entries]) == (
        "aseancal",
        [
            (entry_ids[0], "2026-11-02T04:00:00+00:00"),
            (entry_ids[1], "2026-11-02T04:00:00+00:00"),
        ],
    )


def test_changes_feed_ids_stay_the_same_across_requests(client, amm, frozen_now):
    reschedule(amm, frozen_now)
    first = feedparser.parse(client.get(reverse("meetings:changes-feed")).content)
    frozen_now.shift(dt.timedelta(hours=1))
    services.meeting_cancel(meeting=amm, by=None, reason="Typhoon")

    second = feedparser.parse(client.get(reverse("meetings:changes-feed")).content)

    assert [e.id for e in second.entries][1:] == [e.id for e in first.entries]


def test_changes_feed_bad_filter_is_400_naming_parameter(client):
    response = client.get(reverse("meetings:changes-feed"), {"status": "vanished"})

    assert (response.status_code, response.content.decode()) == (
        400,
        "Bad filter: status: Select a valid choice. vanished is not one of the available choices.",
    )


def test_changes_feed_unpublished_meeting_never_appears(client, amm, frozen_now):
    services.meeting_set_published(meeting=amm, by=None, published=False)
    reschedule(amm, frozen_now)

    feed = feedparser.parse(client.get(reverse("meetings:changes-feed")).content)

    assert (feed.bozo, feed.entries) == (False, [])


def _rescheduled_meetings(count: int, frozen_now) -> None:
    """`count` meetings of one event, each rescheduled, answered and given a document, and a
    document of the event: 3 * count + 1 entries."""
    fmt = FormatFactory(code="SOM")
    venue = VenueFactory()
    russia = ParticipantFactory(code="RU", name="Russia")
    event = umbrella_event()
    add_document(event=event, kind=DocumentKind.PRESS_RELEASE, title="Media advisory")
    for n in range(count):
        meeting = MeetingFactory(
            format=fmt, number=n + 1, venue=venue, start=PHNOM_PENH_0900, event=event
        )
        reschedule(meeting, frozen_now, minutes_later=1)
        delegation = DelegationFactory(meeting=meeting, participant=russia)
        services.delegation_record_answer(
            delegation=delegation, attendance=AttendanceStatus.DECLINED, via=AnswerChannel.API
        )
        add_document(meeting=meeting, kind=DocumentKind.AGENDA, title=f"Agenda {n}")


# 15 meetings: 46 entries, within a page (50).
@pytest.mark.parametrize("count", [1, 15])
def test_changes_page_query_count_does_not_grow_with_changes(
    client, frozen_now, django_assert_num_queries, count
):
    _rescheduled_meetings(count, frozen_now)

    # the calendar version, filter choices (2), meeting history, delegation history,
    # documents, the meetings shown, the version again (before keeping the page in memory)
    with django_assert_num_queries(8):
        response = client.get(reverse("meetings:changes"))
    with django_assert_num_queries(1):  # unchanged since: from memory
        again = client.get(reverse("meetings:changes"))

    assert len(response.context["entries"]) == 3 * count + 1
    assert again.content == response.content


# 15 meetings: 46 entries, within a page (50).
@pytest.mark.parametrize("count", [1, 15])
def test_changes_feed_query_count_does_not_grow_with_changes(
    client, frozen_now, django_assert_num_queries, count
):
    _rescheduled_meetings(count, frozen_now)

    # meeting history, delegation history, documents, the meetings shown
    with django_assert_num_queries(4):
        response = client.get(reverse("meetings:changes-feed"))

    assert len(feedparser.parse(response.content).entries) == 3 * count + 1


def test_meeting_changes_fragment_lists_one_meetings_changes(amm, frozen_now):
    reschedule(amm, frozen_now)
    other = MeetingFactory(start=PHNOM_PENH_0900)
    reschedule(other, frozen_now)

    # The page's view reads the entries; the fragment only shows them.
    html = render_to_string(
        "meetings/includes/meeting_changes.html",
        {"meeting": amm, "changes": meeting_changes(amm)},
    )

    entry = meeting_changes(amm)[0]
    assert html.count('class="change change-rescheduled"') == 1
    assert html.count(f'id="change-{entry.id}"') == 1
    assert html.count(f"was <del>{OLD_WHEN}</del>") == 1


def test_meeting_page_shows_its_change_history(client, amm, frozen_now):
    reschedule(amm, frozen_now)

    response = client.get(reverse("meetings:meeting", kwargs={"slug": amm.slug}))

    html = response.content.decode()
    entry = meeting_changes(amm)[0]
    assert (response.status_code, html.count(f'<li id="change-{entry.id}"')) == (200, 1)
    assert html.count(f"now <ins>{NEW_WHEN}</ins>") == 1


def test_changes_feed_carries_validators_and_answers_304_to_each(client, amm, frozen_now):
    reschedule(amm, frozen_now)  # the change is at TODAY + 1 hour
    frozen_now.shift(dt.timedelta(minutes=5))
    url = reverse("meetings:changes-feed")

    first = client.get(url)
    by_etag = client.get(url, headers={"if-none-match": first["ETag"]})
    by_date = client.get(url, headers={"if-modified-since": first["Last-Modified"]})

    assert (first.status_code, first["Last-Modified"], first["Cache-Control"]) == (
        200,
        "Mon, 02 Nov 2026 04:00:00 GMT",
        f"public, max-age={settings.FEED_MAX_AGE}",
    )
    assert first["ETag"] == caching.content_etag(first.content)
    assert (by_etag.status_code, by_etag.content, by_etag["ETag"]) == (304, b"", first["ETag"])
    assert (by_date.status_code, by_date.content) == (304, b"")


def test_changes_feed_new_change_gives_new_validators(client, amm, frozen_now):
    reschedule(amm, frozen_now)
    frozen_now.shift(dt.timedelta(minutes=5))
    url = reverse("meetings:changes-feed")
    first = client.get(url)
    services.meeting_cancel(meeting=amm, by=None, reason="Typhoon")
    frozen_now.shift(dt.timedelta(minutes=5))

    again = client.get(url, headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200
    assert (again["ETag"] != first["ETag"], again["Last-Modified"]) == (
        True,
        "Mon, 02 Nov 2026 04:05:00 GMT",
    )


def test_empty_changes_feed_is_the_same_bytes_at_every_request(client, db, frozen_now):
    url = reverse("meetings:changes-feed")
    first = client.get(url)
    frozen_now.shift(dt.timedelta(hours=3))

    later = client.get(url, headers={"if-none-match": first["ETag"]})

    assert (first.status_code, "Last-Modified" in first) == (200, False)
    assert feedparser.parse(first.content).feed.updated == "1970-01-01T00:00:00+00:00"
    assert later.status_code == 304


# Documents: one "published" entry each while public


def add_document(
    *,
    meeting: Meeting | None = None,
    event: Event | None = None,
    kind: str = DocumentKind.CHAIRMANS_STATEMENT,
    title: str = "Chairman's Statement of the 63rd AMM",
    published: bool = True,
    published_on: dt.date = dt.date(2030, 8, 4),
    **stored,
) -> Document:
    """A document saved as the admin saves it (with its history), a link unless `file`."""
    if "file" not in stored:
        stored["url"] = (
            f"https://asean.org/wp-content/uploads/{kind}-{Document.objects.count()}.pdf"
        )
    return Document.objects.create(
        meeting=meeting,
        event=event,
        kind=kind,
        title=title,
        published=published,
        published_on=published_on,
        **stored,
    )


def umbrella_event(*, published: bool = True, slug: str = "2030-amm") -> Event:
    return Event.objects.create(
        title="63rd AMM and Related Meetings",
        slug=slug,
        start_date=dt.date(2030, 8, 1),
        end_date=dt.date(2030, 8, 6),
        published=published,
    )


def shown_entries(entries) -> list[tuple]:
    return [(e.id, e.at, e.title, e.kinds, e.url, e.guid) for e in entries]


@pytest.mark.parametrize(
    ("label", "title", "headline"),
    [
        (
            "Chairman's statement",
            "Chairman's Statement of the 55th AMM",
            "Chairman's Statement of the 55th AMM published",
        ),
        (
            "Chairman's statement",
            "Chairman\u2019s Statement of the 55th AMM",
            "Chairman\u2019s Statement of the 55th AMM published",
        ),
        (
            "Joint communiqué",
            "JOINT COMMUNIQUE of the 55th AMM",
            "JOINT COMMUNIQUE of the 55th AMM published",
        ),
        ("Agenda", "Provisional programme", "Agenda published: Provisional programme"),
        ("Photos or video", "Family photo", "Photos or video published: Family photo"),
    ],
)
def test_document_headline_is_the_title_when_it_names_the_kind(label, title, headline):
    assert document_headline(label, title) == headline


def test_public_changes_document_published_on_a_published_meeting(amm, frozen_now):
    frozen_now.shift(dt.timedelta(hours=2))
    statement = add_document(meeting=amm, published_on=dt.date(2030, 8, 1))
    frozen_now.shift(dt.timedelta(hours=1))
    agenda = add_document(meeting=amm, kind=DocumentKind.AGENDA, title="Provisional programme")
    page = f"http://127.0.0.1:8000/meetings/{amm.slug}/"

    entries = public_changes(Meeting.objects.all())

    assert shown_entries(entries) == [
        (
            f"p{agenda.pk}",
            TODAY + dt.timedelta(hours=3),
            "63rd ASEAN Foreign Ministers' Meeting: Agenda published: Provisional programme",
            ("document", "agenda"),
            agenda.url,
            f"{page}#change-p{agenda.pk}",
        ),
        (
            f"p{statement.pk}",
            # When it became public, not the day it is dated.
            TODAY + dt.timedelta(hours=2),
            "63rd ASEAN Foreign Ministers' Meeting: Chairman's Statement of the 63rd AMM published",
            ("document", "chairmans_statement"),
            statement.url,
            f"{page}#change-p{statement.pk}",
        ),
    ]
    assert [(e.changes, e.note, e.event) for e in entries] == [((), "", None), ((), "", None)]
    assert meeting_changes(amm) == entries


def test_public_changes_document_merges_with_other_changes_latest_first(amm, frozen_now):
    frozen_now.shift(dt.timedelta(minutes=10))
    statement = add_document(meeting=amm)
    reschedule(amm, frozen_now, minutes_later=10)

    entries = public_changes(Meeting.objects.all())

    assert [(e.id[0], e.headline, e.at) for e in entries] == [
        ("m", "Rescheduled", TODAY + dt.timedelta(minutes=20)),
        ("p", "Chairman's Statement of the 63rd AMM published", TODAY + dt.timedelta(minutes=10)),
    ]
    assert entries[1].id == f"p{statement.pk}"


def test_public_changes_document_added_to_a_draft_dates_from_the_meetings_publication(
    frozen_now,
):
    draft = MeetingFactory(start=PHNOM_PENH_0900, published=False, title="Draft talks")
    add_document(meeting=draft, title="Chairman's Statement of the talks")
    frozen_now.shift(dt.timedelta(hours=3))
    services.meeting_set_published(meeting=draft, by=None, published=True)
    frozen_now.shift(dt.timedelta(hours=1))
    draft.title = "Public talks"
    services.meeting_save(meeting=draft, by=None)

    entries = public_changes(Meeting.objects.all())

    assert [(e.headline, e.at) for e in entries] == [
        ("Renamed", TODAY + dt.timedelta(hours=4)),
        ("Announced", TODAY + dt.timedelta(hours=3)),
        ("Chairman's Statement of the talks published", TODAY + dt.timedelta(hours=3)),
    ]


def test_public_changes_unpublished_document_or_meeting_never_appears(amm, frozen_now):
    add_document(meeting=amm, published=False, title="Chairman's Statement (draft)")
    secret = MeetingFactory(start=PHNOM_PENH_0900, published=False, title="Secret retreat")
    add_document(meeting=secret, title="Chairman's Statement of the retreat")

    assert (public_changes(Meeting.objects.all()), meeting_changes(amm)) == ([], [])


def test_public_changes_withdrawn_document_disappears_and_returns_with_its_first_date(
    amm, frozen_now
):
    frozen_now.shift(dt.timedelta(hours=1))
    statement = add_document(meeting=amm)
    frozen_now.shift(dt.timedelta(hours=1))
    statement.published = False
    statement.save()
    withdrawn = public_changes(Meeting.objects.all())
    frozen_now.shift(dt.timedelta(hours=1))
    statement.published = True
    statement.save()

    again = public_changes(Meeting.objects.all())

    assert withdrawn == []
    assert [(e.id, e.at) for e in again] == [(f"p{statement.pk}", TODAY + dt.timedelta(hours=1))]


def test_public_changes_document_leaves_with_its_withdrawn_meeting(amm, frozen_now):
    add_document(meeting=amm)
    frozen_now.shift(dt.timedelta(hours=1))
    services.meeting_set_published(meeting=amm, by=None, published=False)

    assert public_changes(Meeting.objects.all()) == []


def test_public_changes_event_documents_follow_the_filters_through_its_meetings(
    client, amm, frozen_now
):
    event = umbrella_event()
    amm.event = event
    services.meeting_save(meeting=amm, by=None)
    MeetingFactory(format=FormatFactory(code="ARF"), start=PHNOM_PENH_0900)
    hidden = umbrella_event(published=False, slug="2030-retreat")
    MeetingFactory(event=hidden, start=PHNOM_PENH_0900)
    add_document(event=hidden, kind=DocumentKind.PRESS_RELEASE, title="Retreat advisory")
    frozen_now.shift(dt.timedelta(hours=1))
    release = add_document(event=event, kind=DocumentKind.PRESS_RELEASE, title="Media advisory")

    def listed(**params) -> list[tuple]:
        entries = client.get(reverse("meetings:changes"), params).context["entries"]
        return [(e.id, e.title, e.categories, e.guid, e.page_link) for e in entries]

    expected = [
        (
            f"p{release.pk}",
            "63rd AMM and Related Meetings: Press release published: Media advisory",
            ["document", "press_release"],
            f"http://127.0.0.1:8000/events/2030-amm/#change-p{release.pk}",
            "/events/2030-amm/",
        )
    ]
    assert listed() == expected
    assert listed(format="AMM") == expected
    assert listed(format="ARF") == []
    assert listed(status="cancelled") == []
    assert meeting_changes(amm) == []


def test_changes_page_filters_meeting_documents_by_format(client, frozen_now):
    eas = MeetingFactory(format=FormatFactory(code="EAS"), start=PHNOM_PENH_0900)
    statement = add_document(meeting=eas, title="Chairman's Statement of the 20th EAS")

    def ids(**params) -> list[str]:
        response = client.get(reverse("meetings:changes"), params)
        return [e.id for e in response.context["entries"]]

    assert (ids(format="EAS"), ids(format="AMM")) == ([f"p{statement.pk}"], [])


def test_changes_page_shows_the_document_with_its_meeting_and_its_link(client, amm, frozen_now):
    statement = add_document(meeting=amm, published_on=dt.date(2030, 8, 4), language="fr")

    html = client.get(reverse("meetings:changes")).content.decode()

    expected = (
        '<li class="change change-document">\n'
        '      <p><time datetime="2026-11-02T03:00:00+00:00">Mon 2 Nov 2026, 03:00 UTC</time>: '
        f'<a href="/meetings/{amm.slug}/#change-p{statement.pk}">'
        "63rd ASEAN Foreign Ministers&#x27; Meeting</a>: "
        "<strong>Chairman&#x27;s Statement of the 63rd AMM published</strong></p>\n"
        f'      <p class="document"><a href="{statement.url}" hreflang="fr">'
        "Chairman&#x27;s Statement of the 63rd AMM</a> · Chairman&#x27;s statement · "
        'dated <time datetime="2030-08-04">4 August 2030</time> · French</p>'
    )
    assert html.count(expected) == 1


def test_changes_feed_document_entry_links_the_document_with_a_stable_id(client, amm, frozen_now):
    frozen_now.shift(dt.timedelta(hours=1))
    statement = add_document(meeting=amm, published_on=dt.date(2030, 8, 4))
    page = f"http://127.0.0.1:8000/meetings/{amm.slug}/"

    first = client.get(reverse("meetings:changes-feed"))
    frozen_now.shift(dt.timedelta(hours=1))
    statement.title = "Chairman's Statement of the 63rd AMM (corrected)"
    statement.save()
    second = feedparser.parse(client.get(reverse("meetings:changes-feed")).content)

    feed = feedparser.parse(first.content)
    entry = feed.entries[0]
    assert (feed.bozo, len(feed.entries), first["Last-Modified"]) == (
        False,
        1,
        "Mon, 02 Nov 2026 04:00:00 GMT",
    )
    assert (entry.title, entry.link, entry.id, entry.updated) == (
        "63rd ASEAN Foreign Ministers' Meeting: Chairman's Statement of the 63rd AMM published",
        statement.url,
        f"{page}#change-p{statement.pk}",
        "2026-11-02T04:00:00+00:00",
    )
    assert [tag.term for tag in entry.tags] == ["AMM", "document", "chairmans_statement"]
    assert entry.summary == (
        f'<p><a href="{page}">63rd ASEAN Foreign Ministers&#x27; Meeting</a>: '
        "Chairman&#x27;s Statement of the 63rd AMM published.</p>\n"
        f'<p><a href="{statement.url}">Chairman&#x27;s Statement of the 63rd AMM</a> '
        "(Chairman&#x27;s statement, dated 4 August 2030, English)</p>"
    )
    # Corrected later: the same entry, id and time, with its new title.
    assert [(e.id, e.updated, e.title) for e in second.entries] == [
        (
            entry.id,
            entry.updated,
            "63rd ASEAN Foreign Ministers' Meeting: "
            "Chairman's Statement of the 63rd AMM (corrected) published",
        )
    ]


def test_changes_feed_last_modified_moves_when_an_older_dated_document_appears(
    client, amm, frozen_now
):
    reschedule(amm, frozen_now)
    url = reverse("meetings:changes-feed")
    first = client.get(url)
    frozen_now.shift(dt.timedelta(hours=1))
    add_document(meeting=amm, published_on=dt.date(2022, 8, 5))

    again = client.get(url, headers={"if-modified-since": first["Last-Modified"]})

    assert (first["Last-Modified"], again.status_code, again["Last-Modified"]) == (
        "Mon, 02 Nov 2026 04:00:00 GMT",
        200,
        "Mon, 02 Nov 2026 05:00:00 GMT",
    )


def test_changes_feed_file_document_links_the_sites_download(
    client, amm, frozen_now, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    statement = add_document(
        meeting=amm,
        file=SimpleUploadedFile("statement.pdf", b"%PDF-1.7\n", content_type="application/pdf"),
        filename="chairmans-statement-63rd-amm.pdf",
        content_type="application/pdf",
        size=9,
    )

    feed = feedparser.parse(client.get(reverse("meetings:changes-feed")).content)

    assert [e.link for e in feed.entries] == [
        f"http://127.0.0.1:8000/documents/{statement.pk}/chairmans-statement-63rd-amm.pdf"
    ]


def test_meeting_page_holds_the_anchor_of_its_document_entry(client, amm, frozen_now):
    statement = add_document(meeting=amm)

    html = client.get(reverse("meetings:meeting", kwargs={"slug": amm.slug})).content.decode()

    assert html.count(f'<li id="change-p{statement.pk}" class="change change-document">') == 1
