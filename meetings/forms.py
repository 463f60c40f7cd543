"""Admin forms: local-time entry in the venue's zone, and refusal of concurrent edits."""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from meetings import zones
from meetings.enums import MeetingStatus
from meetings.models import Delegation, Meeting, Venue
from meetings.periods import local_period
from meetings.services import (
    ConcurrentEditError,
    Merge,
    check_revision,
    missing_reason,
    revision_merge,
)
from meetings.validators import localize, validate_calendar_year
from meetings.warnings import held_refusal

# Native date and time inputs: the admin's calendar and clock widgets add a "Now" in the
# browser's zone and a note comparing it with the server's, neither of which is the venue's.
LOCAL_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LOCAL_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _offer(form: forms.BaseForm, name: str, choices: list) -> None:
    """Set a choice field's choices (a read-only form has no such field)."""
    field = form.fields.get(name)
    if isinstance(field, forms.ChoiceField):
        field.choices = choices


class RevisionCheckedForm(forms.ModelForm):
    """Carries the revision the editor loaded; a save over a newer one is refused.

    The admin wraps the whole request in a transaction, so the row lock taken in
    clean() holds until the save commits: two editors cannot both pass.

    With `merges_fields`, a save over a newer revision is refused only for fields both
    changed: fields the editor left as loaded keep what was saved since (an answer that
    came through the RSVP link while the meeting's form was open), and a row the editor did
    not touch is not saved at all.
    """

    merges_fields = False

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
        self.edited: frozenset[str] | None = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        seen = cleaned.get("revision_seen")
        if self.instance.pk is None or seen is None:
            return cleaned
        try:
            if self.merges_fields:
                merge = revision_merge(
                    type(self.instance), self.instance.pk, seen, self._model_values()
                )
                if merge is not None:
                    self._merge(merge)
            else:
                check_revision(type(self.instance), self.instance.pk, seen)
        except ConcurrentEditError as exc:
            raise ValidationError(exc.messages, code="concurrent_edit") from exc
        return cleaned

    def _merge(self, merge: Merge) -> None:
        """Save the merged values over the row as stored now, whatever this form loaded."""
        self.cleaned_data.update(merge.values)
        self.edited = merge.edited
        for field in self.instance._meta.concrete_fields:
            if field.name not in self.fields:
                setattr(self.instance, field.attname, getattr(merge.current, field.attname))

    def _model_values(self) -> dict[str, Any]:
        """The cleaned values of the model's own fields (not the key, not revision_seen)."""
        names = {
            field.name
            for field in self.instance._meta.concrete_fields
            if not field.primary_key and field.editable
        }
        return {name: value for name, value in self.cleaned_data.items() if name in names}

    def has_changed(self) -> bool:
        # Over a newer revision, "changed" means changed from what the editor loaded, not
        # from what is stored now (which others changed).
        return bool(self.edited) if self.edited is not None else super().has_changed()


