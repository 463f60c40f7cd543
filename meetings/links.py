"""Absolute links for subscribers: the feed over https and webcal, and Google's subscribe page."""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse


@dataclass(frozen=True)
class FeedLinks:
    https: str
    webcal: str
    google: str


def feed_links(params: dict[str, str | list[str]] | None = None) -> FeedLinks:
    """Links to /feeds/meetings.ics with the given filter parameters (lists repeat)."""
    query = urlencode(
        sorted(
            (key, value)
            for key, values in (params or {}).items()
            for value in ([values] if isinstance(values, str) else values)
            if value
        ),
    )
    return links_to(settings.SITE_URL + reverse("meetings:feed") + (f"?{query}" if query else ""))


def links_to(url: str) -> FeedLinks:
    """The ways to subscribe to the calendar at `url` (an absolute https address)."""
    webcal = "webcal://" + url.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")
    return FeedLinks(https=url, webcal=webcal, google=google)
