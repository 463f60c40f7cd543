"""Times at the venue -> the stored UTC period (meetings/periods.py)."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from meetings.periods import local_period

PHNOM_PENH = "Asia/Phnom_Penh"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def refusal(**kwargs) -> tuple[dict[str, list[str]], list[str]]:
    """The messages and codes local_period refuses `kwargs` with."""
    with pytest.raises(ValidationError) as excinfo:
        local_period(**kwargs)
    codes = [error.code for errors in excinfo.value.error_dict.values() for error in errors]
    return excinfo.value.message_dict, codes


def test_wall_clock_times_are_read_at_the_venue():
    period = local_period(
        zone=PHNOM_PENH, start=dt.datetime(2022, 8, 3, 9), end=dt.datetime(2022, 8, 3, 12, 30)
    )

    assert period == (utc(2022, 8, 3, 2), utc(2022, 8, 3, 5, 30))
    assert [moment.tzinfo for moment in period] == [dt.UTC, dt.UTC]


def test_aware_times_keep_their_instant():
    start = dt.datetime(2022, 8, 3, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))

    assert local_period(zone=PHNOM_PENH, start=start, end=utc(2022, 8, 3, 3)) == (
        utc(2022, 8, 3, 0),
        utc(2022, 8, 3, 3),
    )


def test_days_run_from_the_first_midnight_to_the_midnight_after_the_last_day():
    period = local_period(
        zone=PHNOM_PENH, first_day=dt.date(2022, 8, 3), last_day=dt.date(2022, 8, 5)
    )

    assert period == (utc(2022, 8, 2, 17), utc(2022, 8, 5, 17))


def test_one_day():
    day = dt.date(2022, 8, 3)

    assert local_period(zone="Asia/Yangon", first_day=day, last_day=day) == (
        utc(2022, 8, 2, 17, 30),
        utc(2022, 8, 3, 17, 30),
    )


def test_all_day_times_at_the_venues_midnights():
    zone = zoneinfo.ZoneInfo(PHNOM_PENH)
    start, end = dt.datetime(2022, 8, 3, tzinfo=zone), dt.datetime(2022, 8, 6, tzinfo=zone)

    assert local_period(zone=PHNOM_PENH, start=start, end=end, all_day=True) == (
        utc(2022, 8, 2, 17),
        utc(2022, 8, 5, 17),
    )
    assert local_period(
        zone=PHNOM_PENH, start=dt.datetime(2022, 8, 3), end=dt.datetime(2022, 8, 6), all_day=True
    ) == (utc(2022, 8, 2, 17), utc(2022, 8, 5, 17))


def test_all_day_time_not_at_midnight_refused():
    assert refusal(
        zone=PHNOM_PENH, start=utc(2022, 8, 3), end=utc(2022, 8, 5, 17), all_day=True
    ) == (
        {
            "start": [
                "An all-day meeting's start is midnight in Asia/Phnom_Penh; or give first_day "
                "and last_day."
            ]
        },
        ["not_midnight"],
    )
    assert refusal(
        zone=PHNOM_PENH,
        start=dt.datetime(2022, 8, 3),
        end=dt.datetime(2022, 8, 5, 12),
        all_day=True,
    ) == (
        {
            "end": [
                "An all-day meeting's end is midnight in Asia/Phnom_Penh; or give first_day "
                "and last_day."
            ]
        },
        ["not_midnight"],
    )


def test_time_the_clocks_skip_refused_by_its_argument():
    zone = "America/New_York"

    assert refusal(
        zone=zone, start=dt.datetime(2022, 3, 13, 2, 30), end=dt.datetime(2022, 3, 13, 5)
    ) == (
        {"start": ["2022-03-13 02:30 does not exist in America/New_York (the clocks skip it)."]},
        ["nonexistent_time"],
    )
    assert refusal(
        zone=zone, start=dt.datetime(2022, 3, 13, 1), end=dt.datetime(2022, 3, 13, 2)
    ) == (
        {"end": ["2022-03-13 02:00 does not exist in America/New_York (the clocks skip it)."]},
        ["nonexistent_time"],
    )


def test_midnight_the_clocks_skip_refused_by_its_day():
    zone = "America/Santiago"  # clocks went from 00:00 to 01:00 on 11 September 2022

    assert refusal(zone=zone, first_day=dt.date(2022, 9, 11), last_day=dt.date(2022, 9, 12)) == (
        {
            "first_day": [
                "2022-09-11 00:00 does not exist in America/Santiago (the clocks skip it)."
            ]
        },
        ["nonexistent_time"],
    )
    assert refusal(zone=zone, first_day=dt.date(2022, 9, 9), last_day=dt.date(2022, 9, 10)) == (
        {"last_day": ["2022-09-11 00:00 does not exist in America/Santiago (the clocks skip it)."]},
        ["nonexistent_time"],
    )


def test_time_the_clocks_pass_twice_is_the_first_of_the_two():
    period = local_period(
        zone="America/New_York",
        start=dt.datetime(2022, 11, 6, 1, 30),
        end=dt.datetime(2022, 11, 6, 3),
    )

    assert period == (utc(2022, 11, 6, 5, 30), utc(2022, 11, 6, 8))


@pytest.mark.parametrize("end", [dt.datetime(2022, 8, 3, 9), dt.datetime(2022, 8, 3, 8, 59)])
def test_end_not_after_start_refused(end):
    assert refusal(zone=PHNOM_PENH, start=dt.datetime(2022, 8, 3, 9), end=end) == (
        {"end": ["The end must be after the start."]},
        ["end_before_start"],
    )


def test_last_day_before_first_refused():
    assert refusal(
        zone=PHNOM_PENH, first_day=dt.date(2022, 8, 5), last_day=dt.date(2022, 8, 3)
    ) == (
        {"last_day": ["The last day cannot be before the first day."]},
        ["last_before_first"],
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start": utc(2022, 8, 3)},
        {"first_day": dt.date(2022, 8, 3)},
        {"start": utc(2022, 8, 3), "end": utc(2022, 8, 4), "first_day": dt.date(2022, 8, 3)},
        {},
    ],
)
def test_one_whole_pair_of_arguments_is_required(kwargs):
    with pytest.raises(TypeError, match="start and end, or first_day and last_day"):
        local_period(zone=PHNOM_PENH, **kwargs)
