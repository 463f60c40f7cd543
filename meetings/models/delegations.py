"""Who a meeting expects: one delegation per participant, with its answer and contacts."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from meetings.enums import AnswerChannel, AttendanceStatus, DelegationLevel
from meetings.validators import (
    split_addresses,
    validate_contact_addresses,
    validate_multiline,
    validate_one_line,
)

from .calendar import Meeting
from .participants import Participant


class Delegation(models.Model):
    """A participant's delegation to a meeting: who heads it and whether it comes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="delegations")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="delegations"
    )
    head_name = models.CharField(
        "head of delegation", max_length=200, blank=True, validators=[validate_one_line]
    )
    head_title = models.CharField(
        "head's title",
        max_length=300,
        blank=True,
        validators=[validate_one_line],
        help_text="e.g. Minister of Foreign Affairs",
    )
    level = models.CharField("level", max_length=20, choices=DelegationLevel.choices, blank=True)
    attendance = models.CharField(
        "attendance",
        max_length=20,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.INVITED,
    )
    answered_at = models.DateTimeField("answered at", null=True, blank=True)
    answered_via = models.CharField(
        "answered through", max_length=20, choices=AnswerChannel.choices, blank=True
    )
    invited_at = models.DateTimeField("invited at", null=True, blank=True)
    contact_emails = models.TextField(
        "contact addresses",
        blank=True,
        validators=[validate_contact_addresses],
        help_text="E-mail addresses for the invitation and reminders, one per line. Staff only.",
    )
    reminders_paused = models.BooleanField("reminders paused", default=False)
    notes = models.TextField(
        "staff notes",
        blank=True,
        validators=[validate_multiline],
        help_text="Never shown to the public.",
    )
    link_version = models.PositiveIntegerField(
        "RSVP link version",
        default=0,
        help_text="Rises when staff revoke the delegation's RSVP links, or change its "
        "participant or contact addresses: links sent before stop working.",
    )
    revision = models.PositiveIntegerField("revision", default=0)
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting__start", "participant__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "participant"], name="delegation_unique_participant"
            ),
            models.CheckConstraint(
                condition=Q(attendance=AttendanceStatus.INVITED) | Q(answered_at__isnull=False),
                name="delegation_answer_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant.name} at {self.meeting}"

    @property
    def addresses(self) -> list[str]:
        return split_addresses(self.contact_emails)

    @property
    def address_set(self) -> frozenset[str]:
        """The contact addresses as mail reaches them: order, case and repeats aside."""
        return frozenset(address.lower() for address in self.addresses)

    @property
    def head_is_public(self) -> bool:
        """Whether the public sees who heads the delegation: not once it declined (who would
        have led a delegation that stays away is not news, and is often not yet decided).
        Staff still see what was entered; the iCal builder applies the same rule to its
        plain values (`ical._delegation_label`)."""
        return self.attendance != AttendanceStatus.DECLINED
