"""Choices shared by models, forms, the API and the feeds."""

from django.db import models


class ParticipantKind(models.TextChoices):
    STATE = "state", "State"
    ORGANISATION = "organisation", "Organisation"


class Role(models.TextChoices):
    """A participant's standing towards ASEAN over a period of time."""

    MEMBER = "member", "ASEAN member state"
    OBSERVER = "observer", "ASEAN observer"
    DIALOGUE_PARTNER = "dialogue_partner", "Dialogue partner"
    ARF_PARTICIPANT = "arf_participant", "ASEAN Regional Forum participant"


class MeetingStatus(models.TextChoices):
    TENTATIVE = "tentative", "Tentative"
    SCHEDULED = "scheduled", "Scheduled"
    POSTPONED = "postponed", "Postponed"
    CANCELLED = "cancelled", "Cancelled"
    HELD = "held", "Held"


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"
    HYBRID = "hybrid", "Hybrid"


class AttendanceStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"


class DelegationLevel(models.TextChoices):
    HEAD_OF_STATE = "head_of_state", "Head of state or government"
    MINISTER = "minister", "Minister"
    DEPUTY_MINISTER = "deputy_minister", "Deputy minister"
    SENIOR_OFFICIAL = "senior_official", "Senior official"
    AMBASSADOR = "ambassador", "Ambassador"
    NON_POLITICAL = "non_political", "Non-political representative"
    OTHER = "other", "Other"


class AnswerChannel(models.TextChoices):
    """Through which door a delegation's answer came."""

    ADMIN = "admin", "Admin"
    API = "api", "API"
    RSVP = "rsvp", "RSVP link"
    IMPORT = "import", "Import"
    DEMO = "demo", "Demo data"


class DocumentKind(models.TextChoices):
    """What a document attached to a meeting or an event is."""

    AGENDA = "agenda", "Agenda"
    JOINT_COMMUNIQUE = "joint_communique", "Joint communiqué"
    CHAIRMANS_STATEMENT = "chairmans_statement", "Chairman's statement"
    JOINT_STATEMENT = "joint_statement", "Joint statement"
    DECLARATION = "declaration", "Declaration"
    PRESS_RELEASE = "press_release", "Press release"
    DELEGATION_STATEMENT = "delegation_statement", "Delegation statement"
    MEDIA = "media", "Photos or video"
