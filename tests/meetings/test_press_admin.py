"""Press information in the admin: the folded “Press” fields of meetings and events, press
contacts, and press conferences entered in the meeting venue's time."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings.models import Event, Meeting, PressConference, PressContact
from tests.factories import MeetingFactory
from tests.meetings.test_admin import meeting_post
from tests.meetings.test_documents import event_post, inline_errors, rows

pytestmark = pytest.mark.django_db

PRESS = {
    "accreditation_deadline": "2030-07-20",
    "accreditation": "Apply online with a copy of your press card.",
    "accreditation_url": "https://asean2030.example/media",
    "media_centre": "Hall B, National Convention Centre",
    "livestream_url": "https://asean2030.example/live",
}


def change_url(obj: Meeting | Event) -> str:
    return reverse(f"admin:meetings_{type(obj).__name__.lower()}_change", args=[obj.pk])


def conference_row(**values: str) -> dict:
    return {
        "start_date": "2030-08-03",
        "start_time": "15:30",
        "title": "Press conference of the Chair",
        "place": "Press room",
        "stream_url": "",
    } | values


@pytest.fixture
def meeting() -> Meeting:
    # 09:00 to 12:00 in Phnom Penh (UTC+7).
    return MeetingFactory()


def test_meeting_press_fields_are_saved_without_raising_the_sequence(client, superuser, meeting):
    client.force_login(superuser)

    response = client.post(change_url(meeting), meeting_post(meeting, **PRESS))

    assert response.status_code == 302
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (
        stored.accreditation_deadline,
        stored.accreditation,
        stored.accreditation_url,
        stored.media_centre,
        stored.livestream_url,
        stored.sequence,
    ) == (
        dt.date(2030, 7, 20),
        PRESS["accreditation"],
        PRESS["accreditation_url"],
        PRESS["media_centre"],
        PRESS["livestream_url"],
        meeting.sequence,
    )
    assert stored.history.first().history_user == superuser


def test_meeting_press_link_must_be_https(client, superuser, meeting):
    client.force_login(superuser)

    response = client.post(
        change_url(meeting), meeting_post(meeting, livestream_url="http://example.org/live")
    )

    assert response.context["adminform"].form.errors == {
        "livestream_url": ["Enter an https:// address."]
    }


def test_press_fields_are_folded_on_both_forms(client, superuser, meeting):
    event = Event.objects.create(
        title="Summit week",
        slug="summit",
        start_date=dt.date(2030, 8, 1),
        end_date=dt.date(2030, 8, 5),
    )
    client.force_login(superuser)

    for obj in (meeting, event):
        response = client.get(change_url(obj))
        [press] = [
            fieldset for fieldset in response.context["adminform"] if fieldset.name == "Press"
        ]
        assert (press.classes, [line.fields for line in press]) == (
            "collapse",
            [
                ["accreditation_deadline"],
                ["accreditation"],
                ["accreditation_url"],
                ["media_centre"],
                ["livestream_url"],
            ],
        )


def test_press_conference_is_entered_in_the_venues_time(client, superuser, meeting):
    client.force_login(superuser)
    data = meeting_post(meeting) | rows("press_conferences", [conference_row()])

    response = client.post(change_url(meeting), data)

    assert response.status_code == 302
    conference = PressConference.objects.get()
    assert (conference.meeting, conference.start, conference.title, conference.place) == (
        meeting,
        dt.datetime(2030, 8, 3, 8, 30, tzinfo=dt.UTC),
        "Press conference of the Chair",
        "Press room",
    )
    assert conference.history.first().history_user == superuser


def test_new_meeting_is_added_with_its_press_conference_in_its_own_zone(client, superuser, meeting):
    client.force_login(superuser)
    # The new meeting is in Yangon (UTC+6:30), unlike the one its form is copied from.
    data = meeting_post(meeting, number="99", revision_seen="", timezone="Asia/Yangon") | rows(
        "press_conferences", [conference_row()]
    )

    response = client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 302
    conference = PressConference.objects.get()
    assert (conference.meeting.number, conference.start) == (
        99,
        dt.datetime(2030, 8, 3, 9, 0, tzinfo=dt.UTC),
    )


def test_press_conference_shows_its_start_in_the_venues_time(client, superuser, meeting):
    PressConference.objects.create(
        meeting=meeting, start=dt.datetime(2030, 8, 3, 8, 30, tzinfo=dt.UTC)
    )
    client.force_login(superuser)

    response = client.get(change_url(meeting))

    [inline] = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is PressConference
    ]
    [form] = inline.formset.forms
    assert (form.initial["start_date"], form.initial["start_time"]) == (
        dt.date(2030, 8, 3),
        dt.time(15, 30),
    )
    assert form.fields["start_time"].help_text == "Phnom Penh time (Asia/Phnom_Penh)."


def test_press_conference_at_a_time_the_clocks_skip_is_refused(client, superuser):
    meeting = MeetingFactory(timezone="Australia/Sydney")
    client.force_login(superuser)
    row = conference_row(start_date="2030-10-06", start_time="02:30")
    data = meeting_post(meeting) | rows("press_conferences", [row])

    response = client.post(change_url(meeting), data)

    assert inline_errors(response, PressConference) == [
        {
            "start_time": [
                "2030-10-06 02:30 does not exist in Australia/Sydney (the clocks skip it)."
            ]
        }
    ]
    assert PressConference.objects.count() == 0


def test_press_conference_needs_a_day_and_a_time(client, superuser, meeting):
    client.force_login(superuser)
    row = conference_row(start_date="", start_time="25:00")
    data = meeting_post(meeting) | rows("press_conferences", [row])

    response = client.post(change_url(meeting), data)

    assert inline_errors(response, PressConference) == [
        {"start_date": ["This field is required."], "start_time": ["Enter a valid time."]}
    ]


def test_new_zone_for_the_meeting_keeps_the_conferences_wall_clock_time(client, superuser, meeting):
    conference = PressConference.objects.create(
        meeting=meeting, start=dt.datetime(2030, 8, 3, 8, 30, tzinfo=dt.UTC)
    )
    client.force_login(superuser)
    row = conference_row(id=str(conference.pk), meeting=str(meeting.pk), title="", place="")
    data = meeting_post(meeting, timezone="Asia/Yangon") | rows(
        "press_conferences", [row], initial=1
    )

    response = client.post(change_url(meeting), data)

    assert response.status_code == 302
    conference.refresh_from_db()
    # 15:30 in Yangon (UTC+6:30).
    assert conference.start == dt.datetime(2030, 8, 3, 9, 0, tzinfo=dt.UTC)


def test_press_contacts_are_added_on_events_and_meetings(client, superuser, meeting):
    event = Event.objects.create(
        title="Summit week",
        slug="summit",
        start_date=dt.date(2030, 8, 1),
        end_date=dt.date(2030, 8, 5),
    )
    contact = {
        "name": "Sok Chea",
        "organisation": "MFA",
        "email": "press@mfa.example",
        "phone": "+855 23 214 441",
    }
    client.force_login(superuser)

    on_event = client.post(
        change_url(event), event_post(event, **rows("press_contacts", [contact]))
    )
    on_meeting = client.post(
        change_url(meeting), meeting_post(meeting) | rows("press_contacts", [contact])
    )

    assert (on_event.status_code, on_meeting.status_code) == (302, 302)
    assert {(c.name, c.phone, c.event_id, c.meeting_id) for c in PressContact.objects.all()} == {
        ("Sok Chea", "+855 23 214 441", None, meeting.pk),
        ("Sok Chea", "+855 23 214 441", event.pk, None),
    }


def test_press_contact_with_a_bad_phone_is_refused_naming_the_field(client, superuser, meeting):
    client.force_login(superuser)
    contact = {"name": "Sok Chea", "phone": "call me\r\nBcc: x"}

    response = client.post(
        change_url(meeting), meeting_post(meeting) | rows("press_contacts", [contact])
    )

    assert inline_errors(response, PressContact) == [
        {"phone": ["Enter a telephone number: digits, spaces and + ( ) . - only."]}
    ]
    assert PressContact.objects.count() == 0
