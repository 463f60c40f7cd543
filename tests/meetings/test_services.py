"""Writes through services: titles, slugs, SEQUENCE, invitations, answers."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from meetings import services
from meetings.enums import AnswerChannel, AttendanceStatus, MeetingStatus
from meetings.models import Meeting
from tests.conftest import TODAY
from tests.factories import FormatFactory, MeetingFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_title_and_slug_derived_from_format_and_number():
    fmt = FormatFactory(code="AMM", name="ASEAN Foreign Ministers' Meeting")
    meeting = MeetingFactory(format=fmt, number=55, start=dt.datetime(2022, 8, 3, 2, tzinfo=dt.UTC))
    assert (meeting.title, meeting.slug) == ("55th ASEAN Foreign Ministers' Meeting", "2022-amm-55")


def test_slug_of_khmer_titled_meeting_is_ascii_and_keeps_its_identity():
    fmt = FormatFactory(code="SOM", name="Senior Officials' Meeting")
    meeting = MeetingFactory(
        format=fmt,
        number=None,
        title="កិច្ចប្រជុំមន្ត្រីជាន់ខ្ពស់អាស៊ាន",
        start=dt.datetime(2030, 3, 9, 2, tzinfo=dt.UTC),
    )
    other = MeetingFactory(
        format=fmt,
        number=None,
        title="ការប្រជុំរដ្ឋមន្ត្រី",
        start=dt.datetime(2030, 3, 9, 6, tzinfo=dt.UTC),
    )
    assert (meeting.slug, other.slug) == ("2030-som-03-09", "2030-som-03-09-2")
    assert meeting.title == "កិច្ចប្រជុំមន្ត្រីជាន់ខ្ពស់អាស៊ាន"


def test_slug_stays_when_the_title_and_date_change():
    meeting = MeetingFactory(number=7)
    slug = meeting.slug
    meeting.title = "Renamed"
    services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=meeting.start + dt.timedelta(days=400),
        end=meeting.end + dt.timedelta(days=400),
    )
    assert Meeting.objects.get(pk=meeting.pk).slug == slug


def test_reschedule_raises_sequence():
    meeting = MeetingFactory()
    assert meeting.sequence == 0
    services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=meeting.start + dt.timedelta(days=1),
        end=meeting.end + dt.timedelta(days=1),
    )
    assert Meeting.objects.values_list("sequence", flat=True).get(pk=meeting.pk) == 1


def test_cancel_raises_sequence_and_records_reason():
    meeting = MeetingFactory()
    services.meeting_cancel(meeting=meeting, by=None, reason="Typhoon")
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.status, stored.status_note, stored.sequence) == (
        MeetingStatus.CANCELLED,
        "Typhoon",
        1,
    )


def test_description_edit_keeps_sequence_but_moves_updated_at(frozen_now):
    meeting = MeetingFactory()
    first_update = meeting.updated_at
    frozen_now.shift(dt.timedelta(minutes=5))
    meeting.description = "Agenda published."
    services.meeting_save(meeting=meeting, by=None)
    stored = Meeting.objects.get(pk=meeting.pk)
    assert stored.sequence == 0
    assert stored.updated_at == first_update + dt.timedelta(minutes=5)


def test_description_is_sanitised_on_save():
    meeting = MeetingFactory(description='<p onclick="x()">Hi<script>alert(1)</script></p>')
    assert meeting.description == "<p>Hi</p>"


def test_end_before_start_refused_with_field_error():
    meeting = MeetingFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_reschedule(
            meeting=meeting, by=None, start=meeting.start, end=meeting.start - dt.timedelta(hours=1)
        )
    assert excinfo.value.message_dict == {"end": ["The end must be after the start."]}


def test_unknown_timezone_refused_with_field_error():
    with pytest.raises(ValidationError) as excinfo:
        MeetingFactory(venue=None, timezone="Asia/Atlantis")
    assert list(excinfo.value.message_dict) == ["timezone"]


def test_stale_revision_refused():
    meeting = MeetingFactory()
    seen = meeting.revision
    services.meeting_save(meeting=Meeting.objects.get(pk=meeting.pk), by=None)
    meeting.title = "My edit"
    with pytest.raises(services.ConcurrentEditError):
        services.meeting_save(meeting=meeting, by=None, expected_revision=seen)
    assert Meeting.objects.get(pk=meeting.pk).title != "My edit"


def test_record_answer_stores_when_and_through_which_door(frozen_now):
    delegation = MeetingFactory().delegations.create(participant=ParticipantFactory(code="RU"))
    user = UserFactory()
    services.delegation_record_answer(
        delegation=delegation,
        attendance=AttendanceStatus.CONFIRMED,
        via=AnswerChannel.API,
        by=user,
        head_name="Sergey Lavrov",
        head_title="Minister of Foreign Affairs",
        level="minister",
    )
    delegation.refresh_from_db()
    assert (delegation.attendance, delegation.answered_via, delegation.head_name) == (
        "confirmed",
        "api",
        "Sergey Lavrov",
    )
    assert delegation.answered_at == TODAY
    last = delegation.history.first()
    assert (last.history_user, last.history_change_reason) == (user, "Confirmed through API")
