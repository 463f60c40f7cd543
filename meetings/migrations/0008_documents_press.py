"""Documents, press contacts, press conferences and press information on events and meetings.

The three new tables are public data: they move the calendar version like the others
(the triggers of migration 0004, installed here on the new tables). On SQLite, adding the
press columns rebuilds the event and meeting tables, which drops their triggers: they are
put back last (and first when unapplied, since removing the columns rebuilds them again).
"""

import django.db.models.deletion
import meetings.models.materials
import meetings.validators
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# Copied here, not imported: a migration must not change when the model module does.
NEW_TABLES = ("meetings_document", "meetings_presscontact", "meetings_pressconference")
REBUILT_TABLES = ("meetings_event", "meetings_meeting")
SQLITE_UPSERT = (
    "INSERT INTO meetings_calendarversion (id, value) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET value = excluded.value;"
)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in NEW_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER calendar_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION meetings_calendar_changed()"
            )
        elif vendor == "sqlite":
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_calendar_changed_{event.lower()} "
                    f"AFTER {event} ON {table} BEGIN {SQLITE_UPSERT} END"
                )
        else:
            raise NotImplementedError(f"calendar version triggers for {vendor}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in NEW_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS calendar_changed ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_calendar_changed_{event}")


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
        ("meetings", "0007_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall_sqlite_triggers),
        migrations.AddField(
            model_name="event",
            name="accreditation",
            field=models.TextField(
                blank=True,
                help_text="Plain text: where and how journalists apply, what they must send.",
                validators=[meetings.validators.validate_multiline],
                verbose_name="how to apply for accreditation",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="accreditation_deadline",
            field=models.DateField(
                blank=True,
                help_text="The last day to apply.",
                null=True,
                verbose_name="media accreditation deadline",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="accreditation_url",
            field=models.URLField(
                blank=True,
                help_text="https:// page where journalists apply.",
                max_length=500,
                validators=[meetings.validators.validate_https_url],
                verbose_name="accreditation link",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="livestream_url",
            field=models.URLField(
                blank=True,
                help_text="https:// address; shown as “Live now” while the meeting is on.",
                max_length=500,
                validators=[meetings.validators.validate_https_url],
                verbose_name="livestream or webcast link",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="media_centre",
            field=models.CharField(
                blank=True,
                help_text="Where the media centre is, e.g. Hall B, National Convention Centre.",
                max_length=300,
                validators=[meetings.validators.validate_one_line],
                verbose_name="media centre",
            ),
        ),
        migrations.AddField(
            model_name="historicalevent",
            name="accreditation",
            field=models.TextField(
                blank=True,
                help_text="Plain text: where and how journalists apply, what they must send.",
                validators=[meetings.validators.validate_multiline],
                verbose_name="how to apply for accreditation",
            ),
        ),
        migrations.AddField(
            model_name="historicalevent",
            name="accreditation_deadline",
            field=models.DateField(
                blank=True,
                help_text="The last day to apply.",
                null=True,
                verbose_name="media accreditation deadline",
            ),
        ),
        migrations.AddField(
            model_name="historicalevent",
            name="accreditation_url",
            field=models.URLField(
                blank=True,
                help_text="https:// page where journalists apply.",
                max_length=500,
                validators=[meetings.validators.validate_https_url],
                verbose_name="accreditation link",
            ),
        ),
        migrations.AddField(
            model_name="historicalevent",
            name="livestream_url",
            field=models.URLField(
                blank=True,
                help_text="https:// address; shown as “Live now” while the meeting is on.",
                max_length=500,
                validators=[meetings.validators.validate_https_url],
                verbose_name="livestream or webcast link",
            ),
        ),
        migrations.AddField(
            model_name="historicalevent",
            name="media_centre",
            field=models.CharField(
                blank=True,
                help_text="Where the media centre is, e.g. Hall B, National Convention Centre.",
                max_length=300,
                validators=[meetings.validators.validate_one_line],
                verbose_name="media centre",
            ),
        ),
        migrations.AddField(
            model_name="historicalmeeting",
            name="accreditation",
            field=models.TextField(
                blank=True,
                help_text="Plain text: where and how journalists apply, what they must send.",
                validators=[meetings.validators.validate_multiline],
                verbose_name="how to apply for accreditation",
            ),
        ),
        migrations.AddField(
            model_name="historicalmeeting",
            name="accreditation_deadline",
            field=models.DateField(
                blank=True,
                help_text="The last day to apply.",
                null=True,
                verbose_name="media accreditation deadline",
            ),
        ),
        migrations.AddField(
            model_name="historicalmeeting",
            name="accreditation_url",
            field=models.URLField(
                blank=True,
                help_text="https:// page where journalists apply.",
                max_length=500,
                validators=[meetings.validators.validate_https_url],
                verbose_name="accreditation link",
            ),
        ),
        migrations.AddField(
            model_name="historicalmeeting",
            name="livestream_url",
            field=models.URLField(
                blank=True,
                help_text="https:// address; shown as “Live now” while the meeting is on.",
                max_length=500,
                validators=[meetings.validators.validate_https_url],
                verbose_name="livestream or webcast link",
            ),
        ),
        migrations.AddField(
            model_name="historicalmeeting",
            name="media_centre",
            field=models.CharField(
                blank=True,
                help_text="Where the media centre is, e.g. Hall B, National Convention Centre.",
                max_length=300,
                validators=[meetings.validators.validate_one_line],
                verbose_name="media centre",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="accreditation",
            field=models.TextField(
                blank=True,
                help_text="Plain text: where and how journalists apply, what they must send.",
                validators=[meetings.validators.validate_multiline],
                verbose_name="how to apply for accreditation",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="accreditation_deadline",
            field=models.DateField(
                blank=True,
                help_text="The last day to apply.",
                null=True,
                verbose_name="media accreditation deadline",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="accreditation_url",
            field=models.URLField(
                blank=True,
                help_text="https:// page where journalists apply.",
                max_length=500,
                validators=[meetings.validators.validate_https_url],
                verbose_name="accreditation link",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="livestream_url",
            field=models.URLField(
                blank=True,
                help_text="https:// address; shown as “Live now” while the meeting is on.",
                max_length=500,
                validators=[meetings.validators.validate_https_url],
                verbose_name="livestream or webcast link",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="media_centre",
            field=models.CharField(
                blank=True,
                help_text="Where the media centre is, e.g. Hall B, National Convention Centre.",
                max_length=300,
                validators=[meetings.validators.validate_one_line],
                verbose_name="media centre",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalDocument",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("agenda", "Agenda"),
                            ("joint_communique", "Joint communiqué"),
                            ("chairmans_statement", "Chairman's statement"),
                            ("joint_statement", "Joint statement"),
                            ("declaration", "Declaration"),
                            ("press_release", "Press release"),
                            ("delegation_statement", "Delegation statement"),
                            ("media", "Photos or video"),
                        ],
                        max_length=30,
                        verbose_name="kind",
                    ),
                ),
                (
                    "title",
                    models.CharField(
                        max_length=300,
                        validators=[meetings.validators.validate_one_line],
                        verbose_name="title",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        default="en",
                        help_text="Language tag: en, fr, zh-Hans, ...",
                        max_length=35,
                        validators=[meetings.validators.validate_language_tag],
                        verbose_name="language",
                    ),
                ),
                ("published_on", models.DateField(verbose_name="date published")),
                (
                    "file",
                    models.TextField(
                        blank=True,
                        help_text="PDF, Word (.docx), Excel (.xlsx), PNG, JPEG or WebP. Or give a link instead.",
                        max_length=255,
                        verbose_name="file",
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        blank=True,
                        help_text="https:// address of a document published elsewhere, instead of a file.",
                        max_length=500,
                        validators=[meetings.validators.validate_https_url],
                        verbose_name="link",
                    ),
                ),
                (
                    "filename",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="As downloaded.",
                        max_length=200,
                        verbose_name="file name",
                    ),
                ),
                (
                    "content_type",
                    models.CharField(
                        blank=True, editable=False, max_length=100, verbose_name="content type"
                    ),
                ),
                (
                    "size",
                    models.PositiveBigIntegerField(
                        blank=True, editable=False, null=True, verbose_name="size in bytes"
                    ),
                ),
                (
                    "published",
                    models.BooleanField(
                        default=True,
                        help_text="Unpublished documents never reach the public.",
                        verbose_name="published",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="created"),
                ),
                (
                    "updated_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="updated"),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "event",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="meetings.event",
                        verbose_name="umbrella event",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="meetings.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical document",
                "verbose_name_plural": "historical documents",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPressConference",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("start", models.DateTimeField(verbose_name="start (UTC)")),
                (
                    "title",
                    models.CharField(
                        blank=True,
                        help_text="e.g. Press conference of the Chair; left empty, “Press conference”.",
                        max_length=200,
                        validators=[meetings.validators.validate_one_line],
                        verbose_name="title",
                    ),
                ),
                (
                    "place",
                    models.CharField(
                        blank=True,
                        max_length=200,
                        validators=[meetings.validators.validate_one_line],
                        verbose_name="place",
                    ),
                ),
                (
                    "stream_url",
                    models.URLField(
                        blank=True,
                        help_text="Where it is streamed, if not the meeting's own link.",
                        max_length=500,
                        validators=[meetings.validators.validate_https_url],
                        verbose_name="livestream link",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="meetings.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical press conference",
                "verbose_name_plural": "historical press conferences",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPressContact",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        max_length=200,
                        validators=[meetings.validators.validate_one_line],
                        verbose_name="name",
                    ),
                ),
                (
                    "organisation",
                    models.CharField(
                        blank=True,
                        max_length=200,
                        validators=[meetings.validators.validate_one_line],
                        verbose_name="organisation",
                    ),
                ),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="e-mail")),
                (
                    "phone",
                    models.CharField(
                        blank=True,
                        max_length=40,
                        validators=[meetings.validators.validate_phone],
                        verbose_name="phone",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "event",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="meetings.event",
                        verbose_name="umbrella event",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="meetings.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical press contact",
                "verbose_name_plural": "historical press contacts",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="PressConference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start", models.DateTimeField(verbose_name="start (UTC)")),
                (
                    "title",
                    models.CharField(
                        blank=True,
                        help_text="e.g. Press conference of the Chair; left empty, “Press conference”.",
                        max_length=200,
                        validators=[meetings.validators.validate_one_line],
                        verbose_name="title",
                    ),
                ),
                (
                    "place",
                    models.CharField(
                        blank=True,
                        max_length=200,
                        validators=[meetings.validators.validate_one_line],
                        verbose_name="place",
                    ),
                ),
                (
                    "stream_url",
                    models.URLField(
                        blank=True,
                        help_text="Where it is streamed, if not the meeting's own link.",
                        max_length=500,
                        validators=[meetings.validators.validate_https_url],
                        verbose_name="livestream link",
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="press_conferences",
                        to="meetings.meeting",
                    ),
                ),
            ],
            options={
                "ordering": ["start", "id"],
            },
        ),
        migrations.CreateModel(
            name="Document",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("agenda", "Agenda"),
                            ("joint_communique", "Joint communiqué"),
                            ("chairmans_statement", "Chairman's statement"),
                            ("joint_statement", "Joint statement"),
                            ("declaration", "Declaration"),
                            ("press_release", "Press release"),
                            ("delegation_statement", "Delegation statement"),
                            ("media", "Photos or video"),
                        ],
                        max_length=30,
                        verbose_name="kind",
                    ),
                ),
                (
                    "title",
                    models.CharField(
                        max_length=300,
                        validators=[meetings.validators.validate_one_line],
                        verbose_name="title",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        default="en",
                        help_text="Language tag: en, fr, zh-Hans, ...",
                        max_length=35,
                        validators=[meetings.validators.validate_language_tag],
                        verbose_name="language",
                    ),
                ),
                ("published_on", models.DateField(verbose_name="date published")),
                (
                    "file",
                    models.FileField(
                        blank=True,
                        help_text="PDF, Word (.docx), Excel (.xlsx), PNG, JPEG or WebP. Or give a link instead.",
                        max_length=255,
                        upload_to=meetings.models.materials.document_path,
                        verbose_name="file",
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        blank=True,
                        help_text="https:// address of a document published elsewhere, instead of a file.",
                        max_length=500,
                        validators=[meetings.validators.validate_https_url],
                        verbose_name="link",
                    ),
                ),
                (
                    "filename",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="As downloaded.",
                        max_length=200,
                        verbose_name="file name",
                    ),
                ),
                (
                    "content_type",
                    models.CharField(
                        blank=True, editable=False, max_length=100, verbose_name="content type"
                    ),
                ),
                (
                    "size",
                    models.PositiveBigIntegerField(
                        blank=True, editable=False, null=True, verbose_name="size in bytes"
                    ),
                ),
                (
                    "published",
                    models.BooleanField(
                        default=True,
                        help_text="Unpublished documents never reach the public.",
                        verbose_name="published",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "event",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="documents",
                        to="meetings.event",
                        verbose_name="umbrella event",
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="documents",
                        to="meetings.meeting",
                    ),
                ),
            ],
            options={
                "ordering": ["-published_on", "kind", "title", "id"],
                "indexes": [
                    models.Index(fields=["published", "published_on"], name="document_published")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("event__isnull", True), ("meeting__isnull", False)),
                            models.Q(("event__isnull", False), ("meeting__isnull", True)),
                            _connector="OR",
                        ),
                        name="document_one_parent",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("file", ""), models.Q(("url", ""), _negated=True)),
                            models.Q(models.Q(("file", ""), _negated=True), ("url", "")),
                            _connector="OR",
                        ),
                        name="document_file_or_link",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("language__regex", "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")),
                        name="document_language_shape",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PressContact",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        max_length=200,
                        validators=[meetings.validators.validate_one_line],
                        verbose_name="name",
                    ),
                ),
                (
                    "organisation",
                    models.CharField(
                        blank=True,
                        max_length=200,
                        validators=[meetings.validators.validate_one_line],
                        verbose_name="organisation",
                    ),
                ),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="e-mail")),
                (
                    "phone",
                    models.CharField(
                        blank=True,
                        max_length=40,
                        validators=[meetings.validators.validate_phone],
                        verbose_name="phone",
                    ),
                ),
                (
                    "event",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="press_contacts",
                        to="meetings.event",
                        verbose_name="umbrella event",
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="press_contacts",
                        to="meetings.meeting",
                    ),
                ),
            ],
            options={
                "ordering": ["name", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("event__isnull", True), ("meeting__isnull", False)),
                            models.Q(("event__isnull", False), ("meeting__isnull", True)),
                            _connector="OR",
                        ),
                        name="presscontact_one_parent",
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
        migrations.RunPython(reinstall_sqlite_triggers, migrations.RunPython.noop),
    ]
