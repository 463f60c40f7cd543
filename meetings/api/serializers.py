"""What the API shows (list and detail serializers) and what it accepts (input serializers).

Input serializers only parse and check; every write is then made by a service. Inputs
name related rows by their natural keys: format and participant codes (any case), event
and meeting slugs, venue ids.
"""

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meetings import selectors
from meetings.api.press import Press, press_for_event, press_for_meeting
from meetings.api.problems import Conflict
from meetings.documents import document_link
from meetings.enums import (
    AttendanceStatus,
    DelegationLevel,
    DocumentKind,
    MeetingMode,
    MeetingStatus,
)
from meetings.models import (
    Delegation,
    Document,
    Event,
    Format,
    Meeting,
    Membership,
    Participant,
    PressConference,
    PressContact,
    Venue,
)
from meetings.periods import local_period
from meetings.validators import (
    FIRST_YEAR,
    LAST_YEAR,
    validate_aware,
    validate_multiline,
    validate_one_line,
    validate_timezone,
)

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{1,19}$"
PARTICIPANT_PATTERN = r"^[A-Za-z]{2}$"
MAX_TEXT = 20_000


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _check_year(value: dt.date | dt.datetime, field: str | None) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise serializers.ValidationError(
            f"{field} must fall between the years {FIRST_YEAR} and {LAST_YEAR}.", code="year"
        )


# Fields ------------------------------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "format": "date-time", "example": "2022-08-03T09:00:00+07:00"}
)
class VenueTimeField(serializers.Field):
    """An instant shown at the meeting's venue: ISO 8601 with that zone's offset."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance: Meeting) -> dt.datetime | None:
        value = super().get_attribute(instance)
        return value.astimezone(instance.tz) if value is not None else None

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat()


# The calendar's years (FIRST_YEAR to LAST_YEAR) as the start of an ISO date or time.
YEAR_PATTERN = r"^(19(6[7-9]|[7-9][0-9])|2[01][0-9]{2}|2200)-"


@extend_schema_field(
    {
        "type": "string",
        "format": "date-time",
        "pattern": YEAR_PATTERN,
        "example": "2022-08-03T09:00:00+07:00",
    }
)
class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset. A naive time is refused rather than guessed at."""

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        validate_aware(value, field=self.field_name or "datetime")
        _check_year(value, self.field_name)
        return super().enforce_timezone(value)


@extend_schema_field(
    {"type": "string", "format": "date", "pattern": YEAR_PATTERN, "example": "2022-08-03"}
)
class CalendarDateField(serializers.DateField):
    """An ISO date inside the years the calendar holds."""

    def to_internal_value(self, value: Any) -> dt.date:
        date = super().to_internal_value(value)
        _check_year(date, self.field_name)
        return date


class StrictJSONMixin(serializers.Field):
    """Takes only the JSON type the schema states: not "55" for 55, 1 for true or 0 for "0"."""

    json_type: type = str

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) != (self.json_type is bool) or not isinstance(
            data, self.json_type
        ):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictJSONMixin, serializers.CharField):
    json_type = str


ONE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
MULTILINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


@extend_schema_field({"type": "string", "pattern": ONE_LINE_PATTERN})
class OneLineField(StrictCharField):
    """Text on one line: no control characters (meetings.validators.validate_one_line)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_one_line)


@extend_schema_field({"type": "string", "pattern": MULTILINE_PATTERN})
class MultilineField(StrictCharField):
    """Text on several lines: no control characters but tab and line breaks."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_multiline)


class StrictIntegerField(StrictJSONMixin, serializers.IntegerField):
    json_type = int


class StrictBooleanField(StrictJSONMixin, serializers.BooleanField):
    json_type = bool


