from .calendar import Event, Format, Meeting, Venue
from .delegations import Delegation
from .participants import Chairmanship, CoordinatorTerm, Membership, Participant
from .reminders import Reminder, ReminderSchedule
from .version import CalendarVersion

__all__ = [
    "CalendarVersion",
    "Chairmanship",
    "CoordinatorTerm",
    "Delegation",
    "Event",
    "Format",
    "Meeting",
    "Membership",
    "Participant",
    "Reminder",
    "ReminderSchedule",
    "Venue",
]
