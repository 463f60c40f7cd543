"""Pages, API reads and feeds kept in memory are never stale: every edit shows on the next
request, whatever door it came through, and only anonymous readers share them."""

import datetime as dt
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings import caching, selectors, services
from meetings.models import Meeting, Venue
from tests.conftest import TODAY

AMM = "2022-amm-55"
# Every cached surface, each showing the reference AMM's title and venue.
SURFACES = [
    "/meetings/?from=2022-07-01&to=2022-08-31",
    f"/meetings/{AMM}/",
    "/calendar/2022/8/",
    "/formats/amm/?from=2022-01-01",
    "/countries/kh/?from=2022-01-01",
    "/api/v1/meetings/?from=2022-07-01&to=2022-08-31",
    f"/api/v1/meetings/{AMM}/",
    "/feeds/meetings.ics?from=2022-07-01&to=2022-08-31",
]


def queries(client, url: str, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    return response, len(captured)


def body(response) -> str:
    """The text as a reader gets it: HTML entities decoded, iCal lines unfolded."""
    return html.unescape(response.content.decode().replace("\r\n ", ""))


@pytest.mark.parametrize("url", SURFACES)
def test_an_edit_through_the_services_shows_on_the_next_request(demo, client, url):
    meeting = Meeting.objects.get(slug=AMM)
    first = client.get(url)
    assert first.status_code == 200
    assert meeting.title in body(first)
    assert client.get(url).content == first.content  # now in memory

    meeting.title = "55th AMM (moved to the Sokha Hotel)"
    services.meeting_save(meeting=meeting, by=None)
    after = client.get(url)

    assert after.status_code == 200
    assert "55th AMM (moved to the Sokha Hotel)" in body(after)


@pytest.mark.parametrize("url", SURFACES)
def test_a_raw_sql_write_shows_on_the_next_request(demo, client, url):
    assert "Retreat of the Foreign Ministers" not in body(client.get(url))
    client.get(url)

    with connection.cursor() as cursor:  # no save(), no signal, no history
        cursor.execute(
            "UPDATE meetings_meeting SET title = %s WHERE slug = %s",
            ["Retreat of the Foreign Ministers", AMM],
        )

    assert "Retreat of the Foreign Ministers" in body(client.get(url))


def test_the_home_page_shows_a_new_meeting_at_once(demo, client):
    upcoming = selectors.public_meeting_rows().filter(end__gt=TODAY).first()
    assert upcoming.title in body(client.get("/"))

    services.meeting_set_published(meeting=upcoming, by=None, published=False)

    assert upcoming.title not in body(client.get("/"))


@pytest.mark.parametrize("url", ["/", "/meetings/", f"/meetings/{AMM}/", "/changes/"])
def test_an_unchanged_page_costs_one_query_and_answers_if_none_match(demo, client, url):
    first, cold = queries(client, url)
    again, warm = queries(client, url)
    etag = again["ETag"]
    revalidated, _ = queries(client, url, if_none_match=etag)

    assert (first.status_code, again.status_code, revalidated.status_code) == (200, 200, 304)
    assert cold > 2
    assert warm == 1  # the calendar version
    assert again.content == first.content
    assert (first["ETag"], revalidated["ETag"]) == (etag, etag)
    assert again["Content-Type"] == "text/html; charset=utf-8"
    assert set(again["Vary"].replace(" ", "").split(",")) >= {"Cookie", "Authorization"}


def test_the_api_keeps_its_etag_and_throttle_for_remembered_reads(demo, client):
    url = "/api/v1/meetings/?page_size=5"
    first, _ = queries(client, url)
    again, warm = queries(client, url)
    revalidated, _ = queries(client, url, if_none_match=again["ETag"])

    assert warm == 1
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/json"
    assert (first["ETag"], revalidated.status_code) == (again["ETag"], 304)


def test_logged_in_readers_and_other_formats_are_never_served_from_memory(demo, client, superuser):
    url = f"/meetings/{AMM}/"
    queries(client, url)
    _, anonymous = queries(client, url)
    client.force_login(superuser)
    _, staff = queries(client, url)
    _, browsable = queries(client, f"/api/v1/meetings/{AMM}/", accept="text/html")

    assert anonymous == 1
    assert staff > 2  # the session, the user, then the page itself
    assert browsable > 2


def test_the_clock_moving_on_a_minute_renders_again(demo, client, frozen_now):
    url = "/meetings/"
    queries(client, url)
    frozen_now.shift(dt.timedelta(seconds=caching.CLOCK_STEP))

    _, after = queries(client, url)

    assert after > 1


def test_a_page_rendered_across_a_write_is_not_kept(demo, client, monkeypatch):
    versions = iter([(1,), (2,), (2,), (2,)])
    monkeypatch.setattr(caching, "calendar_stamp", lambda: next(versions))

    first = client.get("/meetings/")  # read (1,) before, (2,) after: a write came in between

    assert first.status_code == 200
    assert len(caching.memory) == 0


def test_memory_stays_within_its_bound():
    memory = caching.LocalLRU(max_bytes=1000)
    for n in range(5):
        memory.put(bytes([n]), n, size=300)

    assert len(memory) == 3
    assert [memory.get(bytes([n])) for n in range(5)] == [None, None, 2, 3, 4]
    memory.put(b"big", "too big", size=1001)
    assert memory.get(b"big") is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_wait_on_the_version(demo):
    """A writer holding a version row does not hold up another writer: with a single
    row, the second would wait for the first to commit (and two such could deadlock)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; row locks are PostgreSQL's")
    import psycopg

    settings_dict = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
    )
    venue = Venue.objects.order_by("pk").first()
    before = caching.calendar_stamp()

    with psycopg.connect(conninfo) as first, psycopg.connect(conninfo) as second:
        first.execute("UPDATE meetings_venue SET address = 'A' WHERE id = %s", [venue.pk])
        # Would time out waiting for `first` if both had to write the same version row.
        second.execute("SET lock_timeout = '3s'")
        second.execute("UPDATE meetings_meeting SET description = 'B' WHERE slug = %s", [AMM])
        second.commit()
        middle = caching.calendar_stamp()
        first.commit()

    after = caching.calendar_stamp()
    assert Venue.objects.get(pk=venue.pk).address == "A"
    assert Meeting.objects.get(slug=AMM).description == "B"
    assert len({before, middle, after}) == 3


@pytest.mark.parametrize("url", [f"/meetings/{AMM}/", SURFACES[5], SURFACES[7]])
def test_the_version_is_read_again_once_the_interval_has_passed(
    demo, client, settings, monkeypatch, url
):
    """In production a worker trusts the version it read for a second: no query at all."""
    settings.RESPONSE_CACHE_REVALIDATE_SECONDS = 1
    now = [1000.0]
    monkeypatch.setattr(caching, "_clock", lambda: now[0])
    client.get(url)
    _, unchanged = queries(client, url)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE meetings_meeting SET title = %s WHERE slug = %s",
            ["Retreat of the Foreign Ministers", AMM],
        )

    now[0] += 0.9
    within = body(client.get(url))
    now[0] += 0.1
    after = body(client.get(url))

    assert unchanged == 0
    assert ("Retreat of the Foreign Ministers" in within, "Retreat" in after) == (False, True)