@extend_schema_field(
    {
        "type": "string",
        # The set tzdata knows: fixed for a deployment, so listed.
        "enum": sorted(zoneinfo.available_timezones()),
        "example": "Asia/Phnom_Penh",
        "description": "IANA time zone name (Asia/Phnom_Penh); left out, the venue's.",
    }
)
class TimezoneField(StrictCharField):
    """An IANA time zone name, exactly as tzdata spells it."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # After the null character and length checks, and only when they pass.
        value = super().run_validation(data)
        try:
            validate_timezone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value


class NaturalKeyField(serializers.Field):
    """A row named by a natural key (a code, a slug), checked for shape before any lookup."""

    key = "code"
    pattern = CODE_PATTERN
    noun = "row"
    example = ""
    default_error_messages = {
        "invalid": "Give a {noun} as a string, e.g. “{example}”.",
        "does_not_exist": "There is no {noun} “{value}”.",
    }

    def __init__(self, *, queryset: QuerySet | None = None, **kwargs: Any) -> None:
        self.queryset: QuerySet | None = queryset
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        return value

    def get_queryset(self) -> QuerySet:
        if self.queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} {self.field_name} has no queryset.")
        return self.queryset

    def to_internal_value(self, data: Any) -> Model:
        if not isinstance(data, str) or not re.fullmatch(self.pattern, data):
            self.fail("invalid", noun=self.noun, example=self.example)
        value = self.normalise(data)
        try:
            return self.get_queryset().get(**{self.key: value})
        except ObjectDoesNotExist:
            self.fail("does_not_exist", noun=self.noun, value=value)

    def to_representation(self, value: Model) -> str:
        return getattr(value, self.key)


class CodeKeyField(NaturalKeyField):
    """A row of `model` named by its code, in any case (codes are stored upper-case)."""

    model: type[Participant] | type[Format]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=self.model.objects.all(), **kwargs)

    def normalise(self, value: str) -> str:
        return value.upper()


@extend_schema_field(
    {
        "type": "string",
        "pattern": PARTICIPANT_PATTERN,
        "format": "participant-code",
        "example": "KH",
        "description": "Participant code, in any case.",
    }
)
class ParticipantCodeField(CodeKeyField):
    model = Participant
    pattern = PARTICIPANT_PATTERN
    noun = "participant code"
    example = "KH"


@extend_schema_field(
    {
        "type": "string",
        "pattern": CODE_PATTERN,
        "format": "format-code",
        "example": "AMM",
        "description": "Format code, in any case.",
    }
)
class FormatCodeField(CodeKeyField):
    model = Format
    noun = "format code"
    example = "AMM"


@extend_schema_field(
    {
        "type": "string",
        "pattern": SLUG_PATTERN,
        "format": "meeting-slug",
        "example": "2022-amm-55",
        "description": "The meeting's slug.",
    }
)
class SlugKeyField(NaturalKeyField):
    key = "slug"
    pattern = SLUG_PATTERN
    noun = "slug"
    example = "2022-amm-55"


@extend_schema_field(
    {
        "type": "string",
        "pattern": SLUG_PATTERN,
        "format": "event-slug",
        "example": "2022-55th-amm-and-related-meetings",
        "description": "The umbrella event's slug (see /api/v1/events/), or null.",
    }
)
class EventSlugField(SlugKeyField):
    noun = "event slug"
    example = "2022-55th-amm-and-related-meetings"
    default_error_messages = {
        "invalid": "Give an {noun} as a string, e.g. “{example}”.",
        "does_not_exist": "There is no {noun} “{value}”.",
    }


@extend_schema_field({"type": "integer", "minimum": 1, "example": 1})
class VenueIdField(serializers.Field):
    default_error_messages = {
        "invalid": "Give a venue id (an integer); see /api/v1/venues/.",
        "does_not_exist": "There is no venue with id {value}.",
    }

    def to_internal_value(self, data: Any) -> Venue:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        venue = Venue.objects.filter(pk=data).first() if 0 < data < 2**63 else None
        if venue is None:
            self.fail("does_not_exist", value=data)
        return venue

    def to_representation(self, value: Venue) -> int:
        return value.pk


# Representations ---------------------------------------------------------------------------


class FormatRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Format
        fields = ["code", "name"]
        read_only_fields = fields


class FormatSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Format
        fields = ["code", "name", "short_name", "description", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, fmt: Format) -> str:
        return absolute(fmt.get_absolute_url())


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["role", "start", "end", "notes"]
        read_only_fields = fields


class ParticipantSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = ["code", "name", "official_name", "name_local", "kind", "memberships", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, participant: Participant) -> str:
        return absolute(participant.get_absolute_url())


class VenueSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country_code", read_only=True)
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Venue
        fields = [
            "id",
            "name",
            "name_local",
            "city",
            "country",
            "address",
            "timezone",
            "latitude",
            "longitude",
        ]
        read_only_fields = fields


class EventRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["slug", "title"]
        read_only_fields = fields


class ProgrammeMeetingSerializer(serializers.ModelSerializer):
    """A meeting as an event's programme lists it: what, when, where it stands."""

    format: "serializers.SlugRelatedField[Format]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="Format code."
    )
    start = VenueTimeField(help_text="At the venue, with its UTC offset.")
    end = VenueTimeField(help_text="At the venue; for all-day meetings, midnight after the end.")
    first_day = serializers.DateField(read_only=True, help_text="First day, at the venue.")
    last_day = serializers.DateField(read_only=True, help_text="Last day, at the venue.")
    url = serializers.SerializerMethodField(help_text="The meeting's page on the site.")

    class Meta:
        model = Meeting
        fields = [
            "slug",
            "title",
            "format",
            "status",
            "all_day",
            "start",
            "end",
            "timezone",
            "first_day",
            "last_day",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, meeting: Meeting) -> str:
        return absolute(meeting.get_absolute_url())


