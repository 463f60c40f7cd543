"""The secretariat's admin. Saves and actions go through services; every change is in history."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from simple_history.admin import SimpleHistoryAdmin

from meetings import selectors, services
from meetings.enums import AnswerChannel
from meetings.forms import DelegationAdminForm, MeetingAdminForm
from meetings.models import (
    Chairmanship,
    CoordinatorTerm,
    Delegation,
    Event,
    Format,
    Meeting,
    Membership,
    Participant,
    Venue,
)

admin.site.site_header = "aseancal: secretariat"
admin.site.site_title = "aseancal admin"
admin.site.index_title = "The ASEAN meetings calendar"


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
    list_display = ["name", "city", "country_code", "timezone"]
    list_filter = ["country_code", "timezone"]
    search_fields = ["name", "name_local", "city"]


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["title", "host", "start_date", "end_date", "published"]
    list_filter = ["published", "host"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["host"]
    date_hierarchy = "start_date"


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
    model = Delegation
    form = DelegationAdminForm
    extra = 0
    fields = [
        "participant",
        "head_name",
        "head_title",
        "level",
        "attendance",
        "contact_emails",
        "reminders_paused",
        "answered_at",
        "answered_via",
        "revision_seen",
    ]
    readonly_fields = ["answered_at", "answered_via"]
    autocomplete_fields = ["participant"]
    show_change_link = True


class YearFilter(admin.SimpleListFilter):
    title = "year"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = Meeting.objects.dates("start", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(start__year=int(self.value()))
        return queryset


def save_delegations(request: HttpRequest, formset) -> None:
    """Save an inline formset of delegations through the service."""
    for delegation in formset.save(commit=False):
        services.delegation_save(delegation=delegation, by=request.user, via=AnswerChannel.ADMIN)
    for delegation in formset.deleted_objects:
        delegation.delete()
    formset.save_m2m()


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    form = MeetingAdminForm
    inlines = [DelegationInline]
    list_display = [
        "title",
        "format",
        "number",
        "first_day",
        "venue",
        "host",
        "status",
        "published",
        "sequence",
    ]
    list_filter = [
        "format",
        "status",
        ("host", admin.RelatedOnlyFieldListFilter),
        YearFilter,
        "published",
        "mode",
    ]
    list_select_related = ["format", "venue", "host"]
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
    actions = ["invite_participants", "cancel", "postpone", "publish", "unpublish"]
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
                    "confirmation_deadline",
                ],
            },
        ),
        ("Status", {"fields": ["status", "status_note", "published", "description"]}),
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

    @admin.display(description="chair and co-chair")
    def chairs(self, meeting: Meeting) -> str:
        if meeting.pk is None:
            return "-"
        chair = selectors.chair_for(on=meeting.first_day)
        co_chair = (
            selectors.coordinator_for(partner=meeting.counterpart, on=meeting.first_day)
            if meeting.counterpart_id
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
        services.meeting_save(meeting=obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        save_delegations(request, formset)

    def response_add(self, request, obj, post_url_continue=None):
        self._warn_clashes(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._warn_clashes(request, obj)
        return super().response_change(request, obj)

    def _warn_clashes(self, request: HttpRequest, meeting: Meeting) -> None:
        for clash in selectors.meeting_clashes(meeting):
            self.message_user(request, f"Clash: {clash.detail}.", messages.WARNING)

    @admin.action(description="Invite the format's participants", permissions=["change"])
    def invite_participants(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        for meeting in queryset.select_related("format", "counterpart"):
            created = services.meeting_invite_participants(meeting=meeting, by=request.user)
            names = ", ".join(d.participant.code for d in created) or "nobody new"
            self.message_user(request, f"{meeting}: invited {len(created)} ({names}).")

    @admin.action(description="Cancel the selected meetings", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        for meeting in queryset:
            services.meeting_cancel(meeting=meeting, by=request.user, reason="")
        self.message_user(request, f"Cancelled {queryset.count()} meeting(s).")

    @admin.action(description="Postpone the selected meetings", permissions=["change"])
    def postpone(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        for meeting in queryset:
            services.meeting_postpone(meeting=meeting, by=request.user, reason="")
        self.message_user(request, f"Postponed {queryset.count()} meeting(s).")

    @admin.action(description="Publish the selected meetings", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        for meeting in queryset:
            services.meeting_set_published(meeting=meeting, by=request.user, published=True)
        self.message_user(request, f"Published {queryset.count()} meeting(s).")

    @admin.action(description="Unpublish the selected meetings", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        for meeting in queryset:
            services.meeting_set_published(meeting=meeting, by=request.user, published=False)
        self.message_user(request, f"Unpublished {queryset.count()} meeting(s).")


@admin.register(Delegation)
class DelegationAdmin(SimpleHistoryAdmin):
    form = DelegationAdminForm
    list_display = [
        "participant",
        "meeting",
        "head_name",
        "level",
        "attendance",
        "answered_at",
        "answered_via",
    ]
    list_filter = ["attendance", "level", "answered_via", "meeting__format"]
    list_select_related = ["participant", "meeting"]
    search_fields = ["participant__name", "participant__code", "head_name", "meeting__title"]
    autocomplete_fields = ["meeting", "participant"]
    readonly_fields = ["answered_at", "answered_via", "invited_at", "revision"]

    def save_model(self, request, obj, form, change):
        services.delegation_save(delegation=obj, by=request.user, via=AnswerChannel.ADMIN)
