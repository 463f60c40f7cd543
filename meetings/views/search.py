"""The site search page (`/search/?q=`): the view reads the query, meetings.search finds.

A bad `q` (empty, over-long, a control character), `kind` or `page` is a 400 page naming
the parameter, as the lists answer a bad filter; a page past the last of a kind is a 404.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from meetings.caching import cached_page
from meetings.filters import InvalidFilter
from meetings.search import (
    KINDS,
    search_kind,
    search_page,
    search_results,
    search_terms,
)

TEMPLATE = "meetings/search.html"


@cached_page
def search(request: HttpRequest) -> HttpResponse:
    """Meetings, heads of delegation, participants, places, events and documents matching
    `q`."""
    raw = request.GET.get("q")
    context = {"search_query": raw or "", "kinds": KINDS.values()}
    try:
        terms = search_terms(raw)
        kind = search_kind(request.GET.get("kind"))
        page = search_page(request.GET.get("page"))
    except InvalidFilter as exc:
        context |= {"errors": sorted(exc.errors.items()), "groups": []}
        return render(request, TEMPLATE, context, status=400)
    groups = search_results(terms, kind=kind, page=page)
    if kind is not None and page > 1 and not groups[0].rows:
        raise Http404(f"There is no page {page}.")
    return render(
        request,
        TEMPLATE,
        context
        | {
            "terms": terms,
            "kind": KINDS[kind] if kind else None,
            "groups": groups,
            "total": sum(group.total for group in groups),
            "now": timezone.now(),
        },
    )
