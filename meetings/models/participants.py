"""Who takes part, and who chairs: participants, their dated roles, chairs, coordinators."""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from meetings.enums import ParticipantKind, Role
from meetings.validators import (
    PARTICIPANT_CODE_SHAPE,
    validate_one_line,
    validate_participant_code,
)


def active_on(date: dt.date, prefix: str = "") -> Q:
    """Rows whose [start, end) period holds `date`; a missing bound is open."""
    return (Q(**{f"{prefix}start__isnull": True}) | Q(**{f"{prefix}start__lte": date})) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gt": date})
    )


class Participant(models.Model):
    """A state or an organisation that takes part in ASEAN meetings."""

    code = models.CharField(
        "code",
        max_length=2,
        unique=True,
        validators=[validate_participant_code],
        help_text="ISO 3166-1 alpha-2 code (KH, RU, ...); EU for the European Union.",
    )
    name = models.CharField(
        "name", max_length=120, validators=[validate_one_line], help_text="Common English name."
    )
    official_name = models.CharField(
        "official name", max_length=200, blank=True, validators=[validate_one_line]
    )
    name_local = models.CharField(
        "name in local script",
        max_length=200,
        blank=True,
        validators=[validate_one_line],
        help_text="e.g. កម្ពុជា",
    )
    kind = models.CharField(
        "kind", max_length=20, choices=ParticipantKind.choices, default=ParticipantKind.STATE
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=PARTICIPANT_CODE_SHAPE), name="participant_code_shape"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("meetings:country", kwargs={"code": self.code.lower()})


class Membership(models.Model):
    """A participant's role (member, observer, dialogue partner, ARF) over a period."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("role", max_length=20, choices=Role.choices)
    start = models.DateField(
        "from", null=True, blank=True, help_text="First day in this role; empty if not recorded."
    )
    end = models.DateField(
        "until",
        null=True,
        blank=True,
        help_text="First day no longer in this role; empty if current.",
    )
    notes = models.CharField("notes", max_length=300, blank=True, validators=[validate_one_line])
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant__name", "role", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True)
                | Q(start__isnull=True)
                | Q(end__gt=models.F("start")),
                name="membership_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["participant", "role", "start"], name="membership_unique_start"
            ),
        ]

    def __str__(self) -> str:
        period = f"{self.start or '…'} – {self.end or 'today'}"
        return f"{self.participant.code} {self.get_role_display()} ({period})"


class Chairmanship(models.Model):
    """The member that chairs ASEAN in a calendar year (and hosts its AMM and summits)."""

    year = models.PositiveSmallIntegerField("year", unique=True)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="chairmanships", verbose_name="chair"
    )
    notes = models.CharField("notes", max_length=300, blank=True, validators=[validate_one_line])
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1967) & Q(year__lte=2200), name="chairmanship_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.participant.name}"


class CoordinatorTerm(models.Model):
    """A member coordinating ASEAN's relations with one dialogue partner, with exact dates."""

    partner = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="coordinated_by"
    )
    coordinator = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="coordinator_terms"
    )
    start = models.DateField("from", null=True, blank=True)
    end = models.DateField("until", null=True, blank=True, help_text="First day after the term.")
    notes = models.CharField("notes", max_length=300, blank=True, validators=[validate_one_line])
    history = HistoricalRecords()

    class Meta:
        ordering = ["partner__name", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True)
                | Q(start__isnull=True)
                | Q(end__gt=models.F("start")),
                name="coordinator_term_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(partner=models.F("coordinator")), name="coordinator_not_partner"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.coordinator.code} coordinates {self.partner.code} ({self.start} – {self.end})"
        )
