"""Following a filter of the calendar by e-mail, without an account.

A `Subscription` is one address following one filter (the list pages' query string, or
one umbrella event), confirmed through a signed link before anything but the
confirmation is mailed to it. Its mails go through an outbox of their own,
`FollowMail`: one row per (subscription, key), so a change reaches each subscriber
once however often the dispatcher runs, moving QUEUED -> SENDING -> SENT (or FAILED,
or SKIPPED when no longer wanted), like the reminders' outbox.

Addresses are read by the outbox alone: no page, feed, API or history shows them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce

from .calendar import Event
from .reminders import ReminderStatus

# The reminders' states, one vocabulary for both outboxes.
FollowMailStatus = ReminderStatus


class FollowFrequency(models.TextChoices):
    IMMEDIATE = "immediate", "Each change as it happens"
    DAILY = "daily", "One daily digest"


class FollowMailKind(models.TextChoices):
    CONFIRM = "confirm", "Confirmation request"
    CHANGE = "change", "One change"
    DIGEST = "digest", "Daily digest"


class Subscription(models.Model):
    """One address following one filter of the calendar by e-mail."""

    email = models.EmailField("e-mail address", max_length=254)
    query = models.CharField(
        "filter",
        max_length=1000,
        blank=True,
        help_text="The list pages' filter as a normalised query string (empty: every meeting).",
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The umbrella event followed, if the subscription is to one event.",
    )
    label = models.CharField("what is followed", max_length=300)
    frequency = models.CharField(
        "frequency",
        max_length=20,
        choices=FollowFrequency.choices,
        default=FollowFrequency.IMMEDIATE,
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    confirmed_at = models.DateTimeField("confirmed", null=True, blank=True)
    unsubscribed_at = models.DateTimeField("unsubscribed", null=True, blank=True)
    cursor = models.DateTimeField(
        "changes mailed up to",
        null=True,
        blank=True,
        help_text="Change entries before this moment are handled; later ones are new.",
    )
    confirmations = models.PositiveIntegerField(
        "confirmation mails", default=0, help_text="How many confirmation mails were queued."
    )
    confirmation_used = models.PositiveIntegerField(
        "confirmation used", default=0, help_text="The number of the last confirmation link used."
    )
    token_version = models.PositiveIntegerField(
        "link version", default=0, help_text="Raised to revoke every link mailed before."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One row per address and filter; NULLs are distinct in a plain unique index.
            models.UniqueConstraint(
                "email",
                "query",
                Coalesce("event", Value(0), output_field=models.BigIntegerField()),
                name="subscription_unique_filter",
            ),
        ]
        indexes = [
            models.Index(fields=["frequency", "confirmed_at"], name="subscription_frequency"),
        ]

    def __str__(self) -> str:
        return f"Subscription {self.pk} to {self.label}"

    @property
    def active(self) -> bool:
        """Confirmed and not unsubscribed: changes are mailed."""
        return self.confirmed_at is not None and self.unsubscribed_at is None


class FollowMail(models.Model):
    """One mail to one subscription: a confirmation request, one change, or a digest."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="mails")
    kind = models.CharField("kind", max_length=20, choices=FollowMailKind.choices)
    key = models.CharField(
        "key",
        max_length=80,
        help_text="confirm-<n>, change-<change entry id> or digest-<yyyy-mm-dd>.",
    )
    content = models.JSONField(
        "content", default=dict, blank=True, help_text="The change entries the mail carries."
    )
    status = models.CharField(
        "status", max_length=20, choices=FollowMailStatus.choices, default=FollowMailStatus.QUEUED
    )
    client = models.CharField(
        "client", max_length=64, blank=True, help_text="Keyed digest of the requesting client."
    )
    due_at = models.DateTimeField("due")
    enqueued_at = models.DateTimeField("handed to the queue", null=True, blank=True)
    claimed_at = models.DateTimeField("sending since", null=True, blank=True)
    sent_at = models.DateTimeField("sent", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("attempts", default=0)
    last_error = models.TextField("last error", blank=True)
    skip_reason = models.CharField("why skipped", max_length=300, blank=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "key"], name="follow_mail_unique_key"),
            models.CheckConstraint(
                condition=~Q(status=FollowMailStatus.SENT) | Q(sent_at__isnull=False),
                name="follow_mail_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"], name="follow_mail_status_claimed"),
            models.Index(fields=["status", "enqueued_at"], name="follow_mail_status_enqueued"),
            models.Index(fields=["kind", "created_at"], name="follow_mail_kind_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} to subscription {self.subscription_id}"

    @property
    def message_id(self) -> str:
        """The same for every attempt, so a duplicate after a crash is recognisable."""
        return f"<follow-{self.pk}-{self.key}@{settings.SITE_DOMAIN}>"
