"""What a briefing holds: the meetings of an event (or a selection) with their delegations.

A briefing is the list secretariat staff send round before a meeting: when and where
each meeting is, in the venue's local time with its UTC offset (as on the rest of the
site: meetings.reminders.compose), and for each delegation its answer, its head and
level. It is internal, so the heads of delegations that declined are shown (the public
pages hide them), but it gets forwarded, so contact addresses and staff notes are left
out here, not in each output: the Excel workbook (meetings.briefing_xlsx) and the
printable admin page are built from these plain values only.

Delegations read in the order staff send them round: the ASEAN member states on the
meeting's first day (memberships are dated: Timor-Leste is an observer in 2022 and a
member from 26 October 2025), then everyone else, each group alphabetically by name.
The names are compared in Python, so the order is the same on every database.

Two queries whatever the number of meetings and delegations: the meetings with what
they refer to, and their delegations with their participants and whether each was a
member on the day.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from meetings.enums import AttendanceStatus, DelegationLevel, MeetingMode, MeetingStatus, Role
from meetings.formatting import day_text, ordinal
from meetings.models import Delegation, Meeting, Membership
from meetings.models.participants import active_on
from meetings.reminders.compose import meeting_when, meeting_where

ANSWERS = {
    AttendanceStatus.CONFIRMED: "Confirmed",
    AttendanceStatus.DECLINED: "Declined",
    AttendanceStatus.INVITED: "No answer yet",
}
# The statuses whose public note says why (the reason given when postponing or cancelling).
NOTED_STATUSES = {MeetingStatus.POSTPONED, MeetingStatus.CANCELLED}


@dataclass(frozen=True)
class DelegationLine:
    """One delegation as the briefing lists it."""

    participant: str
    member: bool  # an ASEAN member state on the meeting's first day
    answer: str  # "Confirmed", "Declined" or "No answer yet"
    answered_on: str  # the day of the answer at the venue, "Sun 31 Jul 2022"; "" if none
    head_name: str
    head_title: str
    level: str  # the level's label, "Minister"; "" if not recorded


@dataclass(frozen=True)
class AnswerCounts:
    confirmed: int
    declined: int
    no_answer: int

    @property
    def text(self) -> str:
        """“10 confirmed, 1 declined, 0 no answer yet”."""
        return (
            f"{self.confirmed} confirmed, {self.declined} declined, {self.no_answer} no answer yet"
        )


@dataclass(frozen=True)
class MeetingBrief:
    """One meeting of a briefing and its delegations, in the order staff send them round."""

    pk: int
    slug: str
    title: str
    short_name: str  # “55th AMM”, “PMC Russia”: a sheet's tab
    when: str  # “Wednesday 3 August 2022, 09:00–12:30 (Phnom Penh time, UTC+7)”
    where: str  # the venue and city, “Online” or “To be announced”
    mode: str
    status: str
    status_note: str  # only when postponed or cancelled
    delegations: tuple[DelegationLine, ...]
    counts: AnswerCounts


@dataclass(frozen=True)
class Briefing:
    """The briefing of an event, a meeting or a selection of meetings, in date order."""

    title: str
    slug: str
    as_of: str  # “Monday 2 November 2026, 03:00 UTC”
    meetings: tuple[MeetingBrief, ...]


def briefing_meetings(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """`meetings` in date order, with what a briefing reads: two queries in all."""
    member_then = Membership.objects.filter(
        # The membership held on the meeting's first day (the rule of dated roles).
        active_on(OuterRef("meeting__first_day")),  # type: ignore[arg-type]
        participant=OuterRef("participant"),
        role=Role.MEMBER,
    )
    delegations = (
        Delegation.objects.select_related("participant")
        .annotate(member_then=Exists(member_then))
        .order_by()
    )
    return (
        meetings.select_related("format", "counterpart", "venue")
        .prefetch_related(Prefetch("delegations", queryset=delegations))
        .order_by("start", "format__code", "number", "pk")
    )


def short_name(meeting: Meeting) -> str:
    """A meeting named in a few words: “55th AMM”, “PMC Russia”, “SOM”."""
    fmt = meeting.format
    name = fmt.short_name or fmt.code
    if meeting.number:
        return f"{ordinal(meeting.number)} {name}"
    if meeting.counterpart is not None:
        return f"{name} {meeting.counterpart.name}"
    return name


def delegation_line(delegation: Delegation, meeting: Meeting) -> DelegationLine:
    answered = delegation.answered_at
    level = delegation.level
    return DelegationLine(
        participant=delegation.participant.name,
        member=bool(getattr(delegation, "member_then", False)),
        answer=ANSWERS[AttendanceStatus(delegation.attendance)],
        answered_on=day_text(answered.astimezone(meeting.tz).date(), short=True)
        if answered is not None and delegation.attendance != AttendanceStatus.INVITED
        else "",
        head_name=delegation.head_name,
        head_title=delegation.head_title,
        level=DelegationLevel(level).label if level else "",
    )


def _send_round_order(line: DelegationLine) -> tuple[bool, str, str]:
    return (not line.member, line.participant.casefold(), line.participant)


def answer_counts(lines: Iterable[DelegationLine]) -> AnswerCounts:
    counted = Counter(line.answer for line in lines)
    return AnswerCounts(
        confirmed=counted[ANSWERS[AttendanceStatus.CONFIRMED]],
        declined=counted[ANSWERS[AttendanceStatus.DECLINED]],
        no_answer=counted[ANSWERS[AttendanceStatus.INVITED]],
    )


def meeting_brief(meeting: Meeting) -> MeetingBrief:
    """One meeting of `briefing_meetings` as plain values."""
    lines = sorted(
        (delegation_line(d, meeting) for d in meeting.delegations.all()), key=_send_round_order
    )
    status = MeetingStatus(meeting.status)
    return MeetingBrief(
        pk=meeting.pk,
        slug=meeting.slug,
        title=str(meeting),
        short_name=short_name(meeting),
        when=meeting_when(meeting),
        where=meeting_where(meeting),
        mode=MeetingMode(meeting.mode).label,
        status=status.label,
        status_note=meeting.status_note if status in NOTED_STATUSES else "",
        delegations=tuple(lines),
        counts=answer_counts(lines),
    )


def as_of_text(moment: dt.datetime) -> str:
    """“Monday 2 November 2026, 03:00 UTC”."""
    utc = moment.astimezone(dt.UTC)
    return f"{day_text(utc.date())}, {utc:%H:%M} UTC"


def briefing(
    *, title: str, slug: str, meetings: QuerySet[Meeting], now: dt.datetime | None = None
) -> Briefing:
    """The briefing of `meetings` under `title`, as of `now`: two queries whatever their
    number and that of their delegations."""
    return Briefing(
        title=title,
        slug=slug,
        as_of=as_of_text(now or timezone.now()),
        meetings=tuple(meeting_brief(meeting) for meeting in briefing_meetings(meetings)),
    )
