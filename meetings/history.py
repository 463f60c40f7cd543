"""The historical record: `data/history/*.csv` loaded into the calendar, all or nothing.

Decisions:

- The files are checked first, as a whole (`check_dataset`): every problem of every row is
  listed by file and line, and a single one refuses the load before anything is written.
  The rules: known format and participant codes, real days in one year, first day not after
  the last, an IANA zone, at least one https source, no ordinal twice in a format, and a venue
  always in the same country (its host's) and zone.
- Meetings are checked and planned by the bulk importer (`meetings.imports.check`), so a
  historical row obeys exactly what a staff upload obeys, and created through
  `services.meeting_create`; the history says "Loaded from the historical dataset".
- A meeting already in the calendar (same format and number) is left as it is, except that
  empty `sources` are filled in: the 2022 reference week and whatever staff edited is never
  overwritten, and loading twice changes nothing. No delegations are invented.
- Reference rows the meetings need (the two summit formats, venues, umbrella events, chairs,
  coordinator terms) are created when missing and never changed; a chair or a coordinator
  term contradicting one already recorded is a problem, not an overwrite.
- Only https addresses are kept as sources (the meeting page links them); a row's http
  addresses stay in the dataset.
- A row giving a start time without an end time is stored all-day (a period needs both), and
  its description says when the meeting began.
- Coordinator terms are given in years: a term runs from 1 January of its first year to
  1 January after its last (open when the last year is not recorded); the note says so.
"""

import csv
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from meetings import services
from meetings.imports import cells
from meetings.imports.cells import CellError
from meetings.imports.check import check_table
from meetings.imports.results import Record, RowError, RowPlan, no_progress
from meetings.models import (
    Chairmanship,
    CoordinatorTerm,
    Event,
    Format,
    Meeting,
    Participant,
    Venue,
)
from meetings.validators import validate_sources, validate_timezone

REASON = "Loaded from the historical dataset"
DATA_DIR = Path(settings.BASE_DIR) / "data" / "history"
SERIES_FILES = (
    "summit.csv",
    "amm.csv",
    "arf.csv",
    "eas.csv",
    "eas_fmm.csv",
    "apt_summit.csv",
    "apt_fmm.csv",
)
CHAIRS_FILE, COORDINATORS_FILE = "chairs.csv", "coordinators.csv"
MEETING_COLUMNS = [
    "format",
    "number",
    "title",
    "event",
    "venue",
    "venue_city",
    "host",
    "first_day",
    "start_time",
    "last_day",
    "end_time",
    "timezone",
    "status",
    "status_note",
    "mode",
    "source",
    "notes",
]
# The dataset's series -> the calendar's format codes. The reference data's EAS and APT
# formats are the foreign ministers' meetings.
FORMAT_CODES = {
    "SUMMIT": "SUMMIT",
    "AMM": "AMM",
    "ARF": "ARF",
    "EAS_FMM": "EAS",
    "APT_FMM": "APT",
    "EAS_SUMMIT": "EAS_SUMMIT",
    "APT_SUMMIT": "APT_SUMMIT",
}
# Formats the dataset needs beyond the reference data: code -> (name, short name, the
# format whose invitations it copies).
NEW_FORMATS = {
    "EAS_SUMMIT": ("East Asia Summit", "EAS", "EAS"),
    "APT_SUMMIT": ("ASEAN Plus Three Summit", "APT Summit", "APT"),
}
NOTES_LENGTH = 300  # the notes of chairs and coordinator terms


@dataclass(frozen=True)
class Problem:
    """One reason the dataset cannot be loaded: where, and why."""

    file: str
    line: int
    message: str
    column: str = ""

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}{f', {self.column}' if self.column else ''}: {self.message}"


@dataclass
class Row:
    """One meeting row of a series file, with its parsed key values."""

    file: str
    line: int
    cells: dict[str, str]
    code: str = ""  # the calendar's format code
    number: int | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    sources: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int | None]:
        return self.code, self.number


