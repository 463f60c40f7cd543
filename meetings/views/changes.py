"""What changed, for journalists: the /changes/ page and its Atom feed, with the shared filters.

An entry's Atom id is its place on the meeting's (or event's) page, which never changes;
its link is that place too, except for a published document, whose link is the document.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from meetings import selectors
from meetings.caching import cached_page, conditional, content_etag
from meetings.changes import ChangeEntry, public_changes
from meetings.enums import MeetingStatus
from meetings.filters import InvalidFilter, filter_params, filtered_meetings
from meetings.ical import clean_text
from meetings.numbers import whole_number

PAGE_SIZE = 50
# Older changes stay on each meeting's page; the list is for what is recent.
MAX_PAGES = 20
FEED_ENTRIES = 50
# An empty feed's <updated>: any fixed date, so that its bytes (and ETag) stay the same
# from one request to the next; it sends no Last-Modified.
EMPTY_FEED_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# What XML 1.0 cannot carry. Titles and notes may hold any of it (pasted text, raw API
# writes): Django refuses C0 controls with an exception and writes the rest unreadably.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _page_number(query: QueryDict) -> int:
    number = whole_number(query.get("page", "1").strip() or "1", low=1, high=MAX_PAGES)
    if number is None:
        raise InvalidFilter({"page": [f"Enter a whole number from 1 to {MAX_PAGES}."]})
    return number


def _changes(params: QueryDict, *, limit: int, offset: int = 0) -> list[ChangeEntry]:
    meetings = filtered_meetings(params, selectors.public_meetings())
    return public_changes(meetings, limit=limit, offset=offset)


def _with_query(path: str, params: QueryDict) -> str:
    return f"{path}?{params.urlencode()}" if params else path


@cached_page
def changes(request: HttpRequest) -> HttpResponse:
    """Recent public changes (reschedulings, cancellations, answers), latest first."""
    params = filter_params(request.GET)
    formats, participants = selectors.filter_choices()
    context: dict[str, Any] = {
        "params": params,
        "formats": formats,
        "participants": participants,
        "statuses": MeetingStatus.choices,
        "selected_formats": params.getlist("format"),
        "feed_url": _with_query(reverse("meetings:changes-feed"), params),
        "entries": [],
    }
    try:
        number = _page_number(request.GET)
        # One row past the page says whether an older page exists.
        entries = _changes(params, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    except InvalidFilter as exc:
        context["errors"] = sorted(exc.errors.items())
        return render(request, "meetings/changes.html", context, status=400)
    older = number < MAX_PAGES and len(entries) > PAGE_SIZE
    page_params = params.copy()
    links = {}
    if number > 1:
        page_params["page"] = str(number - 1)
        links["newer"] = _with_query(request.path, page_params)
    if older:
        page_params["page"] = str(number + 1)
        links["older"] = _with_query(request.path, page_params)
    context |= {"entries": entries[:PAGE_SIZE], "page": number, **links}
    return render(request, "meetings/changes.html", context)


@dataclass(frozen=True)
class FeedQuery:
    params: QueryDict
    entries: list[ChangeEntry]


class StableAtom1Feed(Atom1Feed):
    """Django's Atom feed, but an empty one is not "updated" at every request."""

    def latest_post_date(self) -> dt.datetime:
        return super().latest_post_date() if self.items else EMPTY_FEED_UPDATED


class ChangesFeed(Feed):
    """The public changes as an Atom feed, filtered like the page, with validators.

    Polled by feed readers: it carries an ETag, a Last-Modified (its latest entry's time)
    and Cache-Control, and answers 304 to either validator.
    """

    feed_type = StableAtom1Feed
    title = "aseancal: what changed"
    subtitle = (
        "Reschedulings, venue and status changes, cancellations, delegations' answers and "
        "documents published for ASEAN meetings. Times are the venue's local time."
    )
    author_name = "aseancal"

    def __call__(self, request, *args, **kwargs):
        # Django's own __call__, but with the query at hand for the validators.
        try:
            query = self.get_object(request)
        except InvalidFilter as exc:
            return HttpResponseBadRequest(
                f"Bad filter: {exc}", content_type="text/plain; charset=utf-8"
            )
        feed = self.get_feed(query, request)
        response = HttpResponse(content_type=StableAtom1Feed.content_type)
        feed.write(response, "utf-8")
        response["Cache-Control"] = f"public, max-age={settings.FEED_MAX_AGE}"
        latest = max((entry.at for entry in query.entries), default=None)
        return conditional(
            request, response, etag=content_etag(response.content), last_modified=latest
        )

    def get_object(self, request: HttpRequest, *args, **kwargs) -> FeedQuery:
        # One instance serves every request: what a request found travels in its object.
        params = filter_params(request.GET)
        return FeedQuery(params, _changes(params, limit=FEED_ENTRIES))

    def link(self, query: FeedQuery) -> str:
        return settings.SITE_URL + _with_query(reverse("meetings:changes"), query.params)

    def feed_url(self, query: FeedQuery) -> str:
        return settings.SITE_URL + _with_query(reverse("meetings:changes-feed"), query.params)

    def items(self, query: FeedQuery) -> list[ChangeEntry]:
        return query.entries

    def item_title(self, entry: ChangeEntry) -> str:
        return NOT_XML.sub("", clean_text(entry.title))

    def item_description(self, entry: ChangeEntry) -> str:
        html = render_to_string("meetings/includes/change_entry.html", {"obj": entry})
        return NOT_XML.sub("", html)

    def item_link(self, entry: ChangeEntry) -> str:
        return entry.url

    def item_guid(self, entry: ChangeEntry) -> str:
        return entry.guid

    def item_pubdate(self, entry: ChangeEntry):
        return entry.at

    def item_updateddate(self, entry: ChangeEntry):
        return entry.at

    def item_categories(self, entry: ChangeEntry) -> list[str]:
        return entry.categories


changes_feed = ChangesFeed()
