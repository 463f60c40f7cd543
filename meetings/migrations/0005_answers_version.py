"""Delegation writes move a version of their own, beside the calendar's (PostgreSQL).

The calendar version (0004) keeps moving on every write, delegations included; the
delegation table's writes now go to shards of their own (ids SHARDS+1 to 2*SHARDS),
so that a reader can tell whether any delegation changed since it last looked
(selectors.answers_stamp) and reuse what it derived from them if none did. SQLite
has no use for it (the feed reads everything there) and keeps its triggers.
"""

from django.db import migrations

# Copied here, not imported: a migration must not change when the model module does.
SHARDS = 16
TABLE = "meetings_calendarversion"
DELEGATIONS = "meetings_delegation"

ANSWERS_FUNCTION = f"""
CREATE OR REPLACE FUNCTION meetings_answers_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    shard integer;
BEGIN
    -- As meetings_calendar_changed, on the delegations' own shards.
    SELECT id INTO shard FROM {TABLE} WHERE id > {SHARDS}
        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF shard IS NULL THEN
        shard := {SHARDS} + 1 + mod(txid_current(), {SHARDS})::integer;
    END IF;
    INSERT INTO {TABLE} (id, value) VALUES (shard, floor(random() * 9.2e18)::bigint)
    ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END
$$;
"""


def _trigger(function: str) -> str:
    return (
        f"CREATE TRIGGER calendar_changed AFTER INSERT OR UPDATE OR DELETE ON {DELEGATIONS} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(ANSWERS_FUNCTION)
    execute(
        f"INSERT INTO {TABLE} (id, value) SELECT n, floor(random() * 9.2e18)::bigint "
        f"FROM generate_series({SHARDS + 1}, {2 * SHARDS}) AS n ON CONFLICT (id) DO NOTHING"
    )
    execute(f"DROP TRIGGER IF EXISTS calendar_changed ON {DELEGATIONS}")
    execute(_trigger("meetings_answers_changed"))


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(f"DROP TRIGGER IF EXISTS calendar_changed ON {DELEGATIONS}")
    execute(_trigger("meetings_calendar_changed"))
    execute(f"DELETE FROM {TABLE} WHERE id > {SHARDS}")
    execute("DROP FUNCTION IF EXISTS meetings_answers_changed()")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0004_calendar_version")]

    operations = [migrations.RunPython(install, uninstall)]
