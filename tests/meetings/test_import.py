"""Bulk import: all or nothing, every bad row named, stable keys, and export round trips."""

import datetime as dt
import io

import icalendar
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from meetings import services
from meetings.changes import FieldChange, public_changes
from meetings.ical import MeetingEntry, meetings_calendar
from meetings.imports import ImportFileError, RowError, import_calendar, meetings_csv, meetings_xlsx
from meetings.models import Meeting, Venue

pytestmark = pytest.mark.django_db

HEADER = (
    "slug,format,number,counterpart,title,venue,host,first_day,start_time,last_day,end_time,"
    "timezone,status,published"
)


def csv_file(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows, ""]).encode()


def snapshot() -> tuple:
    """Everything an import that changes nothing must leave as it was."""
    return (
        Meeting.history.count(),
        list(
            Meeting.objects.order_by("pk").values_list("pk", "sequence", "revision", "updated_at")
        ),
    )


@pytest.fixture
def calendar(demo):
    """The demo calendar plus meetings exercising every column the exporter writes."""
    venue = Venue.objects.get(name="Phnom Penh")
    services.meeting_create(
        by=None,
        format_id=Meeting.objects.get(slug="2022-amm-55").format_id,
        number=59,
        title="ការប្រជុំរដ្ឋមន្ត្រីការបរទេសអាស៊ាន លើកទី៥៩",
        venue=venue,
        host=venue.meetings.first().host,
        timezone="Asia/Phnom_Penh",
        start=dt.datetime(2026, 7, 8, 2, 30, 15, tzinfo=dt.UTC),
        end=dt.datetime(2026, 7, 8, 10, 0, tzinfo=dt.UTC),
        status="tentative",
        status_note='=Dates to be confirmed, "pending"; see note',
        description="<p>Line one,\nline two</p>",
        confirmation_deadline=dt.datetime(2026, 6, 30, 10, 0, tzinfo=dt.UTC),
        mode="virtual",
        published=False,
    )
    services.meeting_create(
        by=None,
        format_id=Meeting.objects.get(slug="2022-arf-29").format_id,
        number=33,
        timezone="Asia/Yangon",
        start=dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC),
        published=True,
    )


def test_import_csv_export_round_trip_changes_nothing(calendar):
    before = snapshot()

    result = import_calendar(meetings_csv(Meeting.objects.all()), name="calendar.csv")

    assert (result.report(), result.summary()) == (
        "",
        "12 rows read: 0 created, 0 changed, 12 unchanged.",
    )
    assert snapshot() == before


def test_import_xlsx_export_round_trip_changes_nothing(calendar):
    before = snapshot()

    result = import_calendar(meetings_xlsx(Meeting.objects.all()), name="calendar.xlsx")

    assert (result.report(), result.summary()) == (
        "",
        "12 rows read: 0 created, 0 changed, 12 unchanged.",
    )
    assert snapshot() == before


def test_import_ics_from_own_feed_changes_nothing(calendar):
    meetings = Meeting.objects.select_related("format", "venue", "host", "event")
    entries = [MeetingEntry.from_meeting(m) for m in meetings.prefetch_related("delegations")]
    data = meetings_calendar(entries, name="aseancal").to_ical()
    before = snapshot()

    result = import_calendar(data, name="aseancal.ics")

    assert (result.report(), result.summary()) == (
        "",
        "12 rows read: 0 created, 0 changed, 12 unchanged.",
    )
    assert snapshot() == before


