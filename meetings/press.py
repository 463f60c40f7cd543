"""Press information: a meeting's own values over its event's, and what is live now.

A meeting shows, field by field, its own press value where it has one, else its umbrella
event's; only a published event's, since an unpublished one never reaches the public (the
views pass `event=None` then). Contacts go as a whole: the meeting's own if it has any,
else the event's, so a page never mixes two press offices' lists.

Accreditation closes at the end of its deadline day at the venue: the meeting's zone, or
for an event the zone of its first published meeting (UTC without one).

A meeting is live from its start to its end when it is published and scheduled or held:
a tentative meeting's times are not confirmed, and a cancelled or postponed one does not
take place, so none of them is ever announced as "Live now".
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from meetings.enums import MeetingStatus
from meetings.formatting import offset_label
from meetings.models import Event, Meeting, PressConference, PressContact
from meetings.selectors import LIST_ORDER

# The values a meeting may leave empty to take its event's.
VALUES = (
    "accreditation_deadline",
    "accreditation",
    "accreditation_url",
    "media_centre",
    "livestream_url",
)
LIVE_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.HELD)


@dataclass(frozen=True)
class Conference:
    """A press conference at its venue's time; `meeting` is set where the page lists
    several meetings' conferences (an event's)."""

    title: str
    place: str
    stream_url: str
    start: dt.datetime  # aware, in the venue's zone
    offset: str  # "UTC+7"
    zone: str  # the venue's IANA name
    meeting: Meeting | None = None


@dataclass(frozen=True)
class Press:
    """What the press needs to cover a meeting or an event."""

    accreditation_deadline: dt.date | None = None
    accreditation: str = ""
    accreditation_url: str = ""
    media_centre: str = ""
    livestream_url: str = ""
    # When applications close: the end of the deadline day at the venue.
    accreditation_closes: dt.datetime | None = None
    contacts: tuple[PressContact, ...] = ()
    conferences: tuple[Conference, ...] = ()

    @property
    def has_any(self) -> bool:
        """Whether there is anything to show."""
        return any(getattr(self, name) for name in VALUES) or bool(
            self.contacts or self.conferences
        )

    @property
    def has_facts(self) -> bool:
        """Whether any of the single values (not contacts, not conferences) is set."""
        return any(getattr(self, name) for name in VALUES)


@dataclass(frozen=True)
class Live:
    """A meeting on now, and where to watch it ("" when it is not streamed)."""

    meeting: Meeting
    stream_url: str


def closes_at(deadline: dt.date | None, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """The moment accreditation closes: midnight after the deadline day in `zone`."""
    if deadline is None:
        return None
    return dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def conference(
    item: PressConference, *, tz: zoneinfo.ZoneInfo, meeting: Meeting | None
) -> Conference:
    """A press conference with its start read in the venue's zone."""
    local = item.start.astimezone(tz)
    return Conference(
        title=str(item),
        place=item.place,
        stream_url=item.stream_url,
        start=local,
        offset=offset_label(local),
        zone=tz.key,
        meeting=meeting,
    )


def own_or_event(meeting: Meeting, event: Event | None) -> dict[str, Any]:
    """The rule for a meeting's press values, pages and API alike: each value its own, else
    its event's (`event` None: the meeting's alone; None where neither has one)."""
    return {
        name: getattr(meeting, name) or (getattr(event, name) if event is not None else None)
        for name in VALUES
    }


def contacts_chosen(own: Iterable[PressContact], of_event: Iterable[PressContact]) -> tuple:
    """A meeting's contacts if it has any, else its event's: one list, never merged, so
    that a meeting's press office replaces the event's rather than joining it."""
    return tuple(own) or tuple(of_event)


def meeting_press(meeting: Meeting, event: Event | None) -> Press:
    """What the press needs for this meeting: each value its own, else its published
    event's (`event`, None when unpublished); contacts its own, else the event's."""
    values = own_or_event(meeting, event)
    parents = Q(meeting=meeting) | Q(event=event) if event is not None else Q(meeting=meeting)
    contacts = list(PressContact.objects.filter(parents))
    own = [contact for contact in contacts if contact.meeting_id == meeting.pk]
    of_event = [contact for contact in contacts if contact.meeting_id != meeting.pk]
    conferences = tuple(
        conference(item, tz=meeting.tz, meeting=None) for item in meeting.press_conferences.all()
    )
    return Press(
        accreditation_deadline=values["accreditation_deadline"],
        accreditation=values["accreditation"] or "",
        accreditation_url=values["accreditation_url"] or "",
        media_centre=values["media_centre"] or "",
        livestream_url=values["livestream_url"] or "",
        accreditation_closes=closes_at(values["accreditation_deadline"], meeting.tz),
        contacts=contacts_chosen(own, of_event),
        conferences=conferences,
    )


def event_press(event: Event) -> Press:
    """What the press needs for this event: its own values and contacts, and the press
    conferences of its published meetings in time order."""
    items = (
        PressConference.objects.filter(meeting__event=event, meeting__published=True)
        .select_related("meeting")
        .order_by("start", "id")
    )
    zone = zoneinfo.ZoneInfo("UTC")
    if event.accreditation_deadline is not None:
        first = (
            Meeting.objects.filter(event=event, published=True)
            .order_by("start", "pk")
            .values_list("timezone", flat=True)
            .first()
        )
        zone = zoneinfo.ZoneInfo(first or "UTC")
    return Press(
        accreditation_deadline=event.accreditation_deadline,
        accreditation=event.accreditation,
        accreditation_url=event.accreditation_url,
        media_centre=event.media_centre,
        livestream_url=event.livestream_url,
        accreditation_closes=closes_at(event.accreditation_deadline, zone),
        contacts=tuple(event.press_contacts.all()),
        conferences=tuple(
            conference(item, tz=item.meeting.tz, meeting=item.meeting) for item in items
        ),
    )


def is_live(meeting: Meeting, now: dt.datetime) -> bool:
    """Whether the meeting is on at `now`: published, scheduled or held, started, not over."""
    return (
        meeting.published and meeting.status in LIVE_STATUSES and meeting.start <= now < meeting.end
    )


def stream_url(meeting: Meeting, event: Event | None) -> str:
    """Where to watch the meeting: its own link, else its published event's ("" if none)."""
    if meeting.livestream_url:
        return meeting.livestream_url
    return event.livestream_url if event is not None and event.published else ""


def meeting_live(meeting: Meeting, event: Event | None, *, now: dt.datetime) -> Live | None:
    """The meeting with its stream link while it is live at `now`, else None."""
    if not is_live(meeting, now):
        return None
    return Live(meeting=meeting, stream_url=stream_url(meeting, event))


def live_meetings(*, now: dt.datetime) -> list[Live]:
    """Published meetings on at `now`, scheduled or held, in calendar order, with their
    stream links. One query, whatever the number of meetings."""
    meetings = (
        Meeting.objects.filter(
            published=True, status__in=LIVE_STATUSES, start__lte=now, end__gt=now
        )
        .select_related("event", "venue", "format")
        .order_by(*LIST_ORDER)
    )
    return [
        Live(meeting=meeting, stream_url=stream_url(meeting, meeting.event)) for meeting in meetings
    ]
