"""What an import reads and reports: records, bad rows, the plan of each row, the outcome."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meetings.imports.columns import COLUMNS
from meetings.models import Meeting

# The importer's progress callback: stage ("check" or "save"), rows done, rows in all.
Progress = Callable[[str, int, int], None]
ACTIONS = ("create", "change", "unchanged")


def no_progress(stage: str, done: int, total: int) -> None:
    """A progress callback that reports nothing."""
    return None


class ImportFileError(Exception):
    """The file cannot be read at all (wrong kind, not UTF-8, too large, ...)."""


@dataclass(frozen=True)
class RowError:
    """One reason a row is bad: its line, the message and, when known, the column."""

    line: int
    message: str
    column: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class Record:
    """One data row: its line in the file and its cells by column name."""

    line: int
    cells: dict[str, Any]


@dataclass
class RowPlan:
    """What importing one row does to the calendar."""

    line: int
    key: str
    action: str  # "create", "change" or "unchanged"
    meeting: Meeting | None
    values: dict[str, Any]
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # field, old, new
    title: str = ""
    when: str = ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _error_order(error: RowError) -> tuple[int, int]:
    return error.line, COLUMNS.index(error.column) if error.column in COLUMNS else -1


@dataclass
class ImportResult:
    """The outcome of an import or a dry run: a plan per row, or the bad rows."""

    name: str
    rows: int = 0
    plans: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    stale: bool = False  # the plan differs from the one previewed: nothing was applied

    @property
    def ok(self) -> bool:
        """True when no row is bad."""
        return not self.errors

    def count(self, action: str) -> int:
        """How many rows plan this action."""
        return sum(1 for plan in self.plans if plan.action == action)

    @property
    def counts(self) -> dict[str, int]:
        """Rows by action: create, change, unchanged."""
        return {action: self.count(action) for action in ACTIONS}

    @property
    def digest(self) -> str:
        """A fingerprint of the plan, to check a confirmed preview is what gets applied."""
        text = repr([(p.line, p.key, p.action, p.changes) for p in self.plans])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def report(self) -> str:
        """Every bad row, one reason a line, in file order."""
        return "\n".join(str(error) for error in sorted(self.errors, key=_error_order))

    def summary(self) -> str:
        """One sentence: rows read, then the bad rows or what was (or would be) done."""
        read = f"{_plural(self.rows, 'row')} read"
        if self.errors:
            bad = len({error.line for error in self.errors})
            return f"{read}: {_plural(bad, 'bad row')}; nothing imported."
        counts = self.counts
        verb = "" if self.applied else "would be "
        return (
            f"{read}: {counts['create']} {verb}created, {counts['change']} {verb}changed, "
            f"{counts['unchanged']} unchanged."
        )
