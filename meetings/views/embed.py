"""/embed/upcoming/: the next meetings, for a news site to show in an iframe.

A standalone page (none of the site's header, no script, a small stylesheet of its own)
taking the list's filter and `limit`. It is the only page other sites may frame
(aseancal.csp.framable); its links open the meeting pages in a new tab, never inside
the frame. A bad value is a small 400 page naming the parameter, shown in the frame.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from aseancal.csp import framable
from meetings import selectors
from meetings.caching import cached_page
from meetings.feeds import feed_name
from meetings.filters import InvalidFilter, filter_params, filtered_meetings
from meetings.numbers import whole_number

DEFAULT_LIMIT = 5
MAX_LIMIT = 20
TEMPLATE = "meetings/embed_upcoming.html"


def _limit(raw: str | None) -> int | None:
    """How many meetings to show: DEFAULT_LIMIT without `limit`; None if it is not a whole
    number from 1 to MAX_LIMIT."""
    return DEFAULT_LIMIT if raw is None else whole_number(raw, low=1, high=MAX_LIMIT)


@framable
@cached_page
def upcoming(request: HttpRequest) -> HttpResponse:
    """The next `limit` published meetings not yet over that match the filter."""
    params = filter_params(request.GET)
    context = {"params": params, "name": feed_name(params)}
    errors: dict[str, list[str]] = {}
    limit = _limit(request.GET.get("limit"))
    if limit is None:
        errors["limit"] = [f"Enter a whole number from 1 to {MAX_LIMIT}."]
    try:
        rows = filtered_meetings(
            params, selectors.public_meeting_rows().filter(end__gt=timezone.now())
        )
    except InvalidFilter as exc:
        errors |= exc.errors
    if errors:
        return render(request, TEMPLATE, context | {"errors": sorted(errors.items())}, status=400)
    return render(request, TEMPLATE, context | {"meetings": list(rows[:limit])})
