"""The /follow/ address for a page: the same meetings as the feed its subscribe block offers.

The block (templates/meetings/includes/subscribe.html) holds the page's feed links: the
filtered meetings feed of a list, format, country or meeting page, or an umbrella
event's own calendar. Following by e-mail takes the same filter, or the same event.
"""

from urllib.parse import urlencode, urlsplit

from django.urls import Resolver404, resolve, reverse

from meetings.links import FeedLinks


def follow_path(feed: FeedLinks | None) -> str:
    """/follow/ with the filter (or the event) of the feed `feed` offers."""
    base = reverse("meetings:follow")
    if feed is None:
        return base
    address = urlsplit(feed.https)
    try:
        match = resolve(address.path)
    except Resolver404:
        return base
    if match.url_name == "feed" and address.query:
        return f"{base}?{address.query}"
    if match.url_name == "event-ics":
        return f"{base}?{urlencode({'event': match.kwargs['slug']})}"
    return base
