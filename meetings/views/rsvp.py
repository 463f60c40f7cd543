"""/rsvp/<token>/: a delegation confirms or declines through its signed link, no account."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from meetings import reminders, services
from meetings.contacts import secretariat_contact
from meetings.enums import AnswerChannel, AttendanceStatus
from meetings.formatting import deadline_text
from meetings.models import Delegation
from meetings.reminders.compose import _place as zone_place  # "Manila time", as the mails say
from meetings.rsvp import RsvpForm
from meetings.tokens import RsvpRefused, rsvp_delegation


def _initial(delegation: Delegation) -> dict:
    """The form's starting values: the delegation's answer so far, if any."""
    answered = delegation.attendance != AttendanceStatus.INVITED
    return {
        "attendance": delegation.attendance if answered else None,
        "head_name": delegation.head_name,
        "head_title": delegation.head_title,
        "level": delegation.level,
    }


def _refused(request: HttpRequest, refused: RsvpRefused) -> HttpResponse:
    """The page saying why the link is refused, with the status the refusal names, and
    whom to ask: the meeting's contact when the link named it rightly, else the site's."""
    return render(
        request,
        "meetings/rsvp_refused.html",
        {
            "title": refused.title,
            "message": refused.message,
            "contact": secretariat_contact(refused.meeting),
            "email": settings.SECRETARIAT_EMAIL,
        },
        status=refused.status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    """The delegation's answer form; a valid answer is recorded, then shown (303)."""
    if request.method == "POST":
        # The link is checked again under the row's lock, in the answer's transaction.
        with transaction.atomic():
            try:
                delegation = rsvp_delegation(token, lock=True)
            except RsvpRefused as refused:
                return _refused(request, refused)
            form = RsvpForm(request.POST)
            if _answered(delegation, form):
                # See other: a reload shows the answer instead of posting it again.
                response = HttpResponseRedirect(f"{request.path}?answered=1")
                response.status_code = 303
                return response
    else:
        try:
            delegation = rsvp_delegation(token)
        except RsvpRefused as refused:
            return _refused(request, refused)
        form = RsvpForm(initial=_initial(delegation))
    return _page(request, delegation, form)


def _answered(delegation: Delegation, form: RsvpForm) -> bool:
    """Record the form's answer if it is valid; else leave its errors on the form."""
    if not form.is_valid():
        return False
    try:
        services.delegation_record_answer(
            delegation=delegation, via=AnswerChannel.RSVP, **form.cleaned_data
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


def _page(request: HttpRequest, delegation: Delegation, form: RsvpForm) -> HttpResponse:
    """The answer form with the meeting, the deadline and the answer so far."""
    meeting = delegation.meeting
    deadline = reminders.confirmation_deadline(meeting)
    return render(
        request,
        "meetings/rsvp.html",
        {
            "delegation": delegation,
            "meeting": meeting,
            "when": reminders.meeting_when(meeting),
            "where": reminders.meeting_where(meeting),
            "deadline": deadline_text(deadline, zone=meeting.tz, place=zone_place(meeting)),
            "deadline_at": deadline,
            "contact": secretariat_contact(meeting),
            "answered_at": (
                reminders.local_moment(meeting, delegation.answered_at)
                if delegation.answered_at
                else ""
            ),
            "just_answered": request.GET.get("answered") == "1"
            and delegation.attendance != AttendanceStatus.INVITED,
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )
