"""Model fields shared by the calendar's models."""

from django.db import models

from meetings.validators import sanitize_rich_text


class RichTextField(models.TextField):
    """Staff-written HTML, cut down to the allow-list of sanitize_rich_text on every save.

    Cleaning in the field rather than in each form, serializer or import means no door
    (admin, API, importer, demo loader, a shell) can store anything else.
    """

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = sanitize_rich_text(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        # Stored as a plain TextField: migrations neither change nor import this class.
        return name, "django.db.models.TextField", args, kwargs
