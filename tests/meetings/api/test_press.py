"""Press information and documents in the meeting and event details: a meeting's own values
over its event's, what each reader sees, and what the details cost in queries."""

import datetime as dt

import pytest

from meetings.enums import DocumentKind
from meetings.models import Document, Event, Meeting, PressConference, PressContact
from tests.factories import MeetingFactory
from tests.meetings.api.expected import NO_PRESS

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
EVENT = "2022-55th-amm-and-related-meetings"

EVENT_PRESS = {
    "accreditation_deadline": dt.date(2022, 7, 25),
    "accreditation": "Apply to the Ministry of Information with a copy of your press card.",
    "accreditation_url": "https://press.example/accreditation",
    "media_centre": "Hall B, Sokha Phnom Penh Hotel",
    "livestream_url": "https://press.example/live",
}
CHEA = {
    "name": "Sok Chea",
    "organisation": "Ministry of Information",
    "email": "press@information.example",
    "phone": "+855 23 214 441",
}
DARA = {"name": "Dara Keo", "organisation": "", "email": "", "phone": "+855 12 345 678"}
HANNA = {
    "name": "Hanna Lim",
    "organisation": "ASEAN Secretariat",
    "email": "media@asean.example",
    "phone": "",
}


def set_press(row: Event | Meeting, **values) -> None:
    """Press values written as the admin saves them (an update, no service: reference data)."""
    type(row).objects.filter(pk=row.pk).update(**values)


@pytest.fixture
def event(demo) -> Event:
    """The reference event with its press values and two contacts."""
    event = Event.objects.get(slug=EVENT)
    set_press(event, **EVENT_PRESS)
    for contact in (CHEA, DARA):
        PressContact.objects.create(event=event, **contact)
    return event


@pytest.fixture
def amm(event) -> Meeting:
    """The 55th AMM with two press conferences (one untitled)."""
    amm = Meeting.objects.get(slug="2022-amm-55")
    PressConference.objects.create(
        meeting=amm,
        start=dt.datetime(2022, 8, 3, 11, 0, tzinfo=dt.UTC),
        place="Hall A, Peace Palace",
    )
    PressConference.objects.create(
        meeting=amm,
        start=dt.datetime(2022, 8, 3, 8, 30, tzinfo=dt.UTC),
        title="Press conference of the Chair",
        place="Hall A, Peace Palace",
        stream_url="https://press.example/chair",
    )
    return amm


CHAIR_CONFERENCE = {
    "meeting": "2022-amm-55",
    "start": "2022-08-03T08:30:00Z",
    "start_local": "2022-08-03T15:30:00+07:00",
    "title": "Press conference of the Chair",
    "place": "Hall A, Peace Palace",
    "stream_url": "https://press.example/chair",
}
LATER_CONFERENCE = {
    "meeting": "2022-amm-55",
    "start": "2022-08-03T11:00:00Z",
    "start_local": "2022-08-03T18:00:00+07:00",
    "title": "Press conference",
    "place": "Hall A, Peace Palace",
    "stream_url": "",
}


