"""REST API v1. Views parse the request, read through selectors and write through services."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, MethodNotAllowed, NotAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import APIRootView
from rest_framework.serializers import Serializer, ValidationError, as_serializer_error
from rest_framework.views import APIView

from meetings import caching, services
from meetings.api import schema as api_schema
from meetings.api import selectors as api_selectors
from meetings.api.filters import DelegationFilter, DocumentFilter, StrictOrderingFilter
from meetings.api.pagination import Pagination
from meetings.api.parsers import StrictJSONParser
from meetings.api.permissions import ActionPermission
from meetings.api.problems import Conflict, problem_response
from meetings.api.schema import ENTITY_TAGS_PATTERN
from meetings.api.serializers import (
    CODE_PATTERN,
    SLUG_PATTERN,
    AnswerSerializer,
    DelegationCreateSerializer,
    DelegationSerializer,
    DelegationUpdateSerializer,
    DocumentSerializer,
    EventDetailSerializer,
    EventSerializer,
    FormatSerializer,
    MeetingDetailSerializer,
    MeetingInputSerializer,
    MeetingListSerializer,
    ParticipantSerializer,
    RequiredReasonSerializer,
    RescheduleSerializer,
    VenueSerializer,
    absolute,
)
from meetings.enums import AnswerChannel
from meetings.filters import MeetingFilter
from meetings.models import Delegation, Document, Meeting
from meetings.selectors import LIST_ORDER, LIST_ORDER_REVERSED

API_REASON = "through the API"
BAD_IF_MATCH = (
    'Give * or the ETag of a GET of this object, e.g. "9f86d081884c7d659a2feaa0c55ad015".'
)
ApiModel = TypeVar("ApiModel", bound=models.Model)


def editor(request: Request) -> AbstractBaseUser:
    """Who makes a write (ActionPermission has refused anonymous writes already)."""
    user = request.user
    if not isinstance(user, AbstractBaseUser):
        raise NotAuthenticated()
    return user


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it: its ETag no longer matches If-Match."
    default_code = "precondition_failed"


class Remembered(Exception):
    """Raised by initial() when the response is in memory: DRF then skips the handler."""

    def __init__(self, stored: caching.Stored) -> None:
        super().__init__()
        self.stored = stored


@contextmanager
def service_errors() -> Iterator[None]:
    """Turn a service's refusal into a 400 naming the fields, as input errors are."""
    try:
        yield
    except DjangoValidationError as exc:
        raise ValidationError(as_serializer_error(exc)) from exc
    except IntegrityError as exc:
        raise Conflict("This conflicts with a change saved at the same time; retry.") from exc


def refuse_unsupported_method(view: APIView, request: Request) -> None:
    """405 (with Allow) for a method the address does not offer, before authentication,
    permissions or throttling: no credentials make DELETE exist."""
    method = request.method.lower() if request.method else ""
    if method not in view.http_method_names or not hasattr(view, method):
        raise MethodNotAllowed(method.upper())


