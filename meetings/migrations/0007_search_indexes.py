"""Site search (meetings/search.py): on PostgreSQL, pg_trgm and unaccent, one immutable
text-folding function, and GIN indexes on the columns searched at scale.

`aseancal_search_text(text)` is lower(unaccent(text)); unaccent alone is only STABLE (its
dictionary can change), so it cannot appear in an index expression. The function names
its dictionary with its schema so that it gives the same answer whatever the search path.
meetings/search.py writes the same expressions, character for character, so the planner
uses these indexes:

- meetings: trigram (fuzzy words, LIKE) and full text on the title;
- delegations: trigram on the head's name and title, full text on both.

Participants, formats, venues and events are a few hundred rows at most: no index.
SQLite gets none of this: search there is a plain case-insensitive match.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION aseancal_search_text(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$
"""

INDEXES = (
    (
        "meeting_title_trgm",
        "meetings_meeting",
        "aseancal_search_text(title) gin_trgm_ops",
    ),
    (
        "meeting_title_fts",
        "meetings_meeting",
        "to_tsvector('simple'::regconfig, aseancal_search_text(title))",
    ),
    (
        "delegation_head_name_trgm",
        "meetings_delegation",
        "aseancal_search_text(head_name) gin_trgm_ops",
    ),
    (
        "delegation_head_title_trgm",
        "meetings_delegation",
        "aseancal_search_text(head_title) gin_trgm_ops",
    ),
    (
        "delegation_head_fts",
        "meetings_delegation",
        "to_tsvector('simple'::regconfig, aseancal_search_text(head_name || ' ' || head_title))",
    ),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS aseancal_search_text(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0006_rsvp_link_version_plain_text"),
    ]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunPython(create, drop),
    ]
