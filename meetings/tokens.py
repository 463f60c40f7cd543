"""Signed RSVP links: /rsvp/<token>/ answers for one delegation, until its meeting starts.

The token names the delegation, its meeting, its participant, the delegation's link
version and a keyed digest of the contact addresses the mail went to, signed with the
secret key under a salt of its own, so it cannot be forged, edited to name another
delegation, or swapped with a value signed elsewhere on the site. A link stops working
when staff correct the delegation's participant (Brunei -> Bangladesh) or its contact
addresses, or revoke its links: each raises `Delegation.link_version`, and the participant
and addresses are compared as well, so a change made by any means refuses the link.
The digest is keyed, so a token does not reveal the addresses to whoever holds it.

It carries no expiry date: whether it is still good is decided against the meeting as it
is now (its current start and status), so a rescheduled meeting moves the expiry with it.

Links mailed before tokens named the participant carry only the delegation and meeting
("d", "m"): they keep working until the delegation's first link version change.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeGuard

from django.core import signing
from django.utils import timezone
from django.utils.crypto import salted_hmac

from meetings.enums import MeetingStatus
from meetings.models import Delegation, Meeting

SALT = "meetings.rsvp"
# Real tokens are under 200 characters; longer input is refused before any decoding.
MAX_LENGTH = 300
KEYS = {"d", "m", "p", "v", "c"}
LEGACY_KEYS = {"d", "m"}


def contacts_digest(addresses: Iterable[str]) -> str:
    """A keyed digest of a set of contact addresses (order, case and repeats aside)."""
    text = "\n".join(sorted({address.lower() for address in addresses}))
    return salted_hmac(f"{SALT}.contacts", text, algorithm="sha256").hexdigest()[:20]


def rsvp_token(delegation: Delegation) -> str:
    """The token of a delegation's RSVP link, bound to its participant and addresses."""
    return signing.dumps(
        {
            "d": delegation.pk,
            "m": delegation.meeting_id,
            "p": delegation.participant_id,
            "v": delegation.link_version,
            "c": contacts_digest(delegation.address_set),
        },
        salt=SALT,
    )


@dataclass
class RsvpRefused(Exception):
    """Why a link cannot be used, as the page says it, with the HTTP status it gets."""

    status: int
    title: str
    message: str
    # The meeting of a link that named it rightly, so the page can name its contact.
    meeting: Meeting | None = None


def rsvp_delegation(
    token: str, *, now: dt.datetime | None = None, lock: bool = False
) -> Delegation:
    """The delegation a token answers for, if the link may still be used; else RsvpRefused.

    `lock` (inside a transaction) holds the row until it commits, so a correction cannot
    slip in between the check and the answer written through the link.
    """
    try:
        payload = signing.loads(token, salt=SALT) if len(token) <= MAX_LENGTH else None
    except signing.BadSignature:
        payload = None
    if not _well_formed(payload):
        raise RsvpRefused(
            400,
            "This link is not valid",
            "The link is incomplete or has been altered. Please open the link exactly as it "
            "appears in the e-mail you received, or ask the secretariat for a new one.",
        )
    rows = Delegation.objects.select_related(
        "participant", "meeting", "meeting__venue", "meeting__format", "meeting__host"
    )
    if lock:
        rows = rows.select_for_update(of=("self",))
    delegation = rows.filter(pk=payload["d"]).first()
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
    if not _current(payload, delegation):
        raise RsvpRefused(
            410,
            "This link is no longer valid",
            "The secretariat has replaced or withdrawn this link, after correcting the "
            "delegation or its contact addresses, or on request. If a newer e-mail about "
            "this meeting reached you, please use the link it carries; otherwise please "
            "contact the ASEAN Secretariat, which sent you the invitation, for a new link.",
            meeting=delegation.meeting,
        )
    closed = delegation.meeting.closed_reason(now=now or timezone.now())
    if closed:
        refused = _closed(closed, delegation.meeting.title)
        refused.meeting = delegation.meeting
        raise refused
    return delegation


def _well_formed(payload: object) -> TypeGuard[dict[str, Any]]:
    """A payload this site signs: the current keys with a digest, or a link of before."""
    if not isinstance(payload, dict) or set(payload) not in (KEYS, LEGACY_KEYS):
        return False
    numbers = [value for key, value in payload.items() if key != "c"]
    return all(type(value) is int for value in numbers) and (
        "c" not in payload or type(payload["c"]) is str
    )


def _current(payload: dict[str, Any], delegation: Delegation) -> bool:
    """Whether the link was issued to the delegation as it stands (participant, addresses,
    link version), or is a link of before that no change has superseded."""
    if set(payload) == LEGACY_KEYS:
        return delegation.link_version == 0
    return (
        payload["p"] == delegation.participant_id
        and payload["v"] == delegation.link_version
        and payload["c"] == contacts_digest(delegation.address_set)
    )


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
