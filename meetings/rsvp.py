"""Attendance confirmation without an account (filled in by the reminders work)."""

from django.http import Http404, HttpRequest, HttpResponse


def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404("Not yet available")
