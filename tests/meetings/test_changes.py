"""The public record of what changed: entries from history, the /changes/ page, the Atom feed."""

import datetime as dt

import feedparser
import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from meetings import caching, services
from meetings.changes import FieldChange, meeting_changes, public_changes
from meetings.enums import AnswerChannel, AttendanceStatus
from meetings.models import Meeting
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


def test_public_changes_made_before_publication_never_appear(frozen_now):
    draft = MeetingFactory(start=PHNOM_PENH_0900, published=False, title="Draft title")
    reschedule(draft, frozen_now)
    draft.title = "Public title"
    services.meeting_save(meeting=draft, by=None)
    services.meeting_set_published(meeting=draft, by=None, published=True)

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

    assert [e.changes for e in entries] == [
        (FieldChange("When", NEW_WHEN, "Mon 5 Aug 2030, 08:00–09:00 (Asia/Phnom_Penh, UTC+7)"),)
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
    services.meeting_cancel(meeting=amm, by=None, reason="")

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
    fmt = FormatFactory(code="SOM")
    venue = VenueFactory()
    russia = ParticipantFactory(code="RU", name="Russia")
    for n in range(count):
        meeting = MeetingFactory(format=fmt, number=n + 1, venue=venue, start=PHNOM_PENH_0900)
        reschedule(meeting, frozen_now, minutes_later=1)
        delegation = DelegationFactory(meeting=meeting, participant=russia)
        services.delegation_record_answer(
            delegation=delegation, attendance=AttendanceStatus.DECLINED, via=AnswerChannel.API
        )


@pytest.mark.parametrize("count", [1, 20])
def test_changes_page_query_count_does_not_grow_with_changes(
    client, frozen_now, django_assert_num_queries, count
):
    _rescheduled_meetings(count, frozen_now)

    # the calendar version, filter choices (2), meeting history, delegation history, the
    # meetings shown, the version again (before keeping the page in memory)
    with django_assert_num_queries(7):
        response = client.get(reverse("meetings:changes"))
    with django_assert_num_queries(1):  # unchanged since: from memory
        again = client.get(reverse("meetings:changes"))

    assert len(response.context["entries"]) == 2 * count
    assert again.content == response.content


@pytest.mark.parametrize("count", [1, 20])
def test_changes_feed_query_count_does_not_grow_with_changes(
    client, frozen_now, django_assert_num_queries, count
):
    _rescheduled_meetings(count, frozen_now)

    with django_assert_num_queries(3):
        response = client.get(reverse("meetings:changes-feed"))

    assert len(feedparser.parse(response.content).entries) == 2 * count


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
