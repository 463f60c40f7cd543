"""The public record of what changed: entries built from the history of published meetings.

A reader learns of new meetings ("announced": published before they ended, with when and
where), reschedulings, venue changes, status changes (cancellations, postponements), new
titles and delegations' answers, with old and new values and the public reason staff gave
(the meeting's change_note, written with the change).
Only changes made while the meeting was published count, and only for meetings
published now: the values before a change were then public, so nothing staff
drafted in private leaks. Staff-only fields (contact addresses, notes, revision,
the published flag itself, who made the change and the history's internal reason) are
never read. Creating a
meeting or a delegation (even one recorded with its answer) is where its record
starts, not a change.

Documents (agendas, statements, ...) make one entry each, "published", while they are
public: published, and their meeting (or umbrella event) published. A document withdrawn,
or whose meeting or event is, leaves the record; published again, it returns with its
first date. Its time is when it first became public, from the histories: the first
moment the document and its meeting or event were both published, so a document added
to a draft meeting is dated by the meeting's publication. Not the "date published"
staff type: a statement dated last week but put online now is news now, and the
Atom feed's Last-Modified must move when it appears. The headline is the document's
title and "published" when the title names its kind ("Chairman's Statement of the
55th AMM published"), otherwise the kind, "published:" and the title ("Agenda
published: Provisional programme"); case, accents and the form of apostrophes aside.
An umbrella event's documents follow the filters through its meetings: they are listed
when the event has a meeting the filter keeps (with no filter, any published meeting).

Each source is one query: window functions pair every history row with the one
before it, and the database keeps only rows where a public value changed; the
documents' first public moments are subqueries over the histories.
"""

