"""Links for subscribers: the feed over https and webcal, the subscribe pages of Google
Calendar and Outlook, and this site's page on how to subscribe.

Outlook on the web has one "add from web" page per kind of account: outlook.live.com for
personal (Outlook.com) accounts and outlook.office.com for work or school (Microsoft 365)
ones, and neither sends a reader to the other, so both are offered. Both take the https
address and the calendar's name (the one the feed itself gives, X-WR-CALNAME).
"""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import QueryDict
from django.urls import reverse

from meetings.feeds import FEED_TITLE, feed_name

OUTLOOK_PERSONAL = "https://outlook.live.com/calendar/0/addfromweb"
OUTLOOK_WORK = "https://outlook.office.com/calendar/0/addfromweb"


@dataclass(frozen=True)
class FeedLinks:
    https: str
    webcal: str
    google: str
    outlook: str = ""  # Outlook.com (personal accounts)
    outlook_work: str = ""  # Outlook for Microsoft 365 (work or school accounts)
    guide: str = ""  # this site's page on how to subscribe (a path)


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
    suffix = f"?{query}" if query else ""
    return links_to(
        settings.SITE_URL + reverse("meetings:feed") + suffix,
        name=feed_name(QueryDict(query)),
        guide=reverse("meetings:subscribe") + suffix,
    )


def links_to(url: str, *, name: str = FEED_TITLE, guide: str = "") -> FeedLinks:
    """The ways to subscribe to the calendar at `url` (an absolute https address) named
    `name`; `guide` is the page explaining them (by default, the general one)."""
    webcal = "webcal://" + url.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")
    outlook = urlencode({"url": url, "name": name}, quote_via=quote)
    return FeedLinks(
        https=url,
        webcal=webcal,
        google=google,
        outlook=f"{OUTLOOK_PERSONAL}?{outlook}",
        outlook_work=f"{OUTLOOK_WORK}?{outlook}",
        guide=guide or reverse("meetings:subscribe"),
    )
