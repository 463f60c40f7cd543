"""What the public pages share: their feed links, their days (the filter: meetings.filters)."""

import datetime as dt

from django.http import QueryDict

from meetings.links import FeedLinks, feed_links
from meetings.models import Event, Meeting


def feed_of(params: QueryDict) -> FeedLinks:
    """The feed links (https, webcal, Google) for the filter `params`."""
    return feed_links({name: params.getlist(name) for name in params})


def by_day(meetings: list[Meeting], first: dt.date, last: dt.date) -> list[dict]:
    """Each day from `first` to `last` with the meetings running on it (and which day of them)."""
    days: dict[dt.date, list[dict]] = {
        first + dt.timedelta(days=n): [] for n in range((last - first).days + 1)
    }
    for meeting in meetings:
        span = (meeting.last_day - meeting.first_day).days + 1
        for n in range(span):
            day = meeting.first_day + dt.timedelta(days=n)
            if day in days:
                days[day].append({"meeting": meeting, "day": n + 1, "of": span})
    return [{"date": day, "entries": entries} for day, entries in days.items()]


def event_days(event: Event, meetings: list[Meeting], *, max_days: int | None = None) -> list[dict]:
    """`by_day` over an umbrella event: its own days, widened to any meeting running past
    them, and cut to `max_days` if given."""
    first = min([event.start_date, *(m.first_day for m in meetings)])
    last = max([event.end_date, *(m.last_day for m in meetings)])
    if max_days is not None:
        last = min(last, first + dt.timedelta(days=max_days - 1))
    return by_day(meetings, first, last)
