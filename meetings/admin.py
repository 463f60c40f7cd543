"""The secretariat's admin. Saves and actions go through services; every change is in history."""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from meetings import (
    admin_briefing,
    admin_changes,
    documents,
    reminders,
    selectors,
    services,
    warnings,
)
from meetings.enums import AnswerChannel, AttendanceStatus
from meetings.formatting import day_text
from meetings.forms import DelegationAdminForm, MeetingAdminForm, VenueAdminForm
from meetings.forms_materials import (
    DocumentAdminForm,
    PressConferenceForm,
    PressConferenceFormSet,
)
from meetings.imports import admin_views as admin_import
from meetings.models import (
    Chairmanship,
    CoordinatorTerm,
    Delegation,
    Document,
    Event,
    Format,
    Meeting,
    Membership,
    Participant,
    PressConference,
    PressContact,
    Reminder,
    ReminderSchedule,
    Venue,
)
from meetings.models.reminders import ReminderStatus, format_days_before, parse_days_before
from meetings.numbers import whole_number

SENT, FAILED = ReminderStatus.SENT, ReminderStatus.FAILED

admin.site.site_header = "aseancal: secretariat"
admin.site.site_title = "aseancal admin"
admin.site.index_title = "The ASEAN meetings calendar"


def _editor(request: HttpRequest) -> AbstractBaseUser:
    """The staff member making a change (the admin site lets no anonymous request this far)."""
    user = request.user
    if not isinstance(user, AbstractBaseUser):
        raise PermissionDenied
    return user


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["role", "start", "end", "notes"]


@admin.register(Participant)
class ParticipantAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "name_local", "kind"]
    list_filter = ["kind", "memberships__role"]
    search_fields = ["code", "name", "official_name", "name_local"]
    inlines = [MembershipInline]


@admin.register(Format)
class FormatAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "short_name"]
    search_fields = ["code", "name", "short_name"]
    filter_horizontal = ["invited_participants"]


@admin.register(Venue)
class VenueAdmin(SimpleHistoryAdmin):
    form = VenueAdminForm
    list_display = ["name", "city", "country_code", "timezone"]
    list_filter = ["country_code", "timezone"]
    search_fields = ["name", "name_local", "city"]


# Press information (meetings.models.calendar.PressInformation), folded away on both forms.
PRESS_FIELDS = (
    "accreditation_deadline",
    "accreditation",
    "accreditation_url",
    "media_centre",
    "livestream_url",
)


class DocumentInline(admin.StackedInline):
    """Documents of a meeting or an event: a file checked by content, or an https link."""

    model = Document
    form = DocumentAdminForm
    extra = 0
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("kind", "language"),
                    "title",
                    ("published_on", "published"),
                    "file",
                    "url",
                    "stored",
                ]
            },
        )
    ]
    readonly_fields = ["stored"]

    @admin.display(description="stored file")
    def stored(self, document: Document) -> str:
        return stored_file(document)


def stored_file(document: Document) -> str:
    """The stored file's download link, type and size: “agenda.pdf (PDF, 1.2 MB)”; “-” for a
    link or a document not yet saved. (The storage's own address is not served.)"""
    if document.pk is None or not document.file:
        return "-"
    return format_html(
        '<a href="{}">{}</a> ({})',
        documents.document_link(document),
        documents.download_name(document),
        documents.file_facts(document),
    )


class PressContactInline(admin.TabularInline):
    model = PressContact
    extra = 0
    fields = ["name", "organisation", "email", "phone"]


class PressConferenceInline(admin.TabularInline):
    """Press conferences of a meeting, their start in the venue's time like the meeting's."""

    model = PressConference
    form = PressConferenceForm
    formset = PressConferenceFormSet
    extra = 0
    fields = ["start_date", "start_time", "title", "place", "stream_url"]


def save_materials(request: HttpRequest, formset: BaseInlineFormSet) -> None:
    """Save an inline formset of documents (through their services), press contacts or press
    conferences (directly: reference material, whose history records the user from the
    request)."""
    if formset.model is not Document:
        formset.save()
        return
    editor = _editor(request)
    for document in formset.save(commit=False):
        documents.document_save(document=document, by=editor)
    for document in formset.deleted_objects:
        documents.document_delete(document=document, by=editor)
    formset.save_m2m()