def test_import_bad_rows_imports_nothing_and_names_every_bad_row(demo):
    data = csv_file(
        ",AMM,56,,,Phnom Penh,KH,2030-08-03,09:00,2030-08-03,12:00,,scheduled,yes",
        ",XYZ,1,,,,,2030-08-03,09:00,2030-08-03,12:00,Asia/Bangkok,scheduled,yes",
        ",EAS,13,,,,,2030-02-30,09:00,2030-02-30,12:00,Asia/Jakarta,scheduled,yes",
        ",ARF,30,,,,,2030-08-05,09:00,2030-08-05,12:00,Asia/Nowhere,scheduled,yes",
        ",APT,24,,,,,2030-08-05,12:00,2030-08-05,09:00,Asia/Phnom_Penh,scheduled,yes",
        ",AMM,56,,,,,2030-08-06,09:00,2030-08-06,12:00,Asia/Phnom_Penh,scheduled,yes",
        "2030-pmc-zz,PMC,,ZZ,,,,2030-08-06,09:00,2030-08-06,12:00,Asia/Phnom_Penh,held,maybe",
        ",SOM,1,,,,,2030-03-31,02:30,2030-03-31,04:00,Europe/Berlin,scheduled,yes",
        ",SOM,2,,,Nowhere Hall,,2030-04-01,,2030-03-30,,,soon,yes",
    )
    before = (Meeting.objects.count(), snapshot())

    result = import_calendar(data, name="plan.csv")

    assert result.report() == "\n".join(
        [
            "line 3, format: unknown format code “XYZ”.",
            "line 4, first_day: “2030-02-30” does not exist: February 2030 has 28 days.",
            "line 4, last_day: “2030-02-30” does not exist: February 2030 has 28 days.",
            "line 5, timezone: “Asia/Nowhere” is not an IANA time zone name.",
            "line 6, end_time: the end (2030-08-05 09:00) is not after the start "
            "(2030-08-05 12:00).",
            "line 7: This meeting (AMM 56) is already on line 2.",
            "line 8, counterpart: unknown participant code “ZZ”.",
            "line 8, published: “maybe” is neither yes nor no.",
            "line 9, start_time: 2030-03-31 02:30 does not exist in Europe/Berlin (the clocks "
            "skip it).",
            "line 10, venue: unknown venue “Nowhere Hall”; add it in the admin first.",
            "line 10, timezone: give the IANA time zone, or a venue that has one.",
            "line 10, status: “soon” is not one of tentative, scheduled, postponed, cancelled, "
            "held.",
        ]
    )
    assert (result.summary(), result.applied) == (
        "9 rows read: 8 bad rows; nothing imported.",
        False,
    )
    assert (Meeting.objects.count(), snapshot()) == before


def test_import_row_naming_two_meetings_is_refused(demo):
    # The slug is one meeting, the format and number another.
    data = csv_file(
        ",ARF,31,,,,,2030-08-03,09:00,2030-08-03,12:00,Asia/Manila,scheduled,yes",
        "2022-apt-23,AMM,55,,,,,2022-08-04,,2022-08-04,,Asia/Phnom_Penh,held,yes",
    )
    before = (Meeting.objects.count(), snapshot())

    result = import_calendar(data, name="plan.csv")

    assert result.report() == "line 3, number: AMM 55 is already the meeting “2022-amm-55”."
    assert (Meeting.objects.count(), snapshot()) == before


def test_import_same_file_twice_creates_then_changes_nothing(demo):
    data = csv_file(
        ",AMM,56,,,Phnom Penh,KH,2030-08-03,09:00,2030-08-03,12:00,,scheduled,yes",
        "2030-amm-retreat,AMM,,,AMM Retreat,,,2030-01-17,,2030-01-18,,Asia/Manila,tentative,no",
    )

    first = import_calendar(data, name="plan.csv")
    after_first = snapshot()
    second = import_calendar(data, name="plan.csv")

    assert (first.summary(), second.summary()) == (
        "2 rows read: 2 created, 0 changed, 0 unchanged.",
        "2 rows read: 0 created, 0 changed, 2 unchanged.",
    )
    assert snapshot() == after_first
    created = Meeting.objects.filter(slug__in=["2030-amm-56", "2030-amm-retreat"])
    assert sorted(
        (m.slug, m.title, m.local_start.isoformat(), m.local_end.isoformat(), m.all_day)
        for m in created
    ) == [
        (
            "2030-amm-56",
            "56th ASEAN Foreign Ministers' Meeting",
            "2030-08-03T09:00:00+07:00",
            "2030-08-03T12:00:00+07:00",
            False,
        ),
        (
            "2030-amm-retreat",
            "AMM Retreat",
            "2030-01-17T00:00:00+08:00",
            "2030-01-19T00:00:00+08:00",
            True,
        ),
    ]


