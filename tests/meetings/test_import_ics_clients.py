"""Importing what calendar apps export: Google's UTC times with X-WR-TIMEZONE, series."""

import datetime as dt

import pytest

from meetings.imports import import_calendar
from meetings.models import Meeting

pytestmark = pytest.mark.django_db


def google_export(*event_lines: str, zone: str = "Asia/Jakarta") -> bytes:
    """An export as Google Calendar writes one: UTC times, the calendar's zone apart."""
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Secretariat planning",
        f"X-WR-TIMEZONE:{zone}",
        "BEGIN:VEVENT",
        "DTSTART:20300803T020000Z",
        "DTEND:20300803T050000Z",
        "DTSTAMP:20300101T000000Z",
        "UID:4kq1b2@google.com",
        "CATEGORIES:AMM",
        "SUMMARY:56th AMM",
        *event_lines,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_google_export_times_are_read_in_its_calendar_zone(demo):
    result = import_calendar(google_export(), name="google.ics")

    meeting = Meeting.objects.get(format__code="AMM", number=56)
    assert result.summary() == "1 row read: 1 created, 0 changed, 0 unchanged."
    assert (meeting.timezone, meeting.local_start.isoformat(), meeting.local_end.isoformat()) == (
        "Asia/Jakarta",
        "2030-08-03T09:00:00+07:00",
        "2030-08-03T12:00:00+07:00",
    )


def test_utc_times_without_a_calendar_zone_stay_utc(demo):
    data = google_export().replace(b"X-WR-TIMEZONE:Asia/Jakarta\r\n", b"")

    import_calendar(data, name="plain.ics")

    meeting = Meeting.objects.get(format__code="AMM", number=56)
    assert (meeting.timezone, meeting.start) == ("UTC", dt.datetime(2030, 8, 3, 2, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("extra", "column"),
    [
        ("RRULE:FREQ=WEEKLY;COUNT=4", "RRULE"),
        ("RDATE:20300810T020000Z", "RDATE"),
        ("RECURRENCE-ID:20300810T020000Z", "RECURRENCE-ID"),
    ],
)
def test_a_repeating_event_is_refused_not_cut_to_its_first_occurrence(demo, extra, column):
    before = Meeting.objects.count()

    result = import_calendar(google_export(extra), name="google.ics")

    assert result.summary() == "1 row read: 1 bad row; nothing imported."
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (
            8,
            column,
            "the event repeats: a meeting takes place once. Export each occurrence as an "
            "event of its own (its ordinal opening the SUMMARY), or enter the meetings in a "
            "spreadsheet.",
        )
    ]
    assert Meeting.objects.count() == before


def test_own_feed_imported_back_with_spaced_title_changes_nothing(demo, client):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    Meeting.objects.filter(pk=meeting.pk).update(title="55th  ASEAN Foreign   Ministers' Meeting")
    exported = client.get("/meetings/2022-amm-55.ics").content
    sequence = Meeting.objects.get(pk=meeting.pk).sequence

    result = import_calendar(exported, name="aseancal.ics")

    assert b"SUMMARY:55th ASEAN Foreign Ministers' Meeting" in exported
    assert result.summary() == "1 row read: 0 created, 0 changed, 1 unchanged."
    assert Meeting.objects.get(pk=meeting.pk).sequence == sequence
