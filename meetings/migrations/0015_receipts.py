"""Reminder kinds: the receipt of an answer given through the RSVP link."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0014_eas_som_format"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("invitation", "Invitation"),
                    ("scheduled", "Scheduled reminder"),
                    ("manual", "Reminder sent by staff"),
                    ("new_link", "New link after a correction"),
                    ("change", "Notice of a change"),
                    ("receipt", "Receipt of an answer"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="step",
            field=models.CharField(
                help_text="invitation, 7d (7 days before the deadline), manual-<minute>, link-<link version>, change-<meeting sequence> or receipt-<delegation revision>.",
                max_length=40,
                verbose_name="step",
            ),
        ),
    ]