def test_import_reschedule_by_format_and_number_shows_in_public_changes(demo, frozen_now):
    data = csv_file(",AMM,55,,,Phnom Penh,KH,2022-08-04,,2022-08-04,,Asia/Phnom_Penh,held,yes")
    meeting = Meeting.objects.get(slug="2022-amm-55")
    frozen_now.shift(dt.timedelta(hours=1))

    result = import_calendar(data, name="plan.csv")

    meeting.refresh_from_db()
    assert [(p.action, p.key, p.changes) for p in result.plans] == [
        (
            "change",
            "AMM 55",
            [
                # All day: the days alone, the last one inclusive.
                ("start", "2022-08-03", "2022-08-04"),
                ("end", "2022-08-03", "2022-08-04"),
            ],
        )
    ]
    assert (meeting.first_day, meeting.sequence) == (dt.date(2022, 8, 4), 1)
    assert public_changes(Meeting.objects.filter(pk=meeting.pk))[0].changes == (
        FieldChange(
            "When",
            "Wed 3 Aug 2022, all day (Asia/Phnom_Penh)",
            "Thu 4 Aug 2022, all day (Asia/Phnom_Penh)",
        ),
    )


def test_import_dry_run_reports_plan_and_saves_nothing(demo):
    data = csv_file(
        ",AMM,56,,,Phnom Penh,KH,2030-08-03,09:00,2030-08-03,12:00,,scheduled,yes",
        "2022-amm-55,AMM,55,,55th AMM,Phnom Penh,KH,2022-08-03,,2022-08-03,,,held,yes",
    )
    before = (Meeting.objects.count(), snapshot())

    result = import_calendar(data, name="plan.csv", dry_run=True)

    assert [(p.line, p.action, p.key, p.title, p.when, p.changes) for p in result.plans] == [
        (
            2,
            "create",
            "AMM 56",
            "56th ASEAN Foreign Ministers' Meeting",
            "2030-08-03 09:00 UTC+7 (Asia/Phnom_Penh)",
            [],
        ),
        (
            3,
            "change",
            "2022-amm-55",
            "55th AMM",
            "2022-08-03, all day (Asia/Phnom_Penh)",
            [("title", "55th ASEAN Foreign Ministers' Meeting", "55th AMM")],
        ),
    ]
    assert (result.summary(), result.applied) == (
        "2 rows read: 1 would be created, 1 would be changed, 0 unchanged.",
        False,
    )
    assert (Meeting.objects.count(), snapshot()) == before


def test_import_header_problems_are_reported_on_line_1(demo):
    data = b"slug,format,colour,first_day,first_day\nx,AMM,red,2030-01-01,2030-01-01\n"

    result = import_calendar(data, name="plan.csv")

    assert result.errors == [
        RowError(1, "unknown column “colour”."),
        RowError(1, "column “first_day” appears twice."),
        RowError(1, "the column “start_time” is missing."),
        RowError(1, "the column “last_day” is missing."),
        RowError(1, "the column “end_time” is missing."),
    ]


def test_import_file_not_utf8_is_refused(demo):
    with pytest.raises(ImportFileError, match="^line 2: the file is not UTF-8 text"):
        import_calendar(HEADER.encode() + b"\n,AMM,56,,R\xe9union\n", name="plan.csv")


def test_import_semicolon_csv_with_excel_quoting(demo):
    data = (
        HEADER.replace(",", ";")
        + '\n;AMM;56;;"Retreat; ""informal""";;;2030-08-03;09:00;2030-08-03;12:00;'
        "Asia/Manila;scheduled;no\n"
    ).encode("utf-8-sig")

    result = import_calendar(data, name="plan.csv")

    assert (result.report(), Meeting.objects.get(slug="2030-amm-56").title) == (
        "",
        'Retreat; "informal"',
    )