class UploadsUndoneOnRollback(admin.ModelAdmin):
    """A form whose save fails after a document's file was stored leaves no file behind."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with documents.stored_files_undone_on_rollback():
            return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(Event)
class EventAdmin(UploadsUndoneOnRollback, SimpleHistoryAdmin):
    list_display = ["title", "host", "start_date", "end_date", "published"]
    list_filter = ["published", "host"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["host"]
    date_hierarchy = "start_date"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "host",
                    ("start_date", "end_date"),
                    "description",
                    "published",
                    "secretariat_contact",
                ]
            },
        ),
        ("Press", {"classes": ["collapse"], "fields": PRESS_FIELDS}),
    ]
    inlines = [DocumentInline, PressContactInline]

    def get_urls(self):
        # Before the default URLs, whose "<object_id>/" would take the briefing's.
        return admin_briefing.briefing_urls(self) + super().get_urls()

    def save_formset(self, request, form, formset, change):
        save_materials(request, formset)


@admin.register(Document)
class DocumentAdmin(UploadsUndoneOnRollback, SimpleHistoryAdmin):
    """Every document, whichever meeting or event it belongs to."""

    form = DocumentAdminForm
    list_display = ["title", "kind", "belongs_to", "published_on", "published", "stored"]
    list_filter = ["kind", "published", "published_on"]
    list_select_related = ["meeting", "event"]
    search_fields = ["title", "filename", "meeting__title", "meeting__slug", "event__title"]
    autocomplete_fields = ["meeting", "event"]
    date_hierarchy = "published_on"
    readonly_fields = ["stored"]
    fieldsets = [
        ("Belongs to", {"fields": ["meeting", "event"]}),
        (None, {"fields": ["kind", "title", "language", "published_on", "published"]}),
        ("File or link", {"fields": ["file", "url", "stored"]}),
    ]

    @admin.display(description="meeting or event")
    def belongs_to(self, document: Document) -> str:
        return str(document.meeting or document.event or "-")

    @admin.display(description="stored file")
    def stored(self, document: Document) -> str:
        return stored_file(document)

    def save_model(self, request, obj, form, change):
        documents.document_save(document=obj, by=_editor(request))

    def delete_model(self, request, obj):
        documents.document_delete(document=obj, by=_editor(request))

    def delete_queryset(self, request, queryset):
        # One at a time, so that each history row carries who deleted it, and each file goes.
        editor = _editor(request)
        with transaction.atomic():
            for document in queryset:
                documents.document_delete(document=document, by=editor)


@admin.register(Chairmanship)
class ChairmanshipAdmin(SimpleHistoryAdmin):
    list_display = ["year", "participant", "notes"]
    autocomplete_fields = ["participant"]


@admin.register(CoordinatorTerm)
class CoordinatorTermAdmin(SimpleHistoryAdmin):
    list_display = ["partner", "coordinator", "start", "end"]
    list_filter = ["partner"]
    autocomplete_fields = ["partner", "coordinator"]


class DelegationInline(admin.TabularInline):
    """One row a delegation, narrow enough for a laptop: who comes, headed by whom, at what
    level, and its answer. Its contact addresses, answer record, reminders and staff notes
    are edited on its own page, linked from the row ("Addresses and reminders")."""

    model = Delegation
    form = DelegationAdminForm
    extra = 0
    fields = [
        "participant",
        "head_name",
        "head_title",
        "level",
        "attendance",
        "revision_seen",
        "addresses_and_reminders",
    ]
    readonly_fields = ["addresses_and_reminders"]
    autocomplete_fields = ["participant"]
    # The row's own link replaces the admin's "Change" line (see addresses_and_reminders).
    show_change_link = False

    def get_queryset(self, request):
        # The participant's name labels each row: fetched with it, not once per row.
        return super().get_queryset(request).select_related("participant")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "participant" and formfield is not None:
            # No edit, add, delete and view icons under each row's participant: they would
            # make every row two lines high. Participants have their own pages.
            wrapper = formfield.widget
            wrapper.can_add_related = wrapper.can_change_related = False
            wrapper.can_delete_related = wrapper.can_view_related = False
        return formfield

    @admin.display(description="details")
    def addresses_and_reminders(self, delegation: Delegation) -> str:
        if delegation.pk is None:
            return "-"
        return format_html(
            '<a href="{}">Addresses and reminders</a>',
            reverse("admin:meetings_delegation_change", args=[delegation.pk]),
        )


class YearFilter(admin.SimpleListFilter):
    title = "year"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = Meeting.objects.dates("start", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        year = self.value()
        if year is None:
            return queryset
        number = whole_number(year, low=1, high=9999)
        if number is None:  # the changelist says "?e=1", an export answers 400
            raise IncorrectLookupParameters(f"“{year}” is not a year.")
        return queryset.filter(start__year=number)


def save_delegations(request: HttpRequest, formset: BaseInlineFormSet) -> None:
    """Save an inline formset of delegations, deletions included, through the services."""
    editor = _editor(request)
    for delegation in formset.save(commit=False):
        services.delegation_save(delegation=delegation, by=editor, via=AnswerChannel.ADMIN)
    for delegation in formset.deleted_objects:
        services.delegation_delete(delegation=delegation, by=editor)
    formset.save_m2m()


def delegations_counted(which: Q) -> Coalesce:
    """How many of a meeting's delegations `which` matches, as a column of a meetings query.

    A subquery for each column rather than a join and GROUP BY, so that the changelist's page
    count, date drill-down, search, actions and export query the meetings as they would
    without it.
    """
    counted = (
        Delegation.objects.filter(which, meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


MeetingAction = Callable[["MeetingAdmin", HttpRequest, QuerySet[Meeting]], None]


def meeting_bulk_action(
    *,
    description: str,
    pending: Q,
    change: Callable[[Meeting, AbstractBaseUser], Meeting],
    done: str,
) -> MeetingAction:
    """A changelist action that applies `change` (a service) to the selected meetings `pending`
    matches, and says how many it changed ("{done} N meeting(s).")."""

    @admin.action(description=description, permissions=["change"])
    def action(
        model_admin: "MeetingAdmin", request: HttpRequest, queryset: QuerySet[Meeting]
    ) -> None:
        editor = _editor(request)
        # Selected meetings already in the wanted state are left alone, and not counted.
        changed = [change(meeting, editor) for meeting in queryset.filter(pending)]
        model_admin.message_user(request, f"{done} {len(changed)} meeting(s).")

    return action


@admin.register(Meeting)
class MeetingAdmin(UploadsUndoneOnRollback, SimpleHistoryAdmin):
    form = MeetingAdminForm
    inlines = [DelegationInline, DocumentInline, PressConferenceInline, PressContactInline]
    # What tells one meeting from another at a glance, narrow enough for a laptop (the
    # number is in the title, the host in the city; admin-layout.css wraps long titles).
    list_display = [
        "title",
        "format_code",
        "first_day_text",
        "city",
        "status",
        "published",
        "answers",
    ]
    list_filter = [
        "format",
        "status",
        ("host", admin.RelatedOnlyFieldListFilter),
        YearFilter,
        "published",
        "mode",
    ]
    list_select_related = ["format", "venue"]
    date_hierarchy = "start"
    search_fields = [
        "title",
        "slug",
        "venue__name",
        "venue__city",
        "format__code",
        "delegations__head_name",
    ]
    autocomplete_fields = ["event", "counterpart", "venue", "host"]
    readonly_fields = [
        "slug",
        "sequence",
        "revision",
        "created_at",
        "updated_at",
        "chairs",
        "clashes",
    ]
    actions = [
        "invite_participants",
        "cancel",
        "postpone",
        "publish",
        "unpublish",
        admin_import.export_csv,
        admin_import.export_xlsx,
        admin_briefing.briefing_selected_xlsx,
    ]

    class Media:
        # Warns while staff edit, before they save (meetings/warnings.py warns on save).
        js = ("js/meeting-warnings.js",)

    def get_urls(self):
        # Before the default URLs, whose "<object_id>/" would take "import/" for a pk.
        return (
            admin_import.import_export_urls(self)
            + admin_changes.change_urls(self)
            + admin_briefing.briefing_urls(self)
            + super().get_urls()
        )

    fieldsets = [
        (None, {"fields": ["event", "format", "number", "counterpart", "title", "slug"]}),
        ("Where", {"fields": ["venue", "host", "mode"]}),
        (
            "When (the venue's local time)",
            {
                "fields": [
                    "timezone",
                    "all_day",
                    ("start_date", "start_time"),
                    ("end_date", "end_time"),
                    "daily_hours",
                    "confirmation_deadline",
                ],
            },
        ),
        (
            "Status",
            {
                "fields": [
                    "status",
                    "status_note",
                    "change_note",
                    "published",
                    "description",
                    "sources",
                ]
            },
        ),
        ("Press", {"classes": ["collapse"], "fields": PRESS_FIELDS}),
        (
            "Record",
            {
                "fields": [
                    "chairs",
                    "clashes",
                    "sequence",
                    "revision",
                    "created_at",
                    "updated_at",
                    "revision_seen",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        # The list's answers column, counted in the list's own query, not once per meeting.
        return (
            super()
            .get_queryset(request)
            .annotate(
                delegations_invited=delegations_counted(Q()),
                delegations_confirmed=delegations_counted(Q(attendance=AttendanceStatus.CONFIRMED)),
            )
        )

    @admin.display(description="format")
    def format_code(self, meeting: Meeting) -> str:
        return meeting.format.code

    @admin.display(description="first day", ordering="start")
    def first_day_text(self, meeting: Meeting) -> str:
        return day_text(meeting.first_day, short=True)

    @admin.display(description="city", ordering="venue__city")
    def city(self, meeting: Meeting) -> str | None:
        return meeting.venue.city if meeting.venue else None

    @admin.display(description="confirmed", ordering="delegations_confirmed")
    def answers(self, meeting: Meeting) -> str:
        # Annotated by get_queryset.
        confirmed = meeting.delegations_confirmed  # type: ignore[attr-defined]
        invited = meeting.delegations_invited  # type: ignore[attr-defined]
        return format_html(
            '<span title="{} of the {} delegations invited have confirmed">{}/{}</span>',
            confirmed,
            invited,
            confirmed,
            invited,
        )

    @admin.display(description="chair and co-chair")
    def chairs(self, meeting: Meeting) -> str:
        if meeting.pk is None:
            return "-"
        chair = selectors.chair_for(on=meeting.first_day)
        co_chair = (
            selectors.coordinator_for(partner=meeting.counterpart, on=meeting.first_day)
            if meeting.counterpart is not None
            else None
        )
        text = f"Chair: {chair.name if chair else 'not recorded'}"
        return text + (f"; co-chair: {co_chair.name}" if co_chair else "")

    @admin.display(description="clashes")
    def clashes(self, meeting: Meeting):
        found = selectors.meeting_clashes(meeting)
        if not found:
            return "None"
        return format_html_join("", "<p>{}</p>", ((clash.detail,) for clash in found))

    def save_model(self, request, obj, form, change):
        services.meeting_save(meeting=obj, by=_editor(request))

    def save_formset(self, request, form, formset, change):
        if formset.model is Delegation:
            save_delegations(request, formset)
        else:
            save_materials(request, formset)

    def delete_model(self, request, obj):
        services.meeting_delete(meeting=obj, by=_editor(request))

    def delete_queryset(self, request, queryset):
        # One at a time, so that each history row carries who deleted it.
        editor = _editor(request)
        with transaction.atomic():
            for meeting in queryset:
                services.meeting_delete(meeting=meeting, by=editor)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        self._warn_after_save(request, obj)
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        self._warn_after_save(request, obj)
        return response

    def _warn_after_save(self, request: HttpRequest, meeting: Meeting) -> None:
        """After the "saved" message; not when the form opens again ("Save and continue
        editing"), which warns as it opens."""
        self._warn_clashes(request, meeting)
        if "_continue" not in request.POST:
            self._warn_mistakes(request, meeting)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            meeting = self.get_object(request, object_id)
            if meeting is not None:
                self._warn_mistakes(request, meeting)
        return super().change_view(request, object_id, form_url, extra_context)

    def _warn_mistakes(self, request: HttpRequest, meeting: Meeting) -> None:
        for text in warnings.meeting_warnings(meeting, now=timezone.now()):
            self.message_user(request, text, messages.WARNING)

    def _warn_clashes(self, request: HttpRequest, meeting: Meeting) -> None:
        for clash in selectors.meeting_clashes(meeting):
            self.message_user(request, f"Clash: {clash.detail}.", messages.WARNING)

    @admin.action(description="Invite the format's participants", permissions=["change"])
    def invite_participants(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        for meeting in queryset.select_related("format", "counterpart"):
            created = services.meeting_invite_participants(meeting=meeting, by=_editor(request))
            names = ", ".join(d.participant.code for d in created) or "nobody new"
            closed = reminders.meeting_closed_reason(meeting, now=timezone.now())
            if created and closed:
                # Invited on the record, but no mail can go: say so, and why.
                self.message_user(
                    request,
                    f"{meeting}: invited {len(created)} ({names}); no invitation mail was "
                    f"sent: {closed}.",
                    messages.WARNING,
                )
            else:
                self.message_user(request, f"{meeting}: invited {len(created)} ({names}).")

    # Through a page that says who will be told and asks the reason (admin_changes.py).
    cancel = admin_changes.status_action(admin_changes.CHANGES["cancel"])
    postpone = admin_changes.status_action(admin_changes.CHANGES["postpone"])
    publish = meeting_bulk_action(
        description="Publish the selected meetings",
        pending=Q(published=False),
        change=lambda meeting, by: services.meeting_set_published(
            meeting=meeting, by=by, published=True
        ),
        done="Published",
    )
    unpublish = meeting_bulk_action(
        description="Unpublish the selected meetings",
        pending=Q(published=True),
        change=lambda meeting, by: services.meeting_set_published(
            meeting=meeting, by=by, published=False
        ),
        done="Unpublished",
    )


class ReminderInline(admin.TabularInline):
    """The delegation's mails: invitation and reminders, sent, failed or skipped, and when."""

    model = Reminder
    extra = 0
    can_delete = False
    readonly_fields = (
        "step",
        "kind",
        "status",
        "due_at",
        "sent_at",
        "attempts",
        "recipients",
        "last_error",
        "skip_reason",
    )
    fields = readonly_fields
    ordering = ["-due_at", "-id"]
    verbose_name_plural = "invitation and reminders"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def mails_sent(delegation: Delegation) -> str:
    """The delegation's mails in a line: “2 sent, last 2026-11-02 03:00 UTC; 1 failed”
    (“-” for a delegation not yet saved)."""
    if delegation.pk is None:
        return "-"
    counts = delegation.reminders.aggregate(
        sent=Count("pk", filter=Q(status=SENT)),
        failed=Count("pk", filter=Q(status=FAILED)),
        last=Max("sent_at"),
    )
    text = f"{counts['sent']} sent"
    if counts["last"]:
        text += f", last {counts['last']:%Y-%m-%d %H:%M} UTC"
    if counts["failed"]:
        text += f"; {counts['failed']} failed"
    return text


@admin.register(Delegation)
class DelegationAdmin(SimpleHistoryAdmin):
    form = DelegationAdminForm
    inlines = [ReminderInline]
    list_display = [
        "participant",
        "meeting",
        "head_name",
        "level",
        "attendance",
        "answered_at",
        "answered_via",
        "reminders_paused",
    ]
    list_filter = ["attendance", "level", "answered_via", "reminders_paused", "meeting__format"]
    list_select_related = ["participant", "meeting"]
    search_fields = ["participant__name", "participant__code", "head_name", "meeting__title"]
    autocomplete_fields = ["meeting", "participant"]
    readonly_fields = [
        "answered_at",
        "answered_via",
        "invited_at",
        "reminders_sent",
        "link_version",
        "revision",
    ]
    # The meeting's delegation rows link here for what they leave out ("Addresses and
    # reminders"); revision_seen must stay in a fieldset, or no edit could be checked.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "meeting",
                    "participant",
                    "head_name",
                    "head_title",
                    "level",
                    "attendance",
                    ("answered_at", "answered_via"),
                    "notes",
                ]
            },
        ),
        (
            "Addresses and reminders",
            {
                "fields": [
                    "contact_emails",
                    "reminders_paused",
                    "invited_at",
                    "reminders_sent",
                    "link_version",
                ]
            },
        ),
        ("Record", {"fields": ["revision", "revision_seen"]}),
    ]
    actions = ["send_reminder_now", "revoke_links", "pause_reminders", "resume_reminders"]

    @admin.display(description="mails sent")
    def reminders_sent(self, delegation: Delegation) -> str:
        return mails_sent(delegation)

    def save_model(self, request, obj, form, change):
        services.delegation_save(delegation=obj, by=_editor(request), via=AnswerChannel.ADMIN)

    def delete_model(self, request, obj):
        services.delegation_delete(delegation=obj, by=_editor(request))

    def delete_queryset(self, request, queryset):
        # One at a time, so that each history row carries who deleted it.
        editor = _editor(request)
        with transaction.atomic():
            for delegation in queryset:
                services.delegation_delete(delegation=delegation, by=editor)

    @admin.action(description="Send the invitation, or a reminder, now", permissions=["change"])
    def send_reminder_now(self, request: HttpRequest, queryset: QuerySet[Delegation]) -> None:
        editor = _editor(request)
        rows = [
            services.delegation_send_reminder_now(delegation=delegation, by=editor)
            for delegation in queryset.select_related("meeting", "participant")
        ]
        self.message_user(
            request,
            f"Queued {len(rows)} mail(s); each is sent once, unless the delegation has "
            "answered or the meeting is closed by the time a worker takes it.",
        )

    @admin.action(description="Revoke the RSVP links sent so far", permissions=["change"])
    def revoke_links(self, request: HttpRequest, queryset: QuerySet[Delegation]) -> None:
        editor = _editor(request)
        with transaction.atomic():
            revoked = [
                services.delegation_revoke_links(delegation=delegation, by=editor)
                for delegation in queryset
            ]
        self.message_user(
            request,
            f"Revoked the RSVP links of {len(revoked)} delegation(s): the links sent so far no "
            "longer work. A delegation still to answer gets a new link with its next mail "
            "(“Send the invitation, or a reminder, now” sends one at once).",
        )

    @admin.action(description="Pause scheduled reminders", permissions=["change"])
    def pause_reminders(self, request: HttpRequest, queryset: QuerySet[Delegation]) -> None:
        self._set_paused(request, queryset, paused=True)

    @admin.action(description="Resume scheduled reminders", permissions=["change"])
    def resume_reminders(self, request: HttpRequest, queryset: QuerySet[Delegation]) -> None:
        self._set_paused(request, queryset, paused=False)

    def _set_paused(
        self, request: HttpRequest, queryset: QuerySet[Delegation], *, paused: bool
    ) -> None:
        editor = _editor(request)
        changed = [
            services.delegation_set_reminders_paused(
                delegation=delegation, by=editor, paused=paused
            )
            for delegation in queryset.exclude(reminders_paused=paused)
        ]
        what = "Paused" if paused else "Resumed"
        self.message_user(request, f"{what} reminders for {len(changed)} delegation(s).")


class ReminderScheduleForm(forms.ModelForm):
    class Meta:
        model = ReminderSchedule
        fields = ["format", "days_before"]

    def clean_days_before(self) -> str:
        return format_days_before(parse_days_before(self.cleaned_data["days_before"]))


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(SimpleHistoryAdmin):
    form = ReminderScheduleForm
    list_display = ["__str__", "format", "days_before", "updated_at"]
    list_select_related = ["format"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The outbox, read-only: every mail to a delegation and what became of it."""

    list_display = [
        "delegation",
        "step",
        "status",
        "attempts",
        "due_at",
        "sent_at",
        "last_error",
        "skip_reason",
    ]
    list_filter = ["status", "kind", "delegation__meeting__format"]
    list_select_related = ["delegation__participant", "delegation__meeting"]
    search_fields = [
        "delegation__participant__name",
        "delegation__participant__code",
        "delegation__meeting__title",
        "recipients",
    ]
    date_hierarchy = "due_at"
    actions = ["requeue"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        """Sending mails again is for editors (who may change delegations), not viewers."""
        return request.user.has_perm("meetings.change_delegation")

    @admin.action(description="Send the failed or skipped ones again", permissions=["requeue"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        count = reminders.reminders_requeue(
            reminders=queryset.filter(status__in=[ReminderStatus.FAILED, ReminderStatus.SKIPPED])
        )
        self.message_user(request, f"Queued {count} mail(s) again.")
