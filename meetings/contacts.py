"""Whom a delegation writes to: named on every RSVP page and in every mail to delegations.

A meeting's umbrella event may name its own contact (Event.secretariat_contact); otherwise,
and when no meeting is known (a link that cannot be read), the site's SECRETARIAT_CONTACT.
"""

from django.conf import settings

from meetings.models import Meeting


def secretariat_contact(meeting: Meeting | None) -> str:
    """The secretariat contact for a meeting's delegations: its event's, else the site's."""
    # event_id first: a meeting without an event costs no query.
    event = meeting.event if meeting is not None and meeting.event_id is not None else None
    contact = event.secretariat_contact.strip() if event is not None else ""
    return contact or str(settings.SECRETARIAT_CONTACT)