# Documents and press information -----------------------------------------------------------


def document_url(document: Document) -> str:
    """Where a document is read: the site's download address for a file, else its link."""
    link = document_link(document)
    return absolute(link) if document.file else link


def visible_event(meeting: Meeting, context: Mapping[str, Any]) -> Event | None:
    """The meeting's umbrella event, unless it is unpublished and the reader may not see it."""
    event = meeting.event
    if event is not None and not event.published and not context.get("staff_events"):
        return None
    return event


# Document kinds are one enum component, named after the Document component's `kind`
# (a second component with the same choices would make its name ambiguous).
DOCUMENT_KIND_SCHEMA = {"$ref": "#/components/schemas/DocumentKindEnum"}


@extend_schema_field(DOCUMENT_KIND_SCHEMA)
class DocumentKindField(serializers.CharField):
    """A document's kind (its code), as the Document component's `kind` lists them."""


class DocumentRefSerializer(serializers.ModelSerializer):
    """A document as its meeting or event lists it; the whole of it is /api/v1/documents/<id>/."""

    kind = DocumentKindField(read_only=True, help_text="What the document is (its code).")
    title = serializers.CharField(read_only=True, help_text="The document's title.")
    url = serializers.SerializerMethodField(
        help_text="Where to read it: the site's download address for a file, else its link."
    )

    class Meta:
        model = Document
        fields = ["kind", "title", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, document: Document) -> str:
        return document_url(document)


