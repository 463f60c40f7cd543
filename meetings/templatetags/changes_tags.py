"""The public change history of one meeting, for its page."""

from django import template

from meetings.changes import ChangeEntry
from meetings.changes import meeting_changes as meeting_change_entries
from meetings.models import Meeting

register = template.Library()


@register.simple_tag
def meeting_changes(meeting: Meeting) -> list[ChangeEntry]:
    """What changed about `meeting` while it was published, latest first."""
    return meeting_change_entries(meeting)
