"""API-only filters. Meetings use the one shared filter, meetings.filters.MeetingFilter."""

import django_filters
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from meetings.enums import AttendanceStatus
from meetings.filters import code_value
from meetings.models import Delegation


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
