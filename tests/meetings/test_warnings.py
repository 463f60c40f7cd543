"""Warnings staff see before and after a save: each names what will happen."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings.enums import MeetingMode, MeetingStatus
from meetings.models import Delegation, Meeting
from tests.conftest import TODAY
from tests.factories import DelegationFactory, MeetingFactory, UserFactory
from tests.meetings.test_admin import meeting_post


@pytest.fixture
def staff(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def shown(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def change(meeting) -> str:
    return reverse("admin:meetings_meeting_change", args=[meeting.pk])


def test_past_meeting_still_scheduled_is_flagged_on_the_form(staff, frozen_now):
    meeting = MeetingFactory(
        start=dt.datetime(2026, 10, 20, 2, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC),
    )
    DelegationFactory(meeting=meeting)

    assert shown(staff.get(change(meeting))) == [
        "It ended on Tuesday 20 October 2026 but is still “Scheduled”: the public pages and "
        "feeds show it as scheduled. Set it to “Held”, or “Cancelled” if it did not take place."
    ]


def test_publishing_without_venue_or_delegations_says_what_the_public_will_see(staff, frozen_now):
    meeting = MeetingFactory(
        venue=None,
        timezone="Asia/Manila",
        start=TODAY + dt.timedelta(days=20),
        end=TODAY + dt.timedelta(days=20, hours=3),
    )
    response = staff.post(change(meeting), meeting_post(meeting), follow=True)

    assert [m for m in shown(response) if not m.startswith("The meeting")] == [
        "Published without a venue: the public page and the feeds say “To be announced”, "
        "and invitations name no place.",
        "Published with no delegation: nobody is invited or reminded. Use the action “Invite "
        "the format's participants”, or add delegations below.",
    ]


def test_virtual_meeting_with_delegations_gets_no_warning(staff, frozen_now):
    meeting = MeetingFactory(
        venue=None,
        timezone="Asia/Manila",
        mode=MeetingMode.VIRTUAL,
        start=TODAY + dt.timedelta(days=20),
        end=TODAY + dt.timedelta(days=20, hours=3),
    )
    DelegationFactory(meeting=meeting)

    assert shown(staff.get(change(meeting))) == []


def test_held_is_refused_before_the_meeting_has_ended(staff, frozen_now):
    meeting = MeetingFactory(
        start=TODAY + dt.timedelta(days=20), end=TODAY + dt.timedelta(days=20, hours=3)
    )
    response = staff.post(change(meeting), meeting_post(meeting, status="held"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"] == [
        "A meeting is held once it has ended; this one ends on Sunday 22 November 2026. "
        "Until then it is “Scheduled” or “Tentative”."
    ]
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SCHEDULED


def test_inviting_to_a_past_meeting_says_why_no_mail_went(staff, frozen_now):
    meeting = MeetingFactory(
        start=TODAY - dt.timedelta(days=3), end=TODAY - dt.timedelta(days=3, hours=-3)
    )
    participant = DelegationFactory(meeting=MeetingFactory()).participant
    meeting.format.invited_participants.add(participant)
    response = staff.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "invite_participants", "_selected_action": [meeting.pk]},
        follow=True,
    )

    assert shown(response) == [
        f"{meeting}: invited 1 ({participant.code}); no invitation mail was sent: meeting has "
        "started."
    ]
    assert Delegation.objects.filter(meeting=meeting).count() == 1


def test_held_is_offered_only_once_the_meeting_has_ended(staff, frozen_now):
    future = MeetingFactory(
        start=TODAY + dt.timedelta(days=20), end=TODAY + dt.timedelta(days=20, hours=3)
    )
    past = MeetingFactory(
        start=TODAY - dt.timedelta(days=20), end=TODAY - dt.timedelta(days=20, hours=-3)
    )

    def offered(meeting) -> list[str]:
        form = staff.get(change(meeting)).context["adminform"].form
        return [value for value, _ in form.fields["status"].widget.choices]

    assert offered(future) == ["tentative", "scheduled", "postponed", "cancelled"]
    assert offered(past) == ["tentative", "scheduled", "postponed", "cancelled", "held"]


def test_save_and_continue_warns_once_after_the_saved_message(staff, frozen_now):
    meeting = MeetingFactory(
        start=TODAY + dt.timedelta(days=20), end=TODAY + dt.timedelta(days=20, hours=3)
    )
    response = staff.post(
        change(meeting), {**meeting_post(meeting), "_continue": "Save"}, follow=True
    )

    assert shown(response) == [
        f'The meeting “<a href="{change(meeting)}">{meeting.title}</a>” was changed '
        "successfully. You may edit it again below.",
        "Published with no delegation: nobody is invited or reminded. Use the action “Invite "
        "the format's participants”, or add delegations below.",
    ]
