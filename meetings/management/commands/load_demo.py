from django.core.management.base import BaseCommand

from meetings.demo import load_demo


class Command(BaseCommand):
    help = "Load the reference calendar (55th AMM, Phnom Penh 2022) and sample upcoming meetings."

    def handle(self, *args, **options) -> None:
        counts = load_demo()
        if not counts:
            self.stdout.write("Demo data already loaded: nothing changed.")
            return
        for what, n in sorted(counts.items()):
            self.stdout.write(f"{what}: {n}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
