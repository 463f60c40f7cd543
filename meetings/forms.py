"""Admin forms: local-time entry in the venue's zone, and refusal of concurrent edits."""

import datetime as dt
import zoneinfo

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError

from meetings.models import Delegation, Meeting, Venue
from meetings.services import ConcurrentEditError, check_revision
from meetings.validators import localize, sanitize_rich_text, validate_calendar_year

TIMEZONE_CHOICES = [("", "The venue's zone")] + [
    (name, name) for name in sorted(zoneinfo.available_timezones())
]


class RevisionCheckedForm(forms.ModelForm):
    """Carries the revision the editor loaded; a save over a newer one is refused.

    The admin wraps the whole request in a transaction, so the row lock taken in
    clean() holds until the save commits: two editors cannot both pass.
    """

    revision_seen = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={
            "required": "This form did not say which version of the record it was opened on. "
            "Reload the page and make your change again."
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revision_seen"].initial = self.instance.revision
        # An edit must say which revision it started from, or the check below is skipped.
        self.fields["revision_seen"].required = self.instance.pk is not None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            try:
                check_revision(type(self.instance), self.instance.pk, cleaned.get("revision_seen"))
            except ConcurrentEditError as exc:
                raise ValidationError(exc.messages, code="concurrent_edit") from exc
        return cleaned


class MeetingAdminForm(RevisionCheckedForm):
    """Dates and times are entered as the venue's wall-clock time, stored in UTC."""

    timezone = forms.ChoiceField(
        label="Time zone",
        choices=TIMEZONE_CHOICES,
        required=False,
        help_text="IANA zone of the times below; left empty, the venue's zone.",
    )
    start_date = forms.DateField(
        label="First day", widget=widgets.AdminDateWidget, validators=[validate_calendar_year]
    )
    start_time = forms.TimeField(
        label="Start time",
        required=False,
        widget=widgets.AdminTimeWidget,
        help_text="Local time at the venue. Leave empty for an all-day meeting.",
    )
    end_date = forms.DateField(
        label="Last day", widget=widgets.AdminDateWidget, validators=[validate_calendar_year]
    )
    end_time = forms.TimeField(
        label="End time",
        required=False,
        widget=widgets.AdminTimeWidget,
        help_text="Local time at the venue.",
    )

    class Meta:
        model = Meeting
        fields = [
            "event",
            "format",
            "number",
            "counterpart",
            "title",
            "venue",
            "host",
            "timezone",
            "all_day",
            "status",
            "status_note",
            "mode",
            "published",
            "description",
            "confirmation_deadline",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        meeting = self.instance
        if meeting.pk is not None:
            self.initial.update(
                start_date=meeting.first_day,
                end_date=meeting.last_day,
                start_time=None if meeting.all_day else meeting.local_start.time(),
                end_time=None if meeting.all_day else meeting.local_end.time(),
            )

    def clean_description(self) -> str:
        return sanitize_rich_text(self.cleaned_data.get("description", ""))

    def clean_confirmation_deadline(self) -> dt.datetime | None:
        deadline = self.cleaned_data.get("confirmation_deadline")
        if deadline is not None:
            validate_calendar_year(deadline)
        return deadline

    def clean(self):
        cleaned = super().clean()
        tz_name = cleaned.get("timezone") or (
            cleaned["venue"].timezone if cleaned.get("venue") else ""
        )
        if not tz_name:
            self.add_error("timezone", "Choose a time zone, or a venue that has one.")
            return cleaned
        cleaned["timezone"] = tz_name
        start_date, end_date = cleaned.get("start_date"), cleaned.get("end_date")
        if start_date is None or end_date is None:
            return cleaned
        if cleaned.get("all_day"):
            if end_date < start_date:
                self.add_error("end_date", "The last day cannot be before the first day.")
                return cleaned
            start_wall = dt.datetime.combine(start_date, dt.time(0))
            end_wall = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time(0))
        else:
            for name in ("start_time", "end_time"):
                if cleaned.get(name) is None:
                    self.add_error(name, "Enter a time, or tick “all day”.")
            if self.errors:
                return cleaned
            start_wall = dt.datetime.combine(start_date, cleaned["start_time"])
            end_wall = dt.datetime.combine(end_date, cleaned["end_time"])
        try:
            start = localize(start_wall, tz_name)
        except ValidationError as exc:
            self.add_error("start_time", exc)
            return cleaned
        try:
            end = localize(end_wall, tz_name)
        except ValidationError as exc:
            self.add_error("end_time", exc)
            return cleaned
        if end <= start:
            self.add_error(
                "end_time" if not cleaned.get("all_day") else "end_date",
                "The end must be after the start.",
            )
            return cleaned
        self.instance.start, self.instance.end = start, end
        return cleaned


class DelegationAdminForm(RevisionCheckedForm):
    class Meta:
        model = Delegation
        fields = [
            "meeting",
            "participant",
            "head_name",
            "head_title",
            "level",
            "attendance",
            "contact_emails",
            "reminders_paused",
            "notes",
        ]
        widgets = {
            "contact_emails": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "notes": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }


class VenueAdminForm(forms.ModelForm):
    """The database's range checks on a venue's position, made on each field so that a
    refusal names the field rather than the constraint."""

    latitude = forms.DecimalField(
        label="Latitude",
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
    )
    longitude = forms.DecimalField(
        label="Longitude",
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )

    class Meta:
        model = Venue
        fields = [
            "name",
            "name_local",
            "city",
            "country_code",
            "address",
            "timezone",
            "latitude",
            "longitude",
        ]
