"""What meets, where and when: formats, venues, umbrella events and meetings."""

import datetime as dt
import zoneinfo

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from meetings.enums import MeetingMode, MeetingStatus
from meetings.formatting import offset_label
from meetings.validators import (
    FORMAT_CODE_SHAPE,
    TIMEZONE_SHAPE,
    split_sources,
    validate_format_code,
    validate_https_url,
    validate_multiline,
    validate_one_line,
    validate_participant_code,
    validate_sources,
    validate_timezone,
)

from .fields import RichTextField
from .participants import Participant

# The statuses under which a meeting's delegations are still asked to answer.
OPEN_STATUSES = (MeetingStatus.TENTATIVE, MeetingStatus.SCHEDULED)


class Format(models.Model):
    """A kind of meeting (AMM, EAS, ...) and who normally attends it."""

    code = models.CharField(
        "code", max_length=20, unique=True, validators=[validate_format_code], help_text="e.g. AMM"
    )
    name = models.CharField(
        "name",
        max_length=200,
        validators=[validate_one_line],
        help_text="e.g. ASEAN Foreign Ministers' Meeting",
    )
    short_name = models.CharField(
        "short name",
        max_length=40,
        validators=[validate_one_line],
        help_text="Used after ordinals: “55th AMM”, “12th EAS FMM”.",
    )
    description = RichTextField("description", blank=True, validators=[validate_multiline])
    invites_members = models.BooleanField(
        "invites ASEAN members", default=True, help_text="Member states on the meeting's date."
    )
    invites_observers = models.BooleanField("invites ASEAN observers", default=False)
    invites_dialogue_partners = models.BooleanField("invites all dialogue partners", default=False)
    invites_arf_participants = models.BooleanField("invites ARF participants", default=False)
    invites_counterpart = models.BooleanField(
        "invites the meeting's counterpart",
        default=False,
        help_text="For “ASEAN-X” meetings (PMC+1): the partner named on each meeting.",
    )
    invited_participants = models.ManyToManyField(
        Participant,
        blank=True,
        related_name="formats_invited_to",
        verbose_name="also invites",
        help_text="Participants invited whatever their role (e.g. China, Japan, ROK for APT).",
    )
    history = HistoricalRecords(m2m_fields=[invited_participants])

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=FORMAT_CODE_SHAPE), name="format_code_shape"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:format", kwargs={"code": self.code.lower()})


class Venue(models.Model):
    """A place meetings are held, with its IANA time zone."""

    name = models.CharField("name", max_length=200, validators=[validate_one_line])
    name_local = models.CharField(
        "name in local script", max_length=200, blank=True, validators=[validate_one_line]
    )
    city = models.CharField("city", max_length=120, validators=[validate_one_line])
    country_code = models.CharField(
        "country", max_length=2, validators=[validate_participant_code], help_text="ISO alpha-2"
    )
    address = models.CharField(
        "address", max_length=300, blank=True, validators=[validate_one_line]
    )
    timezone = models.CharField(
        "time zone",
        max_length=64,
        validators=[validate_timezone],
        help_text="IANA name, as given: Asia/Phnom_Penh, Asia/Yangon, ...",
    )
    latitude = models.DecimalField(
        "latitude", max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        "longitude", max_digits=9, decimal_places=6, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["city", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(timezone__regex=TIMEZONE_SHAPE), name="venue_timezone_shape"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="venue_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="venue_longitude_range",
            ),
            models.UniqueConstraint(fields=["name", "city"], name="venue_unique_name_city"),
        ]

    def __str__(self) -> str:
        return self.name if self.name == self.city else f"{self.name}, {self.city}"


class PressInformation(models.Model):
    """What the press needs to cover an event or a meeting; a meeting's own values, where
    set, take the place of its event's (`meetings.press.meeting_press`)."""

    accreditation_deadline = models.DateField(
        "media accreditation deadline", null=True, blank=True, help_text="The last day to apply."
    )
    accreditation = models.TextField(
        "how to apply for accreditation",
        blank=True,
        validators=[validate_multiline],
        help_text="Plain text: where and how journalists apply, what they must send.",
    )
    accreditation_url = models.URLField(
        "accreditation link",
        max_length=500,
        blank=True,
        validators=[validate_https_url],
        help_text="https:// page where journalists apply.",
    )
    media_centre = models.CharField(
        "media centre",
        max_length=300,
        blank=True,
        validators=[validate_one_line],
        help_text="Where the media centre is, e.g. Hall B, National Convention Centre.",
    )
    livestream_url = models.URLField(
        "livestream or webcast link",
        max_length=500,
        blank=True,
        validators=[validate_https_url],
        help_text="https:// address; shown as “Live now” while the meeting is on.",
    )

    class Meta:
        abstract = True


