"""The month grid, /calendar/<yyyy>/<mm>/: the shared filters, the days' meetings."""

import calendar
import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateformat import format as date_format

from meetings import selectors
from meetings.caching import cached_page
from meetings.enums import MeetingStatus
from meetings.filters import InvalidFilter, filter_params, filtered_meetings
from meetings.views.shared import by_day, feed_of


@cached_page
def month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    """A month grid, Monday first; multi-day meetings appear on each of their days."""
    if not (1 <= month <= 12 and dt.MINYEAR < year < dt.MAXYEAR):
        raise Http404("No such month.")
    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(year, month)
    month_first = dt.date(year, month, 1)
    month_last = dt.date(year, month, calendar.monthrange(year, month)[1])
    params = filter_params(request.GET)
    for name in ("from", "to"):  # the month sets the dates
        params.pop(name, None)
    previous = month_first - dt.timedelta(days=1)
    following = month_last + dt.timedelta(days=1)
    formats, participants = selectors.filter_choices()
    context = {
        "title": date_format(month_first, "F Y"),
        # Two clicks to any month: its year, then the month.
        "years": selectors.meeting_years(),
        "months": [dt.date(year, n, 1) for n in range(1, 13)],
        "formats": formats,
        "participants": participants,
        "statuses": MeetingStatus.choices,
        "selected": {"format": params.getlist("format"), "status": params.getlist("status")},
        "month_first": month_first,
        "previous": previous,
        "following": following,
        "params": params,
        "keep": f"?{params.urlencode()}" if params else "",
        "feed": feed_of(filter_params(params, **{"from": str(month_first), "to": str(month_last)})),
        "weekdays": [date_format(day, "l") for day in weeks[0]],
    }
    try:
        rows = list(
            filtered_meetings(
                params, selectors.meetings_on_days(first=weeks[0][0], last=weeks[-1][-1])
            )
        )
    except InvalidFilter as exc:
        return render(
            request,
            "meetings/month.html",
            context | {"errors": sorted(exc.errors.items()), "weeks": [], "keep": ""},
            status=400,
        )
    days = {entry["date"]: entry for entry in by_day(rows, weeks[0][0], weeks[-1][-1])}
    count = sum(1 for m in rows if m.first_day <= month_last and m.last_day >= month_first)
    return render(
        request,
        "meetings/month.html",
        context
        | {
            "weeks": [[days[day] for day in week] for week in weeks],
            "count": count,
            "today": timezone.localdate(),
            # The subscribe block's feed is this month's: without meetings, it is not offered.
            "nothing_to_subscribe": count == 0,
        },
    )
