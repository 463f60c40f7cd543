"""The "Follow by e-mail" link of a subscribe block: the same meetings as its feed."""

from django import template

from meetings.follow.links import follow_path
from meetings.links import FeedLinks

register = template.Library()


@register.simple_tag
def follow_url(feed: FeedLinks | None) -> str:
    """/follow/ with the filter, or the umbrella event, of the block's feed."""
    return follow_path(feed if isinstance(feed, FeedLinks) else None)
