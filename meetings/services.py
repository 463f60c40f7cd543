"""Writes. Every change to the calendar goes through here, whichever door it came in by
(admin, API, RSVP link, importer, demo loader), so SEQUENCE, history and reminders
behave the same for all of them."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.text import slugify

from meetings import reminders
from meetings.enums import AnswerChannel, AttendanceStatus, MeetingStatus
from meetings.models import Delegation, Meeting, Participant
from meetings.selectors import expected_participants, meeting_title_default
from meetings.validators import validate_period, validate_timezone

# A change to any of these must reach subscribed calendars (RFC 5545 SEQUENCE).
SEQUENCE_FIELDS = (
    "start",
    "end",
    "all_day",
    "daily_hours",
    "timezone",
    "venue_id",
    "status",
    "title",
    "mode",
)


class ConcurrentEditError(ValidationError):
    """Someone else saved the object after the editor loaded it."""


def _who(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _mark_history(obj: Any, *, by: AbstractBaseUser | None, reason: str) -> None:
    # simple_history reads these two attributes when it writes the history row.
    obj._history_user = _who(by)
    obj._change_reason = reason[:500] if reason else None


def check_revision(
    model: type[Meeting] | type[Delegation], pk: int | None, expected: int | None
) -> None:
    """Lock the row and refuse the save if its revision moved since the editor loaded it."""
    if pk is None or expected is None:
        return
    current = model.objects.select_for_update().filter(pk=pk).first()
    if current is None:
        raise ConcurrentEditError("This record was deleted by someone else.", code="deleted")
    if current.revision != expected:
        raise ConcurrentEditError(
            f"{_last_change(current)} since you opened it. Reload the page to see their "
            "changes, then make yours again.",
            code="concurrent_edit",
        )


def _last_change(current: Meeting | Delegation) -> str:
    """Who last changed a row and when: "Ana changed this record at 2026-11-02 03:00 UTC"."""
    last = (
        current.history.order_by("-history_date", "-history_id")
        .select_related("history_user")
        .first()
    )
    who = last.history_user if last and last.history_user else "someone else"
    when = timezone.localtime(last.history_date).strftime("%Y-%m-%d %H:%M UTC") if last else ""
    return f"{who} changed this record at {when}"


def _comparable(value: Any) -> Any:
    """A field's value as two editors' versions compare: a related row by its key, text as
    a browser sends it back (CR LF line breaks, no surrounding blanks) ignored."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return value


@dataclass(frozen=True)
class Merge:
    """An edit made over a newer revision: the values to save, and the fields it changed."""

    values: dict[str, Any]
    edited: frozenset[str]
    current: Meeting | Delegation


def revision_merge(
    model: type[Meeting] | type[Delegation], pk: int, expected: int, submitted: dict[str, Any]
) -> Merge | None:
    """Lock the row; if its revision moved since the editor loaded it, keep what others saved
    in the fields the editor left as loaded, and refuse only fields both changed.

    None when nothing moved (the submitted values stand). What the editor loaded is the
    row's history at that revision; without it the edit is refused as a whole.
    """
    current = model.objects.select_for_update().filter(pk=pk).first()
    if current is None:
        raise ConcurrentEditError("This record was deleted by someone else.", code="deleted")
    if current.revision == expected:
        return None
    loaded = (
        current.history.filter(revision=expected).order_by("-history_date", "-history_id").first()
    )
    if loaded is None:
        check_revision(model, pk, expected)
    values: dict[str, Any] = {}
    edited: set[str] = set()
    clashes: list[str] = []
    for name, mine in submitted.items():
        field = model._meta.get_field(name)
        if not isinstance(field, Field):
            raise TypeError(f"{name} is not a field of {model.__name__}'s own")
        before, now = getattr(loaded, field.attname), getattr(current, field.attname)
        mine, before, now = _comparable(mine), _comparable(before), _comparable(now)
        if mine == before:
            values[name] = getattr(current, name)  # untouched here: what is stored now
        elif now in (before, mine):  # only the editor changed it, or both alike
            values[name] = submitted[name]
            edited.add(name)
        else:
            clashes.append(str(field.verbose_name))
    if clashes:
        raise ConcurrentEditError(
            f"{_last_change(current)} since you opened it, changing the same "
            f"{' and '.join(clashes)}. Reload the page to see their changes, then make yours "
            "again.",
            code="concurrent_edit",
        )
    return Merge(values, frozenset(edited), current)


