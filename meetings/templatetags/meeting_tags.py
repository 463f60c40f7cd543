"""How meetings read on the public pages: dates in the venue's zone, names in their script.

Dates are formatted here rather than with the `date` filter because templates
convert aware datetimes to the server's zone first; a meeting is shown in its
venue's zone, with the offset spelled out.
"""

import datetime as dt
import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe

from meetings.enums import MeetingMode, MeetingStatus
from meetings.formatting import day_text, offset_minutes, offsets_label, zone_label
from meetings.formatting import ordinal as ordinal_text
from meetings.models import Meeting, Participant, Venue
from meetings.validators import sanitize_rich_text

register = template.Library()

# The language of each participant's (and venue country's) name in local script,
# so browsers pick a font and screen readers a voice for it.
LOCAL_LANGUAGES = {
    "BD": "bn",
    "BN": "ms-Arab",
    "CN": "zh-Hans",
    "ID": "id",
    "IN": "hi",
    "JP": "ja",
    "KH": "km",
    "KP": "ko",
    "KR": "ko",
    "LA": "lo",
    "LK": "si",
    "MM": "my",
    "MN": "mn",
    "MY": "ms",
    "NZ": "mi",
    "PH": "fil",
    "PK": "ur",
    "RU": "ru",
    "TH": "th",
    "TL": "tet",
    "VN": "vi",
}

EVENT_STATUS: dict[str, str] = {
    MeetingStatus.CANCELLED: "https://schema.org/EventCancelled",
    MeetingStatus.POSTPONED: "https://schema.org/EventPostponed",
}
ATTENDANCE_MODE: dict[str, str] = {
    MeetingMode.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    MeetingMode.VIRTUAL: "https://schema.org/OnlineEventAttendanceMode",
    MeetingMode.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}
# The characters json_script escapes, so the data cannot close the <script> element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _time(moment: dt.datetime | dt.date, text: str) -> SafeString:
    if isinstance(moment, dt.datetime):
        stamp = moment.isoformat(timespec="minutes")
    else:
        stamp = moment.isoformat()
    return format_html('<time datetime="{}">{}</time>', stamp, text)


def _day_range(first: dt.date, last: dt.date, *, short: bool) -> SafeString:
    """“Wednesday 3 August 2022”, “Sunday 15 – Tuesday 17 November 2026”, ..."""
    last_text = _time(last, day_text(last, short=short))
    if first == last:
        return last_text
    if (first.year, first.month) == (last.year, last.month):
        start_text = day_text(first, short=short, upto="day")
    elif first.year == last.year:
        start_text = day_text(first, short=short, upto="month")
    else:
        start_text = day_text(first, short=short)
    return format_html("{} – {}", _time(first, start_text), last_text)


def _timed_range(start: dt.datetime, end: dt.datetime, *, short: bool) -> SafeString:
    start_text = _time(start, f"{day_text(start, short=short)}, {start:%H:%M}")
    if start.date() == end.date():
        return format_html("{}–{}", start_text, _time(end, f"{end:%H:%M}"))
    return format_html(
        "{} – {}", start_text, _time(end, f"{day_text(end, short=short)}, {end:%H:%M}")
    )


@register.simple_tag
def meeting_when(meeting: Meeting, style: str = "long") -> SafeString:
    """When a meeting runs, at the venue: dates only for all-day meetings, else times.

    long: “Monday 5 August 2030, 09:00–12:00 (Phnom Penh time, UTC+7)”,
    “Wednesday 3 August 2022, all day (Phnom Penh time, UTC+7)”;
    short: “Mon 5 Aug 2030, 09:00–12:00 UTC+7”.
    """
    short = style == "short"
    if meeting.all_day:
        text = _day_range(meeting.first_day, meeting.last_day, short=short)
        if short:
            return format_html("{} · all day", text)
        return format_html(
            "{}, all day ({}, {})", text, zone_label(meeting.timezone), meeting.utc_offset_label
        )
    if meeting.daily_hours:
        # “Monday 24 – Tuesday 25 July 2023, 09:00–17:00 each day”
        days = _day_range(meeting.first_day, meeting.last_day, short=short)
        hours = f"{meeting.local_start:%H:%M}–{meeting.local_end:%H:%M} each day"
        text = format_html("{}, {}", days, hours)
    else:
        text = _timed_range(meeting.local_start, meeting.local_end, short=short)
    offsets = offsets_label(meeting.local_start, meeting.local_end)
    if short:
        return format_html("{} {}", text, offsets)
    return format_html("{} ({}, {})", text, zone_label(meeting.timezone), offsets)


@register.simple_tag
def reader_time(meeting: Meeting, style: str = "long") -> SafeString:
    """A placeholder the local-time script fills with the reader's own time (timed meetings)."""
    if meeting.all_day:
        return SafeString()
    return format_html(
        '<span class="reader-time" data-start="{}" data-end="{}" data-offset="{}" '
        'data-style="{}" hidden></span>',
        meeting.start.astimezone(dt.UTC).isoformat(timespec="minutes"),
        meeting.end.astimezone(dt.UTC).isoformat(timespec="minutes"),
        offset_minutes(meeting.local_start),
        "short" if style == "short" else "long",
    )


