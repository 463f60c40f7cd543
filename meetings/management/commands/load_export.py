from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Load a `dumpdata` export (README, Backups) into an empty database, exactly as it "
        "was: `loaddata` without recording the load itself as new history."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="the export, e.g. aseancal.json.gz")

    def handle(self, *args, **options):
        # The export carries its own history rows. simple_history skips the raw saves of a
        # load, but m2m_changed has no "raw" flag: each many-to-many set would add a record.
        previous = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        settings.SIMPLE_HISTORY_ENABLED = False
        try:
            call_command("loaddata", *options["files"], verbosity=options["verbosity"])
        finally:
            settings.SIMPLE_HISTORY_ENABLED = previous