def _foreign_ics(*, summary: str = "56th AMM", tzid: str = "Asia/Jakarta") -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Secretariat//Planner//EN")
    cal.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", "a1b2c3@secretariat.example")
    event.add("summary", summary)
    event.add("categories", ["AMM"])
    event.add("dtstart", dt.datetime(2030, 8, 3, 9, 0), parameters={"TZID": tzid})
    event.add("dtend", dt.datetime(2030, 8, 3, 12, 0), parameters={"TZID": tzid})
    event.add("dtstamp", dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    cal.add_component(event)
    return cal.to_ical()


def test_import_foreign_ics_matched_by_format_and_ordinal_twice(demo):
    first = import_calendar(_foreign_ics(), name="planner.ics")
    second = import_calendar(_foreign_ics(), name="planner.ics")

    meeting = Meeting.objects.get(format__code="AMM", number=56)
    assert (first.summary(), second.summary()) == (
        "1 row read: 1 created, 0 changed, 0 unchanged.",
        "1 row read: 0 created, 0 changed, 1 unchanged.",
    )
    assert (meeting.title, meeting.local_start.isoformat(), meeting.published) == (
        "56th AMM",
        "2030-08-03T09:00:00+07:00",
        False,
    )


def test_import_foreign_ics_bad_event_named_by_line(demo):
    result = import_calendar(_foreign_ics(summary="AMM", tzid="Jakarta Time"), name="x.ics")

    assert result.report() == (
        "line 4, SUMMARY: no ordinal opening the SUMMARY (“56th ...”) to find it again."
    )


def test_import_ics_time_the_zone_skips_previews_the_time_stored(demo):
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\n"
        b"UID:a1@planner.example\r\nCATEGORIES:AMM\r\nSUMMARY:56th AMM\r\n"
        b"DTSTART;TZID=Europe/Berlin:20300331T023000\r\n"
        b"DTEND;TZID=Europe/Berlin:20300331T053000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    result = import_calendar(data, name="planner.ics", dry_run=True)

    # 02:30 does not exist in Berlin that night: the meeting is stored at 01:30 UTC.
    assert [(p.when, p.values["start"].astimezone(dt.UTC)) for p in result.plans] == [
        ("2030-03-31 03:30 UTC+2 (Europe/Berlin)", dt.datetime(2030, 3, 31, 1, 30, tzinfo=dt.UTC))
    ]


def test_import_calendar_command_bad_file_exits_with_full_report(demo, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(
        csv_file(
            ",XYZ,1,,,,,2030-08-03,09:00,2030-08-03,12:00,Asia/Bangkok,scheduled,yes",
            ",EAS,13,,,,,2030-08-03,09:00,2030-08-03,12:00,Asia/Jakarta,scheduled,yes",
            ",ARF,30,,,,,2030-08-05,09:00,2030-08-05,12:00,UTC+7,scheduled,yes",
        )
    )
    stdout, stderr = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_calendar", str(path), stdout=stdout, stderr=stderr)

    assert str(raised.value) == "plan.csv: 3 rows read: 2 bad rows; nothing imported."
    assert stderr.getvalue() == (
        "line 2, format: unknown format code “XYZ”.\n"
        "line 4, timezone: “UTC+7” is not an IANA time zone name.\n"
    )
    assert (stdout.getvalue(), Meeting.objects.filter(first_day__year=2030).count()) == ("", 0)


def test_import_calendar_command_dry_run_then_import(demo, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(
        csv_file(",AMM,56,,,Phnom Penh,KH,2030-08-03,09:00,2030-08-03,12:00,,scheduled,yes")
    )
    dry, real = io.StringIO(), io.StringIO()

    call_command("import_calendar", str(path), "--dry-run", stdout=dry)
    count_after_dry_run = Meeting.objects.filter(number=56).count()
    call_command("import_calendar", str(path), stdout=real)

    assert dry.getvalue() == (
        "line 2: create AMM 56: 56th ASEAN Foreign Ministers' Meeting, "
        "2030-08-03 09:00 UTC+7 (Asia/Phnom_Penh)\n"
        "plan.csv: 1 row read: 1 would be created, 0 would be changed, 0 unchanged. "
        "Dry run: nothing saved.\n"
    )
    assert (count_after_dry_run, real.getvalue().splitlines()[-1]) == (
        0,
        "plan.csv: 1 row read: 1 created, 0 changed, 0 unchanged.",
    )


def test_import_calendar_command_large_file_shows_progress(demo, tmp_path):
    rows = [
        f",SOM,{n},,,,,2030-01-{n % 28 + 1:02d},09:00,2030-01-{n % 28 + 1:02d},10:00,"
        "Asia/Manila,scheduled,no"
        for n in range(1, 251)
    ]
    path = tmp_path / "year.csv"
    path.write_bytes(csv_file(*rows))
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("import_calendar", str(path), stdout=stdout, stderr=stderr)

    steps = [25, 50, 75, 100, 125, 150, 175, 200, 225, 250]
    assert stderr.getvalue().splitlines() == [f"Checked {n}/250 rows" for n in steps] + [
        f"Saved {n}/250 rows" for n in steps
    ]
    assert stdout.getvalue().splitlines()[-1] == (
        "year.csv: 250 rows read: 250 created, 0 changed, 0 unchanged."
    )
    assert Meeting.objects.filter(format__code="SOM").aggregate(n=Sum("number")) == {
        "n": sum(range(1, 251))
    }
