"""Reads: who is expected at a meeting, who chairs it, what clashes, what the public sees."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import (
    Aggregate,
    Exists,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import MD5
from django.utils import timezone

from meetings import caching
from meetings.enums import AttendanceStatus, MeetingStatus, Role
from meetings.formatting import ordinal
from meetings.ical import DELEGATION_PATHS, DOCUMENT_PATHS, MEETING_PATHS, MeetingEntry
from meetings.models import (
    Chairmanship,
    CoordinatorTerm,
    Delegation,
    Document,
    Event,
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
    if meeting.counterpart is not None:
        return f"ASEAN-{meeting.counterpart.name} {fmt.name}"
    if meeting.number:
        return f"{ordinal(meeting.number)} {fmt.name}"
    return fmt.name


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
        for delegation in others:
            if _person_key(delegation.head_name) in heads:
                clashes.append(
                    Clash(
                        "head",
                        delegation.meeting,
                        f"{delegation.head_name} also heads {delegation.participant.name}'s "
                        f"delegation to {delegation.meeting}",
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
    """Published meetings not yet over, in calendar order."""
    now = now or timezone.now()
    return public_meetings().filter(end__gt=now).order_by(*LIST_ORDER)


# The public pages: list rows, the month grid, the home page's umbrella event.

# Calendar order, the one every list of meetings uses (pages, feeds, API, exports); pk last
# so that pages of a list never share or skip a row.
LIST_ORDER = ("start", "format__code", "number", "pk")
LIST_ORDER_REVERSED = tuple(f"-{name}" for name in LIST_ORDER)


def public_meeting_rows() -> QuerySet[Meeting]:
    """Published meetings for lists (no delegations fetched), in calendar order."""
    return public_meetings().prefetch_related(None).order_by(*LIST_ORDER)


def participant_meeting_rows(participant: Participant) -> QuerySet[Meeting]:
    """List rows carrying `own_delegations`: the participant's delegation (at most one)."""
    own = Delegation.objects.filter(participant=participant)
    return public_meeting_rows().prefetch_related(
        Prefetch("delegations", queryset=own, to_attr="own_delegations")
    )


def meetings_on_days(
    *, first: dt.date, last: dt.date, queryset: QuerySet[Meeting] | None = None
) -> QuerySet[Meeting]:
    """Meetings running on at least one day from `first` to `last` (inclusive, at the venue)."""
    queryset = public_meeting_rows() if queryset is None else queryset
    return queryset.filter(first_day__lte=last, last_day__gte=first)


def rows_before_next(queryset: QuerySet[Meeting], *, now: dt.datetime) -> int:
    """How many rows of `queryset` sort before its first meeting not yet over (all if none)."""
    next_start = (
        queryset.filter(end__gt=now).order_by(*LIST_ORDER).values_list("start", flat=True).first()
    )
    if next_start is None:
        return queryset.count()
    return queryset.filter(start__lt=next_start).count()


def headline_event(*, today: dt.date) -> Event | None:
    """The published umbrella event running or next from `today`, else the latest one.

    Only events with at least one published meeting count.
    """
    shown = Event.objects.filter(
        Exists(Meeting.objects.filter(event=OuterRef("pk"), published=True)), published=True
    ).select_related("host")
    return (
        shown.filter(end_date__gte=today).order_by("start_date", "pk").first()
        or shown.order_by("-end_date", "-pk").first()
    )


def meeting_years() -> list[int]:
    """The years with a published meeting, latest first: the archive's years."""
    published = Meeting.objects.filter(published=True)
    return [day.year for day in published.dates("first_day", "year", order="DESC")]


def public_event(slug: str) -> Event | None:
    """The published umbrella event of `slug`, with its host, if any."""
    return Event.objects.select_related("host").filter(slug=slug, published=True).first()


def event_public_meetings(event: Event) -> QuerySet[Meeting]:
    """The published meetings of an umbrella event, in calendar order."""
    return public_meeting_rows().filter(event=event)


def filter_choices() -> tuple[list[Format], list[Participant]]:
    """The formats and participants a filter form offers."""
    return list(Format.objects.order_by("code")), list(Participant.objects.order_by("name"))


def participant_roles(*, participant: Participant, on: dt.date) -> list[Membership]:
    """The participant's roles towards ASEAN on the day `on`, membership first."""
    roles = Membership.objects.filter(active_on(on), participant=participant)
    return sorted(roles, key=lambda membership: list(Role).index(Role(membership.role)))


def chair_years(participant: Participant) -> list[int]:
    """The years the participant chairs or chaired ASEAN, latest first."""
    return list(participant.chairmanships.order_by("-year").values_list("year", flat=True))


# iCal feeds: what a VEVENT shows, read as values (no model instances).


def feed_meetings(
    *, ended_since: dt.date | None = None, cancelled_since: dt.datetime | None = None
) -> QuerySet[Meeting]:
    """Published meetings a feed offers, in calendar order.

    Only those whose last day is on or after `ended_since`; cancelled ones only if
    changed (cancelled) at or after `cancelled_since`.
    """
    meetings = Meeting.objects.filter(published=True)
    if ended_since is not None:
        meetings = meetings.filter(last_day__gte=ended_since)
    if cancelled_since is not None:
        meetings = meetings.exclude(status=MeetingStatus.CANCELLED, updated_at__lt=cancelled_since)
    return meetings.order_by(*LIST_ORDER)


