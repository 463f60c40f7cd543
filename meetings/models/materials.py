"""What the press reads beside the schedule: documents, press contacts, press conferences.

Each belongs to a meeting or to an umbrella event (documents and contacts), never both;
press conferences belong to a meeting, whose venue gives their time zone.
"""

import os
import secrets

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from meetings.enums import DocumentKind
from meetings.validators import (
    LANGUAGE_TAG_SHAPE,
    validate_https_url,
    validate_language_tag,
    validate_one_line,
    validate_phone,
)

from .calendar import Event, Meeting

ONE_PARENT = Q(meeting__isnull=False, event__isnull=True) | Q(
    meeting__isnull=True, event__isnull=False
)


def document_path(document: "Document", filename: str) -> str:
    """Where an upload is stored: a random folder, so no stored name is guessable or shared,
    and the extension the content was found to be (never the uploader's name alone)."""
    extension = os.path.splitext(filename)[1].lower()[:8]
    return f"documents/{secrets.token_hex(12)}/document{extension}"


class Document(models.Model):
    """An agenda, outcome document, statement, press release or media link."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="documents", null=True, blank=True
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="documents",
        null=True,
        blank=True,
        verbose_name="umbrella event",
    )
    kind = models.CharField("kind", max_length=30, choices=DocumentKind.choices)
    title = models.CharField("title", max_length=300, validators=[validate_one_line])
    language = models.CharField(
        "language",
        max_length=35,
        default="en",
        validators=[validate_language_tag],
        help_text="Language tag: en, fr, zh-Hans, ...",
    )
    published_on = models.DateField("date published")
    file = models.FileField(
        "file",
        upload_to=document_path,
        max_length=255,
        blank=True,
        help_text="PDF, Word (.docx), Excel (.xlsx), PNG, JPEG or WebP. Or give a link instead.",
    )
    url = models.URLField(
        "link",
        max_length=500,
        blank=True,
        validators=[validate_https_url],
        help_text="https:// address of a document published elsewhere, instead of a file.",
    )
    filename = models.CharField(
        "file name", max_length=200, blank=True, editable=False, help_text="As downloaded."
    )
    content_type = models.CharField("content type", max_length=100, blank=True, editable=False)
    size = models.PositiveBigIntegerField("size in bytes", null=True, blank=True, editable=False)
    published = models.BooleanField(
        "published", default=True, help_text="Unpublished documents never reach the public."
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "kind", "title", "id"]
        constraints = [
            models.CheckConstraint(condition=ONE_PARENT, name="document_one_parent"),
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="document_file_or_link",
            ),
            models.CheckConstraint(
                condition=Q(language__regex=LANGUAGE_TAG_SHAPE), name="document_language_shape"
            ),
        ]
        indexes = [models.Index(fields=["published", "published_on"], name="document_published")]

    def __str__(self) -> str:
        return self.title


class PressContact(models.Model):
    """Whom journalists call or write to about an event or a meeting."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="press_contacts", null=True, blank=True
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="press_contacts",
        null=True,
        blank=True,
        verbose_name="umbrella event",
    )
    name = models.CharField("name", max_length=200, validators=[validate_one_line])
    organisation = models.CharField(
        "organisation", max_length=200, blank=True, validators=[validate_one_line]
    )
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("phone", max_length=40, blank=True, validators=[validate_phone])
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.CheckConstraint(condition=ONE_PARENT, name="presscontact_one_parent")]

    def __str__(self) -> str:
        return f"{self.name}, {self.organisation}" if self.organisation else self.name


class PressConference(models.Model):
    """A press conference or briefing after (or during) a meeting, at the meeting's venue time."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="press_conferences")
    start = models.DateTimeField("start (UTC)")
    title = models.CharField(
        "title",
        max_length=200,
        blank=True,
        validators=[validate_one_line],
        help_text="e.g. Press conference of the Chair; left empty, “Press conference”.",
    )
    place = models.CharField("place", max_length=200, blank=True, validators=[validate_one_line])
    stream_url = models.URLField(
        "livestream link",
        max_length=500,
        blank=True,
        validators=[validate_https_url],
        help_text="Where it is streamed, if not the meeting's own link.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "id"]

    def __str__(self) -> str:
        return self.title or "Press conference"
