"""The iCal builder, checked by parsing its output back with an independent parser (vobject)."""

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import icalendar
import pytest
import vobject

from meetings import ical, selectors, services
from meetings.enums import AnswerChannel, AttendanceStatus, MeetingMode, MeetingStatus
from meetings.models import Meeting, Participant, Venue
from tests.conftest import TODAY
from tests.factories import (
    DelegationFactory,
    FormatFactory,
    MeetingFactory,
    ParticipantFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

PHNOM_PENH = zoneinfo.ZoneInfo("Asia/Phnom_Penh")
SITE = "http://127.0.0.1:8000"


def entries(*meetings: Meeting) -> list[ical.MeetingEntry]:
    pks = [m.pk for m in meetings]
    return selectors.feed_entries(selectors.feed_meetings().filter(pk__in=pks))


def build(*meetings: Meeting, name: str = "ASEAN meetings") -> bytes:
    return ical.meetings_calendar(entries(*meetings), name=name).to_ical()


def parse(body: bytes):
    return vobject.readOne(body.decode("utf-8"))


def answer(meeting: Meeting, participant: Participant, attendance: str, head: str = ""):
    delegation = DelegationFactory(meeting=meeting, participant=participant)
    return services.delegation_record_answer(
        delegation=delegation, attendance=attendance, via=AnswerChannel.ADMIN, head_name=head
    )


def event_times(body: bytes) -> list[bytes]:
    """The DTSTART and DTEND lines of the events (not of the VTIMEZONEs)."""
    return re.findall(rb"DT(?:START|END)[^\r]*", body[body.index(b"BEGIN:VEVENT") :])


def local(year, month, day, hour=0, minute=0, zone=PHNOM_PENH) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


@pytest.fixture
def amm(frozen_now):
    fmt = FormatFactory(code="AMM", name="ASEAN Foreign Ministers' Meeting")
    venue = VenueFactory(
        name="Sokha Phnom Penh Hotel",
        name_local="សណ្ឋាគារសុខាភ្នំពេញ",
        address="Street 1, Chroy Changvar",
        city="Phnom Penh",
        latitude=Decimal("11.583000"),
        longitude=Decimal("104.935000"),
    )
    return MeetingFactory(
        format=fmt,
        number=55,
        venue=venue,
        host=ParticipantFactory(code="KH", name="Cambodia"),
        start=local(2030, 8, 3, 9),
        end=local(2030, 8, 3, 12),
        description="<p>Agenda: <strong>regional security</strong> &amp; trade</p>"
        '<ul><li>Opening</li><li>Plenary</li></ul><a href="https://asean.org/">ASEAN</a>',
    )


def test_calendar_properties_parse_back(amm):
    cal = parse(build(amm, name="ASEAN meetings: AMM, EAS; hosted by KH"))

    assert sorted(cal.contents) == [
        "calscale",
        "name",
        "prodid",
        "refresh-interval",
        "version",
        "vevent",
        "vtimezone",
        "x-published-ttl",
        "x-wr-calname",
    ]
    assert (cal.version.value, cal.prodid.value, cal.calscale.value) == (
        "2.0",
        "-//aseancal//ASEAN meetings calendar//EN",
        "GREGORIAN",
    )
    assert cal.contents["name"][0].value == "ASEAN meetings: AMM, EAS; hosted by KH"
    # Read as TEXT by some clients and as an unknown value by others: nothing to unescape.
    assert cal.x_wr_calname.value == "ASEAN meetings: AMM EAS hosted by KH"
    assert (cal.refresh_interval.value, cal.refresh_interval.params) == (
        "PT6H",
        {"VALUE": ["DURATION"]},
    )
    assert cal.x_published_ttl.value == "PT6H"
    assert [tz.tzid.value for tz in cal.vtimezone_list] == ["Asia/Phnom_Penh"]


def test_event_properties_parse_back(amm):
    ru = ParticipantFactory(code="RU", name="Russia")
    mm = ParticipantFactory(code="MM", name="Myanmar")
    answer(amm, ru, AttendanceStatus.CONFIRMED, head="Sergey Lavrov")
    answer(amm, mm, AttendanceStatus.DECLINED, head="U Aung Kyaw Moe")
    DelegationFactory(meeting=amm, participant=ParticipantFactory(code="JP", name="Japan"))
    url = f"{SITE}/meetings/2030-amm-55/"

    event = parse(build(amm)).vevent

    assert sorted(event.contents) == [
        "categories",
        "created",
        "description",
        "dtend",
        "dtstamp",
        "dtstart",
        "geo",
        "last-modified",
        "location",
        "sequence",
        "status",
        "summary",
        "transp",
        "uid",
        "url",
    ]
    assert event.uid.value == f"meeting-{amm.pk}@127.0.0.1"
    assert event.dtstart.value == local(2030, 8, 3, 9)
    assert event.dtstart.value.astimezone(dt.UTC) == dt.datetime(2030, 8, 3, 2, tzinfo=dt.UTC)
    assert event.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["Asia/Phnom_Penh"]
    assert event.dtend.value.astimezone(dt.UTC) == dt.datetime(2030, 8, 3, 5, tzinfo=dt.UTC)
    assert event.summary.value == "55th ASEAN Foreign Ministers' Meeting"
    assert event.location.value == (
        "Sokha Phnom Penh Hotel, Street 1, Chroy Changvar, Phnom Penh (សណ្ឋាគារសុខាភ្នំពេញ)"
    )
    assert event.geo.value == "11.583;104.935"
    assert event.url.value == url
    assert event.description.value == (
        "Status: Scheduled\n"
        "Host: Cambodia\n"
        "Local time: Sat 3 Aug 2030 09:00–12:00 (Asia/Phnom_Penh, UTC+7)\n"
        "Confirmed: Russia (Sergey Lavrov)\n"
        "Declined: Myanmar\n"
        "\n"
        "Agenda: regional security & trade\n"
        "\n"
        "• Opening\n"
        "• Plenary\n"
        "\n"
        "ASEAN (https://asean.org/)\n"
        "\n"
        f"{url}"
    )
    assert event.categories.value == ["AMM"]
    assert (event.status.value, event.transp.value, event.sequence.value) == (
        "CONFIRMED",
        "TRANSPARENT",
        "0",
    )
    assert (event.created.value, event.dtstamp.value, event.last_modified.value) == (
        TODAY,
        TODAY,
        TODAY,
    )


def test_dtstamp_and_last_modified_follow_the_latest_answer(amm, frozen_now):
    frozen_now.shift(dt.timedelta(hours=5))
    answer(amm, ParticipantFactory(code="RU", name="Russia"), AttendanceStatus.CONFIRMED)

    event = parse(build(amm)).vevent

    later = TODAY + dt.timedelta(hours=5)
    assert (event.created.value, event.dtstamp.value, event.last_modified.value) == (
        TODAY,
        later,
        later,
    )


def test_status_maps_to_ical_and_prefixes_summary(frozen_now):
    expected = {
        MeetingStatus.TENTATIVE: ("TENTATIVE", "Tentative meeting"),
        MeetingStatus.SCHEDULED: ("CONFIRMED", "Scheduled meeting"),
        MeetingStatus.HELD: ("CONFIRMED", "Held meeting"),
        MeetingStatus.POSTPONED: ("TENTATIVE", "Postponed: Postponed meeting"),
        MeetingStatus.CANCELLED: ("CANCELLED", "Cancelled: Cancelled meeting"),
    }
    meetings = [
        MeetingFactory(
            status=status,
            title=f"{status.label} meeting",
            start=dt.datetime(2030, 8, 3 + n, 2, tzinfo=dt.UTC),
        )
        for n, status in enumerate(expected)
    ]

    events = parse(build(*meetings)).vevent_list

    assert [(e.status.value, e.summary.value) for e in events] == list(expected.values())


def test_reference_meetings_are_all_day_at_phnom_penh(demo):
    reference = Meeting.objects.filter(event__slug="2022-55th-amm-and-related-meetings")

    events = parse(build(*reference)).vevent_list

    assert [(e.summary.value, e.dtstart.value, e.dtend.value) for e in events] == [
        ("55th ASEAN Foreign Ministers' Meeting", dt.date(2022, 8, 3), dt.date(2022, 8, 4)),
        (
            "23rd ASEAN Plus Three Foreign Ministers' Meeting",
            dt.date(2022, 8, 4),
            dt.date(2022, 8, 5),
        ),
        ("ASEAN-Russia Post Ministerial Conference", dt.date(2022, 8, 4), dt.date(2022, 8, 5)),
        ("29th ASEAN Regional Forum", dt.date(2022, 8, 5), dt.date(2022, 8, 6)),
        (
            "12th East Asia Summit Foreign Ministers' Meeting",
            dt.date(2022, 8, 5),
            dt.date(2022, 8, 6),
        ),
    ]
    # An all-day meeting's stored instants are Phnom Penh midnights (UTC+7).
    amm = reference.get(format__code="AMM")
    assert (amm.start, amm.end) == (
        dt.datetime(2022, 8, 2, 17, tzinfo=dt.UTC),
        dt.datetime(2022, 8, 3, 17, tzinfo=dt.UTC),
    )


def test_rescheduled_reference_amm_at_0900_phnom_penh_is_0200_utc(demo):
    amm = Meeting.objects.get(slug="2022-amm-55")
    services.meeting_reschedule(
        meeting=amm,
        by=None,
        start=local(2022, 8, 3, 9),
        end=local(2022, 8, 3, 12),
        all_day=False,
    )

    body = build(amm)
    event = parse(body).vevent

    assert (event.dtstart.value.astimezone(dt.UTC), event.dtend.value.astimezone(dt.UTC)) == (
        dt.datetime(2022, 8, 3, 2, tzinfo=dt.UTC),
        dt.datetime(2022, 8, 3, 5, tzinfo=dt.UTC),
    )
    assert event_times(body) == [
        b"DTSTART;TZID=Asia/Phnom_Penh:20220803T090000",
        b"DTEND;TZID=Asia/Phnom_Penh:20220803T120000",
    ]
    assert event.sequence.value == "1"


def test_all_day_three_day_meeting_is_three_days(frozen_now):
    meeting = MeetingFactory(
        start=local(2030, 3, 9).astimezone(dt.UTC),
        end=local(2030, 3, 12).astimezone(dt.UTC),
        all_day=True,
    )

    body = build(meeting)
    event = parse(body).vevent

    assert (event.dtstart.value, event.dtend.value) == (dt.date(2030, 3, 9), dt.date(2030, 3, 12))
    assert (event.dtend.value - event.dtstart.value).days == 3
    assert event_times(body) == [
        b"DTSTART;VALUE=DATE:20300309",
        b"DTEND;VALUE=DATE:20300312",
    ]
    # All-day dates name no zone, so the calendar needs no VTIMEZONE.
    assert b"VTIMEZONE" not in body


def test_sequence_and_last_modified_rise_on_reschedule_venue_change_and_cancellation(
    frozen_now,
):
    meeting = MeetingFactory()

    def seen():
        event = parse(build(meeting)).vevent
        return event.sequence.value, event.last_modified.value

    versions = [seen()]
    frozen_now.shift(dt.timedelta(hours=1))
    services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=meeting.start + dt.timedelta(days=1),
        end=meeting.end + dt.timedelta(days=1),
    )
    versions.append(seen())
    frozen_now.shift(dt.timedelta(hours=1))
    meeting.venue = VenueFactory(name="National Convention Centre")
    services.meeting_save(meeting=meeting, by=None)
    versions.append(seen())
    frozen_now.shift(dt.timedelta(hours=1))
    services.meeting_cancel(meeting=meeting, by=None, reason="Typhoon")
    versions.append(seen())
    event = parse(build(meeting)).vevent

    assert versions == [
        ("0", TODAY),
        ("1", TODAY + dt.timedelta(hours=1)),
        ("2", TODAY + dt.timedelta(hours=2)),
        ("3", TODAY + dt.timedelta(hours=3)),
    ]
    assert (event.status.value, event.location.value, event.description.value.splitlines()[0]) == (
        "CANCELLED",
        "National Convention Centre, Phnom Penh",
        "Cancelled: Typhoon",
    )


