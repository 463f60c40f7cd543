"""/feeds/meetings.ics and /meetings/<slug>.ics: filters, window, validators, caching."""

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import vobject
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils.http import http_date

from meetings import caching, ical, services
from meetings.enums import AnswerChannel, AttendanceStatus
from meetings.models import Delegation, Event, Format, Meeting, Participant, Reminder, Venue
from tests.conftest import TODAY
from tests.factories import DelegationFactory, FormatFactory, MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

FEED = "/feeds/meetings.ics"
BASE_DIR = Path(settings.BASE_DIR)
# The demo's published sample meetings, which the default window holds (the 2022
# reference meetings are older than FEED_PAST_DAYS).
SAMPLES = [
    "[Sample] ASEAN Senior Officials' Meeting",
    "[Sample] ARF Inter-Sessional Meeting",
    "[Sample] East Asia Summit Senior Officials' Meeting",
    "Cancelled: [Sample] ASEAN-Japan Post Ministerial Conference",
]
REFERENCE = [
    "55th ASEAN Foreign Ministers' Meeting",
    "23rd ASEAN Plus Three Foreign Ministers' Meeting",
    "ASEAN-Russia Post Ministerial Conference",
    "29th ASEAN Regional Forum",
    "12th East Asia Summit Foreign Ministers' Meeting",
]


@pytest.fixture(autouse=True)
def empty_feed_caches():
    aliases = (settings.FEED_CACHE_ALIAS, settings.FEED_DOCUMENT_CACHE_ALIAS)
    for alias in aliases:
        caches[alias].clear()
    yield
    for alias in aliases:
        caches[alias].clear()


def summaries(body: bytes) -> list[str]:
    calendar = vobject.readOne(body.decode("utf-8"))
    return [event.summary.value for event in calendar.contents.get("vevent", [])]


def vevent_block(body: bytes, uid: str) -> bytes:
    start = body.rindex(b"BEGIN:VEVENT\r\n", 0, body.index(f"UID:{uid}".encode()))
    return body[start : body.index(b"END:VEVENT\r\n", start) + len(b"END:VEVENT\r\n")]


def test_feed_response_headers_and_default_window(demo, client):
    response = client.get(FEED)

    body = response.content
    assert response.status_code == 200
    assert {
        name: response.headers.get(name)
        for name in (
            "Content-Type",
            "Cache-Control",
            "ETag",
            "Last-Modified",
            "Content-Disposition",
        )
    } == {
        "Content-Type": "text/calendar; charset=utf-8",
        "Cache-Control": "public, max-age=300",
        "ETag": f'"{hashlib.sha256(body).hexdigest()[:40]}"',
        "Last-Modified": http_date(TODAY.timestamp()),
        "Content-Disposition": None,
    }
    assert summaries(body) == SAMPLES
    calendar = vobject.readOne(body.decode())
    description = (
        "ASEAN diplomatic meetings from http://127.0.0.1:8000. Times are those of each "
        "venue. Cancelled meetings stay for a while and are marked as such."
    )
    assert (
        calendar.description.value,
        calendar.x_wr_caldesc.value,
        "uid" in calendar.contents,
    ) == (
        description,
        description,
        False,
    )


def test_feed_from_widens_the_window(demo, client):
    response = client.get(FEED, {"from": "2022-01-01"})

    assert summaries(response.content) == REFERENCE + SAMPLES


def test_feed_to_alone_reaches_back_as_far_as_asked(demo, client):
    response = client.get(FEED, {"to": "2022-12-31"})

    assert summaries(response.content) == REFERENCE


