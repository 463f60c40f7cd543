"""How press information reads on the public pages: conference times at the venue, contact
links, and whether the meeting on the page is live."""

import datetime as dt
import re
from urllib.parse import quote

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from meetings import press
from meetings.formatting import day_text, zone_label
from meetings.models import Event, Meeting

register = template.Library()


@register.simple_tag
def conference_when(conference: press.Conference) -> SafeString:
    """“Wednesday 3 August 2022, 15:30 (Phnom Penh time, UTC+7)”, as meeting times read."""
    start = conference.start
    return format_html(
        '<time datetime="{}">{}, {}</time> ({}, {})',
        start.isoformat(timespec="minutes"),
        day_text(start),
        f"{start:%H:%M}",
        zone_label(conference.zone),
        conference.offset,
    )


@register.simple_tag
def live_now(meeting: Meeting, event: Event | None, now: dt.datetime) -> press.Live | None:
    """The page's meeting with its stream link while it is live at `now`, else None."""
    return press.meeting_live(meeting, event, now=now)


@register.filter
def mailto(address: str) -> str:
    """A mailto: link; anything that could add headers (?, &, %) is percent-encoded."""
    return "mailto:" + quote(address, safe="@")


@register.filter
def tel(number: str) -> str:
    """A tel: link from a number as printed: the leading + and the digits only."""
    digits = re.sub(r"\D", "", number)
    return f"tel:+{digits}" if number.strip().startswith("+") else f"tel:{digits}"


@register.filter
def on_at(meeting: Meeting, now: dt.datetime) -> bool:
    """Whether a listed meeting is on at `now` (the “Happening now” tag): the same rule as
    “Live now”, so a cancelled or postponed meeting is never said to be happening."""
    return press.is_live(meeting, now)
