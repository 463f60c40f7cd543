"""/events/<slug>/: an umbrella event's programme, day by day, and where it meets."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from meetings import documents, ical, press, selectors
from meetings.caching import cached_page
from meetings.links import links_to
from meetings.models import Venue
from meetings.views.shared import event_days

# OpenStreetMap at street level: a link only, no map tiles or scripts from elsewhere.
OSM_URL = "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def osm_url(venue: Venue) -> str:
    """The venue on OpenStreetMap, or "" without coordinates."""
    if venue.latitude is None or venue.longitude is None:
        return ""
    return OSM_URL.format(lat=venue.latitude, lon=venue.longitude)


@cached_page
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The programme of a published event: every published meeting, each day it runs."""
    event = selectors.public_event(slug)
    if event is None:
        raise Http404("No such event.")
    meetings = list(selectors.event_public_meetings(event))
    venues = list({m.venue_id: m.venue for m in meetings if m.venue is not None}.values())
    return render(
        request,
        "meetings/event_detail.html",
        {
            "event": event,
            "meetings": meetings,
            "programme": event_days(event, meetings),
            "chair": selectors.chair_for(on=event.start_date),
            "today": timezone.localdate(),
            "venues": [(venue, osm_url(venue)) for venue in venues],
            # Named as the event's calendar is (X-WR-CALNAME), so Outlook shows the same name.
            "feed": links_to(
                settings.SITE_URL + event.get_ics_url(), name=ical.clean_text(event.title)
            ),
            "canonical": event.get_absolute_url(),
            "documents": documents.public_documents(event=event),
            "press": press.event_press(event),
            "now": timezone.now(),
        },
    )
