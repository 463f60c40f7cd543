"""Reminders: who is due, the outbox rows, sending each exactly once, the mail itself."""

import datetime as dt
import email
import re
import smtplib
from collections import defaultdict
from typing import ClassVar

import icalendar
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from aseancal.celery import app as celery_app
from meetings import reminders, services, tasks
from meetings.enums import AttendanceStatus, MeetingMode, MeetingStatus
from meetings.models import Delegation, Meeting, Reminder, ReminderSchedule
from meetings.models.reminders import ReminderKind, ReminderStatus
from meetings.tokens import rsvp_token
from tests.conftest import TODAY, eager_tasks
from tests.factories import (
    DelegationFactory,
    FormatFactory,
    MeetingFactory,
    ParticipantFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


class FailingBackend(LocmemBackend):
    """A mail server that drops the connection."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def eager_celery():
    """Tasks run in this process when enqueued, as a worker would run them."""
    # Eager mode runs registered tasks only; rows are published by task name, so load
    # the tasks modules as a worker does at start.
    celery_app.loader.import_default_modules()
    with eager_tasks(propagate=True):
        yield


def day_before(meeting) -> dt.datetime:
    """The default confirmation deadline: the end of the day before the meeting, at the venue
    (spelled out here rather than asked of the code under test)."""
    local = meeting.start.astimezone(meeting.tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def meeting_in(days: float, **fields):
    """A published, scheduled meeting starting `days` after TODAY."""
    start = TODAY + dt.timedelta(days=days)
    return MeetingFactory(start=start, end=start + dt.timedelta(hours=3), **fields)


def invited(
    meeting, code: str, *, invited_days_ago: int = 30, invitation_sent: bool = True, **fields
) -> Delegation:
    """A delegation invited `invited_days_ago`, its invitation mail sent then (or never)."""
    fields.setdefault("contact_emails", f"desk@{code.lower()}.mfa.example")
    invited_at = TODAY - dt.timedelta(days=invited_days_ago)
    delegation = DelegationFactory(
        meeting=meeting,
        participant=ParticipantFactory(code=code, name=f"Country {code}"),
        invited_at=invited_at,
        **fields,
    )
    if invitation_sent:
        Reminder.objects.create(
            delegation=delegation,
            kind=ReminderKind.INVITATION,
            step=reminders.INVITATION_STEP,
            status=ReminderStatus.SENT,
            due_at=invited_at,
            sent_at=invited_at,
        )
    return delegation


def rows() -> list[tuple]:
    return list(
        Reminder.objects.order_by("pk").values_list(
            "delegation__participant__code", "kind", "step", "status"
        )
    )


# -- who is due ---------------------------------------------------------------------------


def test_due_step_is_the_latest_due_not_the_backlog():
    deadline = TODAY + 5 * DAY
    # 21, 14 and 7 days before have all passed: only 7 is sent.
    assert (
        reminders.due_step(days=(21, 14, 7, 3, 1), deadline=deadline, invited_at=None, now=TODAY)
        == 7
    )


def test_due_step_ignores_steps_that_fell_before_the_invitation():
    deadline = TODAY + 5 * DAY
    step = reminders.due_step(
        days=(21, 14, 7, 3, 1), deadline=deadline, invited_at=TODAY - DAY, now=TODAY
    )
    assert step is None


def test_plan_writes_one_row_for_the_latest_due_step(frozen_now):
    meeting = meeting_in(5)
    invited(meeting, "RU")
    plan = reminders.reminders_plan()
    assert [(r.step, r.days_before, r.due_at) for r in plan.planned] == [
        ("7d", 7, day_before(meeting) - 7 * DAY)
    ]
    assert rows() == [
        ("RU", "invitation", "invitation", "sent"),
        ("RU", "scheduled", "7d", "queued"),
    ]


def test_plan_twice_adds_nothing(frozen_now):
    invited(meeting_in(5), "RU")
    reminders.reminders_plan()
    second = reminders.reminders_plan()
    assert (second.planned, [s.reason for s in second.skipped]) == (
        [],
        ["7 days before the deadline: already queued"],
    )
    assert rows() == [
        ("RU", "invitation", "invitation", "sent"),
        ("RU", "scheduled", "7d", "queued"),
    ]


def test_plan_moves_to_the_next_step_when_it_comes(frozen_now):
    invited(meeting_in(5), "RU")
    reminders.reminders_plan()
    frozen_now.shift(3 * DAY)  # 2 days before: the 3-day step is due
    reminders.reminders_plan()
    assert rows() == [
        ("RU", "invitation", "invitation", "sent"),
        ("RU", "scheduled", "7d", "queued"),
        ("RU", "scheduled", "3d", "queued"),
    ]


def test_plan_says_why_each_invited_delegation_is_left_alone(frozen_now):
    live = meeting_in(5)
    invited(live, "AU", reminders_paused=True)
    invited(live, "CA", contact_emails="")
    invited(meeting_in(6, published=False), "CN")
    invited(meeting_in(7, status=MeetingStatus.CANCELLED), "IN")
    invited(meeting_in(8, status=MeetingStatus.POSTPONED), "JP")
    invited(meeting_in(9, confirmation_deadline=TODAY - DAY), "KR")
    invited(meeting_in(30), "NZ")
    invited(meeting_in(5), "US", invited_days_ago=0)
    answered = invited(live, "GB")
    services.delegation_record_answer(delegation=answered, attendance="confirmed", via="admin")
    invited(meeting_in(-1), "EU")  # started yesterday: not a candidate at all

    plan = reminders.reminders_plan()

    assert plan.planned == []
    assert [(s.delegation.participant.code, s.reason) for s in plan.skipped] == [
        ("AU", "reminders paused"),
        ("CA", "no contact addresses"),
        ("US", "nothing due yet; next 3 days before the deadline, on 2026-11-04 00:00 UTC"),
        ("CN", "meeting not published"),
        ("IN", "meeting cancelled"),
        ("JP", "meeting postponed"),
        ("KR", "confirmation deadline passed"),
        ("NZ", "nothing due yet; next 21 days before the deadline, on 2026-11-11 00:00 UTC"),
    ]


def test_plan_uses_the_format_schedule_over_the_default(frozen_now):
    summit = FormatFactory(code="SUMMIT")
    ReminderSchedule.objects.create(format=summit, days_before="10, 2")
    invited(meeting_in(5, format=summit), "RU")
    reminders.reminders_plan()
    assert rows() == [
        ("RU", "invitation", "invitation", "sent"),
        ("RU", "scheduled", "10d", "queued"),
    ]


def test_plan_falls_back_to_the_built_in_schedule_without_a_default_row(frozen_now):
    ReminderSchedule.objects.all().delete()
    invited(meeting_in(5), "RU")
    reminders.reminders_plan()
    assert rows() == [
        ("RU", "invitation", "invitation", "sent"),
        ("RU", "scheduled", "7d", "queued"),
    ]


def test_default_schedule_row_is_created_by_the_migration():
    assert list(ReminderSchedule.objects.values_list("format", "days_before")) == [
        (None, "21, 14, 7, 3, 1")
    ]


def test_plan_counts_the_deadline_not_the_start(frozen_now):
    meeting = meeting_in(20, confirmation_deadline=TODAY + 2 * DAY)
    invited(meeting, "RU")
    reminders.reminders_plan()
    assert list(
        Reminder.objects.filter(kind=ReminderKind.SCHEDULED).values_list("step", "due_at")
    ) == [("3d", TODAY - DAY)]


def _plan_queries(count: int) -> int:
    meeting = meeting_in(5)
    for n in range(count):
        invited(meeting, f"Q{chr(65 + n)}")
    with CaptureQueriesContext(connection) as queries:
        reminders.reminders_plan()
    Reminder.objects.all().delete()
    Delegation.objects.all().delete()
    return len(queries)


def test_plan_query_count_does_not_grow_with_delegations(frozen_now):
    assert (_plan_queries(1), _plan_queries(20)) == (4, 4)


# -- sending ------------------------------------------------------------------------------


def _planned(meeting=None, code: str = "RU", **fields) -> Reminder:
    delegation = invited(meeting or meeting_in(5), code, **fields)
    reminders.reminders_plan()
    return Reminder.objects.get(delegation=delegation, kind=ReminderKind.SCHEDULED)


def test_send_marks_the_row_sent_with_a_deterministic_message_id(frozen_now):
    row = _planned()
    result = reminders.reminder_send(reminder_id=row.pk)
    row.refresh_from_db()
    assert (result.outcome, row.status, row.attempts, row.sent_at, row.recipients) == (
        "sent",
        "sent",
        1,
        TODAY,
        "desk@ru.mfa.example",
    )
    assert [(m.to, m.extra_headers["Message-ID"]) for m in mail.outbox] == [
        (["desk@ru.mfa.example"], f"<reminder-{row.pk}-7d@127.0.0.1>")
    ]


def test_send_twice_sends_once(frozen_now):
    row = _planned()
    reminders.reminder_send(reminder_id=row.pk)
    again = reminders.reminder_send(reminder_id=row.pk)
    assert ((again.outcome, again.detail), len(mail.outbox)) == (("busy", "already sent"), 1)


def test_send_skips_a_delegation_that_answered_after_planning(frozen_now):
    row = _planned()
    services.delegation_record_answer(
        delegation=row.delegation, attendance=AttendanceStatus.DECLINED, via="api"
    )
    result = reminders.reminder_send(reminder_id=row.pk)
    row.refresh_from_db()
    assert (result.outcome, row.status, row.skip_reason, mail.outbox) == (
        "skipped",
        "skipped",
        "delegation answered: declined",
        [],
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda m: services.meeting_cancel(meeting=m, by=None, reason="Typhoon"),
            "meeting cancelled",
        ),
        (
            lambda m: services.meeting_postpone(meeting=m, by=None, reason="Venue unavailable"),
            "meeting postponed",
        ),
        (
            lambda m: services.meeting_set_published(meeting=m, by=None, published=False),
            "meeting not published",
        ),
    ],
)
def test_send_skips_when_the_meeting_closed_after_planning(frozen_now, change, reason):
    row = _planned()
    change(row.delegation.meeting)
    result = reminders.reminder_send(reminder_id=row.pk)
    assert (result.outcome, result.detail, mail.outbox) == ("skipped", reason, [])


def test_send_skips_a_scheduled_reminder_once_paused(frozen_now):
    row = _planned()
    services.delegation_set_reminders_paused(delegation=row.delegation, by=None, paused=True)
    result = reminders.reminder_send(reminder_id=row.pk)
    assert (result.outcome, result.detail) == ("skipped", "reminders paused")


def test_failed_send_is_queued_again_after_a_backoff(frozen_now, settings):
    settings.EMAIL_BACKEND = "tests.meetings.test_reminders.FailingBackend"
    row = _planned()
    result = reminders.reminder_send(reminder_id=row.pk)
    row.refresh_from_db()
    assert (result.outcome, result.retry_in) == ("retry", 60)
    assert (row.status, row.attempts, row.last_error, row.enqueued_at) == (
        "queued",
        1,
        "SMTPServerDisconnected: Connection unexpectedly closed",
        TODAY + dt.timedelta(seconds=60),
    )


def test_failed_send_gives_up_after_the_last_attempt(frozen_now, settings):
    settings.EMAIL_BACKEND = "tests.meetings.test_reminders.FailingBackend"
    settings.REMINDER_MAX_ATTEMPTS = 3
    row = _planned()
    outcomes = [reminders.reminder_send(reminder_id=row.pk).outcome for _ in range(4)]
    row.refresh_from_db()
    assert outcomes == ["retry", "retry", "failed", "busy"]
    assert (row.status, row.attempts) == ("failed", 3)


def test_retry_delay_doubles_up_to_an_hour():
    assert [reminders.retry_delay(n) for n in range(1, 9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


# -- the mail -----------------------------------------------------------------------------


def _yangon_meeting(**fields):
    venue = VenueFactory(
        name="MICC II", city="Naypyidaw", country_code="MM", timezone="Asia/Yangon"
    )
    start = dt.datetime(2026, 11, 9, 2, 30, tzinfo=dt.UTC)  # 09:00 in Naypyidaw
    return MeetingFactory(
        venue=venue,
        timezone="Asia/Yangon",
        start=start,
        end=start + dt.timedelta(hours=8),
        number=None,
        **fields,
    )


def test_mail_text_gives_local_time_with_offset_and_the_rsvp_link(frozen_now):
    host = ParticipantFactory(code="MM", name="Myanmar")
    meeting = _yangon_meeting(title="ASEAN-Russia SOM", host=host, mode=MeetingMode.IN_PERSON)
    row = _planned(meeting)
    reminders.reminder_send(reminder_id=row.pk)
    token = rsvp_token(row.delegation)
    assert mail.outbox[0].subject == "Reminder: please confirm your attendance at ASEAN-Russia SOM"
    assert mail.outbox[0].body == (
        "To the delegation of Country RU,\n\n"
        "We have not yet received your delegation's answer for the ASEAN-Russia SOM.\n\n"
        f"  What:   ASEAN-Russia SOM ({meeting.format.name})\n"
        "  When:   Monday 9 November 2026, 09:00–17:00 (Naypyidaw time, UTC+6:30)\n"
        "  Where:  MICC II, Naypyidaw\n"
        "  Host:   Myanmar\n\n"
        "Please confirm or decline your attendance by the end of Sunday 8 November 2026 "
        "(Naypyidaw time, UTC+6:30), and name the head of your delegation, at:\n\n"
        f"  http://127.0.0.1:8000/rsvp/{token}/\n\n"
        "No account is needed. The link is for your delegation only and works until the "
        "meeting starts; you can change your answer there at any time before then.\n\n"
        "Questions? Your contact at the secretariat: ASEAN Secretariat, meetings desk, "
        "secretariat@127.0.0.1\n\n"
        f"The meeting's page: http://127.0.0.1:8000/meetings/{meeting.slug}/\n"
        "The attached .ics file adds the meeting to your calendar.\n\n"
        "--\n"
        "The ASEAN meetings calendar, http://127.0.0.1:8000\n"
        "This message was sent automatically; replies are not read.\n"
    )


def test_mail_subject_is_one_line_whatever_the_title_holds(frozen_now):
    meeting = _yangon_meeting(title="Retreat")
    # Saves refuse CR and LF in a title now; a row stored before they did may still hold them.
    Meeting.objects.filter(pk=meeting.pk).update(
        title="Retreat\r\nBcc: victim@example.org\u2028<b>x</b>"
    )
    meeting.refresh_from_db()
    row = _planned(meeting)
    reminders.reminder_send(reminder_id=row.pk)
    message = email.message_from_bytes(mail.outbox[0].message().as_bytes())
    assert (mail.outbox[0].subject, message["Bcc"]) == (
        "Reminder: please confirm your attendance at Retreat Bcc: victim@example.org <b>x</b>",
        None,
    )


def test_mail_html_escapes_the_title(frozen_now):
    row = _planned(_yangon_meeting(title="<script>alert(1)</script> SOM"))
    reminders.reminder_send(reminder_id=row.pk)
    html, mimetype = mail.outbox[0].alternatives[0]
    assert mimetype == "text/html"
    assert "<script>" not in html
    assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt; SOM</strong>" in html


def test_mail_attaches_the_meeting_as_ics(frozen_now):
    meeting = _yangon_meeting(title="ASEAN-Russia SOM")
    row = _planned(meeting)
    reminders.reminder_send(reminder_id=row.pk)
    [(filename, content, mimetype)] = mail.outbox[0].attachments
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert (filename, mimetype) == (f"{meeting.slug}.ics", "text/calendar")
    assert (str(event["UID"]), event.decoded("DTSTART"), str(event["SUMMARY"])) == (
        f"meeting-{meeting.pk}@127.0.0.1",
        dt.datetime(2026, 11, 9, 9, 0, tzinfo=meeting.tz),
        "ASEAN-Russia SOM",
    )


def test_all_day_meeting_is_given_as_days():
    start = dt.datetime(2026, 11, 15, 16, 0, tzinfo=dt.UTC)  # 16 Nov 00:00 in Manila
    meeting = MeetingFactory(
        venue=VenueFactory(city="Manila", timezone="Asia/Manila"),
        timezone="Asia/Manila",
        start=start,
        end=start + 3 * DAY,
        all_day=True,
    )
    assert reminders.meeting_when(meeting) == (
        "Monday 16 November 2026 to Wednesday 18 November 2026, all day (Manila time, UTC+8)"
    )


# -- invitations and staff requests ------------------------------------------------------


def test_invite_copies_known_addresses_and_mails_the_invitation_after_commit(
    frozen_now, eager_celery, django_capture_on_commit_callbacks
):
    fmt = FormatFactory(code="SOM", invites_members=False)
    ru, jp = ParticipantFactory(code="RU"), ParticipantFactory(code="JP")
    fmt.invited_participants.set([ru, jp])
    earlier = meeting_in(-100, format=fmt)
    DelegationFactory(meeting=earlier, participant=ru, contact_emails="asean@ru.mfa.example")
    meeting = meeting_in(20, format=fmt, title="SOM rehearsal")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = services.meeting_invite_participants(meeting=meeting, by=None)
        assert mail.outbox == []  # nothing leaves before the commit

    assert len(callbacks) == 1
    assert sorted((d.participant.code, d.contact_emails) for d in created) == [
        ("JP", ""),
        ("RU", "asean@ru.mfa.example"),
    ]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (
            ["asean@ru.mfa.example"],
            "Invitation: please confirm your attendance at SOM rehearsal",
        )
    ]
    assert rows() == [("RU", "invitation", "invitation", "sent")]


def test_invitation_step_means_no_reminder_for_steps_already_passed(frozen_now):
    # Invited today, 10 days before: the 21- and 14-day steps are not sent afterwards.
    invited(meeting_in(10), "RU", invited_days_ago=0)
    assert reminders.reminders_plan().planned == []


def test_send_now_sends_the_invitation_first_then_reminders(
    frozen_now, eager_celery, django_capture_on_commit_callbacks, superuser
):
    delegation = invited(meeting_in(20), "RU", invitation_sent=False)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.delegation_send_reminder_now(delegation=delegation, by=superuser)
    frozen_now.shift(dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        second = services.delegation_send_reminder_now(delegation=delegation, by=superuser)
    assert [(r.kind, r.step, r.requested_by) for r in (first, second)] == [
        (ReminderKind.INVITATION, "invitation", superuser),
        (ReminderKind.MANUAL, "manual-202611020301", superuser),
    ]
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Invitation", "Reminder"]


def test_send_now_twice_in_a_minute_queues_one_mail(
    frozen_now, eager_celery, django_capture_on_commit_callbacks
):
    delegation = invited(meeting_in(20), "RU", invitation_sent=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.delegation_send_reminder_now(delegation=delegation, by=None)
        services.delegation_send_reminder_now(delegation=delegation, by=None)
    assert (Reminder.objects.count(), len(mail.outbox)) == (1, 1)


def test_send_now_goes_out_even_when_scheduled_reminders_are_paused(
    frozen_now, eager_celery, django_capture_on_commit_callbacks
):
    delegation = invited(meeting_in(20), "RU", reminders_paused=True, invitation_sent=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.delegation_send_reminder_now(delegation=delegation, by=None)
    assert rows() == [("RU", "invitation", "invitation", "sent")]


def test_delegation_added_alone_is_mailed_its_invitation_once(
    frozen_now, eager_celery, django_capture_on_commit_callbacks
):
    meeting = meeting_in(20, title="SOM rehearsal")
    with django_capture_on_commit_callbacks(execute=True):
        delegation = services.delegation_create(
            meeting=meeting,
            participant=ParticipantFactory(code="RU"),
            by=None,
            contact_emails="asean@ru.mfa.example",
        )
        assert mail.outbox == []  # nothing leaves before the commit
    with django_capture_on_commit_callbacks(execute=True):
        services.delegation_update(delegation=delegation, by=None, head_name="Sergey Lavrov")
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (
            ["asean@ru.mfa.example"],
            "Invitation: please confirm your attendance at SOM rehearsal",
        )
    ]
    assert rows() == [("RU", "invitation", "invitation", "sent")]


def test_delegation_created_through_the_api_is_mailed_its_invitation(
    frozen_now, eager_celery, django_capture_on_commit_callbacks, superuser
):
    meeting = meeting_in(20)
    ParticipantFactory(code="JP")
    client = APIClient()
    client.force_authenticate(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/delegations/",
            {"meeting": meeting.slug, "participant": "jp", "contact_emails": ["desk@jp.example"]},
            format="json",
        )
    assert (response.status_code, [m.to for m in mail.outbox]) == (201, [["desk@jp.example"]])
    assert rows() == [("JP", "invitation", "invitation", "sent")]


def test_delegation_given_its_first_addresses_is_then_invited(
    frozen_now, eager_celery, django_capture_on_commit_callbacks
):
    delegation = services.delegation_create(
        meeting=meeting_in(20), participant=ParticipantFactory(code="RU"), by=None
    )
    assert rows() == []  # nowhere to send it
    with django_capture_on_commit_callbacks(execute=True):
        services.delegation_update(
            delegation=delegation, by=None, contact_emails="asean@ru.mfa.example"
        )
    assert ([m.to for m in mail.outbox], rows()) == (
        [["asean@ru.mfa.example"]],
        [("RU", "invitation", "invitation", "sent")],
    )


def test_answered_delegation_added_alone_gets_no_invitation(frozen_now):
    services.delegation_create(
        meeting=meeting_in(20),
        participant=ParticipantFactory(code="RU"),
        by=None,
        contact_emails="asean@ru.mfa.example",
        attendance=AttendanceStatus.CONFIRMED,
    )
    assert rows() == []


def test_publishing_a_meeting_sends_the_invitations_it_owes_then_no_backlog(
    frozen_now, eager_celery, django_capture_on_commit_callbacks
):
    meeting = meeting_in(10, published=False, title="SOM rehearsal")
    # Invited 30 days ago while the meeting was a draft: no mail could go then.
    invited(meeting, "RU", invitation_sent=False)
    assert rows() == []
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_set_published(meeting=meeting, by=None, published=True)
    assert [m.subject for m in mail.outbox] == [
        "Invitation: please confirm your attendance at SOM rehearsal"
    ]
    # The 21- and 14-day steps fell before the invitation went: no reminder follows it.
    assert reminders.reminders_plan().planned == []
    frozen_now.shift(3 * DAY)  # 7 days before
    assert [r.step for r in reminders.reminders_plan().planned] == ["7d"]


def test_step_left_queued_while_workers_were_down_is_overtaken_by_the_next(frozen_now):
    stale = _planned()  # 7 days before: queued, and no worker picks it up
    frozen_now.shift(4 * DAY)  # 1 day before: the planner adds the 1-day step
    reminders.reminders_plan()
    latest = Reminder.objects.get(step="1d")
    outcomes = [reminders.reminder_send(reminder_id=pk).outcome for pk in (stale.pk, latest.pk)]
    stale.refresh_from_db()
    assert (outcomes, stale.status, stale.skip_reason) == (
        ["skipped", "sent"],
        "skipped",
        "overtaken by the reminder 1 day before the deadline",
    )
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [latest.message_id]


# -- the sweeper --------------------------------------------------------------------------


def _row(status: str, **fields) -> Reminder:
    delegation = invited(meeting_in(5), fields.pop("code"))
    return Reminder.objects.create(
        delegation=delegation,
        kind=ReminderKind.SCHEDULED,
        step="7d",
        days_before=7,
        due_at=TODAY - 2 * DAY,
        status=status,
        **fields,
    )


def test_sweep_requeues_rows_stuck_in_flight_and_the_worker_sends_them(
    frozen_now, eager_celery, django_capture_on_commit_callbacks
):
    lost = _row("sending", code="RU", claimed_at=TODAY - dt.timedelta(minutes=11), attempts=1)
    busy = _row("sending", code="JP", claimed_at=TODAY - dt.timedelta(minutes=1), attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        found = reminders.reminders_sweep()
    assert found == {"requeued": [lost.pk], "republished": [], "failed": []}
    assert list(
        Reminder.objects.filter(kind=ReminderKind.SCHEDULED)
        .order_by("pk")
        .values_list("pk", "status", "attempts")
    ) == [
        (lost.pk, "sent", 2),
        (busy.pk, "sending", 1),
    ]
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [lost.message_id]


def test_sweep_hands_over_again_rows_whose_message_was_lost(frozen_now):
    old = _row("queued", code="RU", enqueued_at=TODAY - dt.timedelta(minutes=16))
    never = _row("queued", code="CN", enqueued_at=None)
    _row("queued", code="JP", enqueued_at=TODAY - dt.timedelta(minutes=1))
    found = reminders.reminders_sweep()
    assert found == {"requeued": [], "republished": [old.pk, never.pk], "failed": []}


def test_sweep_gives_up_on_a_row_that_keeps_losing_its_worker(frozen_now, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    row = _row("sending", code="RU", claimed_at=TODAY - dt.timedelta(hours=1), attempts=2)
    found = reminders.reminders_sweep()
    row.refresh_from_db()
    assert found == {"requeued": [], "republished": [], "failed": [row.pk]}
    assert (row.status, row.last_error) == (
        "failed",
        "No result 600 s after sending began (worker lost); gave up.",
    )


def test_requeue_gives_failed_rows_another_go(frozen_now):
    row = _row("failed", code="RU", attempts=5, last_error="SMTPServerDisconnected")
    assert reminders.reminders_requeue(reminders=[row]) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("queued", 0, "")


# -- one pass, as the command runs it -----------------------------------------------------


def test_send_reminders_command_prints_what_it_sent_and_skipped(frozen_now, capsys):
    meeting = meeting_in(5, title="SOM rehearsal")
    invited(meeting, "RU", contact_emails="a@ru.mfa.example\nb@ru.mfa.example")
    invited(meeting, "JP", reminders_paused=True)
    invited(meeting_in(6, status=MeetingStatus.CANCELLED, title="Cancelled SOM"), "CN")

    call_command("send_reminders")
    first = capsys.readouterr().out
    call_command("send_reminders")
    second = capsys.readouterr().out

    assert first == (
        "sent: Country RU at SOM rehearsal (7 days before the deadline) to "
        "a@ru.mfa.example, b@ru.mfa.example\n"
        "skipped: Country JP at SOM rehearsal - reminders paused\n"
        "skipped: Country CN at Cancelled SOM - meeting cancelled\n"
        "1 sent, 0 queued not sent, 2 delegations skipped.\n"
    )
    assert second == (
        "skipped: Country JP at SOM rehearsal - reminders paused\n"
        "skipped: Country RU at SOM rehearsal - 7 days before the deadline: already sent\n"
        "skipped: Country CN at Cancelled SOM - meeting cancelled\n"
        "0 sent, 0 queued not sent, 3 delegations skipped.\n"
    )
    assert [m.to for m in mail.outbox] == [["a@ru.mfa.example", "b@ru.mfa.example"]]


def test_send_reminders_command_sends_rows_left_queued_and_says_why_others_are_not(
    frozen_now, capsys
):
    row = _planned(code="RU")
    services.delegation_record_answer(delegation=row.delegation, attendance="confirmed", via="api")
    other = _planned(code="JP")
    call_command("send_reminders")
    assert capsys.readouterr().out == (
        f"skipped: Country RU at {row.delegation.meeting.title} (7 days before the deadline) "
        "- delegation answered: confirmed\n"
        f"sent: Country JP at {other.delegation.meeting.title} (7 days before the deadline) "
        "to desk@jp.mfa.example\n"
        f"skipped: Country JP at {other.delegation.meeting.title} - 7 days before the deadline: "
        "already queued\n"
        "1 sent, 1 queued not sent, 1 delegations skipped.\n"
    )


def test_demo_reminders_go_to_the_sample_meetings_only(demo):
    report = reminders.reminders_pass(send=True)
    sent = sorted({r.reminder.delegation.meeting.slug for r in report.results})
    # The demo records no invitation mail: each delegation is sent its invitation first.
    assert (
        sent,
        {r.outcome for r in report.results},
        {r.reminder.kind for r in report.results},
    ) == (
        ["sample-arf-ism", "sample-eas-som", "sample-som"],
        {"sent"},
        {ReminderKind.INVITATION},
    )
    assert len(mail.outbox) == len(report.results) == 51


# -- invitation first ---------------------------------------------------------------------


@pytest.fixture(params=["beat", "command"])
def run_pass(request, django_capture_on_commit_callbacks):
    """One pass as beat runs it (the task, its rows sent by the workers after commit) or
    as `send_reminders` runs it (in this process); it returns how many rows it planned."""
    if request.param == "command":
        yield lambda: len(reminders.reminders_pass(send=True).plan.planned)
        return
    celery_app.loader.import_default_modules()

    def beat() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.reminders_pass.delay().get()["planned"]

    with eager_tasks(propagate=True):
        yield beat


def test_delegation_invited_without_an_invitation_mail_gets_it_before_any_reminder(
    frozen_now, run_pass
):
    # Invited a month ago (say, by an import) and never mailed: 7 days before the start,
    # the 7-day step is past the time it was invited.
    invited(meeting_in(5, title="SOM rehearsal"), "RU", invitation_sent=False)
    invitation = (
        ["desk@ru.mfa.example"],
        "Invitation: please confirm your attendance at SOM rehearsal",
    )

    first = run_pass()
    assert (first, rows(), [(m.to, m.subject) for m in mail.outbox]) == (
        1,
        [("RU", "invitation", "invitation", "sent")],
        [invitation],
    )
    # The same minute: nothing more, the 7-day step having fallen before the invitation.
    second = run_pass()
    assert (second, rows(), len(mail.outbox)) == (
        0,
        [("RU", "invitation", "invitation", "sent")],
        1,
    )
    frozen_now.shift(2 * DAY)  # 3 days before the start: the first step after the invitation
    third = run_pass()
    assert (third, rows()) == (
        1,
        [("RU", "invitation", "invitation", "sent"), ("RU", "scheduled", "3d", "sent")],
    )
    assert [(m.to, m.subject) for m in mail.outbox] == [
        invitation,
        (["desk@ru.mfa.example"], "Reminder: please confirm your attendance at SOM rehearsal"),
    ]


def _plan_reasons() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    plan = reminders.reminders_plan()
    return (
        [(r.delegation.participant.code, r.step) for r in plan.planned],
        [(s.delegation.participant.code, s.reason) for s in plan.skipped],
    )


def test_reminders_wait_for_an_invitation_on_its_way_and_count_from_when_it_went(frozen_now):
    delegation = invited(meeting_in(5), "RU", invitation_sent=False)
    # Queued by a service; its worker has not sent it yet.
    [invitation] = reminders.invitations_queue(delegations=[delegation])
    waiting = _plan_reasons()
    reminders.reminder_send(reminder_id=invitation.pk)
    after = _plan_reasons()
    assert (waiting, after) == (
        ([], [("RU", "no reminder before its invitation (queued)")]),
        ([], [("RU", "nothing due yet; next 3 days before the deadline, on 2026-11-04 00:00 UTC")]),
    )
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Invitation"]


def test_failed_invitation_is_left_to_staff_and_no_reminder_goes(frozen_now):
    delegation = invited(meeting_in(5), "RU", invitation_sent=False)
    Reminder.objects.create(
        delegation=delegation,
        kind=ReminderKind.INVITATION,
        step=reminders.INVITATION_STEP,
        status=ReminderStatus.FAILED,
        due_at=TODAY - DAY,
        attempts=5,
        last_error="SMTPRecipientsRefused",
    )
    report = reminders.reminders_pass(send=True)
    assert (
        [(s.delegation.participant.code, s.reason) for s in report.plan.skipped],
        report.results,
        rows(),
        mail.outbox,
    ) == (
        [("RU", "no reminder before its invitation (failed)")],
        [],
        [("RU", "invitation", "invitation", "failed")],
        [],
    )


def test_invitation_skipped_while_its_meeting_was_withdrawn_goes_once_it_is_back(frozen_now):
    meeting = meeting_in(5, title="SOM rehearsal")
    delegation = invited(meeting, "RU", invitation_sent=False)
    [invitation] = reminders.invitations_queue(delegations=[delegation])
    services.meeting_set_published(meeting=meeting, by=None, published=False)
    skipped = reminders.reminder_send(reminder_id=invitation.pk)
    withdrawn = _plan_reasons()
    services.meeting_set_published(meeting=meeting, by=None, published=True)

    back = reminders.reminders_pass(send=True)

    invitation.refresh_from_db()
    assert ((skipped.outcome, skipped.detail), withdrawn) == (
        ("skipped", "meeting not published"),
        ([], [("RU", "meeting not published")]),
    )
    assert (
        [(r.pk, r.step) for r in back.plan.planned],
        [(r.reminder_id, r.outcome) for r in back.results],
    ) == ([(invitation.pk, "invitation")], [(invitation.pk, "sent")])
    assert (invitation.status, invitation.attempts, invitation.skip_reason) == ("sent", 1, "")
    assert [m.subject for m in mail.outbox] == [
        "Invitation: please confirm your attendance at SOM rehearsal"
    ]


def test_paused_delegation_gets_no_invitation_from_the_pass_and_resuming_queues_it(
    frozen_now,
):
    # Loaded paused from a record, never mailed: the pass leaves it alone.
    delegation = invited(meeting_in(5), "RU", invitation_sent=False, reminders_paused=True)
    paused = _plan_reasons()
    # Resuming is a save through the services: the invitation it owes is queued then.
    services.delegation_set_reminders_paused(delegation=delegation, by=None, paused=False)
    resumed = _plan_reasons()
    assert (paused, resumed, rows()) == (
        ([], [("RU", "reminders paused")]),
        ([], [("RU", "no reminder before its invitation (queued)")]),
        [("RU", "invitation", "invitation", "queued")],
    )


def test_invitation_goes_after_the_confirmation_deadline_and_no_reminder_follows(frozen_now):
    invited(meeting_in(5, confirmation_deadline=TODAY - DAY), "RU", invitation_sent=False)
    first = reminders.reminders_pass(send=True)
    second = _plan_reasons()
    assert ([(r.reminder.step, r.outcome) for r in first.results], second) == (
        [("invitation", "sent")],
        ([], [("RU", "confirmation deadline passed")]),
    )


def test_reminder_queued_ahead_of_the_invitation_is_skipped_not_sent_before_it(frozen_now):
    # What the outbox held before invitations came first: a step queued for a delegation
    # whose invitation is still waiting, due earlier, so sent first.
    delegation = invited(meeting_in(5), "RU", invitation_sent=False)
    early = Reminder.objects.create(
        delegation=delegation,
        kind=ReminderKind.SCHEDULED,
        step="7d",
        days_before=7,
        due_at=TODAY - 2 * DAY,
    )
    [invitation] = reminders.invitations_queue(delegations=[delegation])
    report = reminders.reminders_pass(send=True)
    assert [(r.reminder_id, r.outcome, r.detail) for r in report.results] == [
        (early.pk, "skipped", "invitation not yet sent"),
        (invitation.pk, "sent", "desk@ru.mfa.example"),
    ]
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [invitation.message_id]


def test_send_reminders_command_says_who_waits_for_an_invitation(frozen_now, capsys):
    meeting = meeting_in(5, title="SOM rehearsal")
    invited(meeting, "RU", invitation_sent=False)  # never had one: the command sends it
    queued = invited(meeting, "CN", invitation_sent=False)
    reminders.invitations_queue(delegations=[queued])  # its worker has not sent it yet
    failed = invited(meeting, "JP", invitation_sent=False)
    Reminder.objects.create(
        delegation=failed,
        kind=ReminderKind.INVITATION,
        step=reminders.INVITATION_STEP,
        status=ReminderStatus.FAILED,
        due_at=TODAY - DAY,
        attempts=5,
    )

    call_command("send_reminders")
    first = capsys.readouterr().out
    call_command("send_reminders")
    second = capsys.readouterr().out

    assert first == (
        "sent: Country CN at SOM rehearsal (invitation) to desk@cn.mfa.example\n"
        "sent: Country RU at SOM rehearsal (invitation) to desk@ru.mfa.example\n"
        "skipped: Country CN at SOM rehearsal - no reminder before its invitation (queued)\n"
        "skipped: Country JP at SOM rehearsal - no reminder before its invitation (failed)\n"
        "2 sent, 0 queued not sent, 2 delegations skipped.\n"
    )
    assert second == (
        "skipped: Country CN at SOM rehearsal - nothing due yet; next 3 days before the "
        "deadline, on 2026-11-04 00:00 UTC\n"
        "skipped: Country JP at SOM rehearsal - no reminder before its invitation (failed)\n"
        "skipped: Country RU at SOM rehearsal - nothing due yet; next 3 days before the "
        "deadline, on 2026-11-04 00:00 UTC\n"
        "0 sent, 0 queued not sent, 3 delegations skipped.\n"
    )
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Invitation", "Invitation"]


class RefusingBackend(LocmemBackend):
    """A mail server that refuses the addresses in `refused` (no such mailbox)."""

    refused: ClassVar[frozenset[str]] = frozenset()

    def send_messages(self, messages):
        for message in messages:
            if refused := sorted(set(message.to) & self.refused):
                raise smtplib.SMTPRecipientsRefused(
                    dict.fromkeys(refused, (550, b"5.1.1 No such user"))
                )
        return super().send_messages(messages)


def _mails_by_delegation() -> dict[int, list[tuple[str, str]]]:
    """Each delegation's mails (addresses, subject) in the order sent, found through the
    outbox row each mail's Message-ID names."""
    delegation_of = dict(Reminder.objects.values_list("pk", "delegation_id"))
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for message in mail.outbox:
        row = re.fullmatch(r"<reminder-(\d+)-[^@]+@[^>]+>", message.extra_headers["Message-ID"])
        found[delegation_of[int(row.group(1))]].append((", ".join(message.to), message.subject))
    return dict(found)


def _first_step_after(
    meeting: Meeting, *, days: tuple[int, ...], after: dt.datetime
) -> dt.datetime:
    deadline = meeting.confirmation_deadline or meeting.start
    return min(deadline - d * DAY for d in days if deadline - d * DAY > after)


def test_fresh_start_mails_invitations_first_then_reminders_to_the_invited_only(
    demo, frozen_now, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """`make run` on an empty database: `load_demo` (the `demo` fixture writes what it
    writes at TODAY), then beat's first pass, the workers sending what it hands them."""
    # Fresh: the calendar's delegations are invited and no mail is on record.
    assert Reminder.objects.count() == 0
    owed = {
        d.pk: d
        for d in Delegation.objects.filter(
            attendance=AttendanceStatus.INVITED,
            reminders_paused=False,
            meeting__published=True,
            meeting__status__in=[MeetingStatus.SCHEDULED, MeetingStatus.TENTATIVE],
            meeting__start__gt=TODAY,
        )
        .exclude(contact_emails="")
        .select_related("meeting", "participant")
    }
    # Invited delegations of meetings held, cancelled or unpublished: to hear nothing.
    assert (
        Delegation.objects.filter(attendance=AttendanceStatus.INVITED)
        .exclude(contact_emails="")
        .exclude(pk__in=owed)
        .exists()
    )
    [schedule] = ReminderSchedule.objects.all()
    steps = {
        pk: _first_step_after(d.meeting, days=schedule.days, after=TODAY) for pk, d in owed.items()
    }
    first_due = min(steps.values())
    # One mailbox of a delegation due first refuses mail: its invitation fails.
    bounced = min(
        (d for pk, d in owed.items() if steps[pk] == first_due),
        key=lambda d: d.participant.name,
    ).addresses[0]
    refused = {pk for pk, d in owed.items() if bounced in d.addresses}
    settings.EMAIL_BACKEND = "tests.meetings.test_reminders.RefusingBackend"
    monkeypatch.setattr(RefusingBackend, "refused", frozenset({bounced}))
    celery_app.loader.import_default_modules()

    def beat() -> dict[str, int]:
        # A failed send retries at once (eager), up to the last attempt.
        with eager_tasks(propagate=False), django_capture_on_commit_callbacks(execute=True):
            return tasks.reminders_pass.delay().get()

    def mail_to(delegation: Delegation, what: str) -> tuple[str, str]:
        subject = f"{what}: please confirm your attendance at {delegation.meeting.title}"
        return ", ".join(delegation.addresses), subject

    invitations = {pk: [mail_to(d, "Invitation")] for pk, d in owed.items() if pk not in refused}

    first = beat()
    assert first == {"planned": len(owed), "enqueued": len(owed)}
    assert (_mails_by_delegation(), len(mail.outbox)) == (invitations, len(owed) - len(refused))
    assert sorted(Reminder.objects.values_list("delegation_id", "kind", "status")) == sorted(
        (pk, "invitation", "failed" if pk in refused else "sent") for pk in owed
    )

    # Beat again the same minute: nothing.
    assert (beat(), len(mail.outbox)) == ({"planned": 0, "enqueued": 0}, len(owed) - len(refused))

    # The first step after the invitations: reminders to those whose invitation went.
    frozen_now.move_to(first_due)
    reminded = {pk for pk in invitations if steps[pk] == first_due}
    third = beat()
    assert third == {"planned": len(reminded), "enqueued": len(reminded)}
    assert _mails_by_delegation() == {
        pk: mails + ([mail_to(owed[pk], "Reminder")] if pk in reminded else [])
        for pk, mails in invitations.items()
    }
    assert sorted(
        (s.delegation.pk, s.reason)
        for s in reminders.reminders_plan().skipped
        if s.delegation.pk in refused
    ) == sorted((pk, "no reminder before its invitation (failed)") for pk in refused)
