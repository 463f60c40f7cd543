"""Reads for the API: what a given user may see. Anonymous clients see what the public pages
show; staff with the view permission also see unpublished rows and contact details."""

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from meetings.models import Delegation, Event, Format, Meeting, Membership, Participant, Venue
from meetings.selectors import LIST_ORDER, public_meetings

# Who may ask: a user (with permissions to check), or nobody logged in.
AnyUser = AbstractUser | AnonymousUser


def sees_unpublished(user: AnyUser | None, model: str = "meeting") -> bool:
    """Whether `user` may read unpublished rows and staff-only fields of `model`."""
    return bool(user and user.is_authenticated and user.has_perm(f"meetings.view_{model}"))


def meetings_with_related() -> QuerySet[Meeting]:
    """All meetings, published or not, with the related rows public_meetings() fetches."""
    return Meeting.objects.select_related(
        "format", "venue", "host", "counterpart", "event"
    ).prefetch_related(
        Prefetch(
            "delegations",
            queryset=Delegation.objects.select_related("participant").order_by("participant__name"),
        )
    )


def visible_meetings(user: AnyUser | None) -> QuerySet[Meeting]:
    """Meetings `user` may read, in calendar order, with what the API shows fetched up front."""
    meetings = meetings_with_related() if sees_unpublished(user, "meeting") else public_meetings()
    return meetings.order_by(*LIST_ORDER)


def visible_events(user: AnyUser | None) -> QuerySet[Event]:
    """Umbrella events `user` may read, each with the slugs of its visible meetings."""
    events = Event.objects.select_related("host")
    meetings = Meeting.objects.select_related("format").order_by("start", "slug")
    if not sees_unpublished(user, "event"):
        events = events.filter(published=True)
    if not sees_unpublished(user, "meeting"):
        meetings = meetings.filter(published=True)
    return events.prefetch_related(Prefetch("meetings", queryset=meetings)).order_by(
        "-start_date", "title", "pk"
    )


def delegations_with_related() -> QuerySet[Delegation]:
    """All delegations, with their meeting and participant, in calendar order."""
    return Delegation.objects.select_related("meeting", "participant").order_by(
        "meeting__start", "meeting__slug", "participant__name", "pk"
    )


def visible_delegations(user: AnyUser | None) -> QuerySet[Delegation]:
    """Delegations `user` may read: those to published meetings, or all for staff."""
    delegations = delegations_with_related()
    if not sees_unpublished(user, "delegation"):
        delegations = delegations.filter(meeting__published=True)
    return delegations


def api_formats() -> QuerySet[Format]:
    """Every meeting format (reference data, public)."""
    return Format.objects.order_by("code")


def api_participants() -> QuerySet[Participant]:
    """Every participant with its dated roles (reference data, public)."""
    memberships = Membership.objects.order_by("role", "start", "pk")
    return Participant.objects.prefetch_related(
        Prefetch("memberships", queryset=memberships)
    ).order_by("code")


def api_venues() -> QuerySet[Venue]:
    """Every venue (reference data, public)."""
    return Venue.objects.order_by("city", "name", "pk")
