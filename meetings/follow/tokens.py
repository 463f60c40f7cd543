"""Signed links of a subscription: confirm it, manage it, unsubscribe from it.

A token names the subscription, its link version and what the link is for, signed with
the secret key under a salt of its own, so it cannot be forged, edited to name another
subscription or used for another purpose, nor swapped with a value signed elsewhere on the
site. It never carries the address. A confirmation link also carries the number of the
confirmation mail it came in: it works once, and for FOLLOW_CONFIRM_MAX_AGE seconds.
Manage and unsubscribe links (in every mail) carry no expiry; they stop working when the
subscription's link version is raised (a subscription started again after unsubscribing).
"""

from dataclasses import dataclass
from typing import Any, TypeGuard

from django.conf import settings
from django.core import signing

from meetings.models import Subscription

SALT = "meetings.follow"
# Real tokens are under 120 characters; longer input is refused before any decoding.
MAX_LENGTH = 300
CONFIRM, MANAGE = "c", "m"
# Manage tokens are signed without a timestamp, under a salt of their own.
MANAGE_SALT = f"{SALT}.manage"


def confirm_token(subscription: Subscription, number: int) -> str:
    """The token of the link in the subscription's confirmation mail `number`."""
    return signing.dumps(
        {"s": subscription.pk, "v": subscription.token_version, "k": CONFIRM, "n": number},
        salt=SALT,
    )


def manage_token(subscription: Subscription) -> str:
    """The token of the subscription's manage and unsubscribe links: the same in every mail
    (no timestamp), so a mail reader's List-Unsubscribe address stays one address."""
    return signing.Signer(salt=MANAGE_SALT).sign_object(
        {"s": subscription.pk, "v": subscription.token_version, "k": MANAGE}
    )


@dataclass
class LinkRefused(Exception):
    """Why a link cannot be used, as the page says it, with the HTTP status it gets."""

    status: int
    title: str
    message: str


NOT_VALID = LinkRefused(
    400,
    "This link is not valid",
    "The link is incomplete or has been altered. Please open the link exactly as it appears "
    "in the e-mail you received.",
)
GONE = LinkRefused(
    410,
    "This link is no longer valid",
    "This link was replaced by a newer one: please use the link in the latest e-mail about "
    "this subscription, or follow the page again.",
)
EXPIRED = LinkRefused(
    410,
    "This link has expired",
    "Confirmation links work for a limited time. Please follow the page again to receive a "
    "new one.",
)
USED = LinkRefused(
    410,
    "This link has already been used",
    "This confirmation link was used before. Your subscription's own links, in each e-mail "
    "it sends, let you change or end it.",
)


def _payload(token: str, *, max_age: int | None) -> dict[str, Any]:
    """A confirmation token's payload (`max_age` given: signed with a timestamp), or a
    manage token's."""
    if len(token) > MAX_LENGTH:
        raise NOT_VALID
    try:
        if max_age is None:
            payload = signing.Signer(salt=MANAGE_SALT).unsign_object(token)
        else:
            payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise EXPIRED from exc
    except (signing.BadSignature, ValueError) as exc:
        raise NOT_VALID from exc
    if not _well_formed(payload):
        raise NOT_VALID
    return payload


def _well_formed(payload: object) -> TypeGuard[dict[str, Any]]:
    if not isinstance(payload, dict) or payload.get("k") not in (CONFIRM, MANAGE):
        return False
    keys = {"s", "v", "k", "n"} if payload["k"] == CONFIRM else {"s", "v", "k"}
    return set(payload) == keys and all(
        type(value) is int for key, value in payload.items() if key != "k"
    )


def _subscription(payload: dict[str, Any], *, lock: bool) -> Subscription:
    rows = Subscription.objects.select_related("event")
    if lock:
        rows = rows.select_for_update(of=("self",))
    subscription = rows.filter(pk=payload["s"]).first()
    if subscription is None or subscription.token_version != payload["v"]:
        raise GONE
    return subscription


def confirming(token: str, *, lock: bool = False) -> tuple[Subscription, int]:
    """The subscription a confirmation token is for and the number of its mail, if the link
    may still be used; else LinkRefused."""
    payload = _payload(token, max_age=settings.FOLLOW_CONFIRM_MAX_AGE)
    if payload["k"] != CONFIRM:
        raise NOT_VALID
    subscription = _subscription(payload, lock=lock)
    if subscription.unsubscribed_at is not None:
        raise GONE
    if payload["n"] <= subscription.confirmation_used:
        raise USED
    return subscription, payload["n"]


def managing(token: str, *, lock: bool = False) -> Subscription:
    """The subscription a manage (or unsubscribe) token is for; else LinkRefused."""
    payload = _payload(token, max_age=None)
    if payload["k"] != MANAGE:
        raise NOT_VALID
    return _subscription(payload, lock=lock)
