"""A `utc_offset` cell, written as people and programs write offsets, read into minutes.

Spreadsheets hold offsets in several notations: the site's own (`UTC+7`, `UTC+6:30`, as
an export writes them), ISO 8601 (`+07:00`, `+0700`, `+07`, `Z`) and the older `GMT+7`.
All are read alike, any case, spaces ignored. A mismatch is reported with the zone's
offset written back in the notation the cell used, so the correction reads as the cell
does, and in the site's own notation beside it.
"""

import re
from dataclasses import dataclass

from meetings.imports.cells import CellError

MINUS_SIGNS = "-\u2212"  # a hyphen-minus, or the minus sign typographers use
OFFSET = re.compile(
    r"(?P<prefix>UTC|GMT)?"
    r"(?:(?P<sign>[+\-\u2212])(?P<hours>\d{1,2})(?:(?P<colon>:?)(?P<minutes>\d{2}))?)?",
    re.IGNORECASE,
)
MAX_MINUTES = 14 * 60  # no zone is further from UTC than UTC+14 (Kiribati) or UTC-12
FORMS = "UTC+7, UTC+6:30, +07:00, +0700, +07, GMT+7, or Z for UTC itself"


@dataclass(frozen=True)
class Notation:
    """How an offset was written, to write another one the same way."""

    prefix: str = ""  # "UTC" or "GMT" as written, or ""
    zulu: bool = False  # "Z"
    signed: bool = True  # False for a prefix alone ("UTC")
    minus: str = "-"
    padded: bool = False  # two-digit hours: "+07"
    colon: bool = True  # "+07:00" rather than "+0700"
    minutes: bool = False  # minutes written even when zero: "+07:00", "UTC+07:00"

    def write(self, minutes: int) -> str:
        """`minutes` east of UTC in this notation: 420 -> "+07:00", "+0700", "GMT+7", ..."""
        if self.zulu:
            return "Z" if minutes == 0 else Notation(padded=True, minutes=True).write(minutes)
        if not self.signed:
            return self.prefix if minutes == 0 else Notation(prefix=self.prefix).write(minutes)
        hours, rest = divmod(abs(minutes), 60)
        text = f"{self.prefix}{self.minus if minutes < 0 else '+'}"
        text += f"{hours:02d}" if self.padded else str(hours)
        if self.minutes:
            text += f"{':' if self.colon else ''}{rest:02d}"
        elif rest:
            text += f":{rest:02d}"
        return text


@dataclass(frozen=True)
class Offset:
    """An offset read from a cell: minutes east of UTC, and how it was written."""

    minutes: int
    notation: Notation


def read_offset(cell: str) -> Offset:
    """The offset a cell writes, in any accepted notation; CellError if it writes none."""
    compact = "".join(cell.split())
    if compact.upper() == "Z":
        return Offset(0, Notation(zulu=True))
    match = OFFSET.fullmatch(compact)
    if match is None or not (match["prefix"] or match["sign"]):
        raise CellError(f"“{cell}” is not a UTC offset: write it as {FORMS}.")
    if not match["sign"]:
        return Offset(0, Notation(prefix=match["prefix"], signed=False))
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    # "+700" would be read as 7:00 by the pattern alone; only "+0700" is a compact offset.
    compact_hours = match["minutes"] is not None and not match["colon"]
    total = hours * 60 + minutes
    if minutes >= 60 or total > MAX_MINUTES or (compact_hours and len(match["hours"]) != 2):
        raise CellError(f"“{cell}” is not a UTC offset: write it as {FORMS}.")
    notation = Notation(
        prefix=match["prefix"] or "",
        minus=match["sign"] if match["sign"] in MINUS_SIGNS else "-",
        padded=len(match["hours"]) == 2,
        colon=not compact_hours,
        minutes=match["minutes"] is not None,
    )
    return Offset(-total if match["sign"] in MINUS_SIGNS else total, notation)


def offset_mismatch(cell: str, offset: Offset, *, expected: int, label: str, zone: str) -> str:
    """Why the offset a cell gives is not the zone's: the zone's offset in the cell's
    notation, and in the site's (`label`) when that reads differently."""
    written = offset.notation.write(expected)
    shown = written if written.upper() == label.upper() else f"{written} ({label})"
    return f"“{cell}” does not match {zone}, which is {shown} at the start."