import datetime as dt
import heapq
import unicodedata
import zoneinfo
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.db.models import (
    BooleanField,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, Lag, Least

from meetings.enums import AttendanceStatus, DocumentKind, MeetingStatus
from meetings.formatting import day_text, days_text, offsets_label
from meetings.ical import document_url
from meetings.models import Delegation, Document, Event, Meeting
from meetings.selectors import public_meeting_rows

HistoricalMeeting = Meeting.history.model
HistoricalDelegation = Delegation.history.model
HistoricalDocument = Document.history.model
HistoricalEvent = Event.history.model

# Values a change entry shows; each is read from the history row and from the row before.
WHEN_FIELDS = ("start", "end", "all_day", "timezone")
COMPARED_FIELDS = (*WHEN_FIELDS, "venue", "status", "title")
SHOWN_VALUES = {
    **{name: name for name in WHEN_FIELDS},
    "venue_id": "venue",
    "venue_name": "venue__name",
    "venue_city": "venue__city",
    "status": "status",
    "title": "title",
}
ANSWERS = (AttendanceStatus.CONFIRMED, AttendanceStatus.DECLINED)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class PublishedDocument:
    """The document a "published" entry announces, as it is now."""

    kind: str
    title: str
    language: str
    published_on: dt.date
    url: str  # absolute: the site's download address for a file, else its link (or "")

    @property
    def kind_label(self) -> str:
        return DocumentKind(self.kind).label


@dataclass(frozen=True)
class ChangeEntry:
    """One public change to one meeting, or a document published on a meeting or an event."""

    # "m<history id>", "d<history id>" or "p<document id>": stable, also the anchor on the
    # meeting's page.
    id: str
    at: dt.datetime
    meeting: Meeting | None  # None only for a document of an umbrella event
    kinds: tuple[str, ...]  # rescheduled, moved, cancelled, ..., document
    headline: str
    changes: tuple[FieldChange, ...]
    note: str = ""
    event: Event | None = None  # the umbrella event of a document without a meeting
    document: PublishedDocument | None = None

    @property
    def page(self) -> Meeting | Event:
        """The meeting the entry is about, or the umbrella event of its document."""
        page = self.meeting if self.meeting is not None else self.event
        if page is None:
            raise ValueError("A change entry belongs to a meeting or an umbrella event.")
        return page

    @property
    def page_url(self) -> str:
        return settings.SITE_URL + self.page.get_absolute_url()

    @property
    def page_link(self) -> str:
        """Where the site shows the entry: at its anchor on the meeting's page (which lists
        the meeting's changes), or the event's page."""
        path = self.page.get_absolute_url()
        return f"{path}#change-{self.id}" if self.meeting is not None else path

    @property
    def guid(self) -> str:
        """The entry's id in feeds: stable, whatever becomes of the document's address."""
        return f"{self.page_url}#change-{self.id}"

    @property
    def url(self) -> str:
        """The entry's link: the document it announces, else the entry on the meeting's page."""
        return self.document.url if self.document is not None and self.document.url else self.guid

    @property
    def title(self) -> str:
        return f"{self.page.title}: {self.headline}"

    @property
    def categories(self) -> list[str]:
        """The meeting's format code, if any, and the kinds of change."""
        code = [self.meeting.format.code] if self.meeting is not None else []
        return [*code, *self.kinds]


def period_text(start: dt.datetime, end: dt.datetime, *, all_day: bool, timezone: str) -> str:
    """When a meeting runs, in its venue's time with the zone and offset named.

    “Wed 3 Aug 2022, 09:00–12:00 (Asia/Phnom_Penh, UTC+7)”;
    all day: “Wed 3 Aug 2022 – Fri 5 Aug 2022, all day (Asia/Phnom_Penh)”.
    """
    zone = zoneinfo.ZoneInfo(timezone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if all_day:
        first, last = local_start.date(), local_end.date() - dt.timedelta(days=1)
        return f"{days_text(first, last, short=True)}, all day ({timezone})"
    start_day, end_day = day_text(local_start, short=True), day_text(local_end, short=True)
    if local_start.date() == local_end.date():
        text = f"{start_day}, {local_start:%H:%M}–{local_end:%H:%M}"
    else:
        text = f"{start_day}, {local_start:%H:%M} – {end_day}, {local_end:%H:%M}"
    return f"{text} ({timezone}, {offsets_label(local_start, local_end)})"


def _venue_text(name: str | None, city: str | None) -> str:
    if name is None:
        return "Not announced"
    return name if name == city or not city else f"{name}, {city}"


def _changed(name: str) -> Q:
    """The history row's `name` differs from the row before's (NULLs compared as values)."""
    old = f"old_{name}"
    return (
        ~Q(**{name: F(old)})
        | Q(**{f"{name}__isnull": True, f"{old}__isnull": False})
        | Q(**{f"{name}__isnull": False, f"{old}__isnull": True})
    )


def _after_window(condition: Q) -> ExpressionWrapper:
    """`condition` as one expression, so the database tests it after the window functions.

    Django moves a filter on plain columns inside the windowed query, where it would
    remove rows before LAG pairs them; a filter on one expression that also reads a
    window result is applied to the windowed rows instead.
    """
    return ExpressionWrapper(condition, output_field=BooleanField())


def _before(path: str) -> Window:
    """The value of `path` in the history row before this one of the same object."""
    return Window(
        Lag(path),
        partition_by=[F("id")],
        order_by=[F("history_date").asc(), F("history_id").asc()],
    )


def _meeting_rows(meeting_ids: QuerySet) -> QuerySet:
    """History rows of these meetings where a public value changed while published."""
    previous = {
        f"old_{name}": _before(path)
        for name, path in {**SHOWN_VALUES, "published": "published"}.items()
    }
    changed = Q()
    for name in ("start", "end", "all_day", "timezone", "venue_id", "status", "title"):
        changed |= _changed(name)
    return (
        HistoricalMeeting.objects.filter(id__in=meeting_ids)
        .annotate(venue_name=F("venue__name"), venue_city=F("venue__city"), **previous)
        .annotate(
            shown=_after_window(
                Q(published=True, old_published=True) & changed
                # Announced: published (first, or again) before it ended; the historical
                # record's past meetings are not news.
                | (Q(published=True, end__gt=F("history_date")) & ~Q(old_published=True))
            )
        )
        .filter(shown=True)
        .order_by("-history_date", "-history_id")
        .values(
            "history_id",
            "history_date",
            "id",
            "status_note",
            "change_note",
            "old_published",
            *SHOWN_VALUES,
            *(f"old_{name}" for name in SHOWN_VALUES),
        )
    )


def _delegation_rows(meeting_ids: QuerySet) -> QuerySet:
    """History rows of these meetings' delegations where an answer was given while published."""
    published_then = HistoricalMeeting.objects.filter(
        id=OuterRef("meeting_id"), history_date__lte=OuterRef("history_date")
    ).order_by("-history_date", "-history_id")
    return (
        HistoricalDelegation.objects.filter(meeting_id__in=meeting_ids)
        .exclude(history_type="-")
        .annotate(
            old_attendance=_before("attendance"),
            meeting_published=Subquery(published_then.values("published")[:1]),
            participant_name=F("participant__name"),
        )
        .annotate(
            shown=_after_window(
                # A delegation created with its answer is where it starts, not a change.
                Q(attendance__in=ANSWERS, meeting_published=True, old_attendance__isnull=False)
                & ~Q(attendance=F("old_attendance"))
            )
        )
        .filter(shown=True)
        .order_by("-history_date", "-history_id")
        .values(
            "history_id",
            "history_date",
            "meeting_id",
            "attendance",
            "old_attendance",
            "participant_name",
            "head_name",
            "head_title",
        )
    )


def _meeting_entry(row: dict, meeting: Meeting) -> ChangeEntry:
    if not row["old_published"]:
        return _announced_entry(row, meeting)
    kinds, changes = [], []
    if any(row[name] != row[f"old_{name}"] for name in WHEN_FIELDS):
        kinds.append("rescheduled")
        changes.append(
            FieldChange(
                "When",
                period_text(
                    row["old_start"],
                    row["old_end"],
                    all_day=row["old_all_day"],
                    timezone=row["old_timezone"],
                ),
                period_text(
                    row["start"], row["end"], all_day=row["all_day"], timezone=row["timezone"]
                ),
            )
        )
    if row["venue_id"] != row["old_venue_id"]:
        kinds.append("moved")
        changes.append(
            FieldChange(
                "Where",
                _venue_text(row["old_venue_name"], row["old_venue_city"]),
                _venue_text(row["venue_name"], row["venue_city"]),
            )
        )
    note = ""
    if row["status"] != row["old_status"]:
        status = MeetingStatus(row["status"])
        kinds.append(
            status.value
            if status in (MeetingStatus.CANCELLED, MeetingStatus.POSTPONED)
            else "status"
        )
        changes.append(FieldChange("Status", MeetingStatus(row["old_status"]).label, status.label))
        note = row["status_note"]
    if row["title"] != row["old_title"]:
        kinds.append("renamed")
        changes.append(FieldChange("Title", row["old_title"], row["title"]))
    return ChangeEntry(
        id=f"m{row['history_id']}",
        at=row["history_date"],
        meeting=meeting,
        kinds=tuple(kinds),
        headline=_headline(kinds, row),
        changes=tuple(changes),
        # The reason given with this change; the status note of a status change made
        # before changes carried one.
        note=row["change_note"] or note,
    )


def _announced_entry(row: dict, meeting: Meeting) -> ChangeEntry:
    """A meeting made public: when and where it was announced to meet."""
    return ChangeEntry(
        id=f"m{row['history_id']}",
        at=row["history_date"],
        meeting=meeting,
        kinds=("announced",),
        headline="Announced",
        changes=(
            FieldChange(
                "When",
                "",
                period_text(
                    row["start"], row["end"], all_day=row["all_day"], timezone=row["timezone"]
                ),
            ),
            FieldChange("Where", "", _venue_text(row["venue_name"], row["venue_city"])),
        ),
        note="",
    )


HEADLINES = {
    "rescheduled": "rescheduled",
    "moved": "venue changed",
    "cancelled": "cancelled",
    "postponed": "postponed",
    "renamed": "renamed",
}


def _headline(kinds: list[str], row: dict) -> str:
    words = [
        f"now {MeetingStatus(row['status']).label.lower()}" if kind == "status" else HEADLINES[kind]
        for kind in kinds
    ]
    text = ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
    return text[0].upper() + text[1:]


def _delegation_entry(row: dict, meeting: Meeting) -> ChangeEntry:
    attendance = AttendanceStatus(row["attendance"])
    head = ", ".join(part for part in (row["head_name"], row["head_title"]) if part)
    return ChangeEntry(
        id=f"d{row['history_id']}",
        at=row["history_date"],
        meeting=meeting,
        kinds=(attendance.value,),
        headline=f"{row['participant_name']} {attendance.label.lower()}",
        changes=(
            FieldChange(
                "Attendance",
                AttendanceStatus(row["old_attendance"]).label,
                attendance.label,
            ),
        ),
        # A delegation that declined shows no head (Delegation.head_is_public).
        note=(
            f"Head of delegation: {head}"
            if row["head_name"] and head and attendance != AttendanceStatus.DECLINED
            else ""
        ),
    )


def _published_then(history, pk: OuterRef, at: OuterRef) -> Subquery:
    """Whether object `pk` was published at the moment `at`, by its history row then."""
    rows = history.objects.filter(id=pk, history_date__lte=at)
    return Subquery(rows.order_by("-history_date", "-history_id").values("published")[:1])


def _earliest_moment(rows: QuerySet) -> Subquery:
    return Subquery(rows.order_by("history_date", "history_id").values("history_date")[:1])


def _first_public() -> Expression:
    """When the outer document first became public, by the histories (None if they never
    show it): the first moment it and its meeting or umbrella event were both published.
    That is one of its own rows (published while its parent was) or one of its parent's
    (published while it was)."""
    parent_then = Coalesce(
        _published_then(HistoricalMeeting, OuterRef("meeting_id"), OuterRef("history_date")),
        _published_then(HistoricalEvent, OuterRef("event_id"), OuterRef("history_date")),
    )
    own = (
        HistoricalDocument.objects.filter(id=OuterRef("pk"), published=True)
        .annotate(parent_then=parent_then)
        .filter(parent_then=True)
    )
    document_then = _published_then(
        HistoricalDocument, OuterRef(OuterRef("pk")), OuterRef("history_date")
    )
    parents = [
        history.objects.filter(id=OuterRef(field), published=True)
        .annotate(document_then=document_then)
        .filter(document_then=True)
        for history, field in ((HistoricalMeeting, "meeting_id"), (HistoricalEvent, "event_id"))
    ]
    first_own = _earliest_moment(own)
    first_parent = Coalesce(*(_earliest_moment(rows) for rows in parents))
    # LEAST skips NULLs on PostgreSQL; SQLite's MIN gives NULL, hence the fallbacks.
    return Coalesce(Least(first_own, first_parent), first_own, first_parent)


def _document_rows(meetings: QuerySet[Meeting], *, with_events: bool) -> QuerySet:
    """Public documents of these (published) meetings and, `with_events`, of the published
    umbrella events of these meetings, with when each became public, latest first."""
    shown = Q(meeting__in=meetings.values("pk"))
    if with_events:
        events = meetings.filter(event__isnull=False).values("event_id")
        shown |= Q(event__in=events, event__published=True)
    return (
        Document.objects.filter(shown, published=True)
        .annotate(first_public=_first_public())
        # Documents their histories never show public (rows written around the ORM) last,
        # to be left out.
        .order_by(F("first_public").desc(nulls_last=True), "-id")
        .values(
            "id",
            "first_public",
            "kind",
            "title",
            "language",
            "published_on",
            "file",
            "filename",
            "url",
            "meeting_id",
            "event_id",
            "event__title",
            "event__slug",
        )
    )


def _folded(text: str) -> str:
    """Text compared without case, accents or the form of its apostrophes."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").casefold())
    return "".join(char for char in text if not unicodedata.combining(char))


def document_headline(kind_label: str, title: str) -> str:
    """The title and "published" when the title names the kind ("Chairman's Statement of
    the 55th AMM published"), else the kind first ("Agenda published: Provisional
    programme")."""
    if _folded(kind_label) in _folded(title):
        return f"{title} published"
    return f"{kind_label} published: {title}"


def _document_entry(row: dict, meeting: Meeting | None) -> ChangeEntry:
    document = PublishedDocument(
        kind=row["kind"],
        title=row["title"],
        language=row["language"],
        published_on=row["published_on"],
        url=document_url(pk=row["id"], file=row["file"], filename=row["filename"], url=row["url"]),
    )
    event = None
    if meeting is None:
        event = Event(id=row["event_id"], title=row["event__title"], slug=row["event__slug"])
    return ChangeEntry(
        id=f"p{row['id']}",
        at=row["first_public"],
        meeting=meeting,
        kinds=("document", row["kind"]),
        headline=document_headline(document.kind_label, document.title),
        changes=(),
        event=event,
        document=document,
    )


# Each source's rows, newest first by these two values.
ORDER_KEYS = {
    "m": ("history_date", "history_id"),
    "d": ("history_date", "history_id"),
    "p": ("first_public", "id"),
}


# At the same moment, newest first reads: the meeting's own change (its announcement), its
# delegations' answers, then the documents published with it; ids only within one source.
SOURCE_RANKS = {"m": 2, "d": 1, "p": 0}


def _order_key(item: tuple[str, dict]) -> tuple:
    source, row = item
    when, pk = (row[name] for name in ORDER_KEYS[source])
    return (when, SOURCE_RANKS[source], pk)


def _meeting_id(source: str, row: dict) -> int | None:
    return row["id"] if source == "m" else row["meeting_id"]


def _entries(
    meetings: QuerySet[Meeting],
    *,
    limit: int | None,
    offset: int,
    with_events: bool = True,
    known: dict[int, Meeting] | None = None,
) -> list[ChangeEntry]:
    wanted = None if limit is None else offset + limit
    meeting_ids = meetings.values("pk")
    documents = _document_rows(meetings, with_events=with_events)[:wanted]
    sources = [
        (("m", row) for row in _meeting_rows(meeting_ids)[:wanted]),
        (("d", row) for row in _delegation_rows(meeting_ids)[:wanted]),
        (("p", row) for row in documents if row["first_public"] is not None),
    ]
    merged = heapq.merge(*sources, key=_order_key, reverse=True)
    picked = list(islice(merged, offset, wanted))
    if known is None:
        ids = {_meeting_id(source, row) for source, row in picked} - {None}
        known = public_meeting_rows().in_bulk(ids) if ids else {}
    entries = []
    for source, row in picked:
        meeting_id = _meeting_id(source, row)
        meeting = known.get(meeting_id) if meeting_id is not None else None
        if meeting_id is not None and meeting is None:  # withdrawn between the two reads
            continue
        if source == "p":
            entries.append(_document_entry(row, meeting))
        elif meeting is not None:
            build = _meeting_entry if source == "m" else _delegation_entry
            entries.append(build(row, meeting))
    return entries


def public_changes(
    meetings: QuerySet[Meeting], *, limit: int | None = None, offset: int = 0
) -> list[ChangeEntry]:
    """Public change entries of `meetings` (published ones only), latest first, with the
    documents of their published umbrella events."""
    return _entries(meetings.filter(published=True), limit=limit, offset=offset)


def meeting_changes(meeting: Meeting) -> list[ChangeEntry]:
    """The public change entries of one meeting, its documents' included, latest first (none
    if it is unpublished)."""
    if not meeting.published or meeting.pk is None:
        return []
    meetings = Meeting.objects.filter(pk=meeting.pk, published=True)
    return _entries(meetings, limit=None, offset=0, with_events=False, known={meeting.pk: meeting})
