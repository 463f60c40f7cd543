"""Whether a meeting's delegations may still answer (Meeting.closed_reason), one rule for the
RSVP link, the reminders and the invitations."""

import datetime as dt

import pytest

from meetings.enums import MeetingStatus
from meetings.models import Meeting

NOW = dt.datetime(2030, 8, 3, 2, 0, tzinfo=dt.UTC)


def meeting(**fields) -> Meeting:
    values = {
        "start": NOW + dt.timedelta(days=1),
        "status": MeetingStatus.SCHEDULED,
        "published": True,
    }
    return Meeting(**(values | fields))


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, ""),
        ({"status": MeetingStatus.TENTATIVE}, ""),
        ({"published": False}, "unpublished"),
        # Unpublished is said first, whatever the status.
        ({"published": False, "status": MeetingStatus.CANCELLED}, "unpublished"),
        ({"status": MeetingStatus.CANCELLED}, "cancelled"),
        ({"status": MeetingStatus.POSTPONED}, "postponed"),
        ({"status": MeetingStatus.HELD}, "held"),
        # The status is said before the start.
        ({"status": "cancelled", "start": NOW - dt.timedelta(days=1)}, "cancelled"),
        ({"start": NOW - dt.timedelta(seconds=1)}, "started"),
        ({"start": NOW}, "started"),
    ],
)
def test_closed_reason(fields, reason):
    assert meeting(**fields).closed_reason(now=NOW) == reason


def test_open_until_the_start():
    assert meeting(start=NOW + dt.timedelta(seconds=1)).closed_reason(now=NOW) == ""
