"""Change notices and reasons: Meeting.change_note (the public reason of its latest change),
Event.secretariat_contact, and the outbox row's snapshot and reason for notices.

On SQLite, adding columns rebuilds the meeting and event tables, which drops their
calendar-version triggers (migration 0004): they are put back last, and first when
unapplied, since removing the columns rebuilds the tables again.
"""

from django.db import migrations, models

import meetings.validators

# Copied here, not imported: a migration must not change when the model module does.
REBUILT_TABLES = ("meetings_meeting", "meetings_event")
SQLITE_UPSERT = (
    "INSERT INTO meetings_calendarversion (id, value) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET value = excluded.value;"
)


def reinstall_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in REBUILT_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_calendar_changed_{event.lower()}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {SQLITE_UPSERT} END"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0011_meeting_sources"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall_sqlite_triggers),
        migrations.AddField(
            model_name="event",
            name="secretariat_contact",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Who delegations write to about this event's meetings, e.g. “Ms Dara "
                    "Vong, ASEAN Secretariat, dara.vong@asean.org”. Empty: the site's "
                    "contact."
                ),
                max_length=300,
                validators=[meetings.validators.validate_one_line],
                verbose_name="secretariat contact",
            ),
        ),
        migrations.AddField(
            model_name="historicalevent",
            name="secretariat_contact",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Who delegations write to about this event's meetings, e.g. “Ms Dara "
                    "Vong, ASEAN Secretariat, dara.vong@asean.org”. Empty: the site's "
                    "contact."
                ),
                max_length=300,
                validators=[meetings.validators.validate_one_line],
                verbose_name="secretariat contact",
            ),
        ),
        migrations.AddField(
            model_name="historicalmeeting",
            name="change_note",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Public: shown with the change on the meeting page, in the change log "
                    "and in the notice to delegations. Cleared by the next change of date, "
                    "venue, mode, status or title that gives no reason of its own."
                ),
                max_length=300,
                validators=[meetings.validators.validate_one_line],
                verbose_name="reason for the latest change",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="change_note",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Public: shown with the change on the meeting page, in the change log "
                    "and in the notice to delegations. Cleared by the next change of date, "
                    "venue, mode, status or title that gives no reason of its own."
                ),
                max_length=300,
                validators=[meetings.validators.validate_one_line],
                verbose_name="reason for the latest change",
            ),
        ),
        migrations.AddField(
            model_name="reminder",
            name="previous",
            field=models.JSONField(blank=True, default=dict, verbose_name="before the change"),
        ),
        migrations.AddField(
            model_name="reminder",
            name="reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="reason given"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("invitation", "Invitation"),
                    ("scheduled", "Scheduled reminder"),
                    ("manual", "Reminder sent by staff"),
                    ("new_link", "New link after a correction"),
                    ("change", "Notice of a change"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="step",
            field=models.CharField(
                help_text=(
                    "invitation, 7d (7 days before the deadline), manual-<minute>, "
                    "link-<link version> or change-<meeting sequence>."
                ),
                max_length=40,
                verbose_name="step",
            ),
        ),
        migrations.RunPython(reinstall_sqlite_triggers, migrations.RunPython.noop),
    ]