def test_crlf_injection_in_title_yields_one_event_without_extra_properties(frozen_now):
    # Refused on input since; a row stored earlier may still hold line breaks.
    meeting = MeetingFactory(title="Summit")
    Meeting.objects.filter(pk=meeting.pk).update(
        title="Summit\r\nX-INJECTED:1\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\nATTACH:x\rY:z"
    )

    body = build(meeting)
    cal = parse(body)

    assert len(cal.vevent_list) == 1
    assert sorted(cal.vevent.contents) == [
        "categories",
        "created",
        "description",
        "dtend",
        "dtstamp",
        "dtstart",
        "geo",
        "last-modified",
        "location",
        "sequence",
        "status",
        "summary",
        "transp",
        "uid",
        "url",
    ]
    assert cal.vevent.summary.value == (
        "Summit X-INJECTED:1 END:VEVENT BEGIN:VEVENT UID:evil ATTACH:x Y:z"
    )
    assert cal.vevent.uid.value == f"meeting-{meeting.pk}@127.0.0.1"
    assert (body.count(b"\r\nBEGIN:VEVENT\r\n"), body.count(b"\r\nEND:VEVENT\r\n")) == (1, 1)


def test_line_breaks_in_other_fields_cannot_start_properties(frozen_now):
    venue = VenueFactory(name="Hall A\r\nX-EVIL:1", address="Line 1\u2028Line 2\x07\x1b")
    meeting = MeetingFactory(venue=venue, description="First")
    services.meeting_cancel(meeting=meeting, by=None, reason="Moved")
    # Refused on input since; rows stored earlier may still hold them.
    Meeting.objects.filter(pk=meeting.pk).update(
        description="First\r\nX-EVIL:2\rSecond\x0bThird", status_note="Moved\r\nX-EVIL:3"
    )

    event = parse(build(meeting)).vevent

    assert event.location.value == "Hall A X-EVIL:1, Line 1 Line 2, Phnom Penh"
    assert event.description.value == (
        "Cancelled: Moved X-EVIL:3\n"
        "Local time: Sat 3 Aug 2030 09:00–12:00 (Asia/Phnom_Penh, UTC+7)\n"
        "\n"
        "First X-EVIL:2 Second Third\n"
        "\n"
        f"{SITE}/meetings/{meeting.slug}/"
    )
    assert "x-evil" not in event.contents


