"""What the public pages share: their feed links, their days (the filter: meetings.filters)."""

import datetime as dt

from django.http import QueryDict

from meetings.links import FeedLinks, feed_links
from meetings.models import Meeting


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
