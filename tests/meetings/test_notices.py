"""Change notices: who is told of a new date, venue, mode or status, when, once, and what
the mail says (frozen clock, the locmem outbox)."""

import datetime as dt
import email

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from meetings import reminders, services
from meetings.enums import AttendanceStatus, MeetingMode, MeetingStatus
from meetings.models import Delegation, Reminder
from meetings.models.reminders import ReminderKind, ReminderStatus
from meetings.tokens import rsvp_token
from tests.conftest import TODAY
from tests.factories import (
    DelegationFactory,
    MeetingFactory,
    ParticipantFactory,
    UserFactory,
    VenueFactory,
)

BURST = dt.timedelta(seconds=301)  # past NOTICE_COALESCE_SECONDS (300)


@pytest.fixture
def meeting(db, frozen_now):
    """The EAS SOM in Phnom Penh, 10-11 November 2026, 09:00-17:00 local (UTC+7)."""
    return MeetingFactory(
        title="EAS Senior Officials' Meeting",
        start=dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 11, 11, 10, 0, tzinfo=dt.UTC),
    )


def delegation(meeting, code: str, *, answer: str = AttendanceStatus.INVITED, **fields):
    """A delegation whose invitation went a month ago, with its answer."""
    fields.setdefault("contact_emails", f"desk@{code.lower()}.mfa.example")
    made = DelegationFactory(
        meeting=meeting,
        participant=ParticipantFactory(code=code, name=f"Country {code}"),
        invited_at=TODAY - dt.timedelta(days=30),
        attendance=answer,
        answered_at=None if answer == AttendanceStatus.INVITED else TODAY - dt.timedelta(days=9),
        **fields,
    )
    Reminder.objects.create(
        delegation=made,
        kind=ReminderKind.INVITATION,
        step=reminders.INVITATION_STEP,
        status=ReminderStatus.SENT,
        due_at=TODAY - dt.timedelta(days=30),
        sent_at=TODAY - dt.timedelta(days=30),
    )
    return made


@pytest.fixture
def three(meeting):
    """One delegation that confirmed, one that declined, one yet to answer, and one
    without addresses."""
    return [
        delegation(meeting, "JP", answer=AttendanceStatus.CONFIRMED),
        delegation(meeting, "RU", answer=AttendanceStatus.DECLINED),
        # Its scheduled reminders paused, so that the outbox holds notices only.
        delegation(meeting, "US", reminders_paused=True),
        delegation(meeting, "NZ", contact_emails=""),
    ]


def send_due() -> list:
    """What a pass of the outbox sends now (as `send_reminders` does without a broker)."""
    reminders.reminders_pass(send=True)
    return list(mail.outbox)


def notices() -> list[tuple[str, str]]:
    return sorted(
        (row.delegation.participant.code, row.status)
        for row in Reminder.objects.filter(kind=ReminderKind.CHANGE).select_related(
            "delegation__participant"
        )
    )


def moved(meeting, days: int = 1, reason: str = "The venue is needed for a state visit"):
    return services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=meeting.start + dt.timedelta(days=days),
        end=meeting.end + dt.timedelta(days=days),
        reason=reason,
    )


def text_of(message) -> str:
    return message.body


def test_reschedule_tells_every_delegation_with_addresses_once_whatever_its_answer(
    meeting, three, frozen_now
):
    moved(meeting)
    before_the_burst_ends = send_due()
    frozen_now.shift(BURST)
    sent = send_due()
    again = send_due()

    assert before_the_burst_ends == []
    assert sorted(m.to[0] for m in sent) == [
        "desk@jp.mfa.example",
        "desk@ru.mfa.example",
        "desk@us.mfa.example",
    ]
    assert len(again) == 3  # nothing more
    assert notices() == [("JP", "sent"), ("RU", "sent"), ("US", "sent")]
    assert {m.subject for m in sent} == {"Rescheduled: EAS Senior Officials' Meeting"}


