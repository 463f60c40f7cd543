from .calendar import Event, Format, Meeting, Venue
from .delegations import Delegation
from .follow import FollowMail, Subscription
from .materials import Document, PressConference, PressContact
from .participants import Chairmanship, CoordinatorTerm, Membership, Participant
from .reminders import Reminder, ReminderSchedule
from .version import CalendarVersion

__all__ = [
    "CalendarVersion",
    "Chairmanship",
    "CoordinatorTerm",
    "Delegation",
    "Document",
    "Event",
    "FollowMail",
    "Format",
    "Meeting",
    "Membership",
    "Participant",
    "PressConference",
    "PressContact",
    "Reminder",
    "ReminderSchedule",
    "Subscription",
    "Venue",
]
