"""Reads: who is expected at a meeting, who chairs it, what clashes, what the public sees."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from meetings.enums import AttendanceStatus, MeetingStatus, Role
from meetings.models import (
    Chairmanship,
    CoordinatorTerm,
    Delegation,
    Format,
    Meeting,
    Membership,
    Participant,
)
from meetings.models.participants import active_on


def participants_with_role(*, role: Role | str, on: dt.date) -> QuerySet[Participant]:
    """Participants holding `role` on the day `on`."""
    holders = Membership.objects.filter(active_on(on), role=role).values("participant_id")
    return Participant.objects.filter(pk__in=holders)


def expected_participants(
    *, format: Format, on: dt.date, counterpart: Participant | None = None
) -> QuerySet[Participant]:
    """Everyone a meeting of `format` on day `on` normally invites."""
    roles = [
        role
        for role, wanted in (
            (Role.MEMBER, format.invites_members),
            (Role.OBSERVER, format.invites_observers),
            (Role.DIALOGUE_PARTNER, format.invites_dialogue_partners),
            (Role.ARF_PARTICIPANT, format.invites_arf_participants),
        )
        if wanted
    ]
    holders = Membership.objects.filter(active_on(on), role__in=roles).values("participant_id")
    condition = Q(pk__in=holders) | Q(pk__in=format.invited_participants.values("pk"))
    if format.invites_counterpart and counterpart is not None:
        condition |= Q(pk=counterpart.pk)
    return Participant.objects.filter(condition).order_by("name")


def chair_for(*, on: dt.date) -> Participant | None:
    """The member chairing ASEAN in the year of `on`."""
    chairmanship = Chairmanship.objects.select_related("participant").filter(year=on.year).first()
    return chairmanship.participant if chairmanship else None


def coordinator_for(*, partner: Participant, on: dt.date) -> Participant | None:
    """The member coordinating relations with `partner` on the day `on`."""
    term = (
        CoordinatorTerm.objects.select_related("coordinator")
        .filter(active_on(on), partner=partner)
        .order_by("-start")
        .first()
    )
    return term.coordinator if term else None


def meeting_title_default(meeting: Meeting) -> str:
    """The title a meeting gets from its format: “55th AMM”, “ASEAN-Russia PMC”."""
    fmt = meeting.format
    if meeting.counterpart_id:
        return f"ASEAN-{meeting.counterpart.name} {fmt.name}"
    if meeting.number:
        return f"{ordinal(meeting.number)} {fmt.name}"
    return fmt.name


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


@dataclass(frozen=True)
class Clash:
    kind: str  # "venue" or "head"
    other: Meeting
    detail: str


def meeting_clashes(meeting: Meeting) -> list[Clash]:
    """Other live meetings overlapping this one at its venue or with one of its heads."""
    if meeting.pk is None or meeting.is_cancelled:
        return []
    overlapping = (
        Meeting.objects.exclude(pk=meeting.pk)
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(start__lt=meeting.end, end__gt=meeting.start)
        .select_related("format", "venue")
    )
    clashes = []
    if meeting.venue_id:
        for other in overlapping.filter(venue_id=meeting.venue_id):
            clashes.append(Clash("venue", other, f"{meeting.venue} is also booked for {other}"))
    heads = {
        _person_key(d.head_name): d
        for d in meeting.delegations.exclude(attendance=AttendanceStatus.DECLINED)
        if d.head_name.strip()
    }
    if heads:
        others = (
            Delegation.objects.filter(meeting__in=overlapping)
            .exclude(attendance=AttendanceStatus.DECLINED)
            .exclude(head_name="")
            .select_related("meeting", "participant")
        )
        for other in others:
            if _person_key(other.head_name) in heads:
                clashes.append(
                    Clash(
                        "head",
                        other.meeting,
                        f"{other.head_name} also heads {other.participant.name}'s delegation "
                        f"to {other.meeting}",
                    )
                )
    return clashes


def _person_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def public_meetings() -> QuerySet[Meeting]:
    """Published meetings with everything a list, page, API or feed shows of them."""
    return (
        Meeting.objects.filter(published=True)
        .select_related("format", "venue", "host", "counterpart", "event")
        .prefetch_related(
            Prefetch(
                "delegations",
                queryset=Delegation.objects.select_related("participant").order_by(
                    "participant__name"
                ),
            )
        )
    )


def upcoming_meetings(*, now: dt.datetime | None = None) -> QuerySet[Meeting]:
    """Published meetings not yet over, soonest first."""
    now = now or timezone.now()
    return public_meetings().filter(end__gt=now).order_by("start", "format__code")