def test_escaping_survives_punctuation_and_every_asean_script(frozen_now):
    titles = [
        "Meeting, with; commas\\backslashes \\n and \\, escapes",
        "កិច្ចប្រជុំរដ្ឋមន្ត្រីការបរទេសអាស៊ានលើកទី៥៥ នៅរាជធានីភ្នំពេញ ព្រះរាជាណាចក្រកម្ពុជា",
        "การประชุมรัฐมนตรีต่างประเทศอาเซียน ครั้งที่ ๕๕ ณ กรุงพนมเปญ ราชอาณาจักรกัมพูชา",
        "ກອງປະຊຸມລັດຖະມົນຕີຕ່າງປະເທດອາຊຽນ ຄັ້ງທີ 55 ທີ່ນະຄອນຫຼວງພະນົມເປັນ",
        "အာဆီယံနိုင်ငံခြားရေးဝန်ကြီးများ အစည်းအဝေး အကြိမ် ၅၅ ဖနွမ်းပင်မြို့",
        "Hội nghị Bộ trưởng Ngoại giao ASEAN lần thứ 55 tại Phnôm Pênh, Vương quốc Campuchia",
        "Pertemuan Menteri Luar Negeri ASEAN ke-55; 中文; 日本語; 한국어; Русский",
    ]
    meetings = [
        MeetingFactory(title=title, start=dt.datetime(2030, 8, 3 + n, 2, tzinfo=dt.UTC))
        for n, title in enumerate(titles)
    ]

    body = build(*meetings)

    assert [e.summary.value for e in parse(body).vevent_list] == titles
    assert [e["SUMMARY"] for e in icalendar.Calendar.from_ical(body).walk("VEVENT")] == titles


