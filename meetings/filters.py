"""The one meeting filter, shared by the public list, the API and the iCal feed.

Query parameters (docs/contract.md): format (code, repeatable), country (hosts or
attends), host, status (repeatable), from and to (ISO dates, at the venue), q.
Codes are case-insensitive. An invalid value makes the filterset invalid, with
an error keyed by the parameter's name; callers answer 400 with it.
"""

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from meetings.enums import AttendanceStatus, MeetingStatus
from meetings.models import Delegation, Format, Meeting, Participant

CODE_PARAMS = ("format", "country", "host")


def code_value(value: str) -> str:
    """A code as a query may give it (“ kh ”) as it is stored (“KH”)."""
    return value.strip().upper()


class MeetingFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", "“to” must not be before “from”.")
        return cleaned


class MeetingFilter(django_filters.FilterSet):
    format = django_filters.ModelMultipleChoiceFilter(
        field_name="format__code",
        to_field_name="code",
        queryset=Format.objects.all(),
        label="Format",
        help_text="Format code (AMM, PMC, APT, EAS, ARF, SUMMIT, SOM, ...); repeatable.",
    )
    country = django_filters.ModelChoiceFilter(
        to_field_name="code",
        queryset=Participant.objects.all(),
        method="filter_country",
        label="Country",
        help_text="Participant code: meetings it hosts or sends a delegation to.",
    )
    host = django_filters.ModelChoiceFilter(
        field_name="host",
        to_field_name="code",
        queryset=Participant.objects.all(),
        label="Host",
        help_text="Participant code of the host.",
    )
    status = django_filters.MultipleChoiceFilter(
        choices=MeetingStatus.choices, label="Status", help_text="Meeting status; repeatable."
    )
    # `from` is a Python keyword: the two date filters are declared by name.
    vars()["from"] = django_filters.DateFilter(
        field_name="last_day",
        lookup_expr="gte",
        label="From",
        help_text="ISO date: meetings still running on or after this day.",
    )
    vars()["to"] = django_filters.DateFilter(
        field_name="first_day",
        lookup_expr="lte",
        label="To",
        help_text="ISO date: meetings starting on or before this day.",
    )
    q = django_filters.CharFilter(
        method="filter_text",
        label="Search",
        help_text="Text in the title, format, place, host, umbrella event, a head of "
        "delegation or a participant's name.",
    )

    class Meta:
        model = Meeting
        fields: list[str] = []
        form = MeetingFilterForm

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for name in CODE_PARAMS:
                if name in data:
                    data.setlist(name, [code_value(value) for value in data.getlist(name)])
        super().__init__(data, *args, **kwargs)

    def filter_country(self, queryset: QuerySet[Meeting], name: str, value: Participant):
        attends = Delegation.objects.filter(participant=value).values("meeting_id")
        return queryset.filter(Q(host=value) | Q(pk__in=attends))

    def filter_text(self, queryset: QuerySet[Meeting], name: str, value: str):
        """Each word (the first 10) in the title, format, venue, host, a published umbrella
        event, a head of delegation or an invited participant's name. Delegations are
        matched through EXISTS, so a meeting with several matching ones is listed once."""
        for word in value.split()[:10]:
            # A declined delegation's head is not public (Delegation.head_is_public).
            delegations = Delegation.objects.filter(
                (Q(head_name__icontains=word) & ~Q(attendance=AttendanceStatus.DECLINED))
                | Q(participant__name__icontains=word)
                | Q(participant__official_name__icontains=word),
                meeting=OuterRef("pk"),
            )
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(format__code__iexact=word)
                | Q(format__name__icontains=word)
                | Q(venue__city__icontains=word)
                | Q(venue__name__icontains=word)
                | Q(host__name__icontains=word)
                | Q(event__title__icontains=word, event__published=True)
                | Q(Exists(delegations))
            )
        return queryset


FILTER_PARAMS = tuple(MeetingFilter.base_filters)  # format, country, host, status, from, to, q


def filter_params(query: QueryDict, **fixed: str) -> QueryDict:
    """The filter parameters of a query, blanks and empty values dropped, codes as stored,
    with `fixed` values set (a page's own format or month): what pages keep in links."""
    params = QueryDict(mutable=True)
    for name in FILTER_PARAMS:
        values = [value.strip() for value in query.getlist(name) if value.strip()]
        if name in CODE_PARAMS:
            values = [code_value(value) for value in values]
        if values:
            params.setlist(name, values)
    for name, value in fixed.items():
        params.setlist(name, [value])
    return params


class InvalidFilter(Exception):
    """A query parameter had a bad value; `errors` maps each parameter to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in self.errors.items())


def filtered_meetings(params, queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Apply the shared filter to `queryset`, raising InvalidFilter on a bad parameter."""
    filterset = MeetingFilter(params, queryset=queryset)
    if not filterset.is_valid():
        raise InvalidFilter({name: list(messages) for name, messages in filterset.errors.items()})
    return filterset.qs
