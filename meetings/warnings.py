"""What staff are warned of on a meeting, each with its consequence: a past meeting still
"scheduled", a published meeting without a venue or without delegations.

Warnings never refuse a save (the historical record and imports hold such meetings on
purpose); the admin shows them on the change form and after each save.
"""

import datetime as dt

from meetings.enums import MeetingMode, MeetingStatus
from meetings.formatting import day_text
from meetings.models import Meeting

STILL_PLANNED = (MeetingStatus.SCHEDULED, MeetingStatus.TENTATIVE)


def meeting_warnings(meeting: Meeting, *, now: dt.datetime) -> list[str]:
    """The warnings a stored meeting deserves now, in the order staff should act on them."""
    found = []
    status = MeetingStatus(meeting.status)
    if status in STILL_PLANNED and meeting.end <= now:
        found.append(
            f"It ended on {day_text(meeting.last_day)} but is still “{status.label}”: the "
            f"public pages and feeds show it as {status.label.lower()}. Set it to “Held”, or "
            "“Cancelled” if it did not take place."
        )
    if not meeting.published or meeting.end <= now:
        return found
    if meeting.venue_id is None and meeting.mode != MeetingMode.VIRTUAL:
        found.append(
            "Published without a venue: the public page and the feeds say “To be announced”, "
            "and invitations name no place."
        )
    if not meeting.delegations.exists():
        found.append(
            "Published with no delegation: nobody is invited or reminded. Use the action "
            "“Invite the format's participants”, or add delegations below."
        )
    return found


def held_refusal(meeting: Meeting, *, now: dt.datetime) -> str:
    """Why `meeting` cannot be "held" yet ("" once it has ended)."""
    if meeting.status != MeetingStatus.HELD or meeting.end <= now:
        return ""
    return (
        f"A meeting is held once it has ended; this one ends on {day_text(meeting.last_day)}. "
        "Until then it is “Scheduled” or “Tentative”."
    )
