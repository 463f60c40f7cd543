"""The forms of /follow/ and of a subscription's manage page.

An address is one line of plain ASCII characters that Django's validator accepts, at most
254 characters: no CR, LF or other control character (header injection), no look-alike
letters from other scripts and no invisible characters (an address that reads as another).
An international domain is written in its xn-- form. Addresses are kept lower-cased, so
one mailbox typed twice in different cases follows a filter once.
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from meetings.models.follow import FollowFrequency

EMAIL_MAX = 254
ONE_LINE = "An e-mail address is one line of text: remove the line breaks and control characters."
ASCII_ONLY = (
    "Enter the address in plain Latin letters and digits. For an international domain name, "
    "use its xn-- form."
)
INVALID = "Enter a valid e-mail address, such as name@example.org."


def clean_address(value: str) -> str:
    """The address as it is kept, or ValidationError saying what is wrong with it."""
    if any(unicodedata.category(char)[0] in "CZ" and char != " " for char in value):
        raise ValidationError(ONE_LINE, code="control")
    if not value.isascii():
        raise ValidationError(ASCII_ONLY, code="not_ascii")
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError(INVALID, code="invalid") from exc
    return value.lower()


class FollowForm(forms.Form):
    email = forms.CharField(
        label="Your e-mail address",
        max_length=EMAIL_MAX,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text="We send a confirmation link to it; nothing else until you use the link.",
    )
    frequency = forms.ChoiceField(
        label="How often",
        choices=FollowFrequency.choices,
        initial=FollowFrequency.IMMEDIATE,
        widget=forms.RadioSelect,
    )

    def clean_email(self) -> str:
        return clean_address(self.cleaned_data["email"])


class FrequencyForm(forms.Form):
    frequency = forms.ChoiceField(
        label="How often", choices=FollowFrequency.choices, widget=forms.RadioSelect
    )