class DocumentSerializer(serializers.ModelSerializer):
    """A document attached to a meeting or to an umbrella event (one of the two)."""

    kind = serializers.ChoiceField(
        choices=DocumentKind.choices, read_only=True, help_text="What the document is (its code)."
    )
    kind_label = serializers.CharField(
        source="get_kind_display", read_only=True, help_text="The kind in English."
    )
    title = serializers.CharField(read_only=True, help_text="The document's title.")
    language = serializers.CharField(
        read_only=True, help_text="Language tag of the document (en, fr, zh-Hans, ...)."
    )
    published_on = serializers.DateField(read_only=True, help_text="The day it was published.")
    url = serializers.SerializerMethodField(
        help_text="Where to read it: the site's download address for a file, else its link."
    )
    is_file = serializers.SerializerMethodField(
        help_text="True for a file the site serves; false for a link to another site."
    )
    content_type = serializers.SerializerMethodField(
        help_text="A file's media type (application/pdf, ...); null for a link."
    )
    size = serializers.SerializerMethodField(help_text="A file's size in bytes; null for a link.")
    meeting: "serializers.SlugRelatedField[Meeting]" = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The slug of the meeting it belongs to, or null.",
    )
    event: "serializers.SlugRelatedField[Event]" = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The slug of the umbrella event it belongs to, or null.",
    )
    meeting_url = serializers.SerializerMethodField(
        help_text="The page of the meeting it belongs to, or null."
    )
    event_url = serializers.SerializerMethodField(
        help_text="The page of the umbrella event it belongs to, or null."
    )
    published = serializers.BooleanField(
        read_only=True,
        help_text="Whether the public sees it (false only for users allowed to view "
        "unpublished documents).",
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "language",
            "published_on",
            "url",
            "is_file",
            "content_type",
            "size",
            "meeting",
            "event",
            "meeting_url",
            "event_url",
            "published",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, document: Document) -> str:
        return document_url(document)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_file(self, document: Document) -> bool:
        return bool(document.file)

    @extend_schema_field({"type": "string", "nullable": True, "example": "application/pdf"})
    def get_content_type(self, document: Document) -> str | None:
        return document.content_type if document.file else None

    @extend_schema_field({"type": "integer", "nullable": True, "minimum": 0, "example": 182044})
    def get_size(self, document: Document) -> int | None:
        return document.size if document.file else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_meeting_url(self, document: Document) -> str | None:
        return absolute(document.meeting.get_absolute_url()) if document.meeting else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_event_url(self, document: Document) -> str | None:
        return absolute(document.event.get_absolute_url()) if document.event else None


class PressContactSerializer(serializers.ModelSerializer):
    """Whom journalists call or write to."""

    name = serializers.CharField(read_only=True, help_text="Whom to ask.")
    organisation = serializers.CharField(
        read_only=True, help_text="Their office or organisation (may be empty)."
    )
    email = serializers.CharField(read_only=True, help_text="E-mail address (may be empty).")
    phone = serializers.CharField(
        read_only=True, help_text="Telephone, international form (may be empty)."
    )

    class Meta:
        model = PressContact
        fields = ["name", "organisation", "email", "phone"]
        read_only_fields = fields


