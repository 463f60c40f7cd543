"""How times and dates read in every text the site writes: pages, feeds, mail, messages.

The names are spelled out here rather than taken from strftime or Django's locale, so
a feed's bytes and a mail's words never depend on the process's locale.
"""

import datetime as dt

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


def offset_label(moment: dt.datetime) -> str:
    """The UTC offset of an aware datetime as people read it: UTC+7, UTC+6:30, UTC-3."""
    minutes = int((moment.utcoffset() or dt.timedelta(0)).total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def offset_minutes(moment: dt.datetime) -> int:
    """The UTC offset of an aware datetime in whole minutes (420 for UTC+7)."""
    return int((moment.utcoffset() or dt.timedelta(0)).total_seconds() // 60)


def day_text(day: dt.date, *, short: bool = False) -> str:
    """“Wednesday 3 August 2022”, or short: “Wed 3 Aug 2022”."""
    weekday, month = WEEKDAYS[day.weekday()], MONTHS[day.month - 1]
    if short:
        weekday, month = weekday[:3], month[:3]
    return f"{weekday} {day.day} {month} {day.year}"


def zone_label(name: str) -> str:
    """“Asia/Phnom_Penh” -> “Phnom Penh time”."""
    return f"{name.rsplit('/', 1)[-1].replace('_', ' ')} time"
