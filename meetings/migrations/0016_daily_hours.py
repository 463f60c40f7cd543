"""Meeting.daily_hours: a meeting over several days that sits the same hours each day.

On SQLite, adding the column rebuilds the meeting table, which drops its calendar-version
triggers (migration 0004): they are put back last, and first when unapplied.
"""

from django.db import migrations, models

# Copied here, not imported: a migration must not change when the model module does.
REBUILT_TABLES = ("meetings_meeting",)
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
        ('meetings', '0015_receipts'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall_sqlite_triggers),
        migrations.AddField(
            model_name='historicalmeeting',
            name='daily_hours',
            field=models.BooleanField(default=False, help_text='A meeting over several days that sits the same hours each day (e.g. 09:00 to 17:00): shown and in calendars as daily sessions, not one block from the first morning to the last evening.', verbose_name='same hours each day'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='daily_hours',
            field=models.BooleanField(default=False, help_text='A meeting over several days that sits the same hours each day (e.g. 09:00 to 17:00): shown and in calendars as daily sessions, not one block from the first morning to the last evening.', verbose_name='same hours each day'),
        ),
        migrations.RunPython(reinstall_sqlite_triggers, migrations.RunPython.noop),
    ]