def test_lines_end_in_crlf_and_fold_within_75_octets(frozen_now):
    meeting = MeetingFactory(title="ព្រះរាជាណាចក្រកម្ពុជា " * 8, description="x, y; z " * 80)

    body = build(meeting)

    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert b"\r" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in body.split(b"\r\n")) <= 75
    assert len([line for line in body.split(b"\r\n") if line.startswith(b" ")]) > 10


def test_spliced_calendar_equals_library_serialisation(demo):
    feed = entries(*Meeting.objects.filter(published=True))
    shell = ical.calendar_shell(
        name="ASEAN meetings",
        tzids=[e.uses_tzid for e in feed if e.uses_tzid],
        span=ical.timezone_span(feed),
    )

    spliced = ical.calendar_bytes(shell, [ical.vevent_bytes(e) for e in feed])

    assert spliced == ical.meetings_calendar(feed, name="ASEAN meetings").to_ical()


def test_spliced_time_zones_equal_library_serialisation(frozen_now):
    zones = ["Asia/Yangon", "Asia/Jakarta", "Asia/Manila", "Asia/Yangon"]
    feed = entries(*(MeetingFactory(venue=VenueFactory(timezone=zone)) for zone in zones))
    tzids = [e.uses_tzid for e in feed if e.uses_tzid]
    bare = ical.calendar_shell(name="ASEAN meetings", tzids=(), span=None)

    spliced = ical.calendar_bytes(
        bare, [ical.vevent_bytes(e) for e in feed], tzids=tzids, span=ical.timezone_span(feed)
    )

    assert sorted(set(tzids)) == sorted(set(zones))
    assert spliced == ical.meetings_calendar(feed, name="ASEAN meetings").to_ical()


