"""Press information: a meeting's own values over its event's, and what is live now."""

import datetime as dt

from meetings.models import Event, Meeting


def meeting_press(meeting: Meeting, event: Event | None) -> dict | None:
    """What the press needs for this meeting (its own values, else its event's)."""
    return None


def event_press(event: Event) -> dict | None:
    """What the press needs for this event."""
    return None


def live_meetings(*, now: dt.datetime) -> list[Meeting]:
    """Published meetings on at `now` that are not cancelled or postponed."""
    return []