@dataclass
class HistoryResult:
    """What a load did (or, in a dry run, would do), or why it was refused."""

    created: Counter[str] = field(default_factory=Counter)  # meetings, by format code
    present: Counter[str] = field(default_factory=Counter)  # rows whose meeting existed
    reference: Counter[str] = field(default_factory=Counter)  # other rows created or filled
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def https_sources(text: str) -> list[str]:
    """The https addresses of a `source` cell (space-separated); others are left out."""
    return [url for url in text.split() if url.lower().startswith("https://")]


def event_slug(title: str, year: int) -> str:
    """An umbrella event's slug, in the reference data's style: 2022-55th-amm-and-..."""
    return f"{year}-{slugify(title)}"[:120].strip("-")


def meeting_slug(code: str, year: int, number: int) -> str:
    """The slug services.meeting_slug would give, with hyphens for the code's underscores
    (the importer's slugs take none)."""
    return f"{year}-{code.lower().replace('_', '-')}-{number}"


def read_rows(data_dir: Path, problems: list[Problem]) -> list[Row]:
    """Every row of the series files; a missing file or column is a problem."""
    rows = []
    for name in SERIES_FILES:
        for line, record in _records(data_dir / name, MEETING_COLUMNS, problems):
            rows.append(Row(name, line, record))
    return rows


def _records(
    path: Path, columns: list[str], problems: list[Problem]
) -> Iterable[tuple[int, dict[str, str]]]:
    if not path.exists():
        problems.append(Problem(path.name, 0, "the file is missing."))
        return
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            problems.append(Problem(path.name, 1, f"missing columns: {', '.join(missing)}."))
            return
        for record in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in record.items() if k}


def check_dataset(rows: list[Row], participants: set[str], problems: list[Problem]) -> None:
    """Check each row and the rows together; every problem is added to `problems`."""
    for row in rows:
        _check_row(row, participants, problems)
    _check_ordinals(rows, problems)
    _check_venues(rows, problems)


def _check_row(row: Row, participants: set[str], problems: list[Problem]) -> None:
    def fail(message: str, column: str = "") -> None:
        problems.append(Problem(row.file, row.line, message, column))

    c = row.cells
    row.code = FORMAT_CODES.get(c["format"], "")
    if not row.code:
        fail(f"unknown series “{c['format']}”.", "format")
    try:
        row.number = cells.number(c["number"])
    except CellError as exc:
        fail(str(exc), "number")
    if row.number is None and not problems_for(row, problems, "number"):
        fail("an ordinal is needed.", "number")
    for column in ("first_day", "last_day"):
        try:
            setattr(row, column, cells.date(c[column]))
        except CellError as exc:
            fail(str(exc), column)
    _check_days(row, fail)
    try:
        validate_timezone(c["timezone"])
    except ValidationError:
        fail(f"“{c['timezone']}” is not an IANA time zone name.", "timezone")
    if c["host"] not in participants:
        fail(f"unknown participant code “{c['host']}”.", "host")
    row.sources = https_sources(c["source"])
    if not row.sources:
        fail("no https source: at least one address must be https.", "source")
    try:
        validate_sources("\n".join(row.sources))
    except ValidationError as exc:
        fail(" ".join(exc.messages), "source")


def problems_for(row: Row, problems: list[Problem], column: str) -> bool:
    """Whether a problem was already recorded for this row's column."""
    return any(p.file == row.file and p.line == row.line and p.column == column for p in problems)


def _check_days(row: Row, fail: Any) -> None:
    first, last = row.first_day, row.last_day
    if first is None or last is None:
        return
    if last < first:
        fail(f"the last day {last} is before the first day {first}.", "last_day")
    elif first.year != last.year:
        fail(f"the days {first} to {last} are not within one year.", "last_day")


def _check_ordinals(rows: list[Row], problems: list[Problem]) -> None:
    seen: dict[tuple[str, int | None], Row] = {}
    for row in rows:
        if not row.code or row.number is None:
            continue
        first = seen.setdefault(row.key, row)
        if first is not row:
            problems.append(
                Problem(
                    row.file,
                    row.line,
                    f"{row.code} {row.number} is already on {first.file}, line {first.line}.",
                    "number",
                )
            )


