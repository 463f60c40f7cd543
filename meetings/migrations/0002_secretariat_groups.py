"""The two staff groups: editors change the calendar, viewers only read it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CALENDAR_MODELS = [
    "participant", "membership", "chairmanship", "coordinatorterm", "format", "venue",
    "event", "meeting", "delegation",
]
EDITORS = "Secretariat editors"
VIEWERS = "Secretariat viewers"


def create_groups(apps, schema_editor):
    # Permissions are normally made after migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    models = CALENDAR_MODELS + [f"historical{name}" for name in CALENDAR_MODELS]
    perms = Permission.objects.filter(content_type__app_label="meetings",
                                      content_type__model__in=models)
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(
        perms.exclude(content_type__model__startswith="historical", codename__regex=r"^(add|change|delete)_")
    )
    viewers, _ = Group.objects.get_or_create(name=VIEWERS)
    viewers.permissions.set(perms.filter(codename__startswith="view_"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITORS, VIEWERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
