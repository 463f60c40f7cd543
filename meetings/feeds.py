"""iCal responses (filled in by the feeds work)."""

from django.http import Http404, HttpRequest, HttpResponse


def meetings_feed(request: HttpRequest) -> HttpResponse:
    raise Http404("Not yet available")


def meeting_ics(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("Not yet available")
