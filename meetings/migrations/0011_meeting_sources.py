"""Meeting.sources: the public pages stating a meeting's dates, one https address a line.

On SQLite, adding the column rebuilds the meeting table, which drops its calendar-version
triggers (migration 0004): they are put back last, and first when unapplied, since removing
the column rebuilds the table again.
"""

from django.db import migrations, models

import meetings.validators

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
        ("meetings", "0010_materials_permissions"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall_sqlite_triggers),
        migrations.AddField(
            model_name="historicalmeeting",
            name="sources",
            field=models.TextField(
                blank=True,
                help_text="Public pages stating the meeting's dates: one https:// address a line.",
                validators=[meetings.validators.validate_sources],
                verbose_name="sources",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="sources",
            field=models.TextField(
                blank=True,
                help_text="Public pages stating the meeting's dates: one https:// address a line.",
                validators=[meetings.validators.validate_sources],
                verbose_name="sources",
            ),
        ),
        migrations.RunPython(reinstall_sqlite_triggers, migrations.RunPython.noop),
    ]