def test_notice_says_old_and_new_in_local_time_the_reason_and_asks_again(
    meeting, three, frozen_now
):
    jp = three[0]
    moved(meeting)
    frozen_now.shift(BURST)
    message = next(m for m in send_due() if m.to == ["desk@jp.mfa.example"])
    token = rsvp_token(Delegation.objects.get(pk=jp.pk))

    assert message.body == (
        "To the delegation of Country JP,\n\n"
        "The EAS Senior Officials' Meeting has changed: rescheduled.\n\n"
        "  Reason: The venue is needed for a state visit\n\n"
        "What changed:\n\n"
        "  When\n"
        "    was:  Tuesday 10 November 2026 09:00 to Wednesday 11 November 2026 17:00 "
        "(Phnom Penh time, UTC+7)\n"
        "    now:  Wednesday 11 November 2026 09:00 to Thursday 12 November 2026 17:00 "
        "(Phnom Penh time, UTC+7)\n\n"
        "The dates have moved: please confirm or decline your attendance again by "
        "the end of Tuesday 10 November 2026 (Phnom Penh time, UTC+7), and name the head of "
        "your delegation, at:\n\n"
        f"  http://127.0.0.1:8000/rsvp/{token}/\n\n"
        "No account is needed; the link is for your delegation only.\n\n"
        "The attached .ics file updates the meeting in your calendar (it replaces the "
        "earlier entry).\n"
        f"The meeting's page: http://127.0.0.1:8000{meeting.get_absolute_url()}\n"
        "Questions? Your contact at the secretariat: ASEAN Secretariat, meetings desk, "
        "secretariat@127.0.0.1\n\n"
        "--\n"
        "The ASEAN meetings calendar, http://127.0.0.1:8000\n"
        "This message was sent automatically; replies are not read.\n"
    )


def test_notice_attaches_the_meeting_with_the_same_uid_and_a_higher_sequence(
    meeting, three, frozen_now
):
    sequence = meeting.sequence
    moved(meeting)
    frozen_now.shift(BURST)
    message = send_due()[0]
    name, content, mimetype = message.attachments[0]
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    feed = icalendar.Calendar.from_ical(
        reminders.meeting_ics(type(meeting).objects.get(pk=meeting.pk))
    ).walk("VEVENT")[0]

    assert (name, mimetype) == (f"{meeting.slug}.ics", "text/calendar")
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (str(feed["UID"]), sequence + 1)
    assert event.decoded("DTSTART") == dt.datetime(2026, 11, 11, 2, 0, tzinfo=dt.UTC)


def test_a_burst_of_edits_is_one_notice_with_the_latest_reason(meeting, three, frozen_now):
    other = VenueFactory(name="Sokha Hotel", city="Phnom Penh")
    moved(meeting, reason="")
    frozen_now.shift(dt.timedelta(minutes=2))
    meeting.venue = other
    meeting.change_note = "Larger hall"
    services.meeting_save(meeting=meeting, by=None)
    frozen_now.shift(dt.timedelta(minutes=2))
    services.meeting_update(meeting=meeting, by=None, mode=MeetingMode.HYBRID)
    frozen_now.shift(BURST)
    sent = send_due()

    assert len(sent) == 3
    us = next(m for m in sent if m.to == ["desk@us.mfa.example"])
    assert us.subject == "Rescheduled, moved and now hybrid: EAS Senior Officials' Meeting"
    assert "  Reason: Larger hall\n" in us.body
    assert [
        line.strip()
        for line in us.body.splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    ][1:4] == [
        "When",
        "Where",
        "Mode",
    ]
    assert notices() == [("JP", "sent"), ("RU", "sent"), ("US", "sent")]


def test_a_change_undone_within_the_burst_sends_nothing(meeting, three, frozen_now):
    moved(meeting, days=1)
    frozen_now.shift(dt.timedelta(minutes=1))
    moved(meeting, days=-1, reason="Back to the first dates")
    frozen_now.shift(BURST)

    assert send_due() == []
    assert set(
        Reminder.objects.filter(kind=ReminderKind.CHANGE).values_list("status", "skip_reason")
    ) == {("skipped", "changed back: nothing left to tell")}


def test_cancellation_gives_the_reason_marks_the_ics_cancelled_and_asks_nothing(
    meeting, three, frozen_now
):
    services.meeting_cancel(meeting=meeting, by=None, reason="Typhoon warning for Phnom Penh")
    frozen_now.shift(BURST)
    sent = send_due()
    message = sent[0]
    event = icalendar.Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")[0]

    assert len(sent) == 3
    assert message.subject == "Cancelled: EAS Senior Officials' Meeting"
    assert message.body.startswith(
        f"To the delegation of {message.body.split(',')[0].split('of ')[1]},\n\n"
        "The EAS Senior Officials' Meeting has been cancelled.\n\n"
        "  Reason: Typhoon warning for Phnom Penh\n\n"
        "What changed:\n\n"
        "  Status\n"
        "    was:  Scheduled\n"
        "    now:  Cancelled\n"
    )
    assert "/rsvp/" not in message.body
    assert str(event["STATUS"]) == "CANCELLED"


def test_postponement_is_told_with_its_reason(meeting, three, frozen_now):
    services.meeting_postpone(meeting=meeting, by=None, reason="Awaiting the new chair's dates")
    frozen_now.shift(BURST)
    sent = send_due()

    assert {m.subject for m in sent} == {"Postponed: EAS Senior Officials' Meeting"}
    assert "has been postponed; new dates will follow.\n\n  Reason: Awaiting" in sent[0].body


def test_mode_change_is_told(meeting, three, frozen_now):
    services.meeting_update(meeting=meeting, by=None, mode=MeetingMode.VIRTUAL)
    frozen_now.shift(BURST)
    sent = send_due()

    assert {m.subject for m in sent} == {"Now virtual: EAS Senior Officials' Meeting"}
    assert "  Mode\n    was:  In person\n    now:  Virtual\n" in sent[0].body


def test_unpublished_meeting_title_change_and_past_meeting_tell_nobody(meeting, three, frozen_now):
    services.meeting_update(meeting=meeting, by=None, title="EAS SOM (renamed)")
    draft = MeetingFactory(published=False, start=meeting.start, end=meeting.end)
    delegation(draft, "KR")
    moved(draft)
    past = MeetingFactory(start=TODAY - dt.timedelta(days=3), end=TODAY - dt.timedelta(days=2))
    delegation(past, "CN")
    services.meeting_update(meeting=past, by=None, status=MeetingStatus.HELD)
    services.meeting_update(meeting=past, by=None, venue=VenueFactory())
    frozen_now.shift(BURST)

    assert (notices(), send_due()) == ([], [])


def test_withdrawing_the_meeting_before_the_notice_goes_sends_nothing(meeting, three, frozen_now):
    moved(meeting)
    services.meeting_set_published(meeting=meeting, by=None, published=False)
    frozen_now.shift(BURST)

    assert send_due() == []
    assert set(
        Reminder.objects.filter(kind=ReminderKind.CHANGE).values_list("status", "skip_reason")
    ) == {("skipped", "meeting not published")}


def test_an_invitation_still_to_go_carries_the_change_and_comes_first(meeting, frozen_now):
    fresh = DelegationFactory(
        meeting=meeting,
        participant=ParticipantFactory(code="IN", name="Country IN"),
        contact_emails="desk@in.mfa.example",
        invited_at=TODAY,
    )
    Reminder.objects.create(
        delegation=fresh,
        kind=ReminderKind.INVITATION,
        step=reminders.INVITATION_STEP,
        due_at=TODAY,
    )
    moved(meeting)
    frozen_now.shift(BURST)
    sent = send_due()

    assert [m.subject for m in sent] == [
        "Invitation: please confirm your attendance at EAS Senior Officials' Meeting"
    ]
    assert "Wednesday 11 November 2026 09:00" in sent[0].body
    assert Reminder.objects.get(kind=ReminderKind.CHANGE).skip_reason == (
        "its invitation, sent after the change, gave the new details"
    )


def test_api_cancel_needs_a_reason_and_then_tells_the_delegations(meeting, three, frozen_now):
    user = UserFactory(is_superuser=True)
    client = APIClient()
    client.force_authenticate(user)
    url = f"/api/v1/meetings/{meeting.slug}/cancel/"
    refused = client.post(url, {}, format="json")
    blank = client.post(url, {"reason": "  "}, format="json")
    untouched = (type(meeting).objects.get(pk=meeting.pk).status, notices())
    done = client.post(url, {"reason": "Typhoon"}, format="json")
    frozen_now.shift(BURST)

    assert (refused.status_code, refused.json()["errors"]) == (
        400,
        [{"field": "reason", "detail": "This field is required."}],
    )
    assert blank.status_code == 400
    assert untouched == (MeetingStatus.SCHEDULED, [])
    assert (done.status_code, done.json()["status"], done.json()["status_note"]) == (
        200,
        "cancelled",
        "Typhoon",
    )
    assert len(send_due()) == 3


def test_reschedule_reason_shows_on_the_page_and_in_the_change_log(
    client, meeting, three, frozen_now
):
    moved(meeting, reason="The venue is needed for a state visit")
    page = client.get(meeting.get_absolute_url()).content.decode()
    log = client.get(reverse("meetings:changes")).content.decode()
    atom = client.get(reverse("meetings:changes-feed")).content.decode()

    for text in (page, log, atom):
        assert "The venue is needed for a state visit" in text


def test_a_later_change_without_a_reason_does_not_wear_the_earlier_one(
    client, meeting, three, frozen_now
):
    moved(meeting, reason="State visit")
    frozen_now.shift(dt.timedelta(hours=1))
    services.meeting_update(meeting=meeting, by=None, venue=VenueFactory(name="Sokha Hotel"))
    log = client.get(reverse("meetings:changes")).content.decode()

    assert log.count("State visit") == 1


def test_worker_lost_after_claiming_a_notice_sends_it_once_with_the_same_message_id(
    meeting, three, frozen_now, settings
):
    moved(meeting)
    frozen_now.shift(BURST)
    row = Reminder.objects.filter(kind=ReminderKind.CHANGE).order_by("pk").first()
    # A worker claimed the row, then died before sending.
    Reminder.objects.filter(pk=row.pk).update(
        status=ReminderStatus.SENDING, claimed_at=TODAY + BURST, attempts=1
    )
    frozen_now.shift(dt.timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT + 1))
    swept = reminders.reminders_sweep()
    sent = send_due()
    ids = [email.message_from_string(m.message().as_string())["Message-ID"] for m in sent]

    assert row.pk in swept["requeued"]
    assert len(sent) == 3
    assert f"<reminder-{row.pk}-change-{meeting.sequence}@127.0.0.1>" in ids
    assert Reminder.objects.get(pk=row.pk).status == ReminderStatus.SENT


def test_admin_cancel_page_says_how_many_delegations_will_be_told_and_needs_a_reason(
    client, meeting, three, frozen_now
):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:meetings_meeting_cancel", args=[meeting.pk])
    page = client.get(url)
    refused = client.post(url, {"reason": ""})
    still = type(meeting).objects.get(pk=meeting.pk).status
    done = client.post(url, {"reason": "Typhoon"}, follow=True)

    assert page.status_code == 200
    assert "<strong>3 delegations</strong> will be sent a notice about 5 minutes" in (
        page.content.decode()
    )
    assert (refused.status_code, refused.context["form"].errors) == (
        200,
        {"reason": ["This field is required."]},
    )
    assert still == MeetingStatus.SCHEDULED
    assert [str(m) for m in done.context["messages"]] == [
        "Cancelled. 3 delegation(s) will be sent a notice in about 5 minutes."
    ]
    assert type(meeting).objects.get(pk=meeting.pk).status_note == "Typhoon"


