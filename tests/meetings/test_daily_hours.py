"""Meetings over several days that sit the same hours each day: entered once, shown as
daily sessions on pages and in mails, and one repeating event in calendars."""

import datetime as dt

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import strip_tags

from meetings import ical, reminders, services
from meetings.models import Meeting
from tests.factories import MeetingFactory, UserFactory, VenueFactory
from tests.meetings.test_admin import meeting_post

VIENTIANE = "Asia/Vientiane"


@pytest.fixture
def amm(db):
    """The 56th AMM as staff enter it: 24-25 July 2023, 09:00-17:00 each day in Vientiane."""
    venue = VenueFactory(name="National Convention Centre", city="Vientiane", timezone=VIENTIANE)
    return MeetingFactory(
        title="56th ASEAN Foreign Ministers' Meeting",
        venue=venue,
        start=dt.datetime(2023, 7, 24, 2, 0, tzinfo=dt.UTC),
        end=dt.datetime(2023, 7, 25, 10, 0, tzinfo=dt.UTC),
        daily_hours=True,
    )


def test_page_and_mail_show_daily_sessions(client, amm):
    page = strip_tags(client.get(amm.get_absolute_url()).content.decode())

    assert "Monday 24 – Tuesday 25 July 2023, 09:00–17:00 each day (Vientiane time, UTC+7)" in (
        " ".join(page.split())
    )
    assert reminders.meeting_when(amm) == (
        "Monday 24 July 2023 to Tuesday 25 July 2023, 09:00–17:00 each day (Vientiane time, UTC+7)"
    )


def test_calendar_gets_one_event_repeating_each_day(client, amm):
    [event] = icalendar.Calendar.from_ical(client.get(f"/meetings/{amm.slug}.ics").content).walk(
        "VEVENT"
    )

    assert event.decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(
        2023, 7, 24, 2, 0, tzinfo=dt.UTC
    )
    assert event.decoded("DTEND").astimezone(dt.UTC) == dt.datetime(
        2023, 7, 24, 10, 0, tzinfo=dt.UTC
    )
    assert event["RRULE"].to_ical() == b"FREQ=DAILY;COUNT=2"


def test_one_block_stays_one_block(client, amm):
    sequence = amm.sequence
    services.meeting_update(meeting=amm, by=None, daily_hours=False)
    [event] = icalendar.Calendar.from_ical(ical_bytes(amm)).walk("VEVENT")

    assert "RRULE" not in event
    assert event.decoded("DTEND").astimezone(dt.UTC) == dt.datetime(
        2023, 7, 25, 10, 0, tzinfo=dt.UTC
    )
    assert Meeting.objects.get(pk=amm.pk).sequence == sequence + 1


def ical_bytes(meeting) -> bytes:
    return reminders.meeting_ics(Meeting.objects.get(pk=meeting.pk))


def test_one_day_or_all_day_drops_the_flag_and_closing_before_opening_is_refused(amm):
    one_day = MeetingFactory(
        start=dt.datetime(2023, 7, 24, 2, 0, tzinfo=dt.UTC),
        end=dt.datetime(2023, 7, 24, 10, 0, tzinfo=dt.UTC),
        daily_hours=True,
    )
    with pytest.raises(ValidationError) as refused:
        services.meeting_update(
            meeting=amm, by=None, end=dt.datetime(2023, 7, 25, 1, 0, tzinfo=dt.UTC)
        )

    assert one_day.daily_hours is False
    assert refused.value.message_dict == {
        "daily_hours": [
            "Sessions the same hours each day need the closing time after the opening time "
            "(09:00); untick it for one block."
        ]
    }


def test_admin_enters_daily_hours_in_the_venue_time(client, amm):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    amm_block = Meeting.objects.get(pk=amm.pk)
    services.meeting_update(meeting=amm_block, by=None, daily_hours=False)
    amm_block.refresh_from_db()
    response = client.post(
        reverse("admin:meetings_meeting_change", args=[amm.pk]),
        meeting_post(amm_block, daily_hours="on"),
    )
    stored = Meeting.objects.get(pk=amm.pk)

    assert response.status_code == 302
    assert (stored.daily_hours, stored.local_start.time(), stored.local_end.time()) == (
        True,
        dt.time(9, 0),
        dt.time(17, 0),
    )
    assert ical.MeetingEntry.from_meeting(stored).daily_hours is True
