"""What the validators make of a hostile value: the value stored, or REFUSED.

These restate the documented rules of the fields (Django's and DRF's CharField strip
surrounding whitespace, refuse NUL and anything past max_length), so a test can say
exactly which fields a request must be refused for and what an accepted one stores.
"""

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import BaseForm

from meetings.ical import clean_text
from meetings.validators import sanitize_rich_text, validate_multiline, validate_one_line

from .transport import received


class Refused:
    """The value is refused (None is a value a field may store)."""

    def __repr__(self) -> str:
        return "REFUSED"


REFUSED = Refused()


def has_lone_surrogate(value: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in value)


def admin_value(model: type[Model], name: str, value: str, form: type[BaseForm] | None = None):
    """What the admin stores for a posted value, or REFUSED: the form's field (its
    own, or the model field's default one: strip, NUL, max_length, shape), then the model
    field's validators."""
    field = model._meta.get_field(name)
    form_field = form.base_fields[name] if form and name in form.base_fields else field.formfield()
    try:
        return field.clean(form_field.clean(received(value)), None)
    except ValidationError:
        return REFUSED


def form_text(value: str, max_length: int | None) -> str | Refused:
    """A posted value after a Django form CharField (strip, no NUL, max_length)."""
    text = received(value).strip()
    if "\x00" in text or (max_length is not None and len(text) > max_length):
        return REFUSED
    return text


def api_text(value: str, max_length: int | None, *, multiline: bool = False) -> str | Refused:
    """A JSON string after a DRF CharField (strip, no NUL, max_length, no lone surrogate),
    then the model field's control-character rule (multi-line text keeps breaks and tabs)."""
    if has_lone_surrogate(value):
        return REFUSED
    text = value.strip()
    if "\x00" in text or (max_length is not None and len(text) > max_length):
        return REFUSED
    try:
        (validate_multiline if multiline else validate_one_line)(text)
    except ValidationError:
        return REFUSED
    return text


def rsvp_text(value: str, max_length: int) -> str | Refused:
    """A value of the RSVP form: a form CharField, then one line of clean text."""
    text = form_text(value, max_length)
    return text if text is REFUSED else clean_text(text)


def rich_text(text: str) -> str:
    """A description as stored: the allow-list sanitiser's output (applied on every save)."""
    return sanitize_rich_text(sanitize_rich_text(text))