def test_feed_applies_the_shared_filter(demo, client):
    eas = client.get(FEED, {"format": "eas", "from": "2022-01-01"})
    russia = client.get(FEED, {"country": "ru", "from": "2022-01-01"})

    # The EAS's senior officials meet under a format of their own (EAS_SOM).
    assert summaries(eas.content) == ["12th East Asia Summit Foreign Ministers' Meeting"]
    assert summaries(russia.content) == [
        "ASEAN-Russia Post Ministerial Conference",
        "29th ASEAN Regional Forum",
        "12th East Asia Summit Foreign Ministers' Meeting",
        "[Sample] ARF Inter-Sessional Meeting",
        "[Sample] East Asia Summit Senior Officials' Meeting",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("format=XX", "format: Select a valid choice. XX is not one of the available choices."),
        (
            "format=AMM&format=XX",
            "format: Select a valid choice. XX is not one of the available choices.",
        ),  # noqa: E501
        ("from=2022-13-01", "from: Enter a valid date."),
        ("to=yesterday", "to: Enter a valid date."),
        ("from=2023-01-01&to=2022-01-01", "to: “to” must not be before “from”."),
        (
            "status=maybe",
            "status: Select a valid choice. maybe is not one of the available choices.",
        ),  # noqa: E501
        (
            "country=ZZZ",
            "country: Select a valid choice. That choice is not one of the available choices.",
        ),  # noqa: E501
    ],
)
def test_feed_bad_filter_value_is_400_naming_the_parameter(demo, client, query, message):
    # Twice: the second request finds the query's key remembered, and still no document.
    responses = [client.get(f"{FEED}?{query}") for _ in range(2)]

    assert [(r.status_code, r["Content-Type"], r.content.decode()) for r in responses] == [
        (400, "text/plain; charset=utf-8", message)
    ] * 2


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("", "ASEAN meetings"),
        ("format=eas", "ASEAN meetings: EAS"),
        (
            "format=EAS&format=arf&country=ru",
            "ASEAN meetings: ARF or EAS · hosted or attended by RU",
        ),
        (
            "host=kh&status=cancelled&status=held",
            "ASEAN meetings: hosted by KH · cancelled or held",
        ),
        (
            "from=2022-01-01&to=2022-12-31&q=Lavrov",
            "ASEAN meetings: from 2022-01-01 · to 2022-12-31 · “Lavrov”",
        ),
    ],
)
def test_feed_name_describes_the_filter(demo, client, query, name):
    calendar = vobject.readOne(client.get(f"{FEED}?{query}").content.decode())

    assert (calendar.contents["name"][0].value, calendar.x_wr_calname.value) == (name, name)


def test_unpublished_meeting_never_appears(demo, client):
    feed = client.get(FEED, {"q": "Retreat", "from": "2000-01-01"})
    single = client.get("/meetings/sample-amm-retreat.ics")

    assert (summaries(feed.content), single.status_code) == ([], 404)


def test_cancelled_meeting_stays_for_the_retention_window(demo, client, frozen_now):
    frozen_now.move_to(TODAY + dt.timedelta(days=settings.FEED_CANCELLED_RETENTION_DAYS - 1))
    within = summaries(client.get(FEED).content)
    frozen_now.move_to(TODAY + dt.timedelta(days=settings.FEED_CANCELLED_RETENTION_DAYS + 1))
    after = summaries(client.get(FEED).content)
    asked = summaries(client.get(FEED, {"status": "cancelled"}).content)

    assert within == SAMPLES
    assert after == SAMPLES[:3]
    assert asked == SAMPLES[3:]


def test_meeting_ics_is_the_feed_event_as_a_download(demo, client):
    meeting = Meeting.objects.get(slug="sample-som")
    services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=meeting.start + dt.timedelta(hours=1),
        end=meeting.end + dt.timedelta(hours=1),
    )

    single = client.get("/meetings/sample-som.ics")
    feed = client.get(FEED)

    uid = f"meeting-{meeting.pk}@127.0.0.1"
    event = vobject.readOne(single.content.decode()).vevent
    assert (single.status_code, single["Content-Type"], single["Content-Disposition"]) == (
        200,
        "text/calendar; charset=utf-8",
        'attachment; filename="sample-som.ics"',
    )
    assert (event.uid.value, event.sequence.value) == (uid, "1")
    assert vevent_block(single.content, uid) == vevent_block(feed.content, uid)


