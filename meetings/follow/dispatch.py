"""Which new change entries go to which subscriptions: one mail each, or a daily digest.

The entries are those /changes/ shows (meetings.changes.public_changes) for the
subscription's filter, from its cursor on: a pass takes the entries up to
FOLLOW_SETTLE_SECONDS ago (a transaction still open when the pass reads commits its
entry with an earlier time, so the newest moments wait for the next pass) and moves the
cursor there. Windows never overlap, and each row is unique per (subscription, key)
with the entry's stable id in the key, so a change reaches a subscriber once however
often, or however concurrently, passes run. Subscriptions following the same filter
share one read of the entries.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from meetings.changes import ChangeEntry, public_changes
from meetings.filters import InvalidFilter, filtered_meetings
from meetings.ical import clean_text
from meetings.models import FollowMail, Meeting, Subscription
from meetings.models.follow import FollowFrequency, FollowMailKind

from .send import follow_enqueue

logger = logging.getLogger(__name__)

PAGE = 100
STATUS_KINDS = {"cancelled", "postponed", "status"}
# A digest lists at most this many entries (the rest are on /changes/).
DIGEST_MAX = 200


def entry_content(entry: ChangeEntry) -> dict:
    """What a mail shows of a change entry, as it is when the row is queued."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "title": clean_text(entry.title),
        "page_title": clean_text(entry.page.title),
        "headline": clean_text(entry.headline),
        "changes": [[change.label, change.old, change.new] for change in entry.changes],
        # A status change's note is the reason given; others' notes are shown as they are.
        "reason": entry.note if set(entry.kinds) & STATUS_KINDS else "",
        "note": "" if set(entry.kinds) & STATUS_KINDS else entry.note,
        "url": entry.url,
    }


def subscription_meetings(query: str, event_id: int | None):
    """The meetings a subscription follows (InvalidFilter if its filter no longer holds)."""
    meetings = filtered_meetings(QueryDict(query), Meeting.objects.all())
    return meetings.filter(event_id=event_id) if event_id is not None else meetings


def new_entries(
    query: str, event_id: int | None, *, since: dt.datetime, until: dt.datetime
) -> list[ChangeEntry]:
    """The filter's change entries from `since` to before `until`, oldest first."""
    meetings = subscription_meetings(query, event_id)
    found: list[ChangeEntry] = []
    offset = 0
    while True:
        page = public_changes(meetings, limit=PAGE, offset=offset)
        found += [entry for entry in page if since <= entry.at < until]
        if len(page) < PAGE or page[-1].at < since:
            # Newest first, ties in the site's reading order: reversed, the order they happened.
            return found[::-1]
        offset += PAGE


def _by_filter(
    subscriptions: Iterable[Subscription], *, until: dt.datetime
) -> Iterable[tuple[Subscription, list[ChangeEntry]]]:
    """Each subscription with its new entries; those whose filter fails are left out."""
    groups: dict[tuple[str, int | None], list[Subscription]] = defaultdict(list)
    for subscription in subscriptions:
        groups[(subscription.query, subscription.event_id)].append(subscription)
    for (query, event_id), members in groups.items():
        since = min(member.cursor or until for member in members)
        try:
            entries = new_entries(query, event_id, since=since, until=until)
        except InvalidFilter as exc:
            logger.warning("Follow: filter %r no longer holds (%s); left alone", query, exc)
            continue
        for member in members:
            cursor = member.cursor or until
            yield member, [entry for entry in entries if entry.at >= cursor]


def _due(frequency: str, until: dt.datetime):
    return Subscription.objects.select_for_update(skip_locked=True).filter(
        frequency=frequency,
        confirmed_at__isnull=False,
        unsubscribed_at__isnull=True,
        cursor__lt=until,
    )


def follow_dispatch(*, now: dt.datetime | None = None) -> int:
    """Queue one mail per new change entry for each immediate subscription; how many rows
    were offered (one already there for the same key is kept, not made twice)."""
    now = now or timezone.now()
    until = now - dt.timedelta(seconds=settings.FOLLOW_SETTLE_SECONDS)
    with transaction.atomic():
        handled, rows = [], []
        for subscription, entries in _by_filter(
            _due(FollowFrequency.IMMEDIATE, until).order_by("pk"), until=until
        ):
            handled.append(subscription.pk)
            rows += [
                FollowMail(
                    subscription=subscription,
                    kind=FollowMailKind.CHANGE,
                    key=f"change-{entry.id}",
                    content={"entries": [entry_content(entry)]},
                    due_at=now,
                )
                for entry in entries
            ]
        FollowMail.objects.bulk_create(rows, ignore_conflicts=True)
        Subscription.objects.filter(pk__in=handled).update(cursor=until)
    return len(rows)


def follow_digests(*, now: dt.datetime | None = None) -> int:
    """Queue today's digest for each daily subscription with new entries (none without);
    once a day, however often it runs. The count, and the rows handed to the workers."""
    now = now or timezone.now()
    until = now - dt.timedelta(seconds=settings.FOLLOW_SETTLE_SECONDS)
    key = f"digest-{now.astimezone(dt.UTC):%Y-%m-%d}"
    with transaction.atomic():
        due = _due(FollowFrequency.DAILY, until).exclude(mails__key=key).order_by("pk")
        handled, rows = [], []
        for subscription, entries in _by_filter(due, until=until):
            handled.append(subscription.pk)
            if entries:
                rows.append(
                    FollowMail(
                        subscription=subscription,
                        kind=FollowMailKind.DIGEST,
                        key=key,
                        content={"entries": [entry_content(e) for e in entries[-DIGEST_MAX:]]},
                        due_at=now,
                    )
                )
        FollowMail.objects.bulk_create(rows, ignore_conflicts=True)
        Subscription.objects.filter(pk__in=handled).update(cursor=until)
    follow_enqueue(now=now)
    return len(rows)


def follow_pass(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat, every few minutes: queue new changes, hand the rows to the workers."""
    now = now or timezone.now()
    queued = follow_dispatch(now=now)
    return {"queued": queued, "enqueued": len(follow_enqueue(now=now))}
