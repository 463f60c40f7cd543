"""A feed rebuilt after a change reads only the changed meetings, and equals a fresh build."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings import caching, selectors, services
from meetings.enums import AnswerChannel, AttendanceStatus
from meetings.models import Delegation, Event, Meeting, Participant, Venue
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

FEED = "/feeds/meetings.ics"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database hashes rows on PostgreSQL only"
)


def forget_everything() -> None:
    caching.reset()


@pytest.fixture(autouse=True)
def empty_caches():
    forget_everything()
    yield
    forget_everything()


def from_scratch(client) -> bytes:
    forget_everything()
    return client.get(FEED).content


def rename_title():
    meeting = Meeting.objects.get(slug="sample-som")
    meeting.title = "Renamed; with, escapes\\"
    services.meeting_save(meeting=meeting, by=None)


def reschedule():
    meeting = Meeting.objects.get(slug="sample-som")
    services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=meeting.start + dt.timedelta(hours=2),
        end=meeting.end + dt.timedelta(hours=2),
    )


def rename_venue():
    Venue.objects.filter(name="Manila").update(name="PICC")  # no history, no signal


def rename_participant():
    Participant.objects.filter(code="PH").update(name="Republic of the Philippines")


def rename_event():
    Event.objects.update(title="Renamed umbrella event")


def answer():
    delegation = Delegation.objects.get(meeting__slug="sample-som", participant__code="TH")
    services.delegation_record_answer(
        delegation=delegation,
        attendance=AttendanceStatus.CONFIRMED,
        via=AnswerChannel.RSVP,
        head_name="Maris Sangiampongsa",
    )


def rename_head():
    Delegation.objects.filter(participant__code="TH").update(head_name="Another head")


def cancel():
    meeting = Meeting.objects.get(slug="sample-som")
    services.meeting_cancel(meeting=meeting, by=None, reason="Typhoon")


def add_meeting():
    MeetingFactory(title="Added later", start=dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC))


def unpublish():
    meeting = Meeting.objects.get(slug="sample-som")
    services.meeting_set_published(meeting=meeting, by=None, published=False)


CHANGES = [
    rename_title,
    reschedule,
    rename_venue,
    rename_participant,
    rename_event,
    answer,
    rename_head,
    cancel,
    add_meeting,
    unpublish,
]


def test_feed_after_each_kind_of_change_equals_a_fresh_build(demo, client):
    before = client.get(FEED).content
    seen = [before]
    for change in CHANGES:
        change()
        after = client.get(FEED).content

        assert (change.__name__, after) == (change.__name__, from_scratch(client))
        assert (change.__name__, after in seen) == (change.__name__, False)
        seen.append(after)


@on_postgresql
def test_after_one_change_only_that_meeting_is_read_in_full(demo, client):
    client.get(FEED)
    rename_title()
    changed = Meeting.objects.get(slug="sample-som")

    with CaptureQueriesContext(connection) as queries:
        client.get(FEED)

    # The entry query lists the meetings it reads: only the changed one.
    reads = [
        q["sql"] for q in queries.captured_queries if '"meetings_meeting"."slug" AS' in q["sql"]
    ]
    assert len(reads) == 1
    assert f'"meetings_meeting"."id" IN ({changed.pk})' in reads[0]


def delegation_hash_reads(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "meetings_delegation"' in q["sql"] and "hashtextextended" in q["sql"]
    ]


@on_postgresql
def test_delegation_hashes_are_read_again_only_after_a_delegation_write(demo, client):
    client.get(FEED)
    with CaptureQueriesContext(connection) as after_meeting_edit:
        rename_title()
        meeting_edit = client.get(FEED).content
    with CaptureQueriesContext(connection) as after_answer:
        answer()
        answered = client.get(FEED).content

    assert delegation_hash_reads(after_meeting_edit) == []
    assert len(delegation_hash_reads(after_answer)) == 1
    assert answered == from_scratch(client)
    assert meeting_edit != answered


@on_postgresql
def test_fingerprints_move_with_what_the_event_shows_only(demo):
    answer()
    meetings = selectors.feed_meetings()
    before = {pk: rest for pk, *rest in selectors.feed_fingerprints(meetings)}
    som = Meeting.objects.get(slug="sample-som")
    Delegation.objects.filter(meeting=som, attendance=AttendanceStatus.INVITED).update(
        contact_emails="someone-else@example.org"  # staff-only, not in any feed
    )
    unchanged = {pk: rest for pk, *rest in selectors.feed_fingerprints(meetings)}
    rename_head()
    after = {pk: rest for pk, *rest in selectors.feed_fingerprints(meetings)}

    assert unchanged == before
    moved = {pk for pk in before if after[pk] != before[pk]}
    assert moved == set(
        Delegation.objects.filter(participant__code="TH")
        .exclude(attendance=AttendanceStatus.INVITED)
        .filter(meeting__in=meetings)
        .values_list("meeting_id", flat=True)
    )
