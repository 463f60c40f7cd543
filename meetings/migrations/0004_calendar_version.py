"""The calendar version and the triggers that change it on every write to public data."""

from django.db import migrations, models

# Copied here, not imported: a migration must not change when the model module does.
SHARDS = 16
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
)
TABLE = "meetings_calendarversion"

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION meetings_calendar_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    shard integer;
BEGIN
    -- Any row no other transaction holds: concurrent writers never wait here.
    SELECT id INTO shard FROM {TABLE} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF shard IS NULL THEN
        -- All held (or the table was emptied): wait for one, or recreate it.
        shard := 1 + mod(txid_current(), {SHARDS})::integer;
    END IF;
    INSERT INTO {TABLE} (id, value) VALUES (shard, floor(random() * 9.2e18)::bigint)
    ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END
$$;
"""

SQLITE_UPSERT = (
    f"INSERT INTO {TABLE} (id, value) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET value = excluded.value;"
)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    execute = schema_editor.execute
    if vendor == "postgresql":
        execute(POSTGRES_FUNCTION)
        execute(
            f"INSERT INTO {TABLE} (id, value) SELECT n, floor(random() * 9.2e18)::bigint "
            f"FROM generate_series(1, {SHARDS}) AS n"
        )
        for table in TRACKED_TABLES:
            execute(
                f"CREATE TRIGGER calendar_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION meetings_calendar_changed()"
            )
    elif vendor == "sqlite":
        # SQLite has one writer at a time and row-level triggers only: one row is enough.
        execute(f"INSERT INTO {TABLE} (id, value) VALUES (1, random())")
        for table in TRACKED_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                execute(
                    f"CREATE TRIGGER {table}_calendar_changed_{event.lower()} "
                    f"AFTER {event} ON {table} BEGIN {SQLITE_UPSERT} END"
                )
    else:
        raise NotImplementedError(f"calendar version triggers for {vendor}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TRACKED_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS calendar_changed ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_calendar_changed_{event}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS meetings_calendar_changed()")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_reminders")]

    operations = [
        migrations.CreateModel(
            name="CalendarVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("value", models.BigIntegerField()),
            ],
            options={"verbose_name": "calendar version"},
        ),
        migrations.RunPython(install, uninstall),
    ]
