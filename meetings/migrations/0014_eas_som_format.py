"""Formats say what they hold: the East Asia Summit's senior officials meet under a format of
their own ("EAS SOM"), no longer under the foreign ministers' ("EAS", whose name and
invitation mails said "Foreign Ministers' Meeting").

Where the EAS format exists (the reference calendar), EAS_SOM is created with the same
invitations, and the EAS meetings whose title names senior officials move to it. Their
titles, slugs and UIDs stay, so subscribed calendars see no new event; SEQUENCE is not
raised (nothing a calendar shows changed). Unapplied, they move back.
"""

from django.db import migrations

SOM_TITLE = "Senior Officials"
FORMAT = {
    "code": "EAS_SOM",
    "name": "East Asia Summit Senior Officials' Meeting",
    "short_name": "EAS SOM",
}
COPIED = (
    "invites_members",
    "invites_observers",
    "invites_dialogue_partners",
    "invites_arf_participants",
    "invites_counterpart",
)


def split(apps, schema_editor):
    Format = apps.get_model("meetings", "Format")
    Meeting = apps.get_model("meetings", "Meeting")
    eas = Format.objects.filter(code="EAS").first()
    if eas is None:
        return
    som, _ = Format.objects.get_or_create(
        code=FORMAT["code"],
        defaults={**FORMAT, **{name: getattr(eas, name) for name in COPIED}},
    )
    som.invited_participants.add(*eas.invited_participants.all())
    Meeting.objects.filter(format=eas, title__icontains=SOM_TITLE).update(format=som)


def join(apps, schema_editor):
    Format = apps.get_model("meetings", "Format")
    Meeting = apps.get_model("meetings", "Meeting")
    eas = Format.objects.filter(code="EAS").first()
    som = Format.objects.filter(code=FORMAT["code"]).first()
    if eas is None or som is None:
        return
    Meeting.objects.filter(format=som).update(format=eas)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0013_follow"),
    ]

    operations = [migrations.RunPython(split, join)]
