"""Asking to follow, confirming, changing the frequency, unsubscribing: the writes.

A request never says whether the address already follows the filter: whatever the
subscription's state, the answer is the same and a confirmation mail is queued (the
throttle bounds how many). Only a confirmed subscription is mailed anything else.
Throttling counts the confirmation mails of the last hour in the database, per address
and per client (a keyed digest of its IP address, never the address itself), so every
web worker sees the same counts and a refused request writes nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from meetings.models import Event, FollowMail, Subscription
from meetings.models.follow import FollowFrequency, FollowMailKind, FollowMailStatus

from .send import publish_on_commit
from .tokens import SALT

THROTTLE_WINDOW = dt.timedelta(hours=1)


@dataclass
class Throttled(Exception):
    """Too many requests in the last hour, for this address (`what` "address") or from
    this client ("client")."""

    what: str


def client_digest(address: str | None) -> str:
    """A keyed digest of the client's IP address: what the throttle counts."""
    return salted_hmac(f"{SALT}.client", address or "unknown", algorithm="sha256").hexdigest()[:32]


def throttled(*, email: str, client: str, now: dt.datetime) -> str:
    """ "address" or "client" if a request now would pass the hourly limit; else ""."""
    recent = FollowMail.objects.filter(
        kind=FollowMailKind.CONFIRM, created_at__gt=now - THROTTLE_WINDOW
    )
    if recent.filter(subscription__email=email).count() >= settings.FOLLOW_MAX_PER_ADDRESS:
        return "address"
    if recent.filter(client=client).count() >= settings.FOLLOW_MAX_PER_CLIENT:
        return "client"
    return ""


def _start_again(subscription: Subscription, *, label: str, frequency: str) -> None:
    """A subscription ended, asked for again: unconfirmed, its old links revoked."""
    subscription.unsubscribed_at = subscription.confirmed_at = subscription.cursor = None
    subscription.token_version += 1
    subscription.confirmation_used = subscription.confirmations
    subscription.label, subscription.frequency = label, frequency


@transaction.atomic
def subscription_request(
    *,
    email: str,
    query: str,
    event: Event | None,
    label: str,
    frequency: str,
    client: str,
    now: dt.datetime | None = None,
) -> Subscription:
    """Queue a confirmation mail to `email` for following the filter (`query`, `event`),
    creating its subscription if need be; raises Throttled, writing nothing."""
    now = now or timezone.now()
    what = throttled(email=email, client=client, now=now)
    if what:
        raise Throttled(what)
    subscription, created = Subscription.objects.select_for_update().get_or_create(
        email=email,
        query=query,
        event=event,
        defaults={"label": label, "frequency": frequency},
    )
    if subscription.unsubscribed_at is not None:
        _start_again(subscription, label=label, frequency=frequency)
    elif subscription.confirmed_at is None:
        subscription.label, subscription.frequency = label, frequency
    # A confirmed subscription keeps its settings: only its own links change them.
    subscription.confirmations += 1
    subscription.save()
    mail = FollowMail.objects.create(
        subscription=subscription,
        kind=FollowMailKind.CONFIRM,
        key=f"confirm-{subscription.confirmations}",
        due_at=now,
        enqueued_at=now,
        client=client,
    )
    publish_on_commit([mail.pk])
    return subscription


@transaction.atomic
def subscription_confirm(
    *, subscription: Subscription, number: int, now: dt.datetime | None = None
) -> Subscription:
    """Confirm the subscription through its confirmation link `number` (used up); changes
    from now on are mailed."""
    now = now or timezone.now()
    subscription.confirmation_used = max(subscription.confirmation_used, number)
    if subscription.confirmed_at is None:
        subscription.confirmed_at = subscription.cursor = now
    subscription.save(update_fields=["confirmation_used", "confirmed_at", "cursor"])
    return subscription


@transaction.atomic
def subscription_set_frequency(*, subscription: Subscription, frequency: str) -> Subscription:
    """Mail each change as it happens, or a daily digest, from now on."""
    subscription.frequency = FollowFrequency(frequency)
    subscription.save(update_fields=["frequency"])
    return subscription


@transaction.atomic
def subscription_unsubscribe(
    *, subscription: Subscription, now: dt.datetime | None = None
) -> Subscription:
    """End the subscription (again: nothing changes); mails not yet sent are dropped."""
    now = now or timezone.now()
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = now
        subscription.save(update_fields=["unsubscribed_at"])
    FollowMail.objects.filter(subscription=subscription, status=FollowMailStatus.QUEUED).update(
        status=FollowMailStatus.SKIPPED, skip_reason="Unsubscribed", updated_at=now
    )
    return subscription