@register.simple_tag
def day_label(day: dt.date, style: str = "long") -> SafeString:
    """A day in a <time> element: “Wednesday 3 August 2022” (long) or “Wed 3 Aug” (short)."""
    if style == "long":
        return _time(day, day_text(day))
    return _time(day, day_text(day, short=True, upto="month"))


@register.simple_tag
def local_time(meeting: Meeting) -> SafeString:
    """The start time at the venue (“09:30”) in a <time> element; empty for all-day meetings."""
    if meeting.all_day:
        return SafeString()
    return _time(meeting.local_start, f"{meeting.local_start:%H:%M}")


@register.filter
def ordinal(number: int) -> str:
    """55 -> “55th”."""
    return ordinal_text(number)


@register.filter
def local_language(code: str) -> str:
    """The BCP 47 language of a participant's name in local script (“km” for KH)."""
    return LOCAL_LANGUAGES.get((code or "").upper(), "")


@register.simple_tag
def local_name(thing: Participant | Venue) -> SafeString:
    """The name in local script, marked with its language, when it differs from the English."""
    if not thing.name_local or thing.name_local == thing.name:
        return SafeString()
    code = thing.code if isinstance(thing, Participant) else thing.country_code
    lang = local_language(code)
    if lang:
        return format_html(
            '<span class="local" lang="{}" dir="auto">{}</span>', lang, thing.name_local
        )
    return format_html('<span class="local" dir="auto">{}</span>', thing.name_local)


@register.filter
def rich_text(html: str) -> SafeString:
    """Staff-written description, sanitised again at display.

    RichTextField cleans every save through the ORM; this also covers what bypasses
    save() (QuerySet.update, raw SQL, rows restored from a dump).
    """
    clean = sanitize_rich_text(html or "")
    return mark_safe(clean)  # noqa: S308  # nosec B308, B703: nh3 kept allow-listed tags only


@register.simple_tag
def absolute(path: str) -> str:
    """The public absolute URL of a site path."""
    return settings.SITE_URL + path


@register.simple_tag
def this_month_url() -> str:
    """The month grid for the current month."""
    today = timezone.localdate()
    return reverse("meetings:month", kwargs={"year": today.year, "month": today.month})


def _iso(meeting: Meeting, moment: dt.datetime, day: dt.date) -> str:
    # All-day meetings have no published times: dates only, inventing no precision.
    return day.isoformat() if meeting.all_day else moment.isoformat(timespec="seconds")


def meeting_structured_data(meeting: Meeting) -> dict:
    """The schema.org Event describing a meeting, for search engines."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": meeting.title,
        "url": settings.SITE_URL + meeting.get_absolute_url(),
        "startDate": _iso(meeting, meeting.local_start, meeting.first_day),
        "endDate": _iso(meeting, meeting.local_end, meeting.last_day),
        "eventStatus": EVENT_STATUS.get(meeting.status, "https://schema.org/EventScheduled"),
        "eventAttendanceMode": ATTENDANCE_MODE.get(
            meeting.mode, "https://schema.org/OfflineEventAttendanceMode"
        ),
        "description": strip_tags(meeting.description).strip()
        or f"{meeting.format.name} ({meeting.format.code}).",
    }
    if meeting.venue:
        venue = meeting.venue
        address = {
            "@type": "PostalAddress",
            "addressLocality": venue.city,
            "addressCountry": venue.country_code,
        }
        if venue.address:
            address["streetAddress"] = venue.address
        place = {"@type": "Place", "name": venue.name, "address": address}
        if venue.latitude is not None and venue.longitude is not None:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(venue.latitude),
                "longitude": float(venue.longitude),
            }
        data["location"] = place
    if meeting.host:
        data["organizer"] = {
            "@type": "Organization",
            "name": meeting.host.name,
            "url": settings.SITE_URL + meeting.host.get_absolute_url(),
        }
    if meeting.event and meeting.event.published:
        data["superEvent"] = {
            "@type": "Event",
            "name": meeting.event.title,
            "startDate": meeting.event.start_date.isoformat(),
            "endDate": meeting.event.end_date.isoformat(),
        }
    return data


@register.simple_tag
def json_ld(meeting: Meeting) -> SafeString:
    """The meeting's schema.org data in a <script type="application/ld+json"> element."""
    data = json.dumps(
        meeting_structured_data(meeting), cls=DjangoJSONEncoder, ensure_ascii=False
    ).translate(JSON_SCRIPT_ESCAPES)
    safe = mark_safe(data)  # noqa: S308  # nosec B308, B703: JSON with <, > and & escaped
    return format_html('<script type="application/ld+json">{}</script>', safe)
