"""What the OpenAPI schema says about errors, so that it describes every response truthfully."""

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import follow_field_source
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ApiAutoSchema(AutoSchema):
    """Says that reads need no credentials (ActionPermission lets anyone read)."""

    def get_auth(self) -> list[dict]:
        auths = super().get_auth()
        if self.method in permissions.SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


class ErrorSerializer(serializers.Serializer):
    """401, 403, 404, 412, 415, 429 and malformed JSON: one sentence."""

    detail = serializers.CharField(read_only=True)


class ValidationErrorSerializer(serializers.Serializer):
    """400: messages keyed by the field or query parameter they are about."""


class ValidationErrorExtension(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction) -> dict:
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": (
                "Messages keyed by field or parameter name (non_field_errors for the whole "
                "input; a list field's messages keyed by item index); or, for a body that is "
                "not JSON, a single `detail`."
            ),
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": {
                "anyOf": [messages, {"type": "object", "additionalProperties": messages}]
            },
            "example": {"end": ["The end must be after the start."]},
        }


class FilterExtension(DjangoFilterExtension):
    """django-filter parameters as the filters really read them.

    Filters whose field_name already ends with their to_field_name (`format__code` looked
    up by `code`) are typed from that field, which the stock extension looks for twice;
    an empty value is declared allowed (ignored) or refused, as the filter treats it.
    """

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        from django_filters import filters

        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        for parameter in parameters:
            if isinstance(filter_field, filters.ModelMultipleChoiceFilter):
                # An empty value names no row: the filter refuses it.
                items = parameter["schema"].get("items")
                if items and items.get("type") == "string":
                    items["minLength"] = 1
            elif parameter["schema"].get("type") != "array":
                # django-filter reads `?to=` as no filter, as an empty form field is.
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_model_field(self, filter_field, model):
        if not filter_field.field_name:
            return None
        path = filter_field.field_name.split("__")
        to_field_name = filter_field.extra.get("to_field_name")
        if to_field_name is not None and path[-1] != to_field_name:
            path.append(to_field_name)
        return follow_field_source(model, path, emit_warnings=False)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


BAD_REQUEST = OpenApiResponse(
    ValidationErrorSerializer, description="A bad parameter or field, named in the body."
)
UNAUTHENTICATED = _error("No credentials, or a bad token.")
FORBIDDEN = _error("Authenticated, but without the permission this change needs.")
NOT_FOUND = _error("No such object (or not visible to you).")
PAGE_NOT_FOUND = _error("A page past the last one.")
PRECONDITION_FAILED = _error("If-Match given, and the object changed since (its ETag differs).")
UNSUPPORTED_MEDIA = _error("The body is not application/json.")
THROTTLED = _error("Too many requests from an anonymous client; retry after Retry-After.")
NOT_MODIFIED = OpenApiResponse(description="Unchanged since the ETag given in If-None-Match.")

LIST_ERRORS = {
    304: NOT_MODIFIED,
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    404: PAGE_NOT_FOUND,
    429: THROTTLED,
}
DETAIL_ERRORS = {304: NOT_MODIFIED, 401: UNAUTHENTICATED, 404: NOT_FOUND, 429: THROTTLED}
WRITE_ERRORS = {
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    415: UNSUPPORTED_MEDIA,
}
OBJECT_WRITE_ERRORS = {**WRITE_ERRORS, 404: NOT_FOUND, 412: PRECONDITION_FAILED}