class RootView(APIRootView):
    """/api/v1/: the list of resources (GET only)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        refuse_unsupported_method(self, request)
        super().initial(request, *args, **kwargs)


class ApiViewSet(viewsets.GenericViewSet[ApiModel]):
    """Shared behaviour: conditional GET (ETag, 304), pagination, JSON-only writes, and
    filters applied to lists only (a detail URL names its object, whatever the query)."""

    schema = api_schema.ApiAutoSchema()
    pagination_class = Pagination
    permission_classes = [ActionPermission]
    parser_classes = [StrictJSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    write_permissions: dict[str, list[str]] = {}
    # What a GET of one object shows: the representation an If-Match ETag is computed on.
    detail_serializer_class: type[Serializer]

    def filter_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_context(self) -> dict[str, Any]:
        user = getattr(self.request, "user", None)
        return {
            **super().get_serializer_context(),
            "staff_events": api_selectors.sees_unpublished(user, "event"),
            "staff_delegations": api_selectors.sees_unpublished(user, "delegation"),
        }

    cache_slot: caching.Slot | None = None
    remembered: caching.Stored | None = None

    def shared_read(self, request: Request) -> bool:
        """Whether this is an anonymous JSON read, the same for every anonymous reader."""
        return (
            self.action in ("list", "retrieve")
            and caching.shareable(request)
            and not request.user.is_authenticated
            and request.accepted_renderer.format == "json"
        )

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """After authentication and throttling, a shared read comes from memory if kept."""
        refuse_unsupported_method(self, request)
        super().initial(request, *args, **kwargs)
        if not self.shared_read(request):
            return
        slot = caching.Slot(request, "api", "json")
        stored = slot.get()
        if stored is not None:
            raise Remembered(stored)
        self.cache_slot = slot

    def handle_exception(self, exc: Exception) -> Any:
        """A remembered read is answered with its stored bytes; anything else as DRF does."""
        if isinstance(exc, Remembered):
            self.remembered = exc.stored
            return caching.replay(exc.stored)
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response, *args: Any, **kwargs: Any):
        """Every 200 GET carries its ETag and answers If-None-Match with a 304."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or not isinstance(response, HttpResponse)
        ):
            return response
        # What a user sees depends on who they are.
        patch_vary_headers(response, ("Authorization", "Cookie"))
        if isinstance(response, Response):
            response.render()
        return caching.conditional(request, response, etag=self.response_etag(response))

    def response_etag(self, response: HttpResponse) -> str:
        """The ETag of a finished 200, keeping it in memory when it is a shared read."""
        if self.remembered is not None:
            return self.remembered.etag
        stored = self.cache_slot.put(response) if self.cache_slot is not None else None
        if stored is not None:
            return stored.etag
        return caching.content_etag(response.content)

    def valid_data(self, serializer_class: type[Serializer], **kwargs: Any) -> dict[str, Any]:
        context = {**self.get_serializer_context(), **kwargs.pop("context", {})}
        serializer = serializer_class(data=self.request.data, context=context, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def representation(self, obj: models.Model) -> dict[str, Any]:
        """What a GET of the object's detail URL shows this user."""
        return self.detail_serializer_class(obj, context=self.get_serializer_context()).data

    def object_etag(self, representation: dict[str, Any]) -> str:
        """The ETag a GET of the object's detail URL returns for this representation."""
        return caching.content_etag(JSONRenderer().render(representation))

    def written(self, obj: models.Model, status_code: int = 200, **kwargs: Any) -> Response:
        """A write's answer: the object as a GET shows it, with the ETag that GET returns."""
        data = self.representation(obj)
        response = Response(data, status=status_code, **kwargs)
        response["ETag"] = self.object_etag(data)
        return response

    @contextmanager
    def writing(self) -> Iterator[ApiModel]:
        """The object to change, in a transaction; with If-Match, locked and compared first."""
        with transaction.atomic():
            obj = self.get_object()
            header = self.request.headers.get("If-Match")
            if header is not None and not re.fullmatch(ENTITY_TAGS_PATTERN, header):
                raise ValidationError({"If-Match": [BAD_IF_MATCH]})
            if header is not None:
                model = type(obj)
                list(model._default_manager.select_for_update().filter(pk=obj.pk).values_list("pk"))
                obj = self.get_object()
                current = self.object_etag(self.representation(obj))
                wanted = parse_etags(header)
                if "*" not in wanted and current not in wanted:
                    raise PreconditionFailed()
            yield obj


# Reference data ----------------------------------------------------------------------------


class CodeLookupView(Protocol):
    """What CodeLookupMixin needs of the view it is mixed into."""

    kwargs: dict[str, Any]

    def get_queryset(self) -> models.QuerySet: ...


class CodeLookupMixin:
    """Formats and participants are addressed by their codes, in any case."""

    lookup_field = "code"
    lookup_value_regex = CODE_PATTERN.strip("^$")

    def get_object(self: CodeLookupView) -> models.Model:
        return get_object_or_404(self.get_queryset(), code=self.kwargs["code"].upper())


def path_parameter(name: str, kind: type, example: str | int, **kwargs: Any) -> OpenApiParameter:
    """A path parameter, with an example from the reference calendar (`load_demo`)."""
    return OpenApiParameter(
        name,
        kind,
        OpenApiParameter.PATH,
        examples=[OpenApiExample("Reference calendar", value=example)],
        **kwargs,
    )


def code_parameter(example: str) -> OpenApiParameter:
    return path_parameter(
        "code", str, example, description="The code, in any case.", pattern=CODE_PATTERN
    )


@extend_schema_view(
    list=extend_schema(
        summary="Meeting formats", responses={200: FormatSerializer, **api_schema.LIST_ERRORS}
    ),
    retrieve=extend_schema(
        summary="One format",
        parameters=[code_parameter("AMM")],
        responses={200: FormatSerializer, **api_schema.DETAIL_ERRORS},
    ),
)
class FormatViewSet(CodeLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = detail_serializer_class = FormatSerializer

    def get_queryset(self) -> models.QuerySet:
        return api_selectors.api_formats()


@extend_schema_view(
    list=extend_schema(
        summary="Participants (states and organisations)",
        responses={200: ParticipantSerializer, **api_schema.LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One participant",
        parameters=[code_parameter("KH")],
        responses={200: ParticipantSerializer, **api_schema.DETAIL_ERRORS},
    ),
)
class ParticipantViewSet(
    CodeLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    serializer_class = detail_serializer_class = ParticipantSerializer

    def get_queryset(self) -> models.QuerySet:
        return api_selectors.api_participants()


@extend_schema_view(
    list=extend_schema(
        summary="Venues", responses={200: VenueSerializer, **api_schema.LIST_ERRORS}
    ),
    retrieve=extend_schema(
        summary="One venue",
        parameters=[path_parameter("id", int, 1)],
        responses={200: VenueSerializer, **api_schema.DETAIL_ERRORS},
    ),
)
class VenueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = detail_serializer_class = VenueSerializer
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self) -> models.QuerySet:
        return api_selectors.api_venues()


SLUG_PARAMETER = path_parameter("slug", str, "2022-amm-55", pattern=SLUG_PATTERN)


@extend_schema_view(
    list=extend_schema(
        summary="Umbrella events (“55th AMM and Related Meetings”)",
        responses={200: EventSerializer, **api_schema.LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One umbrella event",
        description="With its press information and its documents.",
        parameters=[
            path_parameter("slug", str, "2022-55th-amm-and-related-meetings", pattern=SLUG_PATTERN)
        ],
        responses={200: EventDetailSerializer, **api_schema.DETAIL_ERRORS},
    ),
)
class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN.strip("^$")
    detail_serializer_class = EventDetailSerializer

    def get_queryset(self) -> models.QuerySet:
        events = api_selectors.visible_events(self.request.user)
        if self.action == "list":
            return events
        return api_selectors.with_event_press(events, self.request.user)

    def get_serializer_class(self) -> type[Serializer]:
        return EventSerializer if self.action == "list" else EventDetailSerializer


# Meetings ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Meetings",
        description=(
            "The same filters as the public list and the iCal feed. Unpublished meetings are "
            "listed only for users allowed to view them."
        ),
        responses={200: MeetingListSerializer, **api_schema.LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One meeting",
        description="With its press information and its documents, which the list leaves out.",
        parameters=[SLUG_PARAMETER],
        responses={200: MeetingDetailSerializer, **api_schema.DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Create a meeting",
        description="Needs meetings.add_meeting. Title and slug are derived when left out.",
        request=MeetingInputSerializer,
        responses={201: MeetingDetailSerializer, **api_schema.WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a meeting",
        description="Needs meetings.change_meeting. With If-Match, only if unchanged since.",
        parameters=[SLUG_PARAMETER],
        request=MeetingInputSerializer,
        responses={200: MeetingDetailSerializer, **api_schema.OBJECT_WRITE_ERRORS},
    ),
    cancel=extend_schema(
        summary="Cancel a meeting",
        description=(
            "Needs meetings.change_meeting and a public reason. The meeting stays listed, as "
            "cancelled; each delegation with contact addresses gets a notice a few minutes later."
        ),
        parameters=[SLUG_PARAMETER],
        request=RequiredReasonSerializer,
        responses={200: MeetingDetailSerializer, **api_schema.OBJECT_WRITE_ERRORS},
    ),
    postpone=extend_schema(
        summary="Postpone a meeting until a new date is known",
        description="Needs meetings.change_meeting.",
        parameters=[SLUG_PARAMETER],
        request=RequiredReasonSerializer,
        responses={200: MeetingDetailSerializer, **api_schema.OBJECT_WRITE_ERRORS},
    ),
    reschedule=extend_schema(
        summary="Move a meeting",
        description=(
            "Needs meetings.change_meeting. Timed: start and end with UTC offsets. All-day: "
            "first_day and last_day. A postponed meeting becomes scheduled."
        ),
        parameters=[SLUG_PARAMETER],
        request=RescheduleSerializer,
        responses={200: MeetingDetailSerializer, **api_schema.OBJECT_WRITE_ERRORS},
    ),
    invite=extend_schema(
        summary="Invite the format's participants",
        description=(
            "Needs meetings.change_meeting and meetings.add_delegation. Adds a delegation for "
            "everyone the format invites on the meeting's date; returns the ones added."
        ),
        parameters=[SLUG_PARAMETER],
        request=None,
        responses={200: DelegationSerializer(many=True), **api_schema.OBJECT_WRITE_ERRORS},
    ),
)
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[Meeting]):
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN.strip("^$")
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = MeetingFilter
    ordering_choices = {
        "start": LIST_ORDER,
        "-start": LIST_ORDER_REVERSED,
        "updated_at": ("updated_at", "pk"),
        "-updated_at": ("-updated_at", "-pk"),
    }
    detail_serializer_class = MeetingDetailSerializer
    write_permissions = {
        "create": ["meetings.add_meeting"],
        "partial_update": ["meetings.change_meeting"],
        "cancel": ["meetings.change_meeting"],
        "postpone": ["meetings.change_meeting"],
        "reschedule": ["meetings.change_meeting"],
        "invite": ["meetings.change_meeting", "meetings.add_delegation"],
    }
    # Actions that answer with a list of other objects, not this one (so with no ETag).
    collection_actions = ("invite",)

    def get_queryset(self) -> models.QuerySet:
        meetings = api_selectors.visible_meetings(self.request.user)
        if self.action == "list":
            return meetings
        return api_selectors.with_meeting_press(meetings, self.request.user)

    def get_serializer_class(self) -> type[Serializer]:
        return MeetingListSerializer if self.action == "list" else MeetingDetailSerializer

    def respond(self, meeting: Meeting, status_code: int = 200, **kwargs: Any) -> Response:
        meetings = api_selectors.with_meeting_press(
            api_selectors.meetings_with_related(), self.request.user
        )
        return self.written(meetings.get(pk=meeting.pk), status_code, **kwargs)

    def create(self, request: Request) -> Response:
        data = self.valid_data(MeetingInputSerializer)
        with service_errors():
            meeting = services.meeting_create(
                by=editor(request), reason=f"Created {API_REASON}", **data
            )
        location = absolute(reverse("meetings:api-meeting-detail", kwargs={"slug": meeting.slug}))
        return self.respond(meeting, status.HTTP_201_CREATED, headers={"Location": location})

    def partial_update(self, request: Request, slug: str) -> Response:
        with service_errors(), self.writing() as meeting:
            data = self.valid_data(MeetingInputSerializer, instance=meeting, partial=True)
            meeting = services.meeting_update(
                meeting=meeting, by=editor(request), reason=f"Updated {API_REASON}", **data
            )
        return self.respond(meeting)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, slug: str) -> Response:
        with service_errors(), self.writing() as meeting:
            data = self.valid_data(RequiredReasonSerializer)
            meeting = services.meeting_cancel(meeting=meeting, by=editor(request), **data)
        return self.respond(meeting)

    @action(detail=True, methods=["post"])
    def postpone(self, request: Request, slug: str) -> Response:
        with service_errors(), self.writing() as meeting:
            data = self.valid_data(RequiredReasonSerializer)
            meeting = services.meeting_postpone(meeting=meeting, by=editor(request), **data)
        return self.respond(meeting)

    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, slug: str) -> Response:
        with service_errors(), self.writing() as meeting:
            data = self.valid_data(RescheduleSerializer, context={"meeting": meeting})
            meeting = services.meeting_reschedule(meeting=meeting, by=editor(request), **data)
        return self.respond(meeting)

    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def invite(self, request: Request, slug: str) -> Response:
        with service_errors(), self.writing() as meeting:
            created = services.meeting_invite_participants(meeting=meeting, by=editor(request))
        fresh = api_selectors.visible_delegations(request.user).filter(
            pk__in=[d.pk for d in created]
        )
        context = self.get_serializer_context()
        return Response(DelegationSerializer(fresh, many=True, context=context).data)


# Delegations -------------------------------------------------------------------------------

ID_PARAMETER = path_parameter("id", int, 1)


@extend_schema_view(
    list=extend_schema(
        summary="Delegations",
        description="Contact addresses and staff notes only for users allowed to view them.",
        responses={200: DelegationSerializer, **api_schema.LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One delegation",
        parameters=[ID_PARAMETER],
        responses={200: DelegationSerializer, **api_schema.DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Add a delegation to a meeting",
        description="Needs meetings.add_delegation. One delegation per participant and meeting.",
        request=DelegationCreateSerializer,
        responses={201: DelegationSerializer, **api_schema.WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a delegation",
        description="Needs meetings.change_delegation.",
        parameters=[ID_PARAMETER],
        request=DelegationUpdateSerializer,
        responses={200: DelegationSerializer, **api_schema.OBJECT_WRITE_ERRORS},
    ),
    answer=extend_schema(
        summary="Record a delegation's answer",
        description="Needs meetings.change_delegation. Recorded as answered through the API.",
        parameters=[ID_PARAMETER],
        request=AnswerSerializer,
        responses={200: DelegationSerializer, **api_schema.OBJECT_WRITE_ERRORS},
    ),
)
class DelegationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[Delegation]):
    serializer_class = detail_serializer_class = DelegationSerializer
    lookup_value_regex = "[0-9]{1,18}"
    filter_backends = [DjangoFilterBackend]
    filterset_class = DelegationFilter
    write_permissions = {
        "create": ["meetings.add_delegation"],
        "partial_update": ["meetings.change_delegation"],
        "answer": ["meetings.change_delegation"],
    }

    def get_queryset(self) -> models.QuerySet:
        return api_selectors.visible_delegations(self.request.user)

    def respond(self, delegation: Delegation, status_code: int = 200, **kwargs: Any) -> Response:
        fresh = api_selectors.delegations_with_related().get(pk=delegation.pk)
        return self.written(fresh, status_code, **kwargs)

    def create(self, request: Request) -> Response:
        meetings = api_selectors.visible_meetings(request.user)
        data = self.valid_data(DelegationCreateSerializer, context={"meetings": meetings})
        with service_errors():
            delegation = services.delegation_create(
                by=editor(request), via=AnswerChannel.API, **data
            )
        location = absolute(reverse("meetings:api-delegation-detail", kwargs={"pk": delegation.pk}))
        return self.respond(delegation, status.HTTP_201_CREATED, headers={"Location": location})

    def partial_update(self, request: Request, pk: str) -> Response:
        with service_errors(), self.writing() as delegation:
            data = self.valid_data(DelegationUpdateSerializer, partial=True)
            delegation = services.delegation_update(
                delegation=delegation, by=editor(request), via=AnswerChannel.API, **data
            )
        return self.respond(delegation)

    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        with service_errors(), self.writing() as delegation:
            data = self.valid_data(AnswerSerializer)
            delegation = services.delegation_record_answer(
                delegation=delegation, by=editor(request), via=AnswerChannel.API, **data
            )
        return self.respond(delegation)


# Documents ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Documents on meetings and events",
        description=(
            "Agendas, joint communiqués, chairman's statements, press releases and media "
            "links, newest first. Unpublished documents, and those of unpublished meetings "
            "or events, are listed only for users allowed to view them. Added and changed by "
            "staff in the admin only."
        ),
        responses={200: DocumentSerializer, **api_schema.LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One document",
        parameters=[ID_PARAMETER],
        responses={200: DocumentSerializer, **api_schema.DETAIL_ERRORS},
    ),
)
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[Document]):
    serializer_class = detail_serializer_class = DocumentSerializer
    lookup_value_regex = "[0-9]{1,18}"
    filter_backends = [DjangoFilterBackend]
    filterset_class = DocumentFilter

    def get_queryset(self) -> models.QuerySet:
        return api_selectors.visible_documents(self.request.user)


@csrf_exempt
def not_found(request: HttpRequest, path: str) -> JsonResponse:
    """Any other address under the API: a problem document, as API clients expect."""
    return problem_response(404, "Not found.")
