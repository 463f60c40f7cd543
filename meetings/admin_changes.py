"""Cancel, postpone and reschedule from the admin, through a page that first says what will
happen (the meetings, and how many delegations will be told) and asks for the reason.

The reason is required to cancel or postpone (services.missing_reason); it becomes the
meeting's public status note and the reason of the change, shown on the meeting page, in
the change log and its Atom feed, and in the notice each delegation receives. Nothing
changes until the editor confirms, and then every selected meeting changes or none does.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from meetings import reminders, services
from meetings.enums import MeetingStatus
from meetings.forms import LOCAL_DATE, LOCAL_TIME
from meetings.models import Meeting
from meetings.periods import local_period
from meetings.validators import validate_calendar_year, validate_one_line


@dataclass(frozen=True)
class StatusChange:
    """A change of status staff confirm with a reason: cancel or postpone."""

    name: str
    verb: str  # "Cancel"
    done: str  # "Cancelled"
    status: MeetingStatus
    service: Callable[..., Meeting]

    @property
    def pending(self) -> Q:
        """The meetings this change would change (those already in its status are left)."""
        return ~Q(status=self.status)


CHANGES = {
    "cancel": StatusChange(
        "cancel", "Cancel", "Cancelled", MeetingStatus.CANCELLED, services.meeting_cancel
    ),
    "postpone": StatusChange(
        "postpone", "Postpone", "Postponed", MeetingStatus.POSTPONED, services.meeting_postpone
    ),
}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (public)",
        max_length=300,
        validators=[validate_one_line],
        widget=forms.TextInput(attrs={"size": 80, "autofocus": True}),
        help_text="Shown on the meeting page, in the change log and in the notice to "
        "delegations, e.g. “Typhoon warning for Manila”.",
    )

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class RescheduleForm(ReasonForm):
    """New days and hours in the venue's local time, and an optional public reason."""

    start_date = forms.DateField(
        label="First day", widget=LOCAL_DATE, validators=[validate_calendar_year]
    )
    start_time = forms.TimeField(label="Start time", required=False, widget=LOCAL_TIME)
    end_date = forms.DateField(
        label="Last day", widget=LOCAL_DATE, validators=[validate_calendar_year]
    )
    end_time = forms.TimeField(label="End time", required=False, widget=LOCAL_TIME)
    all_day = forms.BooleanField(label="All day", required=False)

    field_order = ["start_date", "start_time", "end_date", "end_time", "all_day", "reason"]

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, required=False, **kwargs)
        self.meeting = meeting
        self.period: tuple[dt.datetime, dt.datetime] | None = None
        self.fields["start_time"].help_text = f"Local time at the venue ({meeting.timezone})."
        self.fields["end_time"].help_text = f"Local time at the venue ({meeting.timezone})."
        self.initial.update(
            start_date=meeting.first_day,
            end_date=meeting.last_day,
            start_time=None if meeting.all_day else meeting.local_start.time(),
            end_time=None if meeting.all_day else meeting.local_end.time(),
            all_day=meeting.all_day,
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("start_date"), cleaned.get("end_date")
        if first is None or last is None:
            return cleaned
        zone = self.meeting.timezone
        try:
            if cleaned.get("all_day"):
                self.period = local_period(zone=zone, first_day=first, last_day=last)
            else:
                for name in ("start_time", "end_time"):
                    if cleaned.get(name) is None:
                        self.add_error(name, "Enter a time, or tick “all day”.")
                if self.errors:
                    return cleaned
                self.period = local_period(
                    zone=zone,
                    start=dt.datetime.combine(first, cleaned["start_time"]),
                    end=dt.datetime.combine(last, cleaned["end_time"]),
                )
        except ValidationError as exc:
            self.add_error("end_date" if cleaned.get("all_day") else "end_time", exc)
            return cleaned
        if self.period == (self.meeting.start, self.meeting.end) and bool(
            cleaned.get("all_day")
        ) == bool(self.meeting.all_day):
            self.add_error("start_date", "These are the meeting's dates already.")
        return cleaned


def _editor(request: HttpRequest) -> AbstractBaseUser:
    if not isinstance(request.user, AbstractBaseUser):
        raise PermissionDenied
    return request.user


@dataclass(frozen=True)
class Row:
    """One meeting on a confirmation page: what it is now and who will be told."""

    meeting: Meeting
    when: str
    where: str
    told: int
    left_alone: str = ""


def _rows(meetings: list[Meeting], change: StatusChange | None = None) -> list[Row]:
    rows = []
    for meeting in meetings:
        left = ""
        if change is not None and meeting.status == change.status:
            left = f"already {change.status.label.lower()}: left as it is"
        rows.append(
            Row(
                meeting,
                reminders.meeting_when(meeting),
                reminders.meeting_where(meeting),
                0 if left else reminders.notice_audience(meeting),
                left,
            )
        )
    return rows


def _page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    *,
    title: str,
    form: forms.Form,
    rows: list[Row],
    button: str,
    selected: list[int] | None = None,
    action: str = "",
    meeting: Meeting | None = None,
) -> TemplateResponse:
    told = sum(row.told for row in rows)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Meeting._meta,
        "title": title,
        "form": form,
        "media": model_admin.media + form.media,
        "rows": rows,
        "told": told,
        "delay_minutes": max(round(settings.NOTICE_COALESCE_SECONDS / 60), 1),
        "button": button,
        "selected": selected or [],
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "meeting": meeting,
    }
    return TemplateResponse(request, "admin/meetings/meeting/confirm_change.html", context)


