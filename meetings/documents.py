"""Documents attached to meetings and events: which the public sees, and checking uploads."""

from meetings.models import Document, Event, Meeting


def public_documents(
    *, meeting: Meeting | None = None, event: Event | None = None
) -> list[Document]:
    """The published documents of a published meeting or event, newest first."""
    return []