def test_admin_reschedule_page_takes_local_times_and_the_reason(client, meeting, three, frozen_now):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:meetings_meeting_reschedule", args=[meeting.pk])
    same = client.post(
        url,
        {
            "start_date": "2026-11-10",
            "start_time": "09:00",
            "end_date": "2026-11-11",
            "end_time": "17:00",
        },
    )
    client.post(
        url,
        {
            "start_date": "2026-11-12",
            "start_time": "09:00",
            "end_date": "2026-11-13",
            "end_time": "12:00",
            "reason": "Chair's schedule",
        },
    )
    stored = type(meeting).objects.get(pk=meeting.pk)

    assert same.context["form"].errors == {"start_date": ["These are the meeting's dates already."]}
    assert (stored.start, stored.end, stored.change_note) == (
        dt.datetime(2026, 11, 12, 2, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 13, 5, 0, tzinfo=dt.UTC),
        "Chair's schedule",
    )
    assert notices() == [("JP", "queued"), ("RU", "queued"), ("US", "queued")]


def test_admin_change_form_refuses_a_cancellation_without_a_reason(
    client, meeting, three, frozen_now
):
    from tests.meetings.test_admin import meeting_post

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    response = client.post(url, meeting_post(meeting, status="cancelled", status_note=""))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status_note"] == [
        services.REASON_REQUIRED[MeetingStatus.CANCELLED]
    ]
    assert type(meeting).objects.get(pk=meeting.pk).status == MeetingStatus.SCHEDULED


def test_an_answer_through_the_link_is_receipted_once_with_what_was_recorded(
    client, meeting, frozen_now
):
    us = delegation(meeting, "US")
    token = rsvp_token(us)
    client.post(
        f"/rsvp/{token}/",
        {"attendance": "confirmed", "head_name": "Kurt Campbell", "level": "senior_official"},
    )
    sent = send_due()
    again = send_due()
    stored = Delegation.objects.get(pk=us.pk)

    assert len(again) == 1
    assert [(m.subject, m.to) for m in sent] == [
        (
            "Answer received (Confirmed): EAS Senior Officials' Meeting",
            ["desk@us.mfa.example"],
        )
    ]
    assert sent[0].body.startswith(
        "To the delegation of Country US,\n\n"
        "We have recorded your delegation's answer for the EAS Senior Officials' Meeting:\n\n"
        "  Answer:  Confirmed\n"
        "  Head of delegation:  Kurt Campbell\n"
        "  Level:   Senior official\n"
        "  Received:  Monday 2 November 2026, 10:00 (Phnom Penh time, UTC+7)\n"
    )
    assert (
        f"change it until the meeting starts at:\n\n  http://127.0.0.1:8000/rsvp/{rsvp_token(stored)}/"
        in sent[0].body
    )
    assert Reminder.objects.get(kind=ReminderKind.RECEIPT).step == f"receipt-{stored.revision}"


def test_a_receipt_overtaken_by_a_later_answer_is_skipped(client, meeting, frozen_now):
    us = delegation(meeting, "US")
    token = rsvp_token(us)
    client.post(f"/rsvp/{token}/", {"attendance": "confirmed"})
    client.post(f"/rsvp/{token}/", {"attendance": "declined"})
    sent = send_due()

    assert [m.subject for m in sent] == [
        "Answer received (Declined): EAS Senior Officials' Meeting"
    ]
    assert list(
        Reminder.objects.filter(kind=ReminderKind.RECEIPT)
        .order_by("pk")
        .values_list("status", "skip_reason")
    ) == [("skipped", "overtaken by a later answer"), ("sent", "")]
