"""meetings.caching: what its keys cover, what its triggers cover, and its one reset."""

import datetime as dt
import re
from collections.abc import Iterable

import django_filters
import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Model
from django.http import QueryDict
from rest_framework import serializers as drf_serializers

from meetings import caching, changes, feeds, ical, selectors
from meetings.api import serializers as api_serializers
from meetings.filters import MeetingFilter
from meetings.models import CalendarVersion, Delegation, Meeting
from meetings.models.version import TRACKED_TABLES

pytestmark = pytest.mark.django_db

FEED = "/feeds/meetings.ics"
WINDOW = {"ended_since": None, "cancelled_since": None}
VERSION_TABLE = CalendarVersion._meta.db_table
EVERY_WRITE = {"INSERT", "UPDATE", "DELETE"}


def feed_key(query: str) -> str:
    return feeds.document_key(QueryDict(query), window=WINDOW, stamp=(1,))


# The feed's key is the filter's ----------------------------------------------------------


@pytest.mark.parametrize("name", list(MeetingFilter.base_filters))
def test_every_filter_parameter_is_part_of_the_feed_key(name):
    assert feed_key(f"{name}=A") != feed_key("")
    assert feed_key(f"{name}=A") != feed_key(f"{name}=B")


def test_a_parameter_added_to_the_filter_moves_the_feed_key(monkeypatch):
    ignored = (feed_key("venue=1"), feed_key("venue=2"), feed_key(""))
    monkeypatch.setitem(MeetingFilter.base_filters, "venue", django_filters.CharFilter())

    assert ignored[0] == ignored[1] == ignored[2]
    assert feed_key("venue=1") != feed_key("venue=2")


def test_parameters_outside_the_filter_share_one_feed_document(demo, client):
    first = client.get(FEED, {"format": "SOM", "utm_source": "mail"})
    kept = len(caching.memory)
    second = client.get(FEED, {"utm_source": "calendar", "format": "SOM"})

    assert (second.content, second["ETag"]) == (first.content, first["ETag"])
    assert len(caching.memory) == kept


# The triggers cover exactly TRACKED_TABLES, which covers every public table ------------------

PG_TRIGGER_EVENTS = {4: "INSERT", 8: "DELETE", 16: "UPDATE"}  # pg_trigger.tgtype bits


def installed_triggers() -> dict[str, set[str]]:
    """Each table whose writes move the calendar version, with the writes that do."""
    found: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgtype FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE NOT t.tgisinternal "
                "AND p.proname IN ('meetings_calendar_changed', 'meetings_answers_changed')"
            )
            for table, kind in cursor.fetchall():
                events = {name for bit, name in PG_TRIGGER_EVENTS.items() if kind & bit}
                found.setdefault(table, set()).update(events)
        else:
            cursor.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            for table, sql in cursor.fetchall():
                if VERSION_TABLE in sql:
                    events = re.findall(r"AFTER (INSERT|UPDATE|DELETE) ON", sql, re.IGNORECASE)
                    found.setdefault(table, set()).update(e.upper() for e in events)
    return found


def test_the_installed_triggers_are_those_of_tracked_tables():
    assert installed_triggers() == dict.fromkeys(TRACKED_TABLES, EVERY_WRITE)


def _models_in(module: object) -> set[type[Model]]:
    return {
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Model) and not value._meta.abstract
    }


def _related(model: type[Model], names: Iterable[str]) -> set[type[Model]]:
    """The models that the fields (or `a__b` paths) `names` of `model` lead to."""
    found: set[type[Model]] = set()
    for name in names:
        current = model
        for part in name.split("__"):
            try:
                field = current._meta.get_field(part)
            except FieldDoesNotExist:  # a computed value (a property, a method field)
                break
            if not field.is_relation or field.related_model is None:
                break
            current = field.related_model
            found.add(current)
    return found


def _serializer_models() -> set[type[Model]]:
    """The model of every API ModelSerializer and the models its fields reach."""
    found: set[type[Model]] = set()
    for value in vars(api_serializers).values():
        if isinstance(value, type) and issubclass(value, drf_serializers.ModelSerializer):
            model = value.Meta.model
            sources = [field.source for field in value().fields.values()]
            found |= {model, *_related(model, sources)}
    return found


def public_tables() -> set[str]:
    """Every table a public page, API read or feed reads, derived from the code that reads.

    - the models the public read layer imports: meetings.selectors (pages, feeds) and
      meetings.changes (the /changes/ page and its Atom feed);
    - the model of every API ModelSerializer, and what their fields lead to
      (nested serializers, slug fields, reverse relations such as `memberships`);
    - what the iCal entry paths (ical.MEETING_PATHS, DELEGATION_PATHS) follow;
    - the querysets the shared filter checks codes against;
    - the many-to-many tables joining two of those models.

    Left out, each for a reason: history tables, which django-simple-history writes only
    inside the transaction of the tracked write they record (the version moves with it);
    and the version's own table, whose writes are the triggers themselves.
    """
    models = _models_in(selectors) | _models_in(changes) | _serializer_models()
    models |= _related(Meeting, ical.MEETING_PATHS.values())
    models |= _related(Delegation, ical.DELEGATION_PATHS)
    models |= {
        f.queryset.model for f in MeetingFilter.base_filters.values() if hasattr(f, "queryset")
    }
    models = {m for m in models if not m.__name__.startswith("Historical")}
    models.discard(CalendarVersion)
    joins = {
        field.remote_field.through
        for model in models
        for field in model._meta.many_to_many
        if field.remote_field.through._meta.auto_created and field.related_model in models
    }
    return {model._meta.db_table for model in models | joins}


def test_tracked_tables_cover_every_table_the_public_reads():
    assert public_tables() - set(TRACKED_TABLES) == set()


# One reset -------------------------------------------------------------------------------


def test_reset_empties_every_store(demo, client):
    client.get(FEED)
    client.get("/meetings/")
    caching.feed_events.put(("key",), "part", 10)
    caching.answer_hashes.remember((1,), {1: "hash"})
    aliases = (settings.FEED_CACHE_ALIAS, settings.FEED_DOCUMENT_CACHE_ALIAS)
    for alias in aliases:
        caches[alias].set("probe", 1)
    assert len(caching.memory) > 0

    caching.reset()

    assert (len(caching.memory), len(caching.feed_events)) == (0, 0)
    assert caching.answer_hashes.known((1,)) == {}
    assert caching.document_keys.get(("", dt.date(2026, 11, 2), (1,))) is None
    assert [caches[alias].get("probe") for alias in aliases] == [None, None]


# One conditional GET ---------------------------------------------------------------------


def test_a_remembered_api_read_carries_the_headers_of_a_fresh_one(demo, client):
    url = "/api/v1/meetings/2022-amm-55/"
    fresh = client.get(url)
    remembered = client.get(url)
    not_modified = client.get(url, headers={"If-None-Match": fresh["ETag"]})

    names = ("Content-Type", "ETag", "Vary")
    assert {n: remembered[n] for n in names} == {n: fresh[n] for n in names}
    assert (not_modified.status_code, not_modified["ETag"]) == (304, fresh["ETag"])
    assert not_modified["Vary"] == fresh["Vary"] == "Accept, Authorization, Cookie, origin"


def test_every_surface_answers_if_none_match_alike(demo, client):
    for url in ("/meetings/", "/api/v1/meetings/", FEED, "/meetings/2022-amm-55.ics"):
        etag = client.get(url)["ETag"]
        for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            response = client.get(url, headers={"If-None-Match": header})
            assert (url, header, response.status_code) == (url, header, 304)
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