def _told_message(meetings: list[Meeting]) -> str:
    told = sum(reminders.notice_audience(m) for m in meetings)
    if not told:
        return "No delegation is told (unpublished, over, or no contact addresses)."
    minutes = max(round(settings.NOTICE_COALESCE_SECONDS / 60), 1)
    return f"{told} delegation(s) will be sent a notice in about {minutes} minutes."


def status_action(change: StatusChange) -> Callable[..., HttpResponse | None]:
    """The changelist action: the confirmation page first, the change once confirmed."""

    @admin.action(description=f"{change.verb} the selected meetings…", permissions=["change"])
    def action(
        model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Meeting]
    ) -> HttpResponse | None:
        meetings = list(queryset.select_related("venue").order_by("start", "pk"))
        form = ReasonForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            pending = [m for m in meetings if m.status != change.status]
            editor = _editor(request)
            with transaction.atomic():
                for meeting in pending:
                    change.service(meeting=meeting, by=editor, reason=form.cleaned_data["reason"])
            model_admin.message_user(
                request,
                f"{change.done} {len(pending)} meeting(s). {_told_message(pending)}",
                messages.SUCCESS,
            )
            return None
        return _page(
            request,
            model_admin,
            title=f"{change.verb} {len(meetings)} meeting(s)?",
            form=form,
            rows=_rows(meetings, change),
            button=f"{change.verb} and tell the delegations",
            selected=[m.pk for m in meetings],
            action=change.name,
        )

    action.__name__ = change.name
    return action


def _meeting_for_change(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str
) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("venue"), pk=object_id)
    if not model_admin.has_change_permission(request, meeting):
        raise PermissionDenied
    return meeting


def _back(meeting: Meeting) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:meetings_meeting_change", args=[meeting.pk]))


def status_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str, name: str
) -> HttpResponse:
    """The change form's "Cancel…" and "Postpone…" buttons."""
    change = CHANGES[name]
    meeting = _meeting_for_change(model_admin, request, object_id)
    if meeting.status == change.status:
        model_admin.message_user(
            request, f"This meeting is already {change.status.label.lower()}.", messages.INFO
        )
        return _back(meeting)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        change.service(meeting=meeting, by=_editor(request), reason=form.cleaned_data["reason"])
        model_admin.message_user(
            request, f"{change.done}. {_told_message([meeting])}", messages.SUCCESS
        )
        return _back(meeting)
    return _page(
        request,
        model_admin,
        title=f"{change.verb} {meeting}?",
        form=form,
        rows=_rows([meeting], change),
        button=f"{change.verb} and tell the delegations",
        meeting=meeting,
    )


def reschedule_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    """The change form's "Reschedule…" button: new local days and hours, and why."""
    meeting = _meeting_for_change(model_admin, request, object_id)
    form = RescheduleForm(request.POST if request.method == "POST" else None, meeting=meeting)
    if request.method == "POST" and form.is_valid() and form.period is not None:
        start, end = form.period
        services.meeting_reschedule(
            meeting=meeting,
            by=_editor(request),
            start=start,
            end=end,
            all_day=form.cleaned_data["all_day"],
            reason=form.cleaned_data["reason"],
        )
        model_admin.message_user(
            request,
            f"Rescheduled to {reminders.meeting_when(meeting)}. {_told_message([meeting])}",
            messages.SUCCESS,
        )
        return _back(meeting)
    return _page(
        request,
        model_admin,
        title=f"Reschedule {meeting}?",
        form=form,
        rows=_rows([meeting]),
        button="Reschedule and tell the delegations",
        meeting=meeting,
    )


def change_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    """The confirmation pages of one meeting, for MeetingAdmin.get_urls."""
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "<path:object_id>/cancel/",
            wrap(partial(status_view, model_admin, name="cancel")),
            name="meetings_meeting_cancel",
        ),
        path(
            "<path:object_id>/postpone/",
            wrap(partial(status_view, model_admin, name="postpone")),
            name="meetings_meeting_postpone",
        ),
        path(
            "<path:object_id>/reschedule/",
            wrap(partial(reschedule_view, model_admin)),
            name="meetings_meeting_reschedule",
        ),
    ]
