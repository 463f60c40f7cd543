"""Validators shared by model.clean, admin forms, serializers and the importer."""

import datetime as dt
import re
import zoneinfo
from functools import cache

import nh3
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

# What a stored zone name may look like; the database enforces this shape and
# validate_timezone checks the name against the IANA database itself.
TIMEZONE_SHAPE = r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$"
PARTICIPANT_CODE_SHAPE = r"^[A-Z]{2}$"
FORMAT_CODE_SHAPE = r"^[A-Z][A-Z0-9_]{1,19}$"


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


# The calendar's dates: ASEAN dates from 1967; the far bound keeps date arithmetic (the day
# after the last day, conversion to UTC, reminder steps) well inside what Python and the
# databases hold.
FIRST_YEAR, LAST_YEAR = 1967, 2200


def validate_calendar_year(value: dt.date | dt.datetime) -> None:
    """Dates and times of meetings fall within the years the calendar holds."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            "Give a date between the years %(first)s and %(last)s.",
            code="year",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )


def validate_timezone(value: str) -> None:
    """Accept only IANA zone names, as given (no normalisation)."""
    if not isinstance(value, str) or value not in _known_timezones():
        raise ValidationError(
            "“%(value)s” is not an IANA time zone name (e.g. Asia/Phnom_Penh).",
            code="invalid_timezone",
            params={"value": value},
        )


def validate_participant_code(value: str) -> None:
    if not isinstance(value, str) or not re.fullmatch(PARTICIPANT_CODE_SHAPE, value):
        raise ValidationError(
            "“%(value)s” is not a participant code: two capital letters (ISO 3166-1 "
            "alpha-2, or EU).",
            code="invalid_participant_code",
            params={"value": value},
        )


def validate_format_code(value: str) -> None:
    if not isinstance(value, str) or not re.fullmatch(FORMAT_CODE_SHAPE, value):
        raise ValidationError(
            "“%(value)s” is not a format code: capital letters, digits or _, 2-20 long.",
            code="invalid_format_code",
            params={"value": value},
        )


# C0 controls, DEL and C1 controls (Unicode category Cc). Text on one line takes none of
# them; multi-line text (descriptions, notes) keeps tab, line feed and carriage return.
_CONTROLS_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROLS_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _refuse_controls(value: object, pattern: re.Pattern[str], rule: str) -> None:
    found = pattern.search(value) if isinstance(value, str) else None
    if found:
        raise ValidationError(
            "Remove the control character U+%(code)04X: %(rule)s.",
            code="control_character",
            params={"code": ord(found.group()), "rule": rule},
        )


def validate_one_line(value: str) -> None:
    """Plain text on one line: no control characters, line breaks and tabs included."""
    _refuse_controls(value, _CONTROLS_ONE_LINE, "this field takes one line of text")


def validate_multiline(value: str) -> None:
    """Plain text on several lines: no control characters but tab and line breaks."""
    _refuse_controls(value, _CONTROLS_MULTILINE, "only line breaks and tabs are allowed")


def validate_https_url(value: str) -> None:
    """A public link: https only, so a page never links to plain http or a script URL."""
    if value and not value.lower().startswith("https://"):
        raise ValidationError("Enter an https:// address.", code="not_https")


def split_sources(value: str) -> list[str]:
    """Source addresses as stored: one per line, blank lines ignored."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


_HTTPS_URL = URLValidator(schemes=["https"])


def _is_https_url(value: str) -> bool:
    try:
        _HTTPS_URL(value)
    except ValidationError:
        return False
    return True


def validate_sources(value: str) -> None:
    """Sources of a meeting: one https:// address a line, and nothing else."""
    bad = [line for line in split_sources(value) if not _is_https_url(line)]
    if bad:
        raise ValidationError(
            "Give one https:// address a line; not an https address: %(bad)s.",
            code="not_https_sources",
            params={"bad": ", ".join(bad)},
        )


LANGUAGE_TAG_SHAPE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


def validate_language_tag(value: str) -> None:
    """A BCP 47 language tag as written on documents: en, fr, zh-Hans, pt-BR."""
    if not re.fullmatch(LANGUAGE_TAG_SHAPE, value or ""):
        raise ValidationError(
            "Enter a language tag such as en, fr, zh-Hans or pt-BR.", code="language_tag"
        )


PHONE_SHAPE = r"^\+?[0-9 ().-]{5,30}$"


def validate_phone(value: str) -> None:
    """A telephone number as printed for the press: digits, spaces, + ( ) . - only."""
    if value and not re.fullmatch(PHONE_SHAPE, value):
        raise ValidationError(
            "Enter a telephone number: digits, spaces and + ( ) . - only.", code="phone"
        )


def split_addresses(value: str) -> list[str]:
    """Contact addresses as stored: one per line (commas and semicolons accepted)."""
    return [part.strip() for part in re.split(r"[\s,;]+", value or "") if part.strip()]


def validate_contact_addresses(value: str) -> None:
    bad = []
    for address in split_addresses(value):
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(
            "Not valid e-mail addresses: %(bad)s.",
            code="invalid_addresses",
            params={"bad": ", ".join(bad)},
        )


def validate_aware(value: dt.datetime, field: str = "datetime") -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            "%(field)s must carry a UTC offset (e.g. 2022-08-03T09:00:00+07:00).",
            code="naive_datetime",
            params={"field": field},
        )


def validate_period(start, end, *, all_day: bool = False) -> None:
    """The end comes after the start (all-day: the last day is not before the first)."""
    if start is None or end is None:
        return
    if all_day and end < start or not all_day and end <= start:
        raise ValidationError(
            {"end": ValidationError("The end must be after the start.", code="end_before_start")}
        )


def localize(naive: dt.datetime, tz_name: str) -> dt.datetime:
    """Attach a venue's zone to a wall-clock time, refusing times that do not exist there."""
    tz = zoneinfo.ZoneInfo(tz_name)
    aware = naive.replace(tzinfo=tz)
    round_trip = aware.astimezone(dt.UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:
        raise ValidationError(
            "%(time)s does not exist in %(tz)s (the clocks skip it).",
            code="nonexistent_time",
            params={"time": naive.isoformat(sep=" ", timespec="minutes"), "tz": tz_name},
        )
    return aware


RICH_TEXT_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "blockquote"}


def sanitize_rich_text(value: str) -> str:
    """Keep only an allow-list of harmless tags; links get rel=noopener."""
    return nh3.clean(
        value or "",
        tags=RICH_TEXT_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
