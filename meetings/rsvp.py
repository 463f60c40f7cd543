"""Attendance confirmation without an account, through a delegation's signed link: the
form (meetings/views/rsvp.py serves it)."""

from django import forms

from meetings.enums import AttendanceStatus, DelegationLevel
from meetings.ical import clean_text


class RsvpForm(forms.Form):
    attendance = forms.ChoiceField(
        label="Your answer",
        choices=[
            (AttendanceStatus.CONFIRMED, "We will attend (confirm)"),
            (AttendanceStatus.DECLINED, "We will not attend (decline)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether your delegation will attend."},
    )
    head_name = forms.CharField(label="Head of delegation", max_length=200, required=False)
    head_title = forms.CharField(
        label="Their title",
        max_length=300,
        required=False,
        help_text="e.g. Minister of Foreign Affairs",
    )
    level = forms.ChoiceField(
        label="Level of the delegation",
        choices=[("", "Not stated"), *DelegationLevel.choices],
        required=False,
    )

    def clean_head_name(self) -> str:
        return clean_text(self.cleaned_data["head_name"])

    def clean_head_title(self) -> str:
        return clean_text(self.cleaned_data["head_title"])
