"""The import's per-column table, its cell parsers and the days-and-times rule, directly."""

import datetime as dt

import pytest

from meetings.imports import cells
from meetings.imports.cells import CellError
from meetings.imports.columns import COLUMN_PARSERS, COLUMNS, Row
from meetings.imports.lookups import Lookups
from meetings.imports.when import period
from meetings.models import Event
from tests.factories import FormatFactory, ParticipantFactory, VenueFactory


@pytest.fixture
def row(db):
    """A row's parsing context over a small reference calendar; its cells are set per test."""
    FormatFactory(code="AMM")
    ParticipantFactory(code="RU")
    VenueFactory(name="Sokha Hotel", city="Phnom Penh")
    VenueFactory(name="Sokha Hotel", city="Siem Reap")
    VenueFactory(name="NCC", city="Vientiane", timezone="Asia/Vientiane")
    Event.objects.create(
        title="36th Summit",
        slug="36th-summit",
        start_date=dt.date(2030, 6, 1),
        end_date=dt.date(2030, 6, 2),
    )
    lookups = Lookups(slugs=set(), numbered=set(), pks=set())
    lookups.load_events({"36th-summit"})

    def at(**cells) -> Row:
        return Row(cells, lookups)

    return at


def parsed(column: str, value, row: Row):
    """The column's parser on one cell: its value, or ("error", message)."""
    try:
        result = COLUMN_PARSERS[column](value, row)
    except CellError as exc:
        return "error", str(exc)
    code = getattr(result, "code", None) or getattr(result, "slug", None)
    return code or getattr(result, "name", result)


def test_column_parsers_cover_the_field_columns_in_error_order():
    assert list(COLUMN_PARSERS) == [
        "format",
        "number",
        "slug",
        "counterpart",
        "host",
        "title",
        "event",
        "venue",
        "status",
        "status_note",
        "mode",
        "published",
        "description",
    ]
    # The rest are read together with the days and times, or beside the venue.
    assert [c for c in COLUMNS if c not in COLUMN_PARSERS] == [
        "venue_city",
        "first_day",
        "start_time",
        "last_day",
        "end_time",
        "timezone",
        "utc_offset",
        "confirmation_deadline",
    ]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("format", " amm ", "AMM"),
        ("format", "", ("error", "a format code is needed.")),
        ("format", "XYZ", ("error", "unknown format code “XYZ”.")),
        ("number", "56", 56),
        ("number", 56.0, 56),
        ("number", "", None),
        ("number", True, ("error", "“True” is not a whole number.")),
        ("number", "5.5", ("error", "“5.5” is not a whole number.")),
        ("number", "0", ("error", "0 is not an ordinal from 1 to 32767.")),
        ("number", 40000, ("error", "40000 is not an ordinal from 1 to 32767.")),
        ("slug", " 2030-AMM-56 ", "2030-amm-56"),
        ("slug", "", ""),
        (
            "slug",
            "amm 56",
            ("error", "“amm 56” is not a slug: lower-case ASCII letters, digits and hyphens."),
        ),
        ("counterpart", "ru", "RU"),
        ("host", "", None),
        ("host", "ZZ", ("error", "unknown participant code “ZZ”.")),
        ("title", "'=SUM(A1)", "=SUM(A1)"),
        ("title", "x" * 201, ("error", "longer than 200 characters.")),
        ("event", "36th-summit", "36th-summit"),
        ("event", "", None),
        ("event", "37th-summit", ("error", "unknown umbrella event “37th-summit”.")),
        ("status", "Held", "held"),
        ("status", "", "scheduled"),
        (
            "status",
            "done",
            ("error", "“done” is not one of tentative, scheduled, postponed, cancelled, held."),
        ),
        ("status_note", "x" * 301, ("error", "longer than 300 characters.")),
        ("mode", "In person", "in_person"),
        ("mode", "", "in_person"),
        ("mode", "zoom", ("error", "“zoom” is not one of in_person, virtual, hybrid.")),
        ("published", "X", True),
        ("published", "", False),
        ("published", 0.0, False),
        ("published", "maybe", ("error", "“maybe” is neither yes nor no.")),
        ("description", "<script>x</script><p>ok</p>", "<p>ok</p>"),
    ],
)
def test_column_parser_reads_a_cell(row, column, value, expected):
    assert parsed(column, value, row()) == expected


