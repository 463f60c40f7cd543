"""Attendance reminders: the schedule staff edit, and the outbox of mails to delegations.

The outbox holds one row per (delegation, step), so planning twice, or from two
processes at once, never makes a second mail; sending moves a row
QUEUED -> SENDING -> SENT (or FAILED, or SKIPPED when it is no longer wanted).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from meetings.numbers import whole_number

from .calendar import Format
from .delegations import Delegation

DEFAULT_DAYS_BEFORE = (21, 14, 7, 3, 1)
MAX_DAYS_BEFORE = 366


class ReminderKind(models.TextChoices):
    INVITATION = "invitation", "Invitation"
    SCHEDULED = "scheduled", "Scheduled reminder"
    MANUAL = "manual", "Reminder sent by staff"
    NEW_LINK = "new_link", "New link after a correction"
    CHANGE = "change", "Notice of a change"
    RECEIPT = "receipt", "Receipt of an answer"


class ReminderStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


def parse_days_before(value: str) -> tuple[int, ...]:
    """Days before the deadline as staff type them ("21, 14, 7"), latest step last."""
    parts = [part for part in re.split(r"[\s,;]+", value or "") if part]
    days = {part: whole_number(part, high=MAX_DAYS_BEFORE) for part in parts}
    bad = [part for part, day in days.items() if day is None]
    if bad:
        raise ValidationError(
            "Not whole numbers of days between 0 and %(max)s: %(bad)s.",
            code="invalid_days_before",
            params={"bad": ", ".join(bad), "max": MAX_DAYS_BEFORE},
        )
    return tuple(sorted({day for day in days.values() if day is not None}, reverse=True))


def validate_days_before(value: str) -> None:
    parse_days_before(value)


def format_days_before(days: tuple[int, ...]) -> str:
    return ", ".join(str(day) for day in days)


class ReminderSchedule(models.Model):
    """When delegations that have not answered are reminded, in days before the deadline."""

    format = models.OneToOneField(
        Format,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_schedule",
        help_text="Empty: the schedule of every format without one of its own.",
    )
    days_before = models.CharField(
        "days before the deadline",
        max_length=200,
        blank=True,
        default=format_days_before(DEFAULT_DAYS_BEFORE),
        validators=[validate_days_before],
        help_text="e.g. “21, 14, 7, 3, 1”. The deadline is the meeting's confirmation "
        "deadline, or its start. Empty: no scheduled reminders.",
    )
    updated_at = models.DateTimeField("updated", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = [models.F("format__code").asc(nulls_first=True)]
        constraints = [
            # One default row: NULLs are distinct in a plain unique index.
            models.UniqueConstraint(
                Coalesce("format", Value(0), output_field=models.BigIntegerField()),
                name="reminder_schedule_one_default",
            ),
        ]

    def __str__(self) -> str:
        which = self.format.code if self.format is not None else "Default"
        return f"{which}: {self.days_before or 'no reminders'}"

    @property
    def days(self) -> tuple[int, ...]:
        return parse_days_before(self.days_before)


class Reminder(models.Model):
    """One mail to one delegation: its invitation, a scheduled step, or one staff asked for."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField("kind", max_length=20, choices=ReminderKind.choices)
    step = models.CharField(
        "step",
        max_length=40,
        help_text="invitation, 7d (7 days before the deadline), manual-<minute>, "
        "link-<link version>, change-<meeting sequence> or receipt-<delegation revision>.",
    )
    days_before = models.PositiveSmallIntegerField("days before the deadline", null=True)
    status = models.CharField(
        "status", max_length=20, choices=ReminderStatus.choices, default=ReminderStatus.QUEUED
    )
    due_at = models.DateTimeField("due")
    enqueued_at = models.DateTimeField("handed to the queue", null=True, blank=True)
    claimed_at = models.DateTimeField("sending since", null=True, blank=True)
    sent_at = models.DateTimeField("sent", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("attempts", default=0)
    last_error = models.TextField("last error", blank=True)
    skip_reason = models.CharField("why skipped", max_length=300, blank=True)
    recipients = models.TextField("sent to", blank=True)
    # Change notices: the meeting as it was before the first change of the burst the notice
    # covers (its public "when", "where", mode and status texts), and the reason given.
    previous = models.JSONField("before the change", default=dict, blank=True)
    reason = models.CharField("reason given", max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["delegation", "step"], name="reminder_unique_step"),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENT) | Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"], name="reminder_status_claimed"),
            models.Index(fields=["status", "enqueued_at"], name="reminder_status_enqueued"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.step} to delegation {self.delegation_id}"

    @property
    def message_id(self) -> str:
        """The same for every attempt, so a duplicate after a crash is recognisable."""
        return f"<reminder-{self.pk}-{self.step}@{settings.SITE_DOMAIN}>"

    @property
    def step_label(self) -> str:
        if self.kind == ReminderKind.SCHEDULED:
            days = self.days_before
            return f"{days} day{'s' if days != 1 else ''} before the deadline"
        return self.get_kind_display().lower()