def _check_venues(rows: list[Row], problems: list[Problem]) -> None:
    """A venue is in one country (the host's) and one zone, in the files and the calendar."""
    known = {(v.name, v.city): v for v in Venue.objects.all()}
    first_row: dict[tuple[str, str], Row] = {}
    for row in rows:
        c = row.cells
        place = (c["venue"], c["venue_city"])
        venue = known.get(place)
        if venue is not None:
            country, zone, where = venue.country_code, venue.timezone, "the calendar"
        else:
            other = first_row.setdefault(place, row)
            country, zone = other.cells["host"], other.cells["timezone"]
            where = f"{other.file}, line {other.line}"
        if c["host"] != country:
            problems.append(
                Problem(
                    row.file,
                    row.line,
                    f"the host {c['host']} is not the country of the venue “{place[0]}” "
                    f"in {place[1]} ({country}, per {where}).",
                    "host",
                )
            )
        if c["timezone"] != zone:
            problems.append(
                Problem(
                    row.file,
                    row.line,
                    f"the venue “{place[0]}” in {place[1]} is in {zone} (per {where}).",
                    "timezone",
                )
            )


def load_history(*, data_dir: Path = DATA_DIR, dry_run: bool = False) -> HistoryResult:
    """Load the dataset into the calendar, all or nothing; a dry run checks and rolls back."""
    result = HistoryResult()
    rows = read_rows(data_dir, result.problems)
    chairs = list(_records(data_dir / CHAIRS_FILE, ["year", "country_code"], result.problems))
    terms = list(
        _records(
            data_dir / COORDINATORS_FILE,
            ["partner_code", "coordinator_code", "first_year", "last_year"],
            result.problems,
        )
    )
    participants = {p.code: p for p in Participant.objects.all()}
    check_dataset(rows, set(participants), result.problems)
    if result.problems:
        return result
    with transaction.atomic():
        _apply(rows, chairs, terms, participants, result)
        if result.problems or dry_run:
            transaction.set_rollback(True)
    result.applied = not result.problems and not dry_run
    return result


def _apply(
    rows: list[Row],
    chairs: list[tuple[int, dict[str, str]]],
    terms: list[tuple[int, dict[str, str]]],
    participants: dict[str, Participant],
    result: HistoryResult,
) -> None:
    formats = _formats(result)
    if result.problems:
        return
    _chairs(chairs, participants, result)
    _coordinators(terms, participants, result)
    existing = {
        (m.format.code, m.number): m
        for m in Meeting.objects.filter(number__isnull=False).select_related("format", "event")
    }
    new = [row for row in rows if row.key not in existing]
    for row in rows:
        if row.key in existing:
            _fill_sources(existing[row.key], row, result)
    _venues(new, result)
    events = _events(rows, new, existing, participants, result)
    for name in SERIES_FILES:
        _create_meetings(name, [r for r in new if r.file == name], events, formats, result)


