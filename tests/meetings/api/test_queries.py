"""Every API list costs the same number of queries for 1 row as for 20 (no N+1)."""

import datetime as dt

import pytest

from meetings import services
from meetings.models import Event
from tests.factories import FormatFactory, MeetingFactory, ParticipantFactory, VenueFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 8, 3, 2, 0, tzinfo=dt.UTC)


def add_rows(count: int) -> None:
    """`count` published meetings, each with an event, a host, a counterpart and two
    delegations, and as many formats, venues and participants."""
    for n in range(count):
        host = ParticipantFactory(name=f"Host {n}")
        partner = ParticipantFactory(name=f"Partner {n}")
        event = Event.objects.create(
            slug=f"event-{n}",
            title=f"Event {n}",
            host=host,
            start_date=START.date(),
            end_date=START.date(),
        )
        meeting = MeetingFactory(
            format=FormatFactory(),
            venue=VenueFactory(),
            host=host,
            counterpart=partner,
            event=event,
            start=START + dt.timedelta(days=n),
        )
        for participant in (host, partner):
            services.delegation_create(meeting=meeting, participant=participant, by=None)


# An anonymous read not yet in memory also reads the calendar version before and after.
VERSION_READS = 2

# path, queries for an anonymous client, and for a viewer (who costs three more: the token
# with its user, the user's and the groups' permissions)
LISTS = [
    ("/api/v1/meetings/", 3, 6),  # count, meetings with their joins, delegations
    ("/api/v1/meetings/?country=", 3, 6),
    ("/api/v1/delegations/", 2, 5),  # count, delegations with meeting and participant
    ("/api/v1/events/", 3, 6),  # count, events with host, their meetings
    ("/api/v1/participants/", 3, 6),  # count, participants, memberships
    ("/api/v1/formats/", 2, 5),
    ("/api/v1/venues/", 2, 5),
]


@pytest.mark.parametrize(("path", "anonymous", "_"), LISTS)
@pytest.mark.parametrize("rows", [1, 20])
def test_anonymous_list_query_count_does_not_grow(
    anon, django_assert_num_queries, path, anonymous, _, rows
):
    add_rows(rows)
    with django_assert_num_queries(anonymous + VERSION_READS):
        response = anon.get(path)
    assert response.status_code == 200
    # The same read again comes from memory: only the calendar version is read.
    with django_assert_num_queries(1):
        again = anon.get(path)
    assert (again.status_code, again.content) == (200, response.content)


@pytest.mark.parametrize(("path", "_", "staff"), LISTS)
@pytest.mark.parametrize("rows", [1, 20])
def test_staff_list_query_count_does_not_grow(
    client_for, viewer, django_assert_num_queries, path, _, staff, rows
):
    add_rows(rows)
    client = client_for(viewer)
    with django_assert_num_queries(staff):
        response = client.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 20])
def test_filtered_meeting_list_query_count_does_not_grow(anon, django_assert_num_queries, rows):
    add_rows(rows)
    query = "from=2030-01-01&to=2031-12-31&q=event&status=scheduled&ordering=-updated_at"
    with django_assert_num_queries(3 + VERSION_READS):
        response = anon.get(f"/api/v1/meetings/?{query}")
    assert (response.status_code, response.json()["count"]) == (200, rows)


@pytest.mark.parametrize("rows", [1, 20])
def test_reference_meeting_detail_query_count(demo, anon, django_assert_num_queries, rows):
    add_rows(rows)
    # the meeting with its joins, its delegations, its press contacts and its event's, its
    # press conferences, its documents, the chair (an AMM has no co-chair)
    with django_assert_num_queries(7 + VERSION_READS):
        response = anon.get("/api/v1/meetings/2022-amm-55/")
    assert response.status_code == 200
