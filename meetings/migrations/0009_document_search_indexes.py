"""Site search over documents (meetings/search.py DOCUMENT_INDEXES): on PostgreSQL, trigram
and full-text GIN indexes on the title, with the expressions search writes, character for
character, so the planner uses them. SQLite gets none: search there is a plain match."""

from django.db import migrations

# Copied here, not imported: a migration must not change when other code does.
INDEXES = (
    ("document_title_trgm", "meetings_document", "aseancal_search_text(title) gin_trgm_ops"),
    (
        "document_title_fts",
        "meetings_document",
        "to_tsvector('simple'::regconfig, aseancal_search_text(title))",
    ),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0008_documents_press")]

    operations = [migrations.RunPython(create, drop)]
