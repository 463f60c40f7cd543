"""Reads for the API: what a given user may see. Anonymous clients see what the public pages
show; staff with the view permission also see unpublished rows and contact details.

A row under a parent (a delegation, a document) is shown when the user may see the row and
its parent, each by the view permission of its own model; what a detail shows beside its
object (press contacts, conferences, documents) is fetched here, so that a detail costs the
same number of queries whatever it holds.
"""

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from meetings.models import (
    Delegation,
    Document,
    Event,
    Format,
    Meeting,
    Membership,
    Participant,
    PressConference,
    PressContact,
    Venue,
)
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


# Documents and press information ------------------------------------------------------------

DOCUMENT_ORDER = ("-published_on", "kind", "title", "pk")


def visible_documents(user: AnyUser | None) -> QuerySet[Document]:
    """Documents `user` may read: published ones of published meetings and events; a user
    with the view permission of documents, meetings or events also sees their unpublished
    rows. Newest first."""
    # As on the pages, a link that is not https is no link at all
    # (meetings.documents.document_link): such a row, never saved through the admin, is left out.
    documents = Document.objects.select_related("meeting", "event").filter(
        ~Q(file="") | Q(url__istartswith="https://")
    )
    if not sees_unpublished(user, "document"):
        documents = documents.filter(published=True)
    if not sees_unpublished(user, "meeting"):
        documents = documents.filter(Q(meeting__isnull=True) | Q(meeting__published=True))
    if not sees_unpublished(user, "event"):
        documents = documents.filter(Q(event__isnull=True) | Q(event__published=True))
    return documents.order_by(*DOCUMENT_ORDER)


def meeting_choices(user: AnyUser | None) -> QuerySet[Meeting]:
    """The meetings `user` may name in a query (no related rows: only looked up)."""
    meetings = Meeting.objects.all()
    return meetings if sees_unpublished(user, "meeting") else meetings.filter(published=True)


def event_choices(user: AnyUser | None) -> QuerySet[Event]:
    """The umbrella events `user` may name in a query."""
    events = Event.objects.all()
    return events if sees_unpublished(user, "event") else events.filter(published=True)


def _contacts() -> QuerySet[PressContact]:
    return PressContact.objects.order_by("name", "pk")


def _conferences() -> QuerySet[PressConference]:
    return PressConference.objects.order_by("start", "pk")


def _documents_of(user: AnyUser | None) -> Prefetch:
    # to_attr: a detail shows only what this user may read, never the whole relation.
    return Prefetch("documents", queryset=visible_documents(user), to_attr="visible_documents")


def with_meeting_press(meetings: QuerySet[Meeting], user: AnyUser | None) -> QuerySet[Meeting]:
    """`meetings` (which select their event) with what a meeting's detail adds: its press
    contacts and its event's, its press conferences, and the documents `user` may read."""
    return meetings.prefetch_related(
        Prefetch("press_contacts", queryset=_contacts()),
        Prefetch("event__press_contacts", queryset=_contacts()),
        Prefetch("press_conferences", queryset=_conferences()),
        _documents_of(user),
    )


def with_event_press(events: QuerySet[Event], user: AnyUser | None) -> QuerySet[Event]:
    """`visible_events(user)` with what an event's detail adds: its press contacts, the press
    conferences of its meetings, and the documents `user` may read."""
    return events.prefetch_related(
        Prefetch("press_contacts", queryset=_contacts()),
        Prefetch("meetings__press_conferences", queryset=_conferences()),
        _documents_of(user),
    )