def meeting_slug(meeting: Meeting) -> str:
    """A stable ASCII slug from the year, format code and number or counterpart code.

    Titles may be in Khmer or Thai, whose letters slugify drops, so they are used
    only as a last resort and only where they give ASCII letters.
    """
    parts = [str(meeting.first_day.year), meeting.format.code.lower()]
    if meeting.number:
        parts.append(str(meeting.number))
    elif meeting.counterpart is not None:
        parts.append(meeting.counterpart.code.lower())
    else:
        words = slugify(meeting.title or "")
        parts.append(words[:60].strip("-") or meeting.first_day.strftime("%m-%d"))
    base = "-".join(parts)
    candidate, n = base, 2
    while Meeting.objects.filter(slug=candidate).exclude(pk=meeting.pk).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


@transaction.atomic
def meeting_save(
    *,
    meeting: Meeting,
    by: AbstractBaseUser | None,
    expected_revision: int | None = None,
    reason: str = "",
) -> Meeting:
    """Validate and save a meeting, raising SEQUENCE when subscribers must see the change."""
    check_revision(Meeting, meeting.pk, expected_revision)
    if not meeting.timezone and meeting.venue is not None:
        meeting.timezone = meeting.venue.timezone
    if not meeting.title.strip():
        meeting.title = meeting_title_default(meeting)
    try:
        validate_timezone(meeting.timezone)
    except ValidationError as exc:
        raise ValidationError({"timezone": exc.error_list}) from exc
    validate_period(meeting.start, meeting.end)
    meeting.first_day, meeting.last_day = meeting.local_days()
    _check_daily_hours(meeting)
    if not meeting.slug:
        meeting.slug = meeting_slug(meeting)
    meeting.full_clean()
    before = (
        Meeting.objects.select_related("venue").filter(pk=meeting.pk).first()
        if meeting.pk is not None
        else None
    )
    if before is not None:
        _check_status_reason(meeting, before)
        if any(getattr(before, field) != getattr(meeting, field) for field in SEQUENCE_FIELDS):
            meeting.sequence += 1
            if meeting.change_note == before.change_note:
                # A change that gives no reason of its own must not wear the last one's.
                meeting.change_note = ""
    meeting.revision += 1
    _mark_history(meeting, by=by, reason=reason)
    meeting.save()
    now = timezone.now()
    if before is not None:
        reminders.notices_queue(meeting=meeting, before=before, by=by, now=now)
        if not meeting.closed_reason(now=now):
            # Delegations invited while it was unpublished or postponed hear of it now.
            reminders.invitations_owed(meeting.delegations.all(), by=by)
    return meeting


def _check_daily_hours(meeting: Meeting) -> None:
    """Daily sessions are for timed meetings over several days whose closing time comes
    after their opening time; on one day, or all day, the flag means nothing and is dropped."""
    if not meeting.daily_hours:
        return
    if meeting.all_day or meeting.first_day == meeting.last_day:
        meeting.daily_hours = False
        return
    if meeting.local_end.time() <= meeting.local_start.time():
        raise ValidationError(
            {
                "daily_hours": "Sessions the same hours each day need the closing time after "
                f"the opening time ({meeting.local_start:%H:%M}); untick it for one block."
            },
            code="daily_hours_order",
        )


# Statuses a meeting cannot take without a public reason: delegations and readers are told why.
REASON_REQUIRED = {
    MeetingStatus.CANCELLED: "Give the reason for the cancellation: it is shown on the "
    "meeting page, in the change log and in the notice to delegations.",
    MeetingStatus.POSTPONED: "Give the reason for the postponement: it is shown on the "
    "meeting page, in the change log and in the notice to delegations.",
}