@pytest.mark.parametrize(
    ("venue", "city", "expected"),
    [
        ("NCC", "", "NCC"),
        ("sokha hotel", "SIEM REAP", "Sokha Hotel"),
        ("", "Vientiane", None),
        ("Sokha Hotel", "", ("error", "several venues are called “Sokha Hotel”: give venue_city.")),
        ("NCC", "Hanoi", ("error", "unknown venue “NCC” in “Hanoi”; add it in the admin first.")),
        ("Ritz", "", ("error", "unknown venue “Ritz”; add it in the admin first.")),
    ],
)
def test_venue_parser_reads_the_city_beside_it(row, venue, city, expected):
    assert parsed("venue", venue, row(venue=venue, venue_city=city)) == expected


@pytest.mark.parametrize(
    ("parse", "value", "expected"),
    [
        (cells.date, "2030-08-03", dt.date(2030, 8, 3)),
        (cells.date, dt.datetime(2030, 8, 3), dt.date(2030, 8, 3)),
        (cells.date, "2030-02-30", "“2030-02-30” does not exist: February 2030 has 28 days."),
        (cells.date, "2030-13-01", "“2030-13-01” does not exist: there is no month 13."),
        (cells.date, "3/8/2030", "“3/8/2030” is not a date: write it as YYYY-MM-DD."),
        (cells.date, "", "a day is needed (YYYY-MM-DD)."),
        (cells.time, "9:00", dt.time(9, 0)),
        (cells.time, "", None),
        (cells.time, "25:00", "“25:00” is not a time of day (00:00 to 23:59)."),
        (cells.local_datetime, "2030-08-01T10:00", dt.datetime(2030, 8, 1, 10, 0)),
        (
            cells.local_datetime,
            "2030-08-01",
            "“2030-08-01” is not a local date and time: write YYYY-MM-DD HH:MM.",
        ),
    ],
)
def test_cell_parsers(parse, value, expected):
    try:
        result = parse(value)
    except CellError as exc:
        result = str(exc)
    assert result == expected


def period_of(first, start_time, last, end_time, zone):
    """period() in UTC, or (column, message) of its refusal."""
    try:
        start, end, all_day = period(first, start_time, last, end_time, zone)
    except CellError as exc:
        return exc.column, str(exc)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC), all_day


DAY = dt.date(2030, 3, 31)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            (DAY, dt.time(9), DAY, dt.time(12), "Asia/Bangkok"),
            (
                dt.datetime(2030, 3, 31, 2, tzinfo=dt.UTC),
                dt.datetime(2030, 3, 31, 5, tzinfo=dt.UTC),
                False,
            ),
        ),
        (
            (DAY, None, DAY + dt.timedelta(days=1), None, "Asia/Bangkok"),
            (
                dt.datetime(2030, 3, 30, 17, tzinfo=dt.UTC),
                dt.datetime(2030, 4, 1, 17, tzinfo=dt.UTC),
                True,
            ),
        ),
        (
            (DAY, dt.time(9), DAY, None, "Asia/Bangkok"),
            ("end_time", "give both times, or neither for an all-day meeting."),
        ),
        (
            (DAY, dt.time(2, 30), DAY, dt.time(4), "Europe/Berlin"),
            (
                "start_time",
                "2030-03-31 02:30 does not exist in Europe/Berlin (the clocks skip it).",
            ),
        ),
        (
            (DAY, dt.time(12), DAY, dt.time(9), "Asia/Bangkok"),
            ("end_time", "the end (2030-03-31 09:00) is not after the start (2030-03-31 12:00)."),
        ),
        (
            (DAY, None, DAY - dt.timedelta(days=1), None, "Asia/Bangkok"),
            ("last_day", "the last day 2030-03-30 is before the first day 2030-03-31."),
        ),
        (
            # Chile's clocks skip midnight when summer time begins.
            (dt.date(2030, 9, 8), None, dt.date(2030, 9, 8), None, "America/Santiago"),
            (
                "start_day",
                "2030-09-08 00:00 does not exist in America/Santiago (the clocks skip it).",
            ),
        ),
    ],
)
def test_period_of_a_rows_days_and_times(args, expected):
    assert period_of(*args) == expected