def press_of(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200
    return response.json()["press"]


# A meeting's press -------------------------------------------------------------------------


def test_meeting_press_takes_its_own_values_over_its_events_field_by_field(amm, anon):
    set_press(
        amm,
        accreditation_deadline=dt.date(2022, 7, 20),
        media_centre="Hall A, Peace Palace",
        livestream_url="https://press.example/amm",
    )
    assert press_of(anon, "/api/v1/meetings/2022-amm-55/") == {
        "accreditation_deadline": "2022-07-20",
        "accreditation": EVENT_PRESS["accreditation"],
        "accreditation_url": "https://press.example/accreditation",
        "media_centre": "Hall A, Peace Palace",
        "livestream_url": "https://press.example/amm",
        "contacts": [DARA, CHEA],  # the event's, by name: the meeting has none of its own
        "conferences": [CHAIR_CONFERENCE, LATER_CONFERENCE],
    }


def test_meeting_with_contacts_of_its_own_shows_only_them(amm, anon):
    PressContact.objects.create(meeting=amm, **HANNA)
    assert press_of(anon, "/api/v1/meetings/2022-amm-55/")["contacts"] == [HANNA]


def test_meeting_without_values_of_its_own_shows_its_events(event, anon):
    assert press_of(anon, "/api/v1/meetings/2022-pmc-ru/") == {
        **EVENT_PRESS,
        "accreditation_deadline": "2022-07-25",
        "contacts": [DARA, CHEA],
        "conferences": [],
    }


def test_meeting_without_an_event_shows_only_its_own_press(db, anon):
    meeting = MeetingFactory(media_centre="Press room 2", event=None)
    PressContact.objects.create(meeting=meeting, **HANNA)
    assert press_of(anon, f"/api/v1/meetings/{meeting.slug}/") == {
        **NO_PRESS,
        "media_centre": "Press room 2",
        "contacts": [HANNA],
    }


def test_unpublished_events_press_reaches_only_readers_who_may_see_the_event(
    db, anon, client_for, viewer
):
    draft = Event.objects.create(
        slug="draft-week",
        title="Draft week",
        start_date=dt.date(2030, 8, 1),
        end_date=dt.date(2030, 8, 7),
        published=False,
        **EVENT_PRESS,
    )
    PressContact.objects.create(event=draft, **CHEA)
    meeting = MeetingFactory(event=draft, livestream_url="https://press.example/own")
    path = f"/api/v1/meetings/{meeting.slug}/"
    assert (press_of(anon, path), press_of(client_for(viewer), path)) == (
        {**NO_PRESS, "livestream_url": "https://press.example/own"},
        {
            **EVENT_PRESS,
            "accreditation_deadline": "2022-07-25",
            "livestream_url": "https://press.example/own",
            "contacts": [CHEA],
            "conferences": [],
        },
    )


def test_conference_time_is_shown_at_its_meetings_venue(db, anon):
    meeting = MeetingFactory(venue__timezone="Asia/Yangon", event=None)
    PressConference.objects.create(
        meeting=meeting, start=dt.datetime(2030, 8, 3, 6, 0, tzinfo=dt.UTC), title="Briefing"
    )
    conference = press_of(anon, f"/api/v1/meetings/{meeting.slug}/")["conferences"][0]
    assert (conference["start"], conference["start_local"]) == (
        "2030-08-03T06:00:00Z",
        "2030-08-03T12:30:00+06:30",
    )


# An event's press --------------------------------------------------------------------------


def test_event_press_lists_the_conferences_of_the_meetings_the_reader_may_see(
    amm, anon, client_for, viewer
):
    pmc = Meeting.objects.get(slug="2022-pmc-ru")
    PressConference.objects.create(
        meeting=pmc, start=dt.datetime(2022, 8, 4, 9, 0, tzinfo=dt.UTC), title="Joint briefing"
    )
    retreat = MeetingFactory(
        event=amm.event, published=False, start=dt.datetime(2022, 8, 2, 2, 0, tzinfo=dt.UTC)
    )
    PressConference.objects.create(
        meeting=retreat, start=dt.datetime(2022, 8, 2, 6, 0, tzinfo=dt.UTC), title="Doorstep"
    )
    pmc_conference = {
        "meeting": "2022-pmc-ru",
        "start": "2022-08-04T09:00:00Z",
        "start_local": "2022-08-04T16:00:00+07:00",
        "title": "Joint briefing",
        "place": "",
        "stream_url": "",
    }
    path = f"/api/v1/events/{EVENT}/"
    staff_titles = [c["title"] for c in press_of(client_for(viewer), path)["conferences"]]
    assert (press_of(anon, path), staff_titles) == (
        {
            **EVENT_PRESS,
            "accreditation_deadline": "2022-07-25",
            "contacts": [DARA, CHEA],
            "conferences": [CHAIR_CONFERENCE, LATER_CONFERENCE, pmc_conference],
        },
        ["Doorstep", "Press conference of the Chair", "Press conference", "Joint briefing"],
    )


def test_event_press_ignores_its_meetings_own_values(amm, anon):
    set_press(amm, media_centre="Hall A, Peace Palace")
    PressContact.objects.create(meeting=amm, **HANNA)
    press = press_of(anon, f"/api/v1/events/{EVENT}/")
    assert (press["media_centre"], press["contacts"]) == (EVENT_PRESS["media_centre"], [DARA, CHEA])


# Documents in the details ------------------------------------------------------------------


def add_document(**fields) -> Document:
    return Document.objects.create(**{"published_on": dt.date(2022, 8, 5), **fields})


def test_meeting_and_event_details_list_their_own_public_documents(event, anon):
    amm = Meeting.objects.get(slug="2022-amm-55")
    communique = add_document(
        meeting=amm,
        kind=DocumentKind.JOINT_COMMUNIQUE,
        title="Joint Communiqué",
        file="documents/5f0c2a9e41d7b3c8a6e19f04/document.pdf",
        filename="Joint Communiqué.pdf",
        content_type="application/pdf",
        size=182044,
    )
    add_document(
        meeting=amm,
        kind=DocumentKind.AGENDA,
        title="Provisional agenda",
        url="https://press.example/agenda",
        published=False,
    )
    add_document(
        event=event,
        kind=DocumentKind.MEDIA,
        title="Photos of the week",
        url="https://press.example/photos",
        published_on=dt.date(2022, 8, 6),
    )
    meeting_documents = anon.get("/api/v1/meetings/2022-amm-55/").json()["documents"]
    event_documents = anon.get(f"/api/v1/events/{EVENT}/").json()["documents"]
    assert (meeting_documents, event_documents) == (
        [
            {
                "kind": "joint_communique",
                "title": "Joint Communiqué",
                "url": f"{SITE}/documents/{communique.pk}/Joint%20Communiqu%C3%A9.pdf",
            }
        ],
        [
            {
                "kind": "media",
                "title": "Photos of the week",
                "url": "https://press.example/photos",
            }
        ],
    )


def test_staff_detail_lists_unpublished_documents_to_users_allowed_to_view_them(
    event, client_for, superuser
):
    amm = Meeting.objects.get(slug="2022-amm-55")
    add_document(
        meeting=amm, kind=DocumentKind.AGENDA, title="Agenda", url="https://press.example/a"
    )
    add_document(
        meeting=amm,
        kind=DocumentKind.AGENDA,
        title="Provisional agenda",
        url="https://press.example/p",
        published=False,
        published_on=dt.date(2022, 7, 30),
    )
    documents = client_for(superuser).get("/api/v1/meetings/2022-amm-55/").json()["documents"]
    assert [d["title"] for d in documents] == ["Agenda", "Provisional agenda"]


def test_lists_leave_press_and_documents_to_the_details(amm, anon):
    meeting_row = anon.get("/api/v1/meetings/", {"format": "AMM"}).json()["results"][0]
    event_row = anon.get("/api/v1/events/").json()["results"][-1]
    assert (
        {"press", "documents"} & set(meeting_row),
        {"press", "documents"} & set(event_row),
        meeting_row["slug"],
        event_row["slug"],
    ) == (set(), set(), "2022-amm-55", EVENT)


def test_press_change_moves_the_meeting_etag(amm, anon):
    path = "/api/v1/meetings/2022-amm-55/"
    first = anon.get(path)
    PressContact.objects.create(meeting=amm, **HANNA)
    again = anon.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.json()["press"]["contacts"]) == (200, [HANNA])