def _save_reference(obj: models.Model, result: HistoryResult, file: str, line: int) -> bool:
    """Validate and save a reference row with the history's reason; False after a problem."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        result.problems.append(Problem(file, line, " ".join(exc.messages)))
        return False
    obj._change_reason = REASON  # type: ignore[attr-defined]  # read by simple_history
    obj.save()
    result.reference[f"{obj._meta.verbose_name} created"] += 1
    return True


def _formats(result: HistoryResult) -> dict[str, Format]:
    formats = {f.code: f for f in Format.objects.all()}
    for code, (name, short, like) in NEW_FORMATS.items():
        if code in formats:
            continue
        model = formats.get(like)
        if model is None:
            result.problems.append(
                Problem("", 0, f"the format {like} is missing: load the reference data first.")
            )
            continue
        fmt = Format(
            code=code,
            name=name,
            short_name=short,
            invites_members=model.invites_members,
            invites_observers=model.invites_observers,
            invites_dialogue_partners=model.invites_dialogue_partners,
            invites_arf_participants=model.invites_arf_participants,
            invites_counterpart=model.invites_counterpart,
        )
        if _save_reference(fmt, result, "", 0):
            fmt.invited_participants.set(model.invited_participants.all())
            formats[code] = fmt
    missing = sorted(set(FORMAT_CODES.values()) - set(formats))
    if missing and not result.problems:
        result.problems.append(
            Problem("", 0, f"formats missing: {', '.join(missing)}: load the reference data first.")
        )
    return formats


def _notes(text: str) -> str:
    return text if len(text) <= NOTES_LENGTH else text[: NOTES_LENGTH - 1].rstrip() + "…"


def _chairs(
    records: list[tuple[int, dict[str, str]]],
    participants: dict[str, Participant],
    result: HistoryResult,
) -> None:
    known = {c.year: c for c in Chairmanship.objects.select_related("participant")}
    for line, c in records:
        year, code = cells.number(c["year"]) if c["year"].isdigit() else None, c["country_code"]
        if year is None or code not in participants:
            result.problems.append(
                Problem(CHAIRS_FILE, line, f"not a year and a known chair: {year}, {code}.")
            )
            continue
        found = known.get(year)
        if found is None:
            chair = Chairmanship(
                year=year, participant=participants[code], notes=_notes(c["notes"])
            )
            _save_reference(chair, result, CHAIRS_FILE, line)
        elif found.participant.code != code:
            result.problems.append(
                Problem(
                    CHAIRS_FILE,
                    line,
                    f"the calendar records {found.participant.code} as the chair in {year}, "
                    f"not {code}.",
                    "country_code",
                )
            )


def _term_period(c: dict[str, str]) -> tuple[dt.date, dt.date | None]:
    first = dt.date(int(c["first_year"]), 1, 1)
    last = dt.date(int(c["last_year"]) + 1, 1, 1) if c["last_year"] else None
    return first, last


def _coordinators(
    records: list[tuple[int, dict[str, str]]],
    participants: dict[str, Participant],
    result: HistoryResult,
) -> None:
    known = list(CoordinatorTerm.objects.select_related("partner", "coordinator"))
    for line, c in records:
        partner, coordinator = (
            participants.get(c["partner_code"]),
            participants.get(c["coordinator_code"]),
        )
        if partner is None or coordinator is None or not c["first_year"].isdigit():
            result.problems.append(
                Problem(COORDINATORS_FILE, line, "unknown participant code or year.")
            )
            continue
        start, end = _term_period(c)
        same = [t for t in known if t.partner_id == partner.pk]
        if any(t.coordinator_id == coordinator.pk for t in same):
            continue
        clash = next((t for t in same if _overlap(t, start, end)), None)
        if clash is not None:
            result.problems.append(
                Problem(
                    COORDINATORS_FILE,
                    line,
                    f"the calendar records {clash.coordinator.code} coordinating "
                    f"{partner.code} from {clash.start} to {clash.end or 'now'}.",
                )
            )
            continue
        note = f"Years {c['first_year']}–{c['last_year'] or '…'} only. {c['notes']}"
        term = CoordinatorTerm(
            partner=partner, coordinator=coordinator, start=start, end=end, notes=_notes(note)
        )
        _save_reference(term, result, COORDINATORS_FILE, line)


def _overlap(term: CoordinatorTerm, start: dt.date, end: dt.date | None) -> bool:
    """Whether a recorded term surely overlaps [start, end): a term whose first day is not
    recorded is not known to overlap."""
    if term.start is None:
        return False
    return (end is None or term.start < end) and (term.end is None or term.end > start)


def _fill_sources(meeting: Meeting, row: Row, result: HistoryResult) -> None:
    """An existing meeting keeps everything; only empty sources are filled in."""
    result.present[row.code] += 1
    if meeting.sources.strip():
        return
    meeting.sources = "\n".join(row.sources)
    try:
        services.meeting_save(meeting=meeting, by=None, reason=REASON)
    except ValidationError as exc:
        result.problems.append(Problem(row.file, row.line, " ".join(exc.messages)))
        return
    result.reference["meeting sources filled"] += 1


def _venues(rows: list[Row], result: HistoryResult) -> None:
    known = set(Venue.objects.values_list("name", "city"))
    for row in rows:
        c = row.cells
        if (c["venue"], c["venue_city"]) in known:
            continue
        venue = Venue(
            name=c["venue"], city=c["venue_city"], country_code=c["host"], timezone=c["timezone"]
        )
        if _save_reference(venue, result, row.file, row.line):
            known.add((venue.name, venue.city))


def _events(
    rows: list[Row],
    new: list[Row],
    existing: dict[tuple[str, int | None], Meeting],
    participants: dict[str, Participant],
    result: HistoryResult,
) -> dict[tuple[str, int], str]:
    """The slug of each (event title, year) the rows name; events new rows need are
    created (spanning all their rows), unless an existing meeting of theirs has one."""
    groups: dict[tuple[str, int], list[Row]] = defaultdict(list)
    for row in rows:
        if row.cells["event"] and row.first_day is not None:
            groups[(row.cells["event"], row.first_day.year)].append(row)
    needed = {(r.cells["event"], r.first_day.year) for r in new if r.cells["event"] and r.first_day}
    slugs = {}
    for (title, year), members in groups.items():
        kept = [existing[r.key].event for r in members if r.key in existing]
        event = next((e for e in kept if e is not None), None)
        slug = event.slug if event else event_slug(title, year)
        slugs[(title, year)] = slug
        if (title, year) in needed and not Event.objects.filter(slug=slug).exists():
            _save_reference(_event(title, slug, members, participants), result, *_where(members))
    return slugs


def _where(members: list[Row]) -> tuple[str, int]:
    return members[0].file, members[0].line


def _event(
    title: str, slug: str, members: list[Row], participants: dict[str, Participant]
) -> Event:
    days = [d for r in members for d in (r.first_day, r.last_day) if d is not None]
    return Event(
        title=title,
        slug=slug,
        host=participants[members[0].cells["host"]],
        start_date=min(days),
        end_date=max(days),
        published=True,
    )


def _record(row: Row, events: dict[tuple[str, int], str]) -> Record:
    """The importer's record of a new row (its columns, with the calendar's codes)."""
    c = row.cells
    assert row.first_day is not None
    assert row.number is not None
    both_times = bool(c["start_time"] and c["end_time"])
    return Record(
        row.line,
        {
            "slug": meeting_slug(row.code, row.first_day.year, row.number),
            "format": row.code,
            "number": row.number,
            "title": c["title"],
            "event": events.get((c["event"], row.first_day.year), "") if c["event"] else "",
            "venue": c["venue"],
            "venue_city": c["venue_city"],
            "host": c["host"],
            "first_day": c["first_day"],
            "start_time": c["start_time"] if both_times else "",
            "last_day": c["last_day"],
            "end_time": c["end_time"] if both_times else "",
            "timezone": c["timezone"],
            "status": c["status"],
            "status_note": c["status_note"],
            "mode": c["mode"],
            "published": "yes",
        },
    )


def _description(row: Row) -> str:
    """When only a start time is given, the description keeps it (the meeting is all-day)."""
    start, end = row.cells["start_time"], row.cells["end_time"]
    if start and not end:
        return f"<p>Began at {start} local time; the end time is not recorded.</p>"
    return ""


def _create_meetings(
    name: str,
    rows: list[Row],
    events: dict[tuple[str, int], str],
    formats: dict[str, Format],
    result: HistoryResult,
) -> None:
    """Check the file's new rows as the importer checks an upload, then create them."""
    if not rows:
        return
    records = [_record(row, events) for row in rows]
    errors: list[RowError] = []
    plans = check_table(list(records[0].cells), records, errors, no_progress)
    result.problems += [Problem(name, e.line, e.message, e.column) for e in errors]
    by_line = {row.line: row for row in rows}
    for plan in plans:
        if plan.action != "create":
            result.problems.append(
                Problem(name, plan.line, f"the slug {plan.key} is another meeting's.", "number")
            )
            continue
        _create(name, plan, by_line[plan.line], result)


def _create(name: str, plan: RowPlan, row: Row, result: HistoryResult) -> None:
    try:
        with transaction.atomic():
            services.meeting_create(
                by=None,
                reason=REASON,
                sources="\n".join(row.sources),
                description=_description(row),
                **plan.values,
            )
    except ValidationError as exc:
        result.problems.append(Problem(name, plan.line, " ".join(exc.messages)))
        return
    except IntegrityError as exc:
        result.problems.append(Problem(name, plan.line, f"refused by the database: {exc}"))
        return
    result.created[row.code] += 1