@extend_schema_field(
    {"type": "string", "format": "date-time", "example": "2022-08-03T15:30:00+07:00"}
)
class ConferenceTimeField(serializers.Field):
    """A press conference's start at its meeting's venue: ISO 8601 with that zone's offset."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, conference: PressConference) -> str:
        return conference.start.astimezone(conference.meeting.tz).isoformat()


class PressConferenceSerializer(serializers.ModelSerializer):
    """A press conference or briefing during or after a meeting."""

    meeting: "serializers.SlugRelatedField[Meeting]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The slug of the meeting it follows."
    )
    start = serializers.DateTimeField(
        read_only=True, default_timezone=dt.UTC, help_text="When it starts, in UTC."
    )
    start_local = ConferenceTimeField(
        help_text="When it starts at the meeting's venue, with its UTC offset."
    )
    title = serializers.CharField(
        source="__str__", read_only=True, help_text="Its title; “Press conference” if none."
    )
    place = serializers.CharField(read_only=True, help_text="Where it is held (may be empty).")
    stream_url = serializers.CharField(
        read_only=True, help_text="Where it is streamed, if not the general livestream; or empty."
    )

    class Meta:
        model = PressConference
        fields = ["meeting", "start", "start_local", "title", "place", "stream_url"]
        read_only_fields = fields


class PressSerializer(serializers.Serializer):
    """What the press needs: accreditation, media centre, livestream, contacts, briefings."""

    accreditation_deadline = serializers.DateField(
        read_only=True, allow_null=True, help_text="The last day to apply for accreditation."
    )
    accreditation = serializers.CharField(
        read_only=True, help_text="How to apply for media accreditation (plain text)."
    )
    accreditation_url = serializers.CharField(
        read_only=True, help_text="https:// page where journalists apply, or empty."
    )
    media_centre = serializers.CharField(
        read_only=True, help_text="Where the media centre is, or empty."
    )
    livestream_url = serializers.CharField(
        read_only=True, help_text="https:// livestream or webcast, or empty."
    )
    contacts = PressContactSerializer(many=True, read_only=True, help_text="Press contacts.")
    conferences = PressConferenceSerializer(
        many=True, read_only=True, help_text="Press conferences and briefings, in time order."
    )


def _press_data(press: Press, context: Mapping[str, Any]) -> dict[str, Any]:
    return PressSerializer(press, context=context).data


class EventSerializer(serializers.ModelSerializer):
    host: "serializers.SlugRelatedField[Participant]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    meetings = serializers.ManyRelatedField(
        child_relation=serializers.SlugRelatedField(slug_field="slug", read_only=True),
        read_only=True,
    )
    programme = ProgrammeMeetingSerializer(
        source="meetings",
        many=True,
        read_only=True,
        help_text="The event's meetings in calendar order, with their times.",
    )
    url = serializers.SerializerMethodField(help_text="The event's page on the site.")

    class Meta:
        model = Event
        fields = [
            "slug",
            "title",
            "host",
            "start_date",
            "end_date",
            "description",
            "published",
            "meetings",
            "programme",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, event: Event) -> str:
        return absolute(event.get_absolute_url())


class EventDetailSerializer(EventSerializer):
    """An umbrella event with its press information and documents."""

    press = serializers.SerializerMethodField(
        help_text="The event's press information, with its meetings' press conferences."
    )
    documents = DocumentRefSerializer(
        source="visible_documents",
        many=True,
        read_only=True,
        help_text="The event's documents, newest first.",
    )

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "press", "documents"]
        read_only_fields = fields

    @extend_schema_field(PressSerializer)
    def get_press(self, event: Event) -> dict[str, Any]:
        return _press_data(press_for_event(event), self.context)


class DelegationRefSerializer(serializers.ModelSerializer):
    """A delegation as nested in its meeting."""

    participant: "serializers.SlugRelatedField[Participant]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    level = serializers.ChoiceField(
        choices=DelegationLevel.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Delegation
        fields = ["id", "participant", "head_name", "head_title", "level", "attendance"]
        read_only_fields = fields

    def to_representation(self, delegation: Delegation) -> dict[str, Any]:
        return _public_head(super().to_representation(delegation), delegation, self.context)


def _public_head(
    data: dict[str, Any], delegation: Delegation, context: Mapping[str, Any]
) -> dict[str, Any]:
    """A declined delegation's head is not public (Delegation.head_is_public): blank for
    readers who may not view delegations, as entered for staff."""
    if not context.get("staff_delegations") and not delegation.head_is_public:
        data["head_name"] = data["head_title"] = ""
    return data


DELEGATION_STAFF_FIELDS = (
    "answered_via",
    "invited_at",
    "contact_emails",
    "reminders_paused",
    "notes",
)


class DelegationSerializer(serializers.ModelSerializer):
    """A delegation. The staff fields are present only for users allowed to view delegations."""

    meeting: "serializers.SlugRelatedField[Meeting]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    participant: "serializers.SlugRelatedField[Participant]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    level = serializers.ChoiceField(
        choices=DelegationLevel.choices, allow_blank=True, read_only=True
    )
    # Staff fields are declared writable only so that the schema marks them optional: this
    # serializer is never used for input.
    answered_via = serializers.CharField(required=False, help_text="Staff only.")
    invited_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Staff only.")
    contact_emails = serializers.ListField(
        child=serializers.EmailField(),
        source="addresses",
        required=False,
        help_text="Staff only: where invitations and reminders go.",
    )
    reminders_paused = serializers.BooleanField(required=False, help_text="Staff only.")
    notes = serializers.CharField(required=False, help_text="Staff only.")

    class Meta:
        model = Delegation
        fields = [
            "id",
            "meeting",
            "participant",
            "head_name",
            "head_title",
            "level",
            "attendance",
            "answered_at",
            "updated_at",
            *DELEGATION_STAFF_FIELDS,
        ]
        read_only_fields = [
            "id",
            "head_name",
            "head_title",
            "level",
            "attendance",
            "answered_at",
            "updated_at",
        ]

    def to_representation(self, delegation: Delegation) -> dict[str, Any]:
        data = _public_head(super().to_representation(delegation), delegation, self.context)
        if not self.context.get("staff_delegations"):
            for name in DELEGATION_STAFF_FIELDS:
                data.pop(name, None)
        return data


class MeetingListSerializer(serializers.ModelSerializer):
    """A meeting with what a consumer needs in one request: format, venue, host, delegations."""

    format = FormatRefSerializer(read_only=True)
    counterpart: "serializers.SlugRelatedField[Participant]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Participant code."
    )
    host: "serializers.SlugRelatedField[Participant]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Participant code."
    )
    venue = VenueSerializer(read_only=True, allow_null=True)
    event = EventRefSerializer(read_only=True, allow_null=True, help_text="The umbrella event.")
    start = VenueTimeField(help_text="At the venue, with its UTC offset.")
    end = VenueTimeField(help_text="At the venue; for all-day meetings, midnight after the end.")
    delegations = DelegationRefSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()
    ical_url = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "slug",
            "title",
            "format",
            "number",
            "counterpart",
            "status",
            "status_note",
            "mode",
            "start",
            "end",
            "all_day",
            "daily_hours",
            "timezone",
            "first_day",
            "last_day",
            "venue",
            "host",
            "event",
            "delegations",
            "url",
            "ical_url",
            "sequence",
            "updated_at",
            "published",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, meeting: Meeting) -> str:
        return absolute(meeting.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_ical_url(self, meeting: Meeting) -> str:
        return absolute(reverse("meetings:meeting-ics", kwargs={"slug": meeting.slug}))

    def to_representation(self, meeting: Meeting) -> dict[str, Any]:
        data = super().to_representation(meeting)
        # A published meeting may sit under an event not yet published.
        if meeting.event is not None and visible_event(meeting, self.context) is None:
            data["event"] = None
        return data


class MeetingDetailSerializer(MeetingListSerializer):
    """A meeting with its description, deadline, chair and co-chair, press information and
    documents (the list leaves these out: they cost queries a list does not need)."""

    confirmation_deadline = VenueTimeField(allow_null=True)
    chair = serializers.SerializerMethodField(help_text="ASEAN chair in the meeting's year.")
    co_chair = serializers.SerializerMethodField(
        help_text="For an ASEAN-X meeting: the member coordinating relations with X."
    )
    press = serializers.SerializerMethodField(
        help_text="Press information: the meeting's own values where set, else its umbrella "
        "event's (each field on its own; contacts: the meeting's if it has any, else the "
        "event's)."
    )
    documents = DocumentRefSerializer(
        source="visible_documents",
        many=True,
        read_only=True,
        help_text="The meeting's documents, newest first.",
    )
    sources = serializers.ListField(
        child=serializers.URLField(),
        source="source_urls",
        read_only=True,
        help_text="Public pages (https) stating the meeting's dates, as the record cites them.",
    )

    class Meta(MeetingListSerializer.Meta):
        fields = [
            *MeetingListSerializer.Meta.fields,
            "description",
            "confirmation_deadline",
            "chair",
            "co_chair",
            "created_at",
            "press",
            "documents",
            "sources",
        ]
        read_only_fields = fields

    @extend_schema_field(PressSerializer)
    def get_press(self, meeting: Meeting) -> dict[str, Any]:
        press = press_for_meeting(meeting, event=visible_event(meeting, self.context))
        return _press_data(press, self.context)

    @extend_schema_field({"type": "string", "nullable": True, "example": "KH"})
    def get_chair(self, meeting: Meeting) -> str | None:
        chair = selectors.chair_for(on=meeting.first_day)
        return chair.code if chair else None

    @extend_schema_field({"type": "string", "nullable": True, "example": "KH"})
    def get_co_chair(self, meeting: Meeting) -> str | None:
        if meeting.counterpart is None:
            return None
        coordinator = selectors.coordinator_for(partner=meeting.counterpart, on=meeting.first_day)
        return coordinator.code if coordinator else None


# Inputs ------------------------------------------------------------------------------------

PERIOD_FIELDS = ("timezone", "venue", "all_day", "start", "end", "first_day", "last_day")


def _period_zone(attrs: dict[str, Any], meeting: Meeting | None) -> str:
    """The zone given, else the new venue's, else the meeting's own."""
    venue = attrs.get("venue")
    tz_name = attrs.get("timezone") or (
        venue.timezone if venue else meeting.timezone if meeting else ""
    )
    if not tz_name:
        raise serializers.ValidationError(
            {"timezone": ["Give an IANA time zone, or a venue that has one."]}
        )
    return tz_name


def _given_or_kept(attrs: dict[str, Any], meeting: Meeting | None, names: tuple[str, str]) -> list:
    """The values of `names` given, or else the meeting's own; each one required."""
    values = [attrs.get(name, getattr(meeting, name) if meeting else None) for name in names]
    for name, value in zip(names, values, strict=True):
        if value is None:
            raise serializers.ValidationError({name: ["This field is required."]})
    return values


