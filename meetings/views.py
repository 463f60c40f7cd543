"""Public pages (journalists). Views parse the request and call selectors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from meetings import selectors
from meetings.models import Format, Participant


def home(request: HttpRequest) -> HttpResponse:
    meetings = selectors.upcoming_meetings()[:20]
    return render(
        request, "meetings/meeting_list.html", {"meetings": meetings, "title": "Upcoming meetings"}
    )


def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = selectors.public_meetings().order_by("start")[:200]
    return render(
        request, "meetings/meeting_list.html", {"meetings": meetings, "title": "Meetings"}
    )


def meeting_detail(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = get_object_or_404(selectors.public_meetings(), slug=slug)
    return render(request, "meetings/meeting_detail.html", {"meeting": meeting})


def format_detail(request: HttpRequest, code: str) -> HttpResponse:
    fmt = get_object_or_404(Format, code__iexact=code)
    meetings = selectors.public_meetings().filter(format=fmt).order_by("start")
    return render(request, "meetings/meeting_list.html", {"meetings": meetings, "title": fmt.name})


def country_detail(request: HttpRequest, code: str) -> HttpResponse:
    participant = get_object_or_404(Participant, code__iexact=code)
    meetings = selectors.public_meetings().filter(
        pk__in=participant.delegations.values("meeting_id")
    ) | selectors.public_meetings().filter(host=participant)
    return render(
        request,
        "meetings/meeting_list.html",
        {"meetings": meetings.distinct().order_by("start"), "title": participant.name},
    )


def month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    meetings = selectors.public_meetings().filter(first_day__year=year, first_day__month=month)
    context = {"meetings": meetings, "title": f"{year}-{month:02d}"}
    return render(request, "meetings/meeting_list.html", context)
