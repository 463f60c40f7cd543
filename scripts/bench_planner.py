"""The reminder planner over the whole generated calendar: time and query count.

Runs one planning pass inside a transaction that is rolled back, so the
benchmark leaves no outbox rows behind.
"""

import os
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aseancal.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from meetings.models import Delegation, Meeting  # noqa: E402
from meetings.reminders import reminders_plan  # noqa: E402


def main() -> None:
    meetings, delegations = Meeting.objects.count(), Delegation.objects.count()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        plan = reminders_plan()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    print(
        f"reminder planner: {meetings:,} meetings, {delegations:,} delegations: "
        f"{elapsed:.2f} s, {len(queries)} queries, {len(plan.planned):,} reminders planned, "
        f"{len(plan.skipped):,} delegations skipped"
    )


if __name__ == "__main__":
    main()