def missing_reason(*, status: str, before: str | None, note: str) -> str:
    """What to tell an editor who cancels or postpones without a public reason ("" if the
    change needs none or has one); the admin form asks the same before saving."""
    message = REASON_REQUIRED.get(MeetingStatus(status), "")
    return message if message and status != before and not note.strip() else ""


def _check_status_reason(meeting: Meeting, before: Meeting) -> None:
    message = missing_reason(status=meeting.status, before=before.status, note=meeting.status_note)
    if message:
        raise ValidationError({"status_note": message}, code="reason_required")


def meeting_create(*, by: AbstractBaseUser | None, reason: str = "", **fields: Any) -> Meeting:
    """Create a meeting from field values (title and slug derived when left empty)."""
    return meeting_save(meeting=Meeting(**fields), by=by, reason=reason or "Created")


@transaction.atomic
def meeting_reschedule(
    *,
    meeting: Meeting,
    by: AbstractBaseUser | None,
    start: dt.datetime,
    end: dt.datetime,
    all_day: bool | None = None,
    reason: str = "",
) -> Meeting:
    """Move a meeting to new aware start/end instants (a postponed meeting becomes scheduled)."""
    meeting.start, meeting.end = start, end
    if all_day is not None:
        meeting.all_day = all_day
    if meeting.status == MeetingStatus.POSTPONED:
        meeting.status = MeetingStatus.SCHEDULED
        meeting.status_note = ""
    meeting.change_note = reason.strip()
    return meeting_save(
        meeting=meeting, by=by, reason=f"Rescheduled: {reason}" if reason else "Rescheduled"
    )


def _set_status(
    meeting: Meeting, status: MeetingStatus, by: AbstractBaseUser | None, reason: str
) -> Meeting:
    reason = reason.strip()
    message = missing_reason(status=status, before=None, note=reason)
    if message:
        raise ValidationError({"reason": message}, code="reason_required")
    meeting.status = status
    meeting.status_note = meeting.change_note = reason
    return meeting_save(meeting=meeting, by=by, reason=f"{status.label}: {reason}".strip(": "))


def meeting_cancel(*, meeting: Meeting, by: AbstractBaseUser | None, reason: str = "") -> Meeting:
    """Cancel a meeting; it stays visible (and in feeds) marked as cancelled."""
    return _set_status(meeting, MeetingStatus.CANCELLED, by, reason)


def meeting_postpone(*, meeting: Meeting, by: AbstractBaseUser | None, reason: str = "") -> Meeting:
    """Postpone a meeting until a new date is known."""
    return _set_status(meeting, MeetingStatus.POSTPONED, by, reason)


def meeting_set_published(
    *, meeting: Meeting, by: AbstractBaseUser | None, published: bool
) -> Meeting:
    """Publish a meeting to the public pages, API and feeds, or withdraw it."""
    meeting.published = published
    return meeting_save(meeting=meeting, by=by, reason="Published" if published else "Unpublished")


@transaction.atomic
def meeting_invite_participants(
    *, meeting: Meeting, by: AbstractBaseUser | None
) -> list[Delegation]:
    """Create a delegation for every participant the format invites on the meeting's date.

    Existing delegations are left as they are; returns the ones created.
    """
    wanted = expected_participants(
        format=meeting.format, on=meeting.first_day, counterpart=meeting.counterpart
    )
    existing = set(meeting.delegations.values_list("participant_id", flat=True))
    now = timezone.now()
    new = list(wanted.exclude(pk__in=existing))
    # Embassies keep their desks: start from the addresses the participant last used.
    contacts = reminders.known_contacts(participant_ids=[p.pk for p in new])
    created = []
    for participant in new:
        delegation = Delegation(
            meeting=meeting,
            participant=participant,
            invited_at=now,
            contact_emails=contacts.get(participant.pk, ""),
        )
        _mark_history(delegation, by=by, reason="Invited")
        delegation.save()
        created.append(delegation)
    reminders.invitations_queue(delegations=created, by=by, now=now)
    return created