def resolve_period(attrs: dict[str, Any], meeting: Meeting | None) -> None:
    """Turn the given times or days into the stored start and end (UTC) and zone, in place.

    Timed meetings give `start` and `end` (aware). All-day meetings give `first_day` and
    `last_day` (inclusive, at the venue), or `start` and `end` at the venue's midnights as
    the API shows them; with neither, they keep their days (in a new zone, if one is given).
    Values left out of a partial update keep the meeting's own.
    """
    tz_name = _period_zone(attrs, meeting)
    all_day = attrs.get("all_day", meeting.all_day if meeting else False)
    days = [name for name in ("first_day", "last_day") if name in attrs]
    times = [name for name in ("start", "end") if name in attrs]
    if days and times:
        raise serializers.ValidationError(
            {"non_field_errors": ["Give start and end, or first_day and last_day, not both."]}
        )
    if days and not all_day:
        raise serializers.ValidationError(
            {"all_day": ["first_day and last_day are for all-day meetings: set all_day to true."]}
        )
    if times or not all_day:
        start, end = _given_or_kept(attrs, meeting, ("start", "end"))
        period = local_period(zone=tz_name, start=start, end=end, all_day=all_day)
    else:
        first, last = _given_or_kept(attrs, meeting, ("first_day", "last_day"))
        period = local_period(zone=tz_name, first_day=first, last_day=last)
    for name in days:
        del attrs[name]
    attrs.update(start=period[0], end=period[1], timezone=tz_name)