# Query counts ------------------------------------------------------------------------------

# An anonymous read not yet in memory also reads the calendar version before and after.
VERSION_READS = 2


def add_press_rows(event: Event, meeting: Meeting, count: int) -> None:
    """`count` contacts each on the event and the meeting, conferences and documents each."""
    start = dt.datetime(2022, 8, 3, 8, 0, tzinfo=dt.UTC)
    for n in range(count):
        PressContact.objects.create(event=event, name=f"Event contact {n}")
        PressContact.objects.create(meeting=meeting, name=f"Meeting contact {n}")
        PressConference.objects.create(meeting=meeting, start=start + dt.timedelta(minutes=n))
        add_document(
            meeting=meeting,
            kind=DocumentKind.PRESS_RELEASE,
            title=f"Release {n}",
            url=f"https://press.example/{n}",
        )
        add_document(
            event=event,
            kind=DocumentKind.MEDIA,
            title=f"Photos {n}",
            url=f"https://press.example/photos/{n}",
        )


@pytest.mark.parametrize("rows", [1, 20])
def test_meeting_detail_query_count_does_not_grow_with_press_rows(
    event, anon, django_assert_num_queries, rows
):
    amm = Meeting.objects.get(slug="2022-amm-55")
    add_press_rows(event, amm, rows)
    # the meeting with its joins, its delegations, its press contacts and its event's, its
    # press conferences, its documents, the chair
    with django_assert_num_queries(7 + VERSION_READS):
        response = anon.get("/api/v1/meetings/2022-amm-55/")
    press = response.json()["press"]
    assert (len(press["contacts"]), len(press["conferences"])) == (rows, rows)


@pytest.mark.parametrize("rows", [1, 20])
def test_event_detail_query_count_does_not_grow_with_press_rows(
    event, anon, client_for, viewer, django_assert_num_queries, rows
):
    amm = Meeting.objects.get(slug="2022-amm-55")
    add_press_rows(event, amm, rows)
    path = f"/api/v1/events/{EVENT}/"
    client = client_for(viewer)
    # the event with its host, its meetings, its press contacts, its meetings' press
    # conferences, its documents
    with django_assert_num_queries(5 + VERSION_READS):
        response = anon.get(path)
    # staff: the token with its user, the user's and the groups' permissions besides
    with django_assert_num_queries(5 + 3):
        staff = client.get(path)
    body = response.json()
    assert (
        len(body["press"]["contacts"]),
        len(body["press"]["conferences"]),
        len(body["documents"]),
        staff.json() == body,
    ) == (rows + 2, rows, rows, True)  # the fixture's two contacts besides