def delegation_set_reminders_paused(
    *, delegation: Delegation, by: AbstractBaseUser | None, paused: bool
) -> Delegation:
    """Stop or restart a delegation's scheduled reminders (staff can still send one)."""
    delegation.reminders_paused = paused
    return delegation_save(
        delegation=delegation, by=by, reason="Reminders paused" if paused else "Reminders resumed"
    )


def delegation_send_reminder_now(
    *, delegation: Delegation, by: AbstractBaseUser | None
) -> reminders.Reminder:
    """Queue a mail to a delegation now: its invitation if never sent, else a reminder."""
    return reminders.reminder_request(delegation=delegation, by=by)


def _delegation_write(
    delegation: Delegation, *, by: AbstractBaseUser | None, reason: str
) -> Delegation:
    """Validate and save a delegation as it stands, one revision on, with who and why.

    A new participant or new contact addresses make the links sent so far stop working
    (the link version rises); new addresses get a new link if an earlier one went out.
    """
    delegation.full_clean()
    stored = (
        Delegation.objects.select_for_update()
        .filter(pk=delegation.pk)
        .values("participant_id", "contact_emails", "link_version")
        .first()
        if delegation.pk
        else None
    )
    new_addresses = False
    if stored is not None:
        # The version is the database's: a stale instance never brings a revoked link back.
        delegation.link_version = stored["link_version"]
        before = Delegation(contact_emails=stored["contact_emails"]).address_set
        # Addresses given where there were none replace no link: nobody could hold one.
        new_addresses = bool(before) and before != delegation.address_set
        if new_addresses or stored["participant_id"] != delegation.participant_id:
            delegation.link_version += 1
    delegation.revision += 1
    _mark_history(delegation, by=by, reason=reason)
    delegation.save()
    if new_addresses:
        reminders.new_link_queue(delegation=delegation, by=by)
    return delegation


@transaction.atomic
def delegation_revoke_links(
    *, delegation: Delegation, by: AbstractBaseUser | None, reason: str = ""
) -> Delegation:
    """Make every RSVP link sent to a delegation so far stop working; none is sent anew."""
    current = Delegation.objects.select_for_update().get(pk=delegation.pk)
    current.link_version += 1
    current.revision += 1
    _mark_history(current, by=by, reason=reason or "RSVP links revoked")
    # Only these: the row's other values, valid or not, are not this action's business.
    current.save(update_fields=["link_version", "revision", "updated_at"])
    return current


@transaction.atomic
def delegation_save(
    *,
    delegation: Delegation,
    by: AbstractBaseUser | None,
    expected_revision: int | None = None,
    via: AnswerChannel | str = AnswerChannel.ADMIN,
    reason: str = "",
) -> Delegation:
    """Validate and save a delegation; a change of attendance records when and how."""
    check_revision(Delegation, delegation.pk, expected_revision)
    before = (
        Delegation.objects.filter(pk=delegation.pk).values_list("attendance", flat=True).first()
        if delegation.pk
        else AttendanceStatus.INVITED
    )
    if delegation.attendance != before:
        if delegation.attendance == AttendanceStatus.INVITED:
            delegation.answered_at, delegation.answered_via = None, ""
        else:
            delegation.answered_at = timezone.now()
            delegation.answered_via = via
    if delegation.invited_at is None:
        delegation.invited_at = timezone.now()
    _delegation_write(delegation, by=by, reason=reason)
    if delegation.attendance == AttendanceStatus.INVITED and delegation.addresses:
        # Added one at a time (admin, API), or given its first addresses since.
        reminders.invitations_owed(Delegation.objects.filter(pk=delegation.pk), by=by)
    return delegation