def test_meeting_ics_of_an_unknown_meeting_is_404(db, client):
    assert client.get("/meetings/no-such-meeting.ics").status_code == 404


def test_conditional_get_304_then_200_after_an_edit(demo, client, frozen_now):
    first = client.get(FEED)
    again = client.get(FEED, headers={"If-None-Match": first["ETag"]})
    frozen_now.shift(dt.timedelta(hours=1))
    meeting = Meeting.objects.get(slug="sample-som")
    services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=meeting.start + dt.timedelta(days=1),
        end=meeting.end + dt.timedelta(days=1),
    )
    changed = client.get(FEED, headers={"If-None-Match": first["ETag"]})

    assert (again.status_code, again.content) == (304, b"")
    assert {name: again.get(name) for name in ("ETag", "Last-Modified", "Cache-Control")} == {
        "ETag": first["ETag"],
        "Last-Modified": http_date(TODAY.timestamp()),
        "Cache-Control": "public, max-age=300",
    }
    assert changed.status_code == 200
    assert changed["ETag"] == f'"{hashlib.sha256(changed.content).hexdigest()[:40]}"'
    assert changed["ETag"] != first["ETag"]
    assert changed["Last-Modified"] == http_date((TODAY + dt.timedelta(hours=1)).timestamp())
    event = next(
        e
        for e in vobject.readOne(changed.content.decode()).vevent_list
        if e.uid.value == f"meeting-{meeting.pk}@127.0.0.1"
    )
    assert (event.sequence.value, event.dtstart.value) == ("1", meeting.local_start)


def test_if_modified_since_alone_gets_a_304_until_the_bytes_change(demo, client, frozen_now):
    first = client.get(FEED)
    since = first["Last-Modified"]
    frozen_now.shift(dt.timedelta(minutes=10))
    again = client.get(FEED, headers={"If-Modified-Since": since})
    older = client.get(FEED, headers={"If-Modified-Since": http_date(TODAY.timestamp() - 1)})
    # Unpublishing moves no date in the feed's remaining rows, yet changes its bytes.
    Meeting.objects.filter(slug="sample-som").update(published=False)
    changed = client.get(FEED, headers={"If-Modified-Since": since})
    frozen_now.shift(dt.timedelta(seconds=1))
    repeated = client.get(FEED, headers={"If-Modified-Since": changed["Last-Modified"]})
    # If-None-Match decides when both are sent (RFC 9110 13.2.2).
    both = client.get(FEED, headers={"If-None-Match": first["ETag"], "If-Modified-Since": since})

    assert since == http_date(TODAY.timestamp())
    assert (again.status_code, again["Last-Modified"], again["ETag"]) == (
        304,
        since,
        first["ETag"],
    )
    assert older.status_code == 200
    assert (changed.status_code, changed["Last-Modified"]) == (
        200,
        http_date((TODAY + dt.timedelta(minutes=10)).timestamp()),
    )
    assert "sample-som" not in changed.content.decode()
    assert repeated.status_code == 304
    assert (both.status_code, both["ETag"]) == (200, changed["ETag"])


def test_last_modified_moves_a_second_at_least_when_the_bytes_change_within_one(
    demo, client, frozen_now
):
    first = client.get(FEED)
    Meeting.objects.filter(slug="sample-som").update(published=False)
    changed = client.get(FEED, headers={"If-Modified-Since": first["Last-Modified"]})

    assert (changed.status_code, changed["Last-Modified"]) == (
        200,
        http_date(TODAY.timestamp() + 1),
    )


def test_venue_rename_changes_the_feed_and_its_etag(demo, client):
    first = client.get(FEED)
    venue = Venue.objects.get(name="Manila")
    venue.name = "Philippine International Convention Center"
    venue.save()

    changed = client.get(FEED, headers={"If-None-Match": first["ETag"]})

    locations = {e.location.value for e in vobject.readOne(changed.content.decode()).vevent_list}
    assert (changed.status_code, changed["ETag"] != first["ETag"], locations) == (
        200,
        True,
        {"Philippine International Convention Center, Manila (Maynila)"},
    )


