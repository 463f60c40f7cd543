"""API-only filters. Meetings use the one shared filter, meetings.filters.MeetingFilter."""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from meetings.api import selectors as api_selectors
from meetings.enums import AttendanceStatus, DocumentKind
from meetings.filters import code_value
from meetings.models import Delegation, Document, Event, Meeting


class StrictOrderingFilter(BaseFilterBackend):
    """`ordering` from the view's whitelist (`ordering_choices`); anything else is a 400."""

    param = "ordering"

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        choices: dict[str, tuple[str, ...]] = getattr(view, "ordering_choices", {})
        value = request.query_params.get(self.param)
        if value is None or not choices:
            return queryset
        if value not in choices:
            raise ValidationError({self.param: [f"Order by one of: {', '.join(choices)}."]})
        return queryset.order_by(*choices[value])

    def get_schema_operation_parameters(self, view) -> list[dict]:
        choices = getattr(view, "ordering_choices", {})
        if not choices:
            return []
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "Sort order (a leading - reverses it).",
                "schema": {"type": "string", "enum": list(choices)},
            }
        ]


class DelegationFilter(django_filters.FilterSet):
    meeting = django_filters.CharFilter(field_name="meeting__slug", help_text="The meeting's slug.")
    participant = django_filters.CharFilter(
        method="filter_participant", help_text="Participant code (any case)."
    )
    attendance = django_filters.ChoiceFilter(
        choices=AttendanceStatus.choices, help_text="Attendance status."
    )

    class Meta:
        model = Delegation
        fields: list[str] = []

    def filter_participant(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(participant__code=code_value(value))


def _meetings(request: Request | None) -> QuerySet[Meeting]:
    # A slug the reader may not see names nothing, as one that does not exist.
    return api_selectors.meeting_choices(getattr(request, "user", None))


def _events(request: Request | None) -> QuerySet[Event]:
    return api_selectors.event_choices(getattr(request, "user", None))


class DocumentFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        since, before = cleaned.get("published_since"), cleaned.get("published_before")
        if since and before and before <= since:
            self.add_error(
                "published_before", "“published_before” must be after “published_since”."
            )
        return cleaned


class DocumentFilter(django_filters.FilterSet):
    """Documents by what they belong to, by kind and by the day they were published. A slug
    that names no meeting or event the reader may see is a 400, not an empty list."""

    meeting = django_filters.ModelChoiceFilter(
        field_name="meeting",
        to_field_name="slug",
        queryset=_meetings,
        help_text="The meeting's slug: its own documents.",
        error_messages={"invalid_choice": "There is no meeting “%(value)s”."},
    )
    event = django_filters.ModelChoiceFilter(
        field_name="event",
        to_field_name="slug",
        queryset=_events,
        help_text="The umbrella event's slug: its own documents (not its meetings').",
        error_messages={"invalid_choice": "There is no event “%(value)s”."},
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=DocumentKind.choices, help_text="Kind of document; repeatable."
    )
    published_since = django_filters.DateFilter(
        field_name="published_on",
        lookup_expr="gte",
        help_text="ISO date: documents published on or after this day.",
    )
    published_before = django_filters.DateFilter(
        field_name="published_on",
        lookup_expr="lt",
        help_text="ISO date: documents published before this day (not on it).",
    )

    class Meta:
        model = Document
        fields: list[str] = []
        form = DocumentFilterForm