def _entry_rows(meetings: QuerySet[Meeting]) -> QuerySet:
    """The MEETING_PATHS values of `meetings` and when a delegation last answered."""
    answered = Delegation.objects.exclude(attendance=AttendanceStatus.INVITED)
    # The newest answer per meeting, computed by the database: converting every
    # delegation's timestamp in Python would cost more than the rest of the rows.
    newest_answer = (
        answered.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(newest=Max("updated_at"))
        .values("newest")
    )
    return meetings.annotate(answered_at=Subquery(newest_answer))


def _answer_rows(meetings: QuerySet[Meeting]) -> QuerySet:
    """The DELEGATION_PATHS values of the delegations of `meetings` that answered."""
    answered = Delegation.objects.exclude(attendance=AttendanceStatus.INVITED)
    return answered.filter(meeting__in=meetings.values("pk")).values_list(
        "meeting_id", *DELEGATION_PATHS
    )


def _document_rows(meetings: QuerySet[Meeting]) -> QuerySet:
    """The DOCUMENT_PATHS values of the published documents of `meetings` (published
    meetings: feeds offer no other)."""
    published = Document.objects.filter(published=True, meeting__in=meetings.values("pk"))
    return published.order_by().values_list("meeting_id", *DOCUMENT_PATHS)


def feed_entries(meetings: QuerySet[Meeting]) -> list[MeetingEntry]:
    """What feeds show of `meetings`, in their order: three queries whatever their number."""
    rows = list(_entry_rows(meetings).values_list(*MEETING_PATHS.values(), "answered_at"))
    answers: dict[int, list] = {}
    for meeting_id, *values in _answer_rows(meetings):
        answers.setdefault(meeting_id, []).append(values)
    documents: dict[int, list] = {}
    for meeting_id, *values in _document_rows(meetings):
        documents.setdefault(meeting_id, []).append(values)
    return [
        MeetingEntry.from_values(row, answers.get(row[0], ()), documents.get(row[0], ()))
        for row in rows
    ]


class _RowText(Func):
    """PostgreSQL's text form of a row of values: what a digest of them hashes."""

    template = "ROW(%(expressions)s)::text"
    output_field = TextField()


class _DigestOfRows(Aggregate):
    """A 64-bit hash of each row's text, summed: the same for the same set of rows, in
    any order, without sorting them (PostgreSQL's hashtextextended)."""

    template = "sum(hashtextextended(%(expressions)s, 0))::text"
    output_field = TextField()


def feed_fingerprints(
    meetings: QuerySet[Meeting],
) -> list[tuple[int, str, str | None, str, str | None]] | None:
    """Each meeting's pk and hashes of every value feed_entries reads for it, in order.

    The database hashes the text of the very values feed_entries would fetch, the
    meeting's, those of its answered delegations and those of its published documents
    (hashed with the meeting's row, in the same query: a document's edit, publication,
    withdrawal or removal moves its meeting's hash), so a feed needs to read in full
    only the meetings whose hashes it has not seen: after one change, one. Delegations
    are hashed with their participant's id, and the participants' names once for all
    (a rename is rare; it then moves every hash). The delegations' hashes are kept
    while no delegation is written (caching.answers_stamp), so a meeting's edit costs no
    pass over them. None on databases other than PostgreSQL: read everything there.
    Call it inside one_snapshot, so that the stamp and the rows are of one state.
    """
    if connections[meetings.db].vendor != "postgresql":
        return None
    names = (
        Participant.objects.annotate(one=Value(1))
        .order_by()
        .values("one")
        .annotate(digest=_DigestOfRows(_RowText("pk", "name")))
        .values("digest")
    )
    documents = (
        Document.objects.filter(meeting=OuterRef("pk"), published=True)
        .order_by()
        .values("meeting")
        .annotate(digest=_DigestOfRows(_RowText(*DOCUMENT_PATHS)))
        .values("digest")
    )
    stamp = caching.answers_stamp(using=meetings.db)
    rows = list(
        meetings.annotate(
            rows_digest=MD5(_RowText(*MEETING_PATHS.values())),
            names_digest=Subquery(names),
            documents_digest=Subquery(documents),
        ).values_list("pk", "rows_digest", "names_digest", "documents_digest")
    )
    known = caching.answer_hashes.known(stamp)
    missing = [pk for pk, *_ in rows if pk not in known]
    if missing:
        found = dict(
            Delegation.objects.exclude(attendance=AttendanceStatus.INVITED)
            .filter(meeting_id__in=missing)
            .order_by()
            .values("meeting")
            # updated_at too: the newest of them is the entry's answered_at.
            .annotate(digest=_DigestOfRows(_RowText(*_ANSWER_COLUMNS, "updated_at")))
            .values_list("meeting", "digest")
        )
        known = {**known, **{pk: found.get(pk) for pk in missing}}
        caching.answer_hashes.remember(stamp, known)
    return [
        (pk, rows_digest, known[pk], names, documents) for pk, rows_digest, names, documents in rows
    ]


# DELEGATION_PATHS with the participant's id for its name (see feed_fingerprints).
_ANSWER_COLUMNS = [
    "participant_id" if path == "participant__name" else path for path in DELEGATION_PATHS
]


@contextmanager
def one_snapshot(using: str = "default") -> Iterator[None]:
    """Every query inside reads the same committed state (PostgreSQL: REPEATABLE READ).

    Inside a transaction already begun (a test's, a caller's), its reads are used as they are.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield
