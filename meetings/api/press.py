"""What the API shows the press about a meeting or an umbrella event.

A meeting's own press values, where set, take the place of its event's, each field on its
own; its contacts are its own if it has any, else its event's: the rule of `meetings.press`
(`own_or_event`, `contacts_chosen`), applied here to rows already fetched. Built from
rows the selectors fetched (`api.selectors.with_meeting_press`, `with_event_press`): no
query of its own.
"""

import datetime as dt
from dataclasses import dataclass

from meetings import press
from meetings.models import Event, Meeting, PressConference, PressContact

# The text fields of PressInformation; the deadline is a date, taken alike.
TEXT_FIELDS = ("accreditation", "accreditation_url", "media_centre", "livestream_url")


@dataclass(frozen=True)
class Press:
    accreditation_deadline: dt.date | None
    accreditation: str
    accreditation_url: str
    media_centre: str
    livestream_url: str
    contacts: list[PressContact]
    conferences: list[PressConference]


def press_for_meeting(meeting: Meeting, *, event: Event | None) -> Press:
    """A meeting's press information, its own values over those of `event` (its umbrella
    event if the reader may see it, else None)."""
    values = press.own_or_event(meeting, event)
    contacts = press.contacts_chosen(
        meeting.press_contacts.all(), event.press_contacts.all() if event is not None else ()
    )
    return Press(
        accreditation_deadline=values["accreditation_deadline"],
        **{name: values[name] or "" for name in TEXT_FIELDS},
        contacts=list(contacts),
        conferences=list(meeting.press_conferences.all()),
    )


def press_for_event(event: Event) -> Press:
    """An umbrella event's press information, with the press conferences of the meetings
    the reader may see, in time order."""
    conferences = [c for meeting in event.meetings.all() for c in meeting.press_conferences.all()]
    conferences.sort(key=lambda conference: (conference.start, conference.pk))
    return Press(
        accreditation_deadline=event.accreditation_deadline,
        **{name: getattr(event, name) for name in TEXT_FIELDS},
        contacts=list(event.press_contacts.all()),
        conferences=conferences,
    )
