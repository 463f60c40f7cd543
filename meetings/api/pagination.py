"""Page-number pagination with a hard ceiling on the page size."""

from django.core.paginator import Paginator
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from meetings.numbers import whole_number

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_DIGITS = 30
MAX_NUMBER = 10**MAX_DIGITS - 1


def _positive(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    # Any number up to MAX_NUMBER (a huge page size is capped, a huge page is past the end).
    number = whole_number(raw, low=1, high=MAX_NUMBER)
    if number is None:
        raise ValidationError({name: ["Give a whole number from 1."]})
    return number


class Pagination(PageNumberPagination):
    """`page` (from 1) and `page_size` (default 50; above 200 it is capped to 200).

    A malformed value is a 400 naming the parameter; a page past the end is a 404.
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()

    def get_page_size(self, request: Request) -> int:
        size = _positive(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request: Request, paginator: Paginator) -> int:
        return _positive(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1. A page past the last one is a 404.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_NUMBER},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page (default {DEFAULT_PAGE_SIZE}); "
                    f"values above {MAX_PAGE_SIZE} are capped to {MAX_PAGE_SIZE}."
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_NUMBER},
            },
        ]
