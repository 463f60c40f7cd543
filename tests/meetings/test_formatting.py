"""How times and dates read: offsets, days, ordinals, zones (meetings/formatting.py)."""

import datetime as dt
import zoneinfo

import pytest

from meetings.formatting import (
    day_text,
    days_text,
    offset_label,
    offset_minutes,
    offsets_label,
    ordinal,
    zone_label,
)


def at(zone: str, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


@pytest.mark.parametrize(
    ("moment", "label", "minutes"),
    [
        (at("Asia/Phnom_Penh", 2022, 8, 3, 9), "UTC+7", 420),
        (at("Asia/Yangon", 2022, 8, 3, 9), "UTC+6:30", 390),
        (at("Asia/Kathmandu", 2022, 8, 3, 9), "UTC+5:45", 345),
        (at("America/Sao_Paulo", 2022, 8, 3, 9), "UTC-3", -180),
        (at("America/St_Johns", 2022, 1, 3, 9), "UTC-3:30", -210),
        (at("UTC", 2022, 8, 3, 9), "UTC+0", 0),
    ],
)
def test_offset_label_and_minutes(moment, label, minutes):
    assert (offset_label(moment), offset_minutes(moment)) == (label, minutes)


def test_offsets_label_names_both_offsets_only_when_the_clocks_change():
    sydney = zoneinfo.ZoneInfo("Australia/Sydney")
    before = dt.datetime(2022, 4, 2, 9, tzinfo=sydney)

    assert offsets_label(before, before + dt.timedelta(hours=3)) == "UTC+11"
    assert offsets_label(before, dt.datetime(2022, 4, 3, 12, tzinfo=sydney)) == "UTC+11 to UTC+10"


def test_day_text_long_and_short():
    day = dt.date(2022, 8, 3)

    assert (day_text(day), day_text(day, short=True)) == (
        "Wednesday 3 August 2022",
        "Wed 3 Aug 2022",
    )
    assert (day_text(day, upto="month"), day_text(day, short=True, upto="day")) == (
        "Wednesday 3 August",
        "Wed 3",
    )
    # A datetime reads as its date.
    assert day_text(dt.datetime(2030, 9, 29, 23, 59)) == "Sunday 29 September 2030"


def test_days_text_one_day_or_a_span():
    first, last = dt.date(2022, 8, 3), dt.date(2022, 8, 5)

    assert days_text(first, first, short=True) == "Wed 3 Aug 2022"
    assert days_text(first, last, short=True) == "Wed 3 Aug 2022 – Fri 5 Aug 2022"
    assert (
        days_text(first, last, joiner=" to ") == "Wednesday 3 August 2022 to Friday 5 August 2022"
    )


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (55, "55th"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
    ],
)
def test_ordinal(number, text):
    assert ordinal(number) == text


def test_zone_label():
    assert (zone_label("Asia/Phnom_Penh"), zone_label("America/Argentina/Buenos_Aires")) == (
        "Phnom Penh time",
        "Buenos Aires time",
    )