def delegation_record_answer(
    *,
    delegation: Delegation,
    attendance: AttendanceStatus | str,
    via: AnswerChannel | str,
    by: AbstractBaseUser | None = None,
    head_name: str | None = None,
    head_title: str | None = None,
    level: str | None = None,
) -> Delegation:
    """Record a delegation's answer (confirmed or declined) and, optionally, its head."""
    delegation.attendance = attendance
    if head_name is not None:
        delegation.head_name = head_name
    if head_title is not None:
        delegation.head_title = head_title
    if level is not None:
        delegation.level = level
    label = AttendanceStatus(attendance).label
    saved = delegation_save(
        delegation=delegation,
        by=by,
        via=via,
        reason=f"{label} through {AnswerChannel(via).label}",
    )
    if via == AnswerChannel.RSVP:
        # Whoever answered on the delegation's behalf, its desk gets the record of it.
        reminders.receipt_queue(delegation=saved)
    return saved


def meeting_update(
    *, meeting: Meeting, by: AbstractBaseUser | None, reason: str = "", **fields: Any
) -> Meeting:
    """Change some of a meeting's fields and save it (SEQUENCE rises if subscribers must see it)."""
    for name, value in fields.items():
        setattr(meeting, name, value)
    return meeting_save(meeting=meeting, by=by, reason=reason or "Updated")


def delegation_create(
    *,
    meeting: Meeting,
    participant: Participant,
    by: AbstractBaseUser | None,
    via: AnswerChannel | str = AnswerChannel.ADMIN,
    **fields: Any,
) -> Delegation:
    """Add a participant's delegation to a meeting (one per participant)."""
    delegation = Delegation(meeting=meeting, participant=participant, **fields)
    return delegation_save(delegation=delegation, by=by, via=via, reason="Created")


def delegation_update(
    *,
    delegation: Delegation,
    by: AbstractBaseUser | None,
    via: AnswerChannel | str = AnswerChannel.ADMIN,
    **fields: Any,
) -> Delegation:
    """Change some of a delegation's fields; a change of attendance records when and how."""
    for name, value in fields.items():
        setattr(delegation, name, value)
    return delegation_save(delegation=delegation, by=by, via=via, reason="Updated")


@transaction.atomic
def delegation_load(
    *,
    meeting: Meeting,
    participant: Participant,
    by: AbstractBaseUser | None,
    reason: str,
    **fields: Any,
) -> Delegation:
    """Create or update a participant's delegation to read exactly as a record has it.

    For reference data: the answer keeps the record's time and channel, and no invitation
    is queued, the record saying when the delegation was invited.
    """
    delegation = Delegation.objects.filter(meeting=meeting, participant=participant).first()
    if delegation is None:
        delegation = Delegation(meeting=meeting, participant=participant)
    for name, value in fields.items():
        setattr(delegation, name, value)
    return _delegation_write(delegation, by=by, reason=reason)


@transaction.atomic
def delegation_delete(
    *, delegation: Delegation, by: AbstractBaseUser | None, reason: str = ""
) -> Delegation:
    """Delete a delegation and its mails; its history keeps who deleted it, and why."""
    # simple_history reads the user from the instance being deleted; outside a request
    # (or in a queryset's bulk delete) nothing else tells it who.
    _mark_history(delegation, by=by, reason=reason or "Deleted")
    delegation.delete()
    return delegation


@transaction.atomic
def meeting_delete(*, meeting: Meeting, by: AbstractBaseUser | None, reason: str = "") -> Meeting:
    """Delete a meeting, its delegations and its documents (their files too, once committed);
    each history row keeps who deleted it, and why."""
    # Imported here: meetings.documents reads the importer's archive checks, and the
    # importer imports this module.
    from meetings.documents import document_delete

    # Deleted one by one: those the database would cascade to would carry no user.
    for delegation in meeting.delegations.all():
        delegation_delete(delegation=delegation, by=by, reason=reason)
    for document in meeting.documents.all():
        document_delete(document=document, by=by, reason=reason)
    _mark_history(meeting, by=by, reason=reason or "Deleted")
    meeting.delete()
    return meeting