class Event(PressInformation):
    """An umbrella of related meetings held back to back (“55th AMM and Related Meetings”)."""

    title = models.CharField("title", max_length=200, validators=[validate_one_line])
    slug = models.SlugField("slug", max_length=120, unique=True, allow_unicode=False)
    host = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="hosted_events", null=True, blank=True
    )
    start_date = models.DateField("first day")
    end_date = models.DateField("last day")
    description = RichTextField("description", blank=True, validators=[validate_multiline])
    published = models.BooleanField("published", default=True)
    secretariat_contact = models.CharField(
        "secretariat contact",
        max_length=300,
        blank=True,
        validators=[validate_one_line],
        help_text="Who delegations write to about this event's meetings, e.g. "
        "“Ms Dara Vong, ASEAN Secretariat, dara.vong@asean.org”. Empty: the site's contact.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="event_end_not_before_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:event", kwargs={"slug": self.slug})

    def get_ics_url(self) -> str:
        return reverse("meetings:event-ics", kwargs={"slug": self.slug})


class Meeting(PressInformation):
    """One meeting. Times are stored in UTC with the venue's IANA zone beside them.

    All-day meetings store local midnight of the first day as `start` and local
    midnight after the last day as `end` (exclusive), so every query can use
    start/end alike.
    """

    event = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        related_name="meetings",
        null=True,
        blank=True,
        verbose_name="umbrella event",
    )
    format = models.ForeignKey(Format, on_delete=models.PROTECT, related_name="meetings")
    number = models.PositiveSmallIntegerField(
        "ordinal number", null=True, blank=True, help_text="55 for the 55th AMM; empty if none."
    )
    counterpart = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="counterpart_meetings",
        null=True,
        blank=True,
        help_text="The dialogue partner of an “ASEAN-X” meeting (PMC+1), if any.",
    )
    title = models.CharField(
        "title",
        max_length=200,
        blank=True,
        validators=[validate_one_line],
        help_text="Left empty, it is derived from the format.",
    )
    slug = models.SlugField(
        "slug",
        max_length=120,
        unique=True,
        allow_unicode=False,
        blank=True,
        help_text="Stable ASCII address; set once from the format, number and year.",
    )
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="meetings", null=True, blank=True
    )
    host = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="hosted_meetings", null=True, blank=True
    )
    start = models.DateTimeField("start (UTC)", db_index=True)
    end = models.DateTimeField("end (UTC)", db_index=True)
    all_day = models.BooleanField("all day", default=False)
    daily_hours = models.BooleanField(
        "same hours each day",
        default=False,
        help_text="A meeting over several days that sits the same hours each day (e.g. 09:00 to "
        "17:00): shown and in calendars as daily sessions, not one block from the first "
        "morning to the last evening.",
    )
    first_day = models.DateField(
        "first day", editable=False, db_index=True, help_text="At the venue; kept from start."
    )
    last_day = models.DateField(
        "last day", editable=False, db_index=True, help_text="At the venue, inclusive."
    )
    timezone = models.CharField(
        "time zone",
        max_length=64,
        validators=[validate_timezone],
        help_text="The venue's IANA zone.",
    )
    status = models.CharField(
        "status", max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    status_note = models.CharField(
        "status note",
        max_length=300,
        blank=True,
        validators=[validate_one_line],
        help_text="Public reason for a change of status.",
    )
    change_note = models.CharField(
        "reason for the latest change",
        max_length=300,
        blank=True,
        validators=[validate_one_line],
        help_text="Public: shown with the change on the meeting page, in the change log and "
        "in the notice to delegations. Cleared by the next change of date, venue, mode, "
        "status or title that gives no reason of its own.",
    )
    mode = models.CharField(
        "mode", max_length=20, choices=MeetingMode.choices, default=MeetingMode.IN_PERSON
    )
    published = models.BooleanField(
        "published", default=False, help_text="Unpublished meetings never reach the public."
    )
    description = RichTextField("description", blank=True, validators=[validate_multiline])
    sources = models.TextField(
        "sources",
        blank=True,
        validators=[validate_sources],
        help_text="Public pages stating the meeting's dates: one https:// address a line.",
    )
    confirmation_deadline = models.DateTimeField(
        "confirmation deadline",
        null=True,
        blank=True,
        help_text="Delegations are asked to answer by then; defaults to the start.",
    )
    sequence = models.PositiveIntegerField(
        "sequence", default=0, help_text="Raised on every change calendar apps must apply."
    )
    revision = models.PositiveIntegerField(
        "revision", default=0, help_text="Raised on every save; refuses concurrent edits."
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "format__code", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="meeting_end_after_start"),
            models.CheckConstraint(
                condition=Q(timezone__regex=TIMEZONE_SHAPE), name="meeting_timezone_shape"
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="meeting_slug_not_empty"),
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="meeting_days_in_order"
            ),
            models.UniqueConstraint(
                fields=["format", "number"],
                condition=Q(number__isnull=False),
                name="meeting_unique_format_number",
            ),
        ]
        indexes = [models.Index(fields=["published", "start"], name="meeting_published_start")]

    def __str__(self) -> str:
        return self.title or self.slug

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting", kwargs={"slug": self.slug})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(self.tz)

    @property
    def local_end(self) -> dt.datetime:
        return self.end.astimezone(self.tz)

    def local_days(self) -> tuple[dt.date, dt.date]:
        """The first and last (inclusive) days the meeting runs on, at the venue."""
        first = self.local_start.date()
        if self.all_day:
            return first, self.local_end.date() - dt.timedelta(days=1)
        return first, (self.local_end - dt.timedelta(microseconds=1)).date()

    @property
    def source_urls(self) -> list[str]:
        """The sources, one address an item."""
        return split_sources(self.sources)

    @property
    def utc_offset_label(self) -> str:
        """The zone's offset at the start, spelled as people read it: UTC+7, UTC+6:30."""
        return offset_label(self.local_start)

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    def closed_reason(self, *, now: dt.datetime) -> str:
        """Why its delegations may no longer answer, nor be invited or reminded: "unpublished",
        the status ("postponed", "cancelled", "held") or "started"; "" while they may."""
        if not self.published:
            return "unpublished"
        if self.status not in OPEN_STATUSES:
            return MeetingStatus(self.status).value
        if self.start <= now:
            return "started"
        return ""
