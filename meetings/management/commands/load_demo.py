from django.core.management.base import BaseCommand

from meetings.demo import load_demo
from meetings.models import Meeting


class Command(BaseCommand):
    help = "Load the reference calendar (55th AMM, Phnom Penh 2022) and sample upcoming meetings."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a calendar without meetings (make run), so that a restart "
            "never puts edited demo rows back as they were.",
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and Meeting.objects.exists():
            self.stdout.write("The calendar has meetings already: demo data not loaded.")
            return
        counts = load_demo()
        if not counts:
            self.stdout.write("Demo data already loaded: nothing changed.")
            return
        for what, n in sorted(counts.items()):
            self.stdout.write(f"{what}: {n}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