def test_delegation_answer_changes_the_feed(demo, client, frozen_now):
    first = client.get(FEED)
    frozen_now.shift(dt.timedelta(minutes=5))
    delegation = Delegation.objects.get(meeting__slug="sample-som", participant__code="TH")
    services.delegation_record_answer(
        delegation=delegation,
        attendance=AttendanceStatus.CONFIRMED,
        via=AnswerChannel.RSVP,
        head_name="Maris Sangiampongsa",
    )

    changed = client.get(FEED, headers={"If-None-Match": first["ETag"]})

    event = vobject.readOne(changed.content.decode()).vevent_list[0]
    assert changed.status_code == 200
    assert event.description.value.splitlines()[5] == (
        "Confirmed: Philippines; Thailand (Maris Sangiampongsa)"
    )
    assert event.last_modified.value == TODAY + dt.timedelta(minutes=5)
    assert changed["Last-Modified"] == http_date((TODAY + dt.timedelta(minutes=5)).timestamp())


def test_default_feed_gives_up_oldest_past_meetings_to_fit_max_bytes(frozen_now, client, settings):
    for n in range(3):
        MeetingFactory(title=f"Past {n}", start=TODAY - dt.timedelta(days=100 - n))
    MeetingFactory(title="Upcoming", start=TODAY + dt.timedelta(days=3))
    full = client.get(FEED).content

    settings.FEED_MAX_BYTES = len(full) - 1
    one_less = client.get(FEED).content
    settings.FEED_MAX_BYTES = 1
    smallest = client.get(FEED).content
    asked = client.get(FEED, {"from": "2000-01-01"}).content

    assert summaries(full) == ["Past 0", "Past 1", "Past 2", "Upcoming"]
    assert summaries(one_less) == ["Past 1", "Past 2", "Upcoming"]
    assert summaries(smallest) == ["Upcoming"]
    assert summaries(asked) == ["Past 0", "Past 1", "Past 2", "Upcoming"]


def test_default_feed_past_its_cap_leaves_out_the_farthest_upcoming_and_says_so(
    frozen_now, client, settings
):
    MeetingFactory(title="Past", start=TODAY - dt.timedelta(days=30))
    for n in range(1, 6):
        MeetingFactory(title=f"Upcoming {n}", start=TODAY + dt.timedelta(days=10 * n))
    full = client.get(FEED).content
    sizes = [len(event) for event in re.findall(rb"BEGIN:VEVENT.*?END:VEVENT\r\n", full, re.S)]
    # Room for all but the past one and the last two, with the note the cut adds.
    settings.FEED_MAX_BYTES = len(full) - sum(sizes[0:1]) - sum(sizes[-2:]) + 400

    trimmed = client.get(FEED).content

    calendar = vobject.readOne(trimmed.decode())
    assert summaries(trimmed) == ["Upcoming 1", "Upcoming 2", "Upcoming 3"]
    assert len(trimmed) <= settings.FEED_MAX_BYTES
    day = (TODAY + dt.timedelta(days=30)).date().isoformat()
    assert calendar.x_wr_caldesc.value.endswith(
        f"Meetings starting after {day} are left out to keep this calendar within the size "
        "calendar apps accept. Subscribe to a calendar filtered by format or dates for them."
    )
    assert summaries(client.get(FEED, {"from": "2000-01-01"}).content) == summaries(full)


def test_if_modified_since_in_the_second_the_bytes_appeared_gets_the_whole_feed(demo, client):
    response = client.get(FEED, headers={"If-Modified-Since": http_date(TODAY.timestamp())})

    assert (response.status_code, summaries(response.content)) == (200, SAMPLES)


@pytest.mark.parametrize("header", ["*", 'W/"{etag}"', '"other", "{etag}"'])
def test_weak_star_and_listed_etags_match(demo, client, header):
    etag = client.get(FEED)["ETag"].strip('"')

    response = client.get(FEED, headers={"If-None-Match": header.format(etag=etag)})

    assert response.status_code == 304


