"""Signed RSVP links: /rsvp/<token>/ answers for one delegation, until its meeting starts.

The token is the delegation's id and its meeting's id, signed with the secret key
under a salt of its own, so it cannot be forged, edited to name another
delegation, or swapped with a value signed elsewhere on the site. It carries no
expiry date: whether it is still good is decided against the meeting as it is now
(its current start and status), so a rescheduled meeting moves the expiry with it.
"""

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

from meetings.enums import MeetingStatus
from meetings.models import Delegation

SALT = "meetings.rsvp"
# Real tokens are under 100 characters; longer input is refused before any decoding.
MAX_LENGTH = 300


def rsvp_token(delegation: Delegation) -> str:
    """The token of a delegation's RSVP link."""
    return signing.dumps({"d": delegation.pk, "m": delegation.meeting_id}, salt=SALT)


@dataclass
class RsvpRefused(Exception):
    """Why a link cannot be used, as the page says it, with the HTTP status it gets."""

    status: int
    title: str
    message: str


def rsvp_delegation(token: str, *, now: dt.datetime | None = None) -> Delegation:
    """The delegation a token answers for, if the link may still be used; else RsvpRefused."""
    try:
        payload = signing.loads(token, salt=SALT) if len(token) <= MAX_LENGTH else None
    except signing.BadSignature:
        payload = None
    if not (
        isinstance(payload, dict)
        and set(payload) == {"d", "m"}
        and all(type(value) is int for value in payload.values())
    ):
        raise RsvpRefused(
            400,
            "This link is not valid",
            "The link is incomplete or has been altered. Please open the link exactly as it "
            "appears in the e-mail you received, or ask the secretariat for a new one.",
        )
    delegation = (
        Delegation.objects.select_related(
            "participant", "meeting", "meeting__venue", "meeting__format", "meeting__host"
        )
        .filter(pk=payload["d"])
        .first()
    )
    if delegation is None:
        raise RsvpRefused(
            410,
            "This invitation no longer exists",
            "The secretariat has withdrawn this invitation. Please contact it if you believe "
            "this is a mistake.",
        )
    if delegation.meeting_id != payload["m"]:
        raise RsvpRefused(
            403,
            "This link is for another delegation",
            "This link was issued for another delegation or meeting and cannot be used here. "
            "Please use the link from your own invitation.",
        )
    closed = delegation.meeting.closed_reason(now=now or timezone.now())
    if closed:
        raise _closed(closed, delegation.meeting.title)
    return delegation


def _closed(reason: str, title: str) -> RsvpRefused:
    """What the page says of a meeting closed for answers (Meeting.closed_reason `reason`)."""
    if reason == "unpublished":
        return RsvpRefused(
            410,
            "This meeting is no longer open for answers",
            "The secretariat has withdrawn this meeting from the calendar.",
        )
    if reason == MeetingStatus.CANCELLED:
        return RsvpRefused(
            410, "This meeting was cancelled", f"{title} was cancelled; no answer is needed."
        )
    if reason == MeetingStatus.POSTPONED:
        return RsvpRefused(
            410,
            "This meeting was postponed",
            f"{title} was postponed. This link will work again once a new date is set.",
        )
    # Started, or already marked held.
    return RsvpRefused(
        410,
        "This link has expired",
        f"{title} has started, so answers are closed. Please contact the secretariat directly.",
    )