def test_timezones_come_once_each_in_name_order(frozen_now):
    zones = ["Asia/Yangon", "Asia/Dili", "Asia/Manila", "Asia/Phnom_Penh", "Asia/Yangon"]
    meetings = [
        MeetingFactory(
            venue=VenueFactory(timezone=zone),
            timezone=zone,
            start=dt.datetime(2030, 8, 3 + n, 2, tzinfo=dt.UTC),
        )
        for n, zone in enumerate(zones)
    ]

    cal = parse(build(*meetings))

    assert [tz.tzid.value for tz in cal.vtimezone_list] == [
        "Asia/Dili",
        "Asia/Manila",
        "Asia/Phnom_Penh",
        "Asia/Yangon",
    ]
    yangon = cal.vevent_list[0]
    assert yangon.dtstart.value.astimezone(dt.UTC) == dt.datetime(2030, 8, 3, 2, tzinfo=dt.UTC)
    assert yangon.dtstart.value.utcoffset() == dt.timedelta(hours=6, minutes=30)


def test_utc_meeting_is_written_in_utc_without_vtimezone(frozen_now):
    meeting = MeetingFactory(venue=None, timezone="UTC", mode=MeetingMode.VIRTUAL)

    body = build(meeting)
    event = parse(body).vevent

    assert event_times(body) == [
        b"DTSTART:20300803T020000Z",
        b"DTEND:20300803T050000Z",
    ]
    assert (event.location.value, "geo" in event.contents, b"VTIMEZONE" in body) == (
        "Online",
        False,
        False,
    )