def test_feed_refuses_writes(db, client):
    assert client.post(FEED).status_code == 405


def _calendar_of(count: int) -> None:
    fmt = FormatFactory(code="EAS")
    ru = ParticipantFactory(code="RU", name="Russia")
    for _ in range(count):
        meeting = MeetingFactory(format=fmt, start=TODAY + dt.timedelta(days=30))
        delegation = DelegationFactory(meeting=meeting, participant=ru)
        services.delegation_record_answer(
            delegation=delegation, attendance=AttendanceStatus.CONFIRMED, via=AnswerChannel.API
        )


@pytest.mark.parametrize("count", [1, 20])
def test_feed_query_count_does_not_grow_with_meetings(
    frozen_now, client, django_assert_num_queries, count
):
    _calendar_of(count)
    # On PostgreSQL the meetings' hashes come first (selectors.feed_fingerprints): the
    # delegations' stamp, the meetings' hashes, their delegations' hashes.
    hashes = 3 if connection.vendor == "postgresql" else 0

    # The stamp, the meetings, their answers, their documents, the stamp again.
    with django_assert_num_queries(5 + hashes):
        cold = client.get(FEED)
    # Unchanged data: the stamp alone.
    with django_assert_num_queries(1):
        warm = client.get(FEED, headers={"If-None-Match": cold["ETag"]})
    with django_assert_num_queries(1):
        again = client.get(FEED)
    # The filter checks the format code first. On PostgreSQL, the same meetings are
    # known by their hashes: the delegations' stamp and the meetings' hashes, and no
    # full read of meetings, answers and documents (elsewhere, those three reads).
    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 6):
        filtered = client.get(FEED, {"format": "eas"})

    assert (len(summaries(cold.content)), warm.status_code) == (count, 304)
    assert again.content == cold.content
    assert summaries(filtered.content) == summaries(cold.content)


@pytest.mark.parametrize("count", [1, 20])
def test_meeting_ics_query_count(frozen_now, client, django_assert_num_queries, count):
    _calendar_of(count)
    slug = Meeting.objects.first().slug

    # The meeting, its answers, its documents.
    with django_assert_num_queries(3):
        response = client.get(f"/meetings/{slug}.ics")

    assert response.status_code == 200


def test_only_changed_meetings_are_rebuilt(demo, client, monkeypatch):
    built = []
    vevent_bytes = ical.vevent_bytes

    def counting(entry):
        built.append(entry.slug)
        return vevent_bytes(entry)

    monkeypatch.setattr(ical, "vevent_bytes", counting)
    first = client.get(FEED)
    after_first = list(built)
    client.get(FEED)
    unchanged = list(built)
    meeting = Meeting.objects.get(slug="sample-eas-som")
    meeting.title = "[Sample] EAS SOM, renamed"
    services.meeting_save(meeting=meeting, by=None)
    changed = client.get(FEED, headers={"If-None-Match": first["ETag"]})

    assert after_first == [
        "sample-som",
        "sample-arf-ism",
        "sample-eas-som",
        "sample-asean-japan-pmc",
    ]
    assert unchanged == after_first
    assert built == [*after_first, "sample-eas-som"]
    assert summaries(changed.content)[2] == "[Sample] EAS SOM, renamed"


def test_participant_rename_reaches_the_feed(demo, client):
    client.get(FEED)
    philippines = Participant.objects.get(code="PH")
    philippines.name = "Republic of the Philippines"
    philippines.save()

    event = vobject.readOne(client.get(FEED).content.decode()).vevent_list[0]

    assert event.description.value.splitlines()[2] == "Host: Republic of the Philippines"


