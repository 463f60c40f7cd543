"""Admin forms for what the press reads beside the schedule: documents and press conferences.

A document's upload is checked by its content (`meetings.documents.check_upload`) before
anything is saved, so that a refused file leaves nothing behind and its error sits on the
file field. A press conference's start is entered as the meeting venue's wall-clock time,
like the meeting's own, and stored in UTC.
"""

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms import BaseInlineFormSet

from meetings import documents
from meetings.formatting import zone_label
from meetings.models import Document, Meeting, PressConference
from meetings.validators import localize, validate_calendar_year, validate_timezone


class StoredFile:
    """A stored document as its file widget shows it: its download name, linking to the
    site's download address (the storage's own address is not served)."""

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name

    def __str__(self) -> str:
        return self.name


class DocumentFileInput(widgets.AdminFileWidget):
    """The admin's file input; the current file is shown by its download name and link."""

    stored: StoredFile | None = None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if self.stored is not None and context["widget"]["is_initial"]:
            context["widget"]["value"] = self.stored
        return context


class DocumentAdminForm(forms.ModelForm):
    """A document: exactly one of a file (checked by content, within the size limit) or an
    https link; on its own, exactly one of a meeting or an umbrella event."""

    file = forms.FileField(
        label="File",
        required=False,
        widget=DocumentFileInput,
        error_messages={"empty": f"This file is empty; {documents.ACCEPTED}."},
    )

    class Meta:
        model = Document
        fields = [
            "meeting",
            "event",
            "kind",
            "title",
            "language",
            "published_on",
            "file",
            "url",
            "published",
        ]
        # Wide enough for a communiqué's title or a link to read whole at a laptop's width.
        widgets = {
            "title": forms.TextInput(attrs={"size": 80}),
            "language": forms.TextInput(attrs={"size": 10}),
            "url": forms.URLInput(attrs={"size": 80}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file_type: documents.FileType | None = None
        limit = documents.size_text(documents.max_bytes())
        self.fields["file"].help_text = (
            f"PDF, Word (.docx), Excel (.xlsx), PNG, JPEG or WebP, at most {limit}. "
            "Or give a link instead."
        )
        document = self.instance
        if document.pk is not None and document.file:
            widget = self.fields["file"].widget
            if isinstance(widget, DocumentFileInput):
                widget.stored = StoredFile(
                    documents.document_link(document), documents.download_name(document)
                )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            self.file_type = documents.check_upload(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self._check_parent(cleaned)
        if "file" in self.errors or "url" in self.errors:
            return cleaned
        upload, link = cleaned.get("file"), cleaned.get("url")
        if upload and link:
            self.add_error(
                "url", "Give a file or a link, not both: empty the link, or clear the file."
            )
        elif not upload and not link:
            self.add_error("file", "Upload a file, or give a link to the document below.")
        else:
            self._describe(cleaned)
        return cleaned

    def _check_parent(self, cleaned: dict[str, Any]) -> None:
        """On its own (not inline), the document names one meeting or one event."""
        if "meeting" not in self.fields or "event" not in self.fields:
            return
        meeting, event = cleaned.get("meeting"), cleaned.get("event")
        if meeting is not None and event is not None:
            self.add_error(
                "event",
                "A document belongs to a meeting or to an umbrella event, not both: "
                "empty one of them.",
            )
        elif meeting is None and event is None and not {"meeting", "event"} & set(self.errors):
            self.add_error("meeting", "Choose the meeting or the umbrella event it belongs to.")

    def _describe(self, cleaned: dict[str, Any]) -> None:
        """The file's download name, type and size, from what its content was found to be."""
        document, upload = self.instance, cleaned.get("file")
        if not upload:
            document.filename, document.content_type, document.size = "", "", None
            return
        title = cleaned.get("title") or document.title
        kind = cleaned.get("kind") or document.kind
        if isinstance(upload, UploadedFile) and self.file_type is not None:
            document.content_type, document.size = self.file_type.content_type, upload.size
            extension = self.file_type.extension
            # The stored name takes the extension of the content, never the uploader's.
            upload.name = f"document{extension}"
        else:
            extension = documents.stored_extension(document)
        document.filename = documents.file_name(title=title, kind=kind, extension=extension)


class PressConferenceForm(forms.ModelForm):
    """A press conference; its start is the venue's wall-clock time, stored in UTC."""

    start_date = forms.DateField(
        label="Day", widget=widgets.AdminDateWidget, validators=[validate_calendar_year]
    )
    start_time = forms.TimeField(
        label="Time", widget=widgets.AdminTimeWidget, help_text="Local time at the venue."
    )

    class Meta:
        model = PressConference
        fields = ["start_date", "start_time", "title", "place", "stream_url"]

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.start: dt.datetime | None = None
        zone = self._zone()
        if zone:
            self.fields["start_time"].help_text = f"{zone_label(zone)} ({zone})."
        if self.instance.pk is not None and zone:
            local = self.instance.start.astimezone(zoneinfo.ZoneInfo(zone))
            self.initial.update(start_date=local.date(), start_time=local.time())

    def _zone(self) -> str:
        """The meeting's zone as its form has it now (validated first), or ""."""
        zone = self.meeting.timezone if self.meeting is not None else ""
        try:
            validate_timezone(zone)
        except ValidationError:
            return ""
        return zone

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        day, time = cleaned.get("start_date"), cleaned.get("start_time")
        if day is None or time is None:
            return cleaned
        zone = self._zone()
        if not zone:
            self.add_error(
                "start_time", "The meeting has no time zone yet: choose one above, then save."
            )
            return cleaned
        try:
            start = localize(dt.datetime.combine(day, time), zone)
        except ValidationError as exc:
            self.add_error("start_time", exc)
            return cleaned
        self.start = self.instance.start = start.astimezone(dt.UTC)
        return cleaned

    def has_changed(self) -> bool:
        # Entered in the venue's time: a new zone for the meeting moves a conference whose
        # wall-clock time is unchanged, so it is saved again.
        stored = self.instance.start if self.instance.pk is not None else None
        return super().has_changed() or (self.start is not None and self.start != stored)


class PressConferenceFormSet(BaseInlineFormSet):
    """Gives each form the meeting (as its own form has it), for the venue's zone."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "meeting": self.instance}