class MeetingAdminForm(RevisionCheckedForm):
    """Dates and times are entered as the venue's wall-clock time, stored in UTC."""

    timezone = forms.ChoiceField(
        label="Time zone",
        choices=[("", "The venue's zone"), *zones.zone_choices()],
        required=False,
        help_text="The zone of the times below; left empty, the venue's zone. Type a city's "
        "name to find it.",
    )
    start_date = forms.DateField(
        label="First day", widget=LOCAL_DATE, validators=[validate_calendar_year]
    )
    start_time = forms.TimeField(
        label="Start time",
        required=False,
        widget=LOCAL_TIME,
        help_text="Local time at the venue. Leave empty for an all-day meeting.",
    )
    end_date = forms.DateField(
        label="Last day", widget=LOCAL_DATE, validators=[validate_calendar_year]
    )
    end_time = forms.TimeField(
        label="End time",
        required=False,
        widget=LOCAL_TIME,
        help_text="Local time at the venue.",
    )
    confirmation_deadline = forms.SplitDateTimeField(
        label="Confirmation deadline",
        required=False,
        widget=forms.SplitDateTimeWidget(
            date_attrs={"type": "date"},
            time_attrs={"type": "time"},
            date_format="%Y-%m-%d",
            time_format="%H:%M",
        ),
        help_text="Local time at the venue. Empty: the end of the day before the meeting.",
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
            "daily_hours",
            "status",
            "status_note",
            "change_note",
            "mode",
            "published",
            "description",
            "confirmation_deadline",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        meeting = self.instance
        _offer(self, "timezone", [("", "The venue's zone"), *zones.zone_choices(meeting.timezone)])
        status = self.fields.get("status")
        if (
            isinstance(status, forms.ChoiceField)
            and meeting.pk is not None
            and meeting.status != MeetingStatus.HELD
            and meeting.end > timezone.now()
        ):
            # "Held" is offered once the meeting has ended; posted before, clean() says why
            # it is refused (the field itself still knows the choice).
            offered = [(value, label) for value, label in MeetingStatus.choices]
            status.widget.choices = [c for c in offered if c[0] != MeetingStatus.HELD]
        if "end_date" in self.fields:
            # For the warnings shown while editing (static/js/meeting-warnings.js).
            self.fields["end_date"].widget.attrs["data-today"] = timezone.now().date().isoformat()
        # The reason is that of the change being made now: the last one's is not offered.
        self.initial["change_note"] = ""
        if "change_note" in self.fields:  # not in a viewer's read-only form
            self.fields["change_note"].label = "Reason for this change (public)"
        if meeting.pk is not None:
            deadline = meeting.confirmation_deadline
            self.initial.update(
                # A naive wall-clock time: the widget shows it as it is, at the venue.
                confirmation_deadline=(
                    deadline.astimezone(meeting.tz).replace(tzinfo=None) if deadline else None
                ),
                start_date=meeting.first_day,
                end_date=meeting.last_day,
                start_time=None if meeting.all_day else meeting.local_start.time(),
                end_time=None if meeting.all_day else meeting.local_end.time(),
            )

    def clean_status_note(self) -> str:
        note = self.cleaned_data.get("status_note", "")
        status = self.cleaned_data.get("status")
        before = self.initial.get("status") if self.instance.pk is not None else None
        message = status and missing_reason(status=status, before=before, note=note)
        if message:
            raise ValidationError(message, code="reason_required")
        return note

    def clean_confirmation_deadline(self) -> dt.datetime | None:
        deadline = self.cleaned_data.get("confirmation_deadline")
        if deadline is not None:
            validate_calendar_year(deadline)
        return deadline

    def _deadline_at_the_venue(self, cleaned: dict[str, Any], tz_name: str) -> None:
        """The field read the wall-clock time in the server's zone: read it at the venue."""
        deadline = cleaned.get("confirmation_deadline")
        if deadline is None:
            return
        try:
            cleaned["confirmation_deadline"] = localize(timezone.make_naive(deadline), tz_name)
        except ValidationError as exc:
            self.add_error("confirmation_deadline", exc)

    def clean(self):
        cleaned = super().clean()
        tz_name = cleaned.get("timezone") or (
            cleaned["venue"].timezone if cleaned.get("venue") else ""
        )
        if not tz_name:
            self.add_error("timezone", "Choose a time zone, or a venue that has one.")
            return cleaned
        cleaned["timezone"] = tz_name
        self._deadline_at_the_venue(cleaned, tz_name)
        start_date, end_date = cleaned.get("start_date"), cleaned.get("end_date")
        if start_date is None or end_date is None:
            return cleaned
        all_day = bool(cleaned.get("all_day"))
        if not all_day:
            for name in ("start_time", "end_time"):
                if cleaned.get(name) is None:
                    self.add_error(name, "Enter a time, or tick “all day”.")
            if self.errors:
                return cleaned
        try:
            if all_day:
                period = local_period(zone=tz_name, first_day=start_date, last_day=end_date)
            else:
                period = local_period(
                    zone=tz_name,
                    start=dt.datetime.combine(start_date, cleaned["start_time"]),
                    end=dt.datetime.combine(end_date, cleaned["end_time"]),
                )
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                for error in errors:
                    self.add_error(_form_field(name, error.code, all_day=all_day), error)
            return cleaned
        self.instance.start, self.instance.end = period
        self.instance.status = cleaned.get("status", self.instance.status)
        refusal = held_refusal(self.instance, now=timezone.now())
        if refusal:
            self.add_error("status", refusal)
        return cleaned


def _form_field(name: str, code: str | None, *, all_day: bool) -> str:
    """The form field that shows a refusal of local_period's argument `name`.

    A time the clocks skip is shown under its time box (all-day: the midnight that
    starts or ends the days); days out of order under the last day.
    """
    if all_day and code in ("last_before_first", "end_before_start"):
        return "end_date"
    return "start_time" if name in ("start", "first_day") else "end_time"


class DelegationAdminForm(RevisionCheckedForm):
    merges_fields = True

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

    country_code = forms.ChoiceField(label="Country")
    timezone = forms.ChoiceField(
        label="Time zone",
        help_text="Where the venue's clocks are set: the capitals first; type a city's name "
        "to find another.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        venue = self.instance
        _offer(self, "timezone", [("", "---------"), *zones.zone_choices(venue.timezone)])
        _offer(
            self, "country_code", [("", "---------"), *zones.country_choices(venue.country_code)]
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
