"""The public record of what changed: entries built from the history of published meetings.

A reader learns of reschedulings, venue changes, status changes (cancellations,
postponements), new titles and delegations' answers, with old and new values.
Only changes made while the meeting was published count, and only for meetings
published now: the values before a change were then public, so nothing staff
drafted in private leaks. Staff-only fields (contact addresses, notes, revision,
the published flag itself, who made the change and why) are never read. Creating a
meeting or a delegation (even one recorded with its answer) is where its record
starts, not a change.

Each source is one query: window functions pair every history row with the one
before it, and the database keeps only rows where a public value changed.
"""

import datetime as dt
import heapq
import zoneinfo
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Lag

from meetings.enums import AttendanceStatus, MeetingStatus
from meetings.formatting import day_text, days_text, offsets_label
from meetings.models import Delegation, Meeting
from meetings.selectors import public_meeting_rows

HistoricalMeeting = Meeting.history.model
HistoricalDelegation = Delegation.history.model

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
class ChangeEntry:
    """One public change to one meeting."""

    id: str  # "m<history id>" or "d<history id>": stable, also the anchor on the meeting page
    at: dt.datetime
    meeting: Meeting
    kinds: tuple[str, ...]  # rescheduled, moved, cancelled, postponed, status, renamed, ...
    headline: str
    changes: tuple[FieldChange, ...]
    note: str = ""

    @property
    def meeting_url(self) -> str:
        return settings.SITE_URL + self.meeting.get_absolute_url()

    @property
    def url(self) -> str:
        """The entry on the meeting's page: its link, and its id in feeds."""
        return f"{self.meeting_url}#change-{self.id}"

    @property
    def title(self) -> str:
        return f"{self.meeting.title}: {self.headline}"


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
        .annotate(shown=_after_window(Q(published=True, old_published=True) & changed))
        .filter(shown=True)
        .order_by("-history_date", "-history_id")
        .values(
            "history_id",
            "history_date",
            "id",
            "status_note",
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
        note=note,
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
        note=f"Head of delegation: {head}" if row["head_name"] and head else "",
    )


def _entries(
    meeting_ids: QuerySet,
    *,
    limit: int | None,
    offset: int,
    known: dict[int, Meeting] | None = None,
) -> list[ChangeEntry]:
    wanted = None if limit is None else offset + limit
    sources = [
        (("m", row) for row in _meeting_rows(meeting_ids)[:wanted]),
        (("d", row) for row in _delegation_rows(meeting_ids)[:wanted]),
    ]
    merged = heapq.merge(
        *sources, key=lambda item: (item[1]["history_date"], item[1]["history_id"]), reverse=True
    )
    picked = list(islice(merged, offset, wanted))
    if known is None:
        ids = {row["id"] if kind == "m" else row["meeting_id"] for kind, row in picked}
        known = public_meeting_rows().in_bulk(ids) if ids else {}
    entries = []
    for kind, row in picked:
        meeting = known.get(row["id"] if kind == "m" else row["meeting_id"])
        if meeting is None:  # withdrawn between the two reads
            continue
        build = _meeting_entry if kind == "m" else _delegation_entry
        entries.append(build(row, meeting))
    return entries


def public_changes(
    meetings: QuerySet[Meeting], *, limit: int | None = None, offset: int = 0
) -> list[ChangeEntry]:
    """Public change entries of `meetings` (published ones only), latest first."""
    return _entries(meetings.filter(published=True).values("pk"), limit=limit, offset=offset)


def meeting_changes(meeting: Meeting) -> list[ChangeEntry]:
    """The public change entries of one meeting, latest first (none if it is unpublished)."""
    if not meeting.published or meeting.pk is None:
        return []
    ids = Meeting.objects.filter(pk=meeting.pk, published=True).values("pk")
    return _entries(ids, limit=None, offset=0, known={meeting.pk: meeting})