class PeriodInputMixin(serializers.Serializer):
    start = AwareDateTimeField(required=False, help_text="ISO 8601 with a UTC offset.")
    end = AwareDateTimeField(
        required=False,
        help_text="ISO 8601 with a UTC offset; after the start. All-day: midnight after the end.",
    )
    all_day = StrictBooleanField(required=False)
    first_day = CalendarDateField(
        required=False, help_text="All-day meetings: the first day at the venue (instead of start)."
    )
    last_day = CalendarDateField(
        required=False, help_text="All-day meetings: the last day, inclusive (instead of end)."
    )


class MeetingInputSerializer(PeriodInputMixin):
    """A meeting to create, or the fields of one to change (PATCH)."""

    format = FormatCodeField()
    number = StrictIntegerField(
        min_value=1, max_value=32767, allow_null=True, required=False, help_text="55 for the 55th."
    )
    counterpart = ParticipantCodeField(allow_null=True, required=False)
    title = OneLineField(
        max_length=200, allow_blank=True, required=False, help_text="Empty: from the format."
    )
    event = EventSlugField(queryset=Event.objects.all(), allow_null=True, required=False)
    venue = VenueIdField(allow_null=True, required=False)
    host = ParticipantCodeField(allow_null=True, required=False)
    timezone = TimezoneField(max_length=64, required=False)
    status = serializers.ChoiceField(choices=MeetingStatus.choices, required=False)
    status_note = OneLineField(max_length=300, allow_blank=True, required=False)
    mode = serializers.ChoiceField(choices=MeetingMode.choices, required=False)
    daily_hours = StrictBooleanField(
        required=False,
        help_text="Over several days, the same hours each day (start's time to end's time).",
    )
    published = StrictBooleanField(required=False)
    description = MultilineField(max_length=MAX_TEXT, allow_blank=True, required=False)
    confirmation_deadline = AwareDateTimeField(allow_null=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        meeting: Meeting | None = self.instance
        if meeting is None or any(name in attrs for name in PERIOD_FIELDS):
            resolve_period(attrs, meeting)
        if "format" in attrs or "number" in attrs:
            _check_number_free(
                attrs.get("format", meeting.format if meeting else None),
                attrs.get("number", meeting.number if meeting else None),
                meeting,
            )
        return attrs


def _check_number_free(fmt: Format | None, number: int | None, meeting: Meeting | None) -> None:
    """Refuse the format and number of another meeting (“the 55th AMM” is one meeting)."""
    if fmt is None or number is None:
        return
    others = Meeting.objects.filter(format=fmt, number=number)
    if meeting is not None:
        others = others.exclude(pk=meeting.pk)
    clash = others.values_list("slug", flat=True).first()
    if clash:
        raise Conflict({"number": [f"{fmt.code} number {number} already exists: {clash}."]})


class ReasonSerializer(serializers.Serializer):
    reason = OneLineField(
        max_length=300,
        allow_blank=True,
        required=False,
        default="",
        help_text="Public reason, shown with the change, in the change log and in the notice "
        "to delegations.",
    )


class RequiredReasonSerializer(serializers.Serializer):
    """Cancel and postpone: delegations and readers are always told why."""

    reason = OneLineField(
        max_length=300,
        help_text="Public reason, required: shown with the meeting's status, in the change log "
        "and in the notice to delegations.",
    )


class RescheduleSerializer(PeriodInputMixin, ReasonSerializer):
    """New times (or days) for a meeting; a postponed meeting becomes scheduled again."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(name in attrs for name in ("start", "end", "first_day", "last_day")):
            raise serializers.ValidationError(
                {"non_field_errors": ["Give start and end, or first_day and last_day."]}
            )
        resolve_period(attrs, self.context["meeting"])
        attrs.pop("timezone")
        return attrs


class DelegationUpdateSerializer(serializers.Serializer):
    """The fields of a delegation staff may change."""

    head_name = OneLineField(max_length=200, allow_blank=True, required=False)
    head_title = OneLineField(max_length=300, allow_blank=True, required=False)
    level = serializers.ChoiceField(
        choices=DelegationLevel.choices, allow_blank=True, required=False
    )
    attendance = serializers.ChoiceField(choices=AttendanceStatus.choices, required=False)
    contact_emails = serializers.ListField(
        child=serializers.EmailField(max_length=254),
        max_length=20,
        required=False,
        help_text="Where invitations and reminders go.",
    )
    reminders_paused = StrictBooleanField(required=False)
    notes = MultilineField(max_length=MAX_TEXT, allow_blank=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "contact_emails" in attrs:
            attrs["contact_emails"] = "\n".join(attrs["contact_emails"])
        return attrs


class DelegationCreateSerializer(DelegationUpdateSerializer):
    """A delegation to add to a meeting (one per participant)."""

    meeting = SlugKeyField(help_text="The meeting's slug.")
    participant = ParticipantCodeField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        meeting_field = cast(SlugKeyField, self.fields["meeting"])
        meeting_field.queryset = self.context.get("meetings", Meeting.objects.none())

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        meeting, participant = attrs["meeting"], attrs["participant"]
        if Delegation.objects.filter(meeting=meeting, participant=participant).exists():
            raise Conflict(
                {"participant": [f"{participant.code} already has a delegation to {meeting.slug}."]}
            )
        return attrs


class AnswerSerializer(serializers.Serializer):
    """A delegation's answer to its invitation, with its head if now known."""

    attendance = serializers.ChoiceField(
        choices=[
            (AttendanceStatus.CONFIRMED, AttendanceStatus.CONFIRMED.label),
            (AttendanceStatus.DECLINED, AttendanceStatus.DECLINED.label),
        ]
    )
    head_name = OneLineField(max_length=200, allow_blank=True, required=False)
    head_title = OneLineField(max_length=300, allow_blank=True, required=False)
    level = serializers.ChoiceField(
        choices=DelegationLevel.choices, allow_blank=True, required=False
    )
