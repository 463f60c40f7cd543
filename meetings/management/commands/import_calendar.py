import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings.imports import KINDS, ImportFileError, ImportResult, import_calendar

# Below this many rows a progress line is noise.
PROGRESS_MIN_ROWS = 200
STAGES = {"check": "Checked", "save": "Saved"}


class Progress:
    """A bar redrawn in place on a terminal; on a pipe, a line every tenth of the way."""

    def __init__(self, stream, *, tty: bool):
        self.stream = stream
        self.tty = tty
        self.shown: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total < PROGRESS_MIN_ROWS:
            return
        step = done * (40 if self.tty else 10) // total
        if step <= self.shown.get(stage, 0):
            return
        self.shown[stage] = step
        label = f"{STAGES.get(stage, stage)} {done}/{total} rows"
        if self.tty:
            bar = "#" * step + "." * (40 - step)
            ending = "\n" if done == total else ""
            self.stream.write(f"\r[{bar}] {label}", style_func=str, ending=ending)
        else:
            self.stream.write(label, style_func=str)
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import meetings from a CSV, XLSX or ICS file, all or nothing: one bad row imports "
        "nothing, and every bad row is reported with its line number and the reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The .csv, .xlsx or .ics file ('-' reads standard input).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would change, saving nothing.",
        )
        parser.add_argument(
            "--format",
            dest="kind",
            choices=KINDS,
            help="The file's kind, when its name does not say (default: from the name).",
        )
        parser.add_argument(
            "--user", help="Username the changes are recorded under in the history."
        )

    def handle(self, *args, file: str, dry_run: bool, kind: str | None, user: str | None, **opts):
        by = _user(user) if user else None
        data, name = _read(file)
        progress = Progress(self.stderr, tty=self.stderr.isatty())
        try:
            result = import_calendar(
                data, name=name, by=by, dry_run=dry_run, kind=kind, progress=progress
            )
        except ImportFileError as exc:
            raise CommandError(f"{name}: {exc} Nothing imported.") from exc
        if not result.ok:
            self.stderr.write(result.report())
            raise CommandError(f"{name}: {result.summary()}")
        self._write_plans(result)
        summary = f"{name}: {result.summary()}"
        if dry_run:
            self.stdout.write(f"{summary} Dry run: nothing saved.")
        else:
            self.stdout.write(self.style.SUCCESS(summary))

    def _write_plans(self, result: ImportResult) -> None:
        """One line a meeting created, one a field changed."""
        for plan in result.plans:
            if plan.action == "create":
                self.stdout.write(f"line {plan.line}: create {plan.key}: {plan.title}, {plan.when}")
            for field, old, new in plan.changes:
                self.stdout.write(f"line {plan.line}: {plan.key}: {field}: {old} -> {new}")


def _user(username: str) -> AbstractBaseUser:
    """The user the history records the changes under."""
    by = get_user_model().objects.filter(username=username).first()
    if by is None:
        raise CommandError(f"No user “{username}”.")
    return by


def _read(file: str) -> tuple[bytes, str]:
    """The file's bytes and the name reports give it ('-': standard input)."""
    if file == "-":
        return sys.stdin.buffer.read(), "standard input"
    path = Path(file)
    if not path.is_file():
        raise CommandError(f"No file {file}.")
    return path.read_bytes(), path.name