def test_long_answer_lists_are_shortened(frozen_now):
    meeting = MeetingFactory(title="Special session", format=FormatFactory(code="SOM", name="SOM"))
    for n in range(14):
        answer(meeting, ParticipantFactory(name=f"Country {n:02d}"), AttendanceStatus.CONFIRMED)

    event = parse(build(meeting)).vevent

    assert event.description.value.splitlines()[:4] == [
        "Status: Scheduled",
        "Format: SOM (SOM)",
        "Local time: Sat 3 Aug 2030 09:00–12:00 (Asia/Phnom_Penh, UTC+7)",
        "Confirmed: Country 00; Country 01; Country 02; Country 03; Country 04; Country 05; "
        "Country 06; Country 07; Country 08; 5 more",
    ]


def test_entry_from_instance_equals_entry_from_selector(demo):
    meeting = selectors.public_meetings().get(slug="2022-eas-12")

    assert ical.MeetingEntry.from_meeting(meeting) == entries(meeting)[0]


def test_entry_fields_follow_the_selector_paths():
    assert list(ical.MEETING_PATHS) + ["answered_at", "delegations", "documents"] == [
        *ical.MeetingEntry._fields
    ]


def test_venue_rename_changes_event_bytes_and_key(frozen_now):
    meeting = MeetingFactory()
    before = entries(meeting)[0]
    Venue.objects.filter(pk=meeting.venue_id).update(name="Peace Palace")
    after = entries(meeting)[0]

    assert (ical.entry_key(before) == ical.entry_key(after), after.venue_name) == (
        False,
        "Peace Palace",
    )
    assert parse(ical.vevent_bytes(after)).location.value == "Peace Palace, Phnom Penh"


# -- time zones with daylight saving ---------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "utc"),
    [
        (
            "Australia/Sydney",
            dt.datetime(2028, 6, 1, 10),
            dt.datetime(2028, 6, 1, 0, tzinfo=dt.UTC),
        ),
        (
            "America/New_York",
            dt.datetime(2028, 7, 1, 10),
            dt.datetime(2028, 7, 1, 14, tzinfo=dt.UTC),
        ),
        (
            "Australia/Melbourne",
            dt.datetime(2028, 1, 10, 9),
            dt.datetime(2028, 1, 9, 22, tzinfo=dt.UTC),
        ),
        (
            "America/New_York",
            dt.datetime(2027, 12, 1, 9),
            dt.datetime(2027, 12, 1, 14, tzinfo=dt.UTC),
        ),
    ],
)
def test_meetings_in_daylight_saving_zones_are_read_at_the_right_instant(
    frozen_now, zone, start, utc
):
    """vobject builds each zone from the VTIMEZONE alone, as ical.js does: with the
    transitions listed on one RDATE it read only the first, and was an hour off."""
    venue, tz = VenueFactory(timezone=zone), zoneinfo.ZoneInfo(zone)
    meeting = MeetingFactory(
        venue=venue,
        start=start.replace(tzinfo=tz),
        end=(start + dt.timedelta(hours=3)).replace(tzinfo=tz),
    )
    # A meeting years earlier: the zone's definition then spans many transitions.
    earlier = MeetingFactory(
        venue=venue,
        start=dt.datetime(2019, 3, 1, 9, tzinfo=tz),
        end=dt.datetime(2019, 3, 1, 12, tzinfo=tz),
    )
    body = build(earlier, meeting)

    assert f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}".encode() in body
    starts = [event.dtstart.value for event in parse(body).vevent_list]
    assert max(starts).astimezone(dt.UTC) == utc


def test_vtimezone_lists_one_transition_per_rdate_and_no_comment():
    body = ical.timezone_bytes("Australia/Sydney", dt.date(2027, 1, 1), dt.date(2031, 1, 1))
    lines = body.decode().replace("\r\n ", "").split("\r\n")

    rdates = [line[: len("RDATE:20280402")] for line in lines if line.startswith("RDATE")]
    assert [line for line in lines if line.startswith("COMMENT")] == []
    # April and October of 2028, 2029 and 2030 (2027's are the DTSTARTs).
    assert sorted(rdates) == [
        "RDATE:20280402",
        "RDATE:20281001",
        "RDATE:20290401",
        "RDATE:20291007",
        "RDATE:20300407",
        "RDATE:20301006",
    ]
