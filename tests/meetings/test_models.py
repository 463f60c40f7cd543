"""Constraints the database itself enforces, whatever door a write comes through."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from meetings.models import Delegation, Event, Meeting, Membership, Venue
from tests.factories import (
    DelegationFactory,
    FormatFactory,
    MeetingFactory,
    ParticipantFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 8, 3, 2, 0, tzinfo=dt.UTC)


def raw_meeting(**overrides) -> dict:
    values = {
        "format": FormatFactory(),
        "slug": "raw-meeting",
        "title": "Raw meeting",
        "timezone": "Asia/Phnom_Penh",
        "start": START,
        "end": START + dt.timedelta(hours=2),
        "first_day": START.date(),
        "last_day": START.date(),
    }
    return values | overrides


def test_meeting_end_before_start_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(**raw_meeting(end=START - dt.timedelta(hours=1)))
    assert Meeting.objects.count() == 0


def test_meeting_end_equal_to_start_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(**raw_meeting(end=START))


def test_meeting_timezone_of_wrong_shape_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(**raw_meeting(timezone="UTC+7; DROP"))


def test_venue_timezone_of_wrong_shape_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Venue.objects.create(name="X", city="Y", country_code="KH", timezone="+07:00")


def test_duplicate_format_number_rejected_by_database():
    fmt = FormatFactory()
    Meeting.objects.create(**raw_meeting(format=fmt, number=55))
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(**raw_meeting(format=fmt, number=55, slug="another"))


def test_unnumbered_meetings_of_one_format_allowed():
    fmt = FormatFactory()
    Meeting.objects.create(**raw_meeting(format=fmt))
    Meeting.objects.create(**raw_meeting(format=fmt, slug="another"))
    assert Meeting.objects.filter(format=fmt, number__isnull=True).count() == 2


def test_duplicate_delegation_rejected_by_database():
    delegation = DelegationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delegation.objects.create(meeting=delegation.meeting, participant=delegation.participant)


def test_answered_delegation_without_answer_time_rejected_by_database():
    meeting = MeetingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delegation.objects.create(
            meeting=meeting, participant=ParticipantFactory(), attendance="confirmed"
        )


def test_event_ending_before_it_starts_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            title="E", slug="e", start_date=dt.date(2022, 8, 6), end_date=dt.date(2022, 7, 31)
        )


def test_membership_ending_before_it_starts_rejected_by_database():
    participant = ParticipantFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            participant=participant,
            role="member",
            start=dt.date(2025, 10, 26),
            end=dt.date(2022, 1, 1),
        )


def test_venue_latitude_out_of_range_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        VenueFactory(latitude=91)


def test_participant_code_lower_case_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipantFactory(code="ru")


def test_meeting_local_times_and_offset_label_in_yangon():
    meeting = MeetingFactory(
        venue=VenueFactory(city="Yangon", country_code="MM", timezone="Asia/Yangon"),
        start=dt.datetime(2030, 1, 10, 2, 30, tzinfo=dt.UTC),
        end=dt.datetime(2030, 1, 10, 5, 30, tzinfo=dt.UTC),
    )
    assert meeting.timezone == "Asia/Yangon"
    assert meeting.local_start.isoformat() == "2030-01-10T09:00:00+06:30"
    assert meeting.utc_offset_label == "UTC+6:30"
    assert (meeting.first_day, meeting.last_day) == (dt.date(2030, 1, 10), dt.date(2030, 1, 10))
