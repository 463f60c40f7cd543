"""Migration 0014: the EAS's senior officials' meetings leave the foreign ministers' format."""

import importlib

from django.apps import apps

from meetings.models import Format, Meeting
from tests.factories import FormatFactory, MeetingFactory, ParticipantFactory

split_migration = importlib.import_module("meetings.migrations.0014_eas_som_format")


def test_som_meetings_move_to_a_format_of_their_own_and_back(db):
    eas = FormatFactory(
        code="EAS", name="East Asia Summit Foreign Ministers' Meeting", invites_members=True
    )
    partners = [ParticipantFactory(code=code) for code in ("AU", "RU")]
    eas.invited_participants.add(*partners)
    fmm = MeetingFactory(format=eas, title="12th East Asia Summit Foreign Ministers' Meeting")
    som = MeetingFactory(format=eas, title="East Asia Summit Senior Officials' Meeting")
    sequence = som.sequence

    split_migration.split(apps, None)
    moved = Meeting.objects.get(pk=som.pk)
    new = Format.objects.get(code="EAS_SOM")

    assert (new.name, new.short_name, new.invites_members) == (
        "East Asia Summit Senior Officials' Meeting",
        "EAS SOM",
        True,
    )
    assert sorted(new.invited_participants.values_list("code", flat=True)) == ["AU", "RU"]
    assert (moved.format_id, moved.slug, moved.sequence) == (new.pk, som.slug, sequence)
    assert Meeting.objects.get(pk=fmm.pk).format_id == eas.pk

    split_migration.join(apps, None)

    assert Meeting.objects.get(pk=som.pk).format_id == eas.pk


def test_without_the_eas_format_nothing_is_created(db):
    split_migration.split(apps, None)

    assert not Format.objects.filter(code="EAS_SOM").exists()