def test_unpublished_and_deleted_meetings_leave_the_cached_feed(demo, client):
    first = client.get(FEED)
    services.meeting_set_published(
        meeting=Meeting.objects.get(slug="sample-som"), by=None, published=False
    )
    unpublished = client.get(FEED, headers={"If-None-Match": first["ETag"]})
    Meeting.objects.get(slug="sample-eas-som").delete()
    deleted = client.get(FEED, headers={"If-None-Match": unpublished["ETag"]})

    assert (unpublished.status_code, summaries(unpublished.content)) == (200, SAMPLES[1:])
    assert (deleted.status_code, summaries(deleted.content)) == (200, [SAMPLES[1], SAMPLES[3]])


def test_calendar_stamp_moves_on_every_kind_of_save(demo):
    stamps = [caching.calendar_stamp()]
    venue = Venue.objects.get(name="Manila")
    venue.address = "CCP Complex, Pasay"
    venue.save()
    stamps.append(caching.calendar_stamp())
    fmt = Format.objects.get(code="SOM")
    fmt.name = "Senior Officials Meeting"
    fmt.save()
    stamps.append(caching.calendar_stamp())
    event = Event.objects.get(slug="sample-senior-officials-meetings")
    event.title = "[Sample] SOM week"
    event.save()
    stamps.append(caching.calendar_stamp())
    delegation = Delegation.objects.filter(attendance=AttendanceStatus.INVITED).first()
    delegation.head_name = "A. N. Other"
    services.delegation_save(delegation=delegation, by=None)
    stamps.append(caching.calendar_stamp())
    delegation.delete()
    stamps.append(caching.calendar_stamp())
    # Writes that bypass save() and the history move it too: the triggers see every row.
    Meeting.objects.filter(slug__startswith="sample-").update(description="Bulk note")
    stamps.append(caching.calendar_stamp())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE meetings_venue SET city = 'Pasay' WHERE name = 'Manila'")
    stamps.append(caching.calendar_stamp())
    unchanged = caching.calendar_stamp()
    Reminder.objects.all().delete()  # the outbox is not public: no new version

    assert len(set(stamps)) == len(stamps)
    assert caching.calendar_stamp() == unchanged


def _run(args: list[str], env: dict[str, str]) -> bytes:
    result = subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


MORE_ZONES = """
import datetime as dt, zoneinfo
from meetings import services
from meetings.models import Meeting
for slug, zone in [
    ("2022-apt-23", "Asia/Yangon"), ("2022-eas-12", "Asia/Dili"), ("2022-arf-29", "Asia/Jakarta")
]:
    meeting = Meeting.objects.get(slug=slug)
    meeting.timezone = zone
    start = dt.datetime.combine(meeting.first_day, dt.time(9), zoneinfo.ZoneInfo(zone))
    services.meeting_reschedule(
        meeting=meeting, by=None, start=start, end=start + dt.timedelta(hours=3), all_day=False
    )
"""

PRINT_FEED = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aseancal.settings")
django.setup()
from django.test import Client
response = Client().get("/feeds/meetings.ics?from=2022-01-01")
sys.stdout.buffer.write(response["ETag"].encode() + b"\\n" + response.content)
"""


def test_feed_bytes_are_identical_across_processes(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "FEED_CACHE_URL", "PYTHONHASHSEED"}
    } | {
        "DJANGO_DEBUG": "1",
        "ASEANCAL_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'feeds.sqlite3'}",
    }
    _run(["manage.py", "migrate", "--no-input", "-v", "0"], env)
    _run(["manage.py", "load_demo"], env)
    _run(["manage.py", "shell", "-c", MORE_ZONES], env)

    outputs = [_run(["-c", PRINT_FEED], env | {"PYTHONHASHSEED": seed}) for seed in ("1", "2", "3")]

    etag, body = outputs[0].split(b"\n", 1)
    assert outputs[1:] == [outputs[0], outputs[0]]
    assert etag == f'"{hashlib.sha256(body).hexdigest()[:40]}"'.encode()
    calendar = vobject.readOne(body.decode())
    assert [tz.tzid.value for tz in calendar.vtimezone_list] == [
        "Asia/Dili",
        "Asia/Jakarta",
        "Asia/Manila",
        "Asia/Yangon",
    ]
