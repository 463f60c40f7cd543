"""/subscribe/: how to follow the calendar (or a filtered part of it) in a calendar app.

It takes the list's filter, so "How to subscribe" beside a filtered list shows the
address of that list's feed; a bad value is a 400 naming the parameter, as on the list.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from meetings import ical, selectors
from meetings.caching import cached_page
from meetings.feeds import feed_name
from meetings.filters import InvalidFilter, filter_params, filtered_meetings
from meetings.views.shared import feed_of


@cached_page
def subscribe(request: HttpRequest) -> HttpResponse:
    """The feed address for the request's filter and the steps for each calendar app."""
    params = filter_params(request.GET)
    context = {
        "params": params,
        "feed": feed_of(params),
        "name": feed_name(params),
        # What the feed asks calendar apps for (REFRESH-INTERVAL, X-PUBLISHED-TTL).
        "refresh_hours": round(ical.REFRESH_INTERVAL.total_seconds() / 3600),
    }
    try:
        rows = filtered_meetings(params, selectors.public_meeting_rows())
    except InvalidFilter as exc:
        errors = sorted(exc.errors.items())
        return render(request, "meetings/subscribe.html", context | {"errors": errors}, status=400)
    return render(
        request,
        "meetings/subscribe.html",
        context | {"nothing_to_subscribe": not rows.exists()},
    )
