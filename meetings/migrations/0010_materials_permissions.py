"""The staff groups' rights on documents and press information: editors add, change and
delete them; viewers read them (as 0002 gave both on the calendar's other models)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Copied here, not imported: a migration must not change when other code does.
MATERIAL_MODELS = ["document", "presscontact", "pressconference"]
EDITORS = "Secretariat editors"
VIEWERS = "Secretariat viewers"


def grant(apps, schema_editor):
    # Permissions are normally made after migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    models = MATERIAL_MODELS + [f"historical{name}" for name in MATERIAL_MODELS]
    perms = Permission.objects.filter(
        content_type__app_label="meetings", content_type__model__in=models
    )
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.add(
        *perms.exclude(
            content_type__model__startswith="historical", codename__regex=r"^(add|change|delete)_"
        )
    )
    viewers, _ = Group.objects.get_or_create(name=VIEWERS)
    viewers.permissions.add(*perms.filter(codename__startswith="view_"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    models = MATERIAL_MODELS + [f"historical{name}" for name in MATERIAL_MODELS]
    perms = Permission.objects.filter(
        content_type__app_label="meetings", content_type__model__in=models
    )
    for group in Group.objects.filter(name__in=[EDITORS, VIEWERS]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0009_document_search_indexes")]

    operations = [migrations.RunPython(grant, revoke)]
