from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meetings.demo import DEMO_REASON
from meetings.history import DATA_DIR, FORMAT_CODES, HistoryResult, load_history
from meetings.models import Meeting


def holds_own_meetings() -> bool:
    """Whether the calendar holds a meeting the demo loader did not create."""
    demo = Meeting.history.filter(history_type="+", history_change_reason=DEMO_REASON)
    return Meeting.objects.exclude(pk__in=demo.values("id")).exists()


class Command(BaseCommand):
    help = (
        "Load the historical record (data/history/*.csv: ASEAN Summits, AMM, ARF, EAS, APT) "
        "into the calendar, all or nothing. Meetings already there are left as they are "
        "(only empty sources are filled in), so loading again changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the files and report; write nothing."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a calendar whose meetings all came from the reference data "
            "(load_demo): make run, so that meetings staff deleted are not brought back.",
        )
        parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="The dataset's folder.")

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and holds_own_meetings():
            self.stdout.write(
                "The calendar holds meetings beyond the reference data: history not loaded."
            )
            return
        result = load_history(data_dir=options["data_dir"], dry_run=options["dry_run"])
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(result.problems)} problem(s) in the historical dataset: nothing loaded."
            )
        self.report(result, dry_run=options["dry_run"])

    def report(self, result: HistoryResult, *, dry_run: bool) -> None:
        verb = "would be created" if dry_run else "created"
        for code in sorted(set(FORMAT_CODES.values())):
            self.stdout.write(
                f"{code}: {result.created[code]} {verb}, {result.present[code]} already present"
            )
        for what, n in sorted(result.reference.items()):
            self.stdout.write(f"{what}: {n}")
        total = sum(result.created.values())
        present = sum(result.present.values())
        message = f"Total: {total} meetings {verb}, {present} already present."
        if dry_run:
            self.stdout.write(f"{message} Dry run: nothing written.")
        else:
            self.stdout.write(self.style.SUCCESS(message))
