"""How times and dates read in every text the site writes: pages, feeds, mail, messages.

The names are spelled out here rather than taken from strftime or Django's locale, so
a feed's bytes and a mail's words never depend on the process's locale.
"""

import datetime as dt
from typing import Literal

Upto = Literal["day", "month", "year"]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def offset_minutes(moment: dt.datetime) -> int:
    """The UTC offset of an aware datetime in whole minutes (420 for UTC+7)."""
    return int((moment.utcoffset() or dt.timedelta(0)).total_seconds() // 60)


def offset_label(moment: dt.datetime) -> str:
    """The UTC offset of an aware datetime as people read it: UTC+7, UTC+6:30, UTC-3."""
    minutes = offset_minutes(moment)
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def offsets_label(start: dt.datetime, end: dt.datetime) -> str:
    """The offsets over a period: “UTC+7”, or “UTC+11 to UTC+10” when the clocks change in it."""
    first, last = offset_label(start), offset_label(end)
    return first if first == last else f"{first} to {last}"


def day_text(day: dt.date, *, short: bool = False, upto: Upto = "year") -> str:
    """“Wednesday 3 August 2022”, or short: “Wed 3 Aug 2022”; up to the month: “Wed 3 Aug”,
    up to the day: “Wed 3” (the first day of a span that ends in the same month)."""
    weekday, month = WEEKDAYS[day.weekday()], MONTHS[day.month - 1]
    if short:
        weekday, month = weekday[:3], month[:3]
    parts = [weekday, str(day.day), month, str(day.year)]
    return " ".join(parts[: {"day": 2, "month": 3, "year": 4}[upto]])


def days_text(first: dt.date, last: dt.date, *, short: bool = False, joiner: str = " – ") -> str:
    """“Wed 3 Aug 2022 – Fri 5 Aug 2022”, or the one day when `last` is not after `first`."""
    if last <= first:
        return day_text(first, short=short)
    return f"{day_text(first, short=short)}{joiner}{day_text(last, short=short)}"


def ordinal(number: int) -> str:
    """55 -> “55th”, 1 -> “1st”, 12 -> “12th”, 22 -> “22nd”."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def zone_label(name: str) -> str:
    """“Asia/Phnom_Penh” -> “Phnom Penh time”."""
    return f"{name.rsplit('/', 1)[-1].replace('_', ' ')} time"


def deadline_text(moment: dt.datetime, *, zone: dt.tzinfo, place: str = "") -> str:
    """A reply deadline as it reads after “by”, at the venue (`place`: “Vientiane time”).

    An instant that opens a local day is the end of the day before, “the end of Tuesday
    15 December 2026 (Vientiane time, UTC+7)”, not a midnight nobody can place; any other
    instant is “Tuesday 15 December 2026, 17:00 (Vientiane time, UTC+7)”. The day that
    opens is found from the instant just before it, so a zone whose clocks skip midnight
    (00:00 -> 01:00) still ends its day at the 01:00 that opens the next.
    """
    place = place or zone_label(str(zone))
    local = moment.astimezone(zone)
    before = (moment - dt.timedelta(microseconds=1)).astimezone(zone)
    if before.date() != local.date():
        return f"the end of {day_text(before.date())} ({place}, {offset_label(before)})"
    return f"{day_text(local.date())}, {local:%H:%M} ({place}, {offset_label(local)})"
