"""The checker shared by spreadsheet rows and calendar events: errors, claimed keys, plans."""

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from meetings.formatting import offset_label
from meetings.imports.cells import CellError
from meetings.imports.lookups import Lookups
from meetings.imports.results import RowError, RowPlan
from meetings.models import Event, Format, Meeting, Participant
from meetings.selectors import meeting_title_default

# Fields a row may set, in the order changes are listed.
FIELDS = (
    "format",
    "number",
    "counterpart",
    "title",
    "event",
    "venue",
    "host",
    "timezone",
    "all_day",
    "start",
    "end",
    "status",
    "status_note",
    "mode",
    "published",
    "description",
    "confirmation_deadline",
)
SHOWN_LENGTH = 80  # characters of a value a preview shows

# How a row names its meeting, to refuse a second row naming the same one:
# ("pk", 12), ("slug", "2022-amm-55") or ("number", "AMM", 55).
Key = tuple[Any, ...]


class RowChecker:
    """Turns each record into a plan, collecting every reason a row is bad."""

    def __init__(self, lookups: Lookups, errors: list[RowError]):
        self.lookups = lookups
        self.errors = errors
        self.seen: dict[Key, int] = {}

    def fail(self, line: int, message: str, column: str = "") -> None:
        """Record one reason the row on `line` is bad."""
        self.errors.append(RowError(line, message, column))

    def cell(
        self, line: int, row: Mapping[str, Any], name: str, parse: Callable[[Any], Any]
    ) -> Any:
        """The parsed cell `name` of the row, or None after recording why it is bad."""
        try:
            return parse(row.get(name))
        except CellError as exc:
            self.fail(line, str(exc), exc.column or name)
            return None

    def claim(self, line: int, keys: Iterable[Key], label: str) -> bool:
        """Refuse a row naming a meeting an earlier row of the file already named."""
        for key in keys:
            if key in self.seen:
                self.fail(line, f"{label} is already on line {self.seen[key]}.")
                return False
        for key in keys:
            self.seen[key] = line
        return True

    def plan(self, line: int, meeting: Meeting | None, key: str, values: dict[str, Any]) -> RowPlan:
        """The plan of a good row; `values` must hold the zone, as every check sets it."""
        zone = values["timezone"]
        when = f"{start_shown(values, zone)} ({zone})" if "start" in values else ""
        if meeting is None:
            probe = Meeting(**{k: v for k, v in values.items() if k != "slug"})
            title = values.get("title") or meeting_title_default(probe)
            return RowPlan(line, key, "create", None, values, title=title, when=when)
        changes = _changes(meeting, values, zone)
        action = "change" if changes else "unchanged"
        title = values.get("title") or meeting.title
        return RowPlan(line, key, action, meeting, values, changes, title=title, when=when)


def _changes(meeting: Meeting, values: dict[str, Any], zone: str) -> list[tuple[str, str, str]]:
    """Field, old and new of each value that changes the meeting, in FIELDS order.

    A value equal to the old one is replaced by the old one, so saving it changes nothing.
    The start and end of an all-day meeting are shown as its first and last days.
    """
    old_days = meeting.local_days() if meeting.all_day else None
    new_days = _all_days(values, zone) if values.get("all_day", meeting.all_day) else None
    changes = []
    for name in FIELDS:
        if name not in values:
            continue
        old, new = getattr(meeting, name), values[name]
        if same(old, new):
            values[name] = old
            continue
        changes.append(
            (
                name,
                _shown_field(name, old, meeting.timezone, old_days),
                _shown_field(name, new, zone, new_days),
            )
        )
    return changes


def _all_days(values: dict[str, Any], zone: str) -> tuple[dt.date, dt.date] | None:
    """The first and last (inclusive) days of the row's all-day period, at the venue."""
    if "start" not in values or "end" not in values:
        return None
    probe = Meeting(timezone=zone, start=values["start"], end=values["end"], all_day=True)
    return probe.local_days()


def _shown_field(name: str, value: Any, zone: str, days: tuple[dt.date, dt.date] | None) -> str:
    """A field's value as a preview lists it; the days alone for an all-day start or end."""
    if days is not None and name in ("start", "end"):
        return days[0 if name == "start" else 1].isoformat()
    return shown(value, zone)


def start_shown(values: dict[str, Any], zone: str) -> str:
    """When a row starts, in the venue's time: its first day only if it is all day."""
    days = _all_days(values, zone) if values.get("all_day") else None
    if days is not None:
        return f"{days[0].isoformat()}, all day"
    return shown(values["start"], zone)


def same(old: Any, new: Any) -> bool:
    """Equal, ignoring blanks around text (spreadsheets add and drop them: no history row)
    and, in text on one line, runs of spaces (feeds and calendar apps collapse them, so a
    title exported and imported back would otherwise raise the meeting's SEQUENCE)."""
    if isinstance(old, str) and isinstance(new, str):
        if "\n" in old or "\n" in new:
            return old.strip() == new.strip()
        return old.split() == new.split()
    return bool(old == new)


def shown(value: Any, zone: str) -> str:
    """A value as a preview lists it: local times with their offset, codes, yes/no."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        local = value.astimezone(zoneinfo.ZoneInfo(zone))
        return f"{local:%Y-%m-%d %H:%M} {offset_label(local)}"
    if isinstance(value, Format | Participant):
        return value.code
    if isinstance(value, Event):
        return value.slug
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"
