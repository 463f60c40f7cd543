"""The calendar's version: a value that changes in the same transaction as any public data.

Database triggers (migration 0004) write it on every insert, update or delete of the
tables the public pages, API and feeds read, whichever door the write came through
(admin, API, import, a bulk update, raw SQL). Readers compare it, one small query, to
know whether what they cached is still current.

On PostgreSQL the value is spread over SHARDS rows and a writing statement takes
whichever row no other transaction holds (SKIP LOCKED), so concurrent writers never
wait on each other here, and so cannot deadlock through it. Each write stores a new
random number rather than a counter, so a rolled-back transaction's value is never
seen again after the rollback.

Writes to the delegations table take rows SHARDS+1 to 2*SHARDS instead (migration
0005), so those rows alone say whether any delegation changed (caching.answers_stamp);
the calendar's version is all the rows.
"""

from django.db import models

SHARDS = 16

# What the public surfaces read, each with its trigger (copied into migration 0004).
# Reminders (the outbox) and users are not among them. tests/meetings/test_caching.py
# checks the installed triggers against this list, and this list against the tables
# the public selectors and serializers read.
TRACKED_TABLES = (
    "meetings_format",
    "meetings_format_invited_participants",
    "meetings_venue",
    "meetings_event",
    "meetings_meeting",
    "meetings_delegation",
    "meetings_participant",
    "meetings_membership",
    "meetings_chairmanship",
    "meetings_coordinatorterm",
    "meetings_document",
    "meetings_presscontact",
    "meetings_pressconference",
)


class CalendarVersion(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True)
    value = models.BigIntegerField()

    class Meta:
        verbose_name = "calendar version"

    def __str__(self) -> str:
        return f"{self.id}: {self.value}"
