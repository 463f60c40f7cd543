"""The iCal doors: /feeds/meetings.ics, /meetings/<slug>.ics and /events/<slug>.ics.

meetings.feeds builds the documents and keeps them; these views parse the request and
answer with the validators (ETag, Last-Modified), a 304 when the reader has the bytes,
and Cache-Control for proxies.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_safe

from meetings import caching, ical, selectors
from meetings.feeds import CONTENT_TYPE, Document, calendar_document, feed_document, stable_since
from meetings.filters import InvalidFilter


def _respond(request: HttpRequest, document: Document, *, filename: str = "") -> HttpResponseBase:
    """The document, or a 304 when the reader has it; a proxy may keep it FEED_MAX_AGE."""
    response = HttpResponse(document.body, content_type=CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = f"public, max-age={settings.FEED_MAX_AGE}"
    return caching.conditional(
        request, response, etag=document.etag, last_modified=document.last_modified
    )


@require_safe
def meetings_feed(request: HttpRequest) -> HttpResponseBase:
    """/feeds/meetings.ics: published meetings matching the shared filter."""
    try:
        document = feed_document(
            request.GET,
            today=timezone.now().date(),
            query_string=request.META.get("QUERY_STRING", ""),
        )
    except InvalidFilter as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return _respond(request, document)


@require_safe
def meeting_ics(request: HttpRequest, slug: str) -> HttpResponseBase:
    """/meetings/<slug>.ics: one published meeting, as a file to download."""
    entries = selectors.feed_entries(selectors.feed_meetings().filter(slug=slug))
    if not entries:
        raise Http404("No such meeting.")
    document = calendar_document(entries, name=ical.clean_text(entries[0].title))
    document = stable_since(caching.digest(("meeting", settings.SITE_URL, slug)), document)
    return _respond(request, document, filename=f"{slug}.ics")


@require_safe
def event_ics(request: HttpRequest, slug: str) -> HttpResponseBase:
    """/events/<slug>.ics: the published meetings of a published umbrella event."""
    event = selectors.public_event(slug)
    if event is None:
        raise Http404("No such event.")
    entries = selectors.feed_entries(selectors.feed_meetings().filter(event=event))
    document = calendar_document(entries, name=ical.clean_text(event.title))
    document = stable_since(caching.digest(("event", settings.SITE_URL, slug)), document)
    return _respond(request, document, filename=f"{slug}.ics")
