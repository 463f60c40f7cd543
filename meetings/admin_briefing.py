"""The briefing in the admin: a printable page and an Excel workbook, of one meeting or of an
event's meetings, and a changelist action for the selected meetings.

Anyone who may view meetings and delegations may read a briefing (the Secretariat
viewers too): it only reads. The admin's own wrapper sends anonymous users to the login.
What a briefing holds is meetings.briefing's; the workbook, meetings.briefing_xlsx's.
"""

from functools import partial
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from meetings.briefing import Briefing, briefing
from meetings.briefing_xlsx import XLSX_CONTENT_TYPE, briefing_filename, briefing_xlsx
from meetings.models import Delegation, Event, Meeting

TEMPLATE = "admin/meetings/briefing.html"


def _check_can_read(model_admin: admin.ModelAdmin, request: HttpRequest) -> None:
    """A briefing lists meetings and their delegations: both must be viewable."""
    site = model_admin.admin_site
    if not (
        model_admin.has_view_permission(request)
        and site.get_model_admin(Meeting).has_view_permission(request)
        and site.get_model_admin(Delegation).has_view_permission(request)
    ):
        raise PermissionDenied


def _subject(model_admin: admin.ModelAdmin, object_id: int) -> tuple[Meeting | Event, Briefing]:
    """The meeting or event `object_id` names (else 404) and its briefing."""
    if model_admin.model is Event:
        event = get_object_or_404(Event, pk=object_id)
        meetings = Meeting.objects.filter(event=event)
        return event, briefing(title=event.title, slug=event.slug, meetings=meetings)
    meeting = get_object_or_404(Meeting, pk=object_id)
    meetings = Meeting.objects.filter(pk=meeting.pk)
    return meeting, briefing(title=str(meeting), slug=meeting.slug, meetings=meetings)


def _xlsx_response(content: Briefing) -> HttpResponse:
    response = HttpResponse(briefing_xlsx(content), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{briefing_filename(content)}"'
    return response


def briefing_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: int
) -> TemplateResponse:
    """The printable briefing of a meeting or an event."""
    _check_can_read(model_admin, request)
    subject, content = _subject(model_admin, object_id)
    opts = model_admin.model._meta
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": f"Briefing: {content.title}",
        "briefing": content,
        "original": subject,
        "xlsx_url": reverse(
            f"admin:{opts.app_label}_{opts.model_name}_briefing_xlsx", args=[subject.pk]
        ),
        "change_url": reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[subject.pk]
        ),
    }
    return TemplateResponse(request, TEMPLATE, context)


def briefing_download(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: int
) -> HttpResponse:
    """The briefing of a meeting or an event as an Excel workbook."""
    _check_can_read(model_admin, request)
    _subject_found, content = _subject(model_admin, object_id)
    return _xlsx_response(content)


@admin.action(description="Briefing of the selected meetings (Excel)", permissions=["view"])
def briefing_selected_xlsx(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Meeting]
) -> HttpResponse:
    _check_can_read(model_admin, request)
    pks = list(queryset.values_list("pk", flat=True))
    meetings = Meeting.objects.filter(pk__in=pks)
    if len(pks) == 1:
        only = meetings.get()
        title, slug = str(only), only.slug
    else:
        title = f"{len(pks)} selected meetings"
        slug = f"selected-{timezone.now():%Y-%m-%d}"
    return _xlsx_response(briefing(title=title, slug=slug, meetings=meetings))


def briefing_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    """The briefing's page and workbook, for MeetingAdmin.get_urls and EventAdmin.get_urls."""
    wrap = model_admin.admin_site.admin_view
    opts = model_admin.model._meta
    prefix = f"{opts.app_label}_{opts.model_name}"
    return [
        path(
            "<int:object_id>/briefing/",
            wrap(partial(briefing_page, model_admin)),
            name=f"{prefix}_briefing",
        ),
        path(
            "<int:object_id>/briefing.xlsx",
            wrap(partial(briefing_download, model_admin)),
            name=f"{prefix}_briefing_xlsx",
        ),
    ]
