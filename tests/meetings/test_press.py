"""Press information and "Live now" (meetings/press.py) on the meeting, event and home pages."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings import press
from meetings.enums import MeetingStatus
from meetings.models import Event, Meeting, PressConference, PressContact
from tests.conftest import TODAY
from tests.factories import FormatFactory, MeetingFactory, VenueFactory
from tests.meetings.test_views import texts

pytestmark = pytest.mark.django_db

PHNOM_PENH = zoneinfo.ZoneInfo("Asia/Phnom_Penh")
# The meetings below: Monday 5 August 2030, 09:00-12:00 in Phnom Penh (02:00-05:00 UTC).
START = dt.datetime(2030, 8, 5, 2, 0, tzinfo=dt.UTC)
END = dt.datetime(2030, 8, 5, 5, 0, tzinfo=dt.UTC)
EVENT_PRESS = {
    "accreditation_deadline": dt.date(2030, 7, 26),
    "accreditation": "Write to the press office.\nSend a copy of your press card.",
    "accreditation_url": "https://press.example.org/apply",
    "media_centre": "Hall B, National Convention Centre",
    "livestream_url": "https://stream.example.org/week",
}


def make_event(**fields) -> Event:
    values = {
        "title": "Summit week",
        "slug": "summit-week",
        "start_date": dt.date(2030, 8, 4),
        "end_date": dt.date(2030, 8, 8),
    } | fields
    return Event.objects.create(**values)


def make_meeting(**fields) -> Meeting:
    values = {"start": START, "title": "Foreign ministers"} | fields
    values.setdefault("end", values["start"] + (END - START))
    return MeetingFactory(**values)


def contact(name: str, **fields) -> PressContact:
    return PressContact.objects.create(name=name, **fields)


def section(response) -> list[str]:
    return texts(response, "section", "class", "press")


# Which values a meeting shows


def test_meeting_press_takes_each_empty_value_from_its_event(db):
    event = make_event(**EVENT_PRESS)
    meeting = make_meeting(
        event=event,
        media_centre="Press room 2",
        livestream_url="https://stream.example.org/amm",
    )

    found = press.meeting_press(meeting, event)

    assert found == press.Press(
        accreditation_deadline=dt.date(2030, 7, 26),
        accreditation="Write to the press office.\nSend a copy of your press card.",
        accreditation_url="https://press.example.org/apply",
        media_centre="Press room 2",
        livestream_url="https://stream.example.org/amm",
        accreditation_closes=dt.datetime(2030, 7, 27, tzinfo=PHNOM_PENH),
    )
    assert found.has_any is True


def test_meeting_press_own_deadline_closes_at_the_end_of_that_day_at_the_venue(db):
    event = make_event(**EVENT_PRESS)
    meeting = make_meeting(event=event, accreditation_deadline=dt.date(2030, 8, 1))

    found = press.meeting_press(meeting, event)

    assert (found.accreditation_deadline, found.accreditation_closes) == (
        dt.date(2030, 8, 1),
        dt.datetime(2030, 8, 1, 17, 0, tzinfo=dt.UTC),
    )


def test_meeting_press_without_a_published_event_has_only_its_own_values(db):
    event = make_event(**EVENT_PRESS)
    contact("Event press office", event=event)
    meeting = make_meeting(event=event, media_centre="Press room 2")

    # The views pass no event when it is unpublished.
    found = press.meeting_press(meeting, None)

    assert found == press.Press(media_centre="Press room 2")


def test_meeting_press_contacts_are_its_own_when_it_has_any(db):
    event = make_event()
    meeting = make_meeting(event=event)
    contact("Event press office", event=event)
    own = [contact("Sok Dara", meeting=meeting), contact("Chan Vanna", meeting=meeting)]

    found = press.meeting_press(meeting, event)

    assert found.contacts == (own[1], own[0])  # by name


def test_meeting_press_contacts_are_the_events_when_it_has_none(db):
    event = make_event()
    meeting = make_meeting(event=event)
    other = make_meeting(event=event, start=START + dt.timedelta(days=1), title="Other")
    contact("Other meeting's officer", meeting=other)
    office = contact("Event press office", event=event)

    found = press.meeting_press(meeting, event)

    assert (found.contacts, found.has_any) == ((office,), True)


def test_meeting_press_conferences_read_in_the_venue_zone(db):
    meeting = make_meeting()
    PressConference.objects.create(
        meeting=meeting, start=dt.datetime(2030, 8, 5, 8, 30, tzinfo=dt.UTC), place="Media room"
    )

    found = press.meeting_press(meeting, None)

    assert found.conferences == (
        press.Conference(
            title="Press conference",
            place="Media room",
            stream_url="",
            start=dt.datetime(2030, 8, 5, 15, 30, tzinfo=PHNOM_PENH),
            offset="UTC+7",
            zone="Asia/Phnom_Penh",
        ),
    )
    assert found.conferences[0].start.tzinfo == PHNOM_PENH


def test_meeting_press_without_any_value_has_nothing_to_show(db):
    meeting = make_meeting(event=make_event())

    found = press.meeting_press(meeting, meeting.event)

    assert (found, found.has_any) == (press.Press(), False)


# The meeting page


def test_meeting_page_press_section(client, frozen_now):
    event = make_event(**EVENT_PRESS)
    meeting = make_meeting(event=event, media_centre="Press room 2")
    PressConference.objects.create(
        meeting=meeting,
        start=dt.datetime(2030, 8, 5, 8, 30, tzinfo=dt.UTC),
        title="Press conference of the Chair",
        place="Media room",
        stream_url="https://stream.example.org/chair",
    )
    contact(
        "Sok Dara",
        organisation="Ministry of Foreign Affairs",
        email="dara@example.org",
        phone="+855 (23) 123-456",
        event=event,
    )

    response = client.get(meeting.get_absolute_url())
    html = response.content.decode()

    assert section(response) == [
        "Press "
        "Accreditation deadline Friday 26 July 2030 "
        "How to apply Write to the press office. Send a copy of your press card. "
        "Apply for accreditation "
        "Media centre Press room 2 "
        "Livestream Watch the livestream "
        "Press conferences Times are those of the venue, with their offset from UTC. "
        "Monday 5 August 2030, 15:30 (Phnom Penh time, UTC+7) "
        "Press conference of the Chair · Media room · Livestream of Press conference of the Chair "
        "Press contacts Sok Dara, Ministry of Foreign Affairs "
        "dara@example.org · +855 (23) 123-456"
    ]
    assert re.findall(r'<a href="((?:mailto|tel):[^"]+)">', html) == [
        "mailto:dara@example.org",
        "tel:+85523123456",
    ]
    assert '<time datetime="2030-08-05T15:30+07:00">Monday 5 August 2030, 15:30</time>' in html
    assert '<section class="press" aria-labelledby="press-heading">' in html


def test_meeting_page_accreditation_text_is_escaped_with_its_line_breaks(client, frozen_now):
    meeting = make_meeting(accreditation='<script>alert("x")</script>\r\nBring ID & card')

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert (
        "<dd><p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>Bring ID &amp; card</p></dd>"
        in html
    )


def test_meeting_page_contact_address_cannot_add_mail_headers(client, frozen_now):
    meeting = make_meeting()
    contact("Sok Dara", email="press?cc=all@example.org", meeting=meeting)

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert re.findall(r'href="(mailto:[^"]+)"', html) == ["mailto:press%3Fcc%3Dall@example.org"]


def test_meeting_page_without_press_information_has_no_press_section(client, frozen_now):
    meeting = make_meeting(event=make_event())

    response = client.get(meeting.get_absolute_url())

    html = response.content.decode()

    assert (response.status_code, section(response), "press-heading" in html) == (200, [], False)


@pytest.mark.parametrize(
    ("now", "deadline", "link"),
    [
        # 23:59 on the deadline day in Phnom Penh: still open.
        (dt.datetime(2030, 7, 26, 16, 59, tzinfo=dt.UTC), "", "Apply for accreditation"),
        # Midnight after it: closed.
        (
            dt.datetime(2030, 7, 26, 17, 0, tzinfo=dt.UTC),
            " Applications closed",
            "Accreditation page",
        ),
    ],
)
def test_accreditation_closes_after_its_deadline_day_at_the_venue(
    client, frozen_now, now, deadline, link
):
    frozen_now.move_to(now)
    meeting = make_meeting(
        accreditation_deadline=dt.date(2030, 7, 26),
        accreditation_url="https://press.example.org/apply",
    )

    response = client.get(meeting.get_absolute_url())

    assert section(response) == [
        f"Press Accreditation deadline Friday 26 July 2030{deadline} How to apply {link}"
    ]


# The event page


def test_event_page_lists_its_published_meetings_press_conferences_in_time_order(
    client, frozen_now
):
    event = make_event(media_centre="Hall B, National Convention Centre")
    first = make_meeting(event=event, title="Foreign ministers")
    second = make_meeting(
        event=event,
        title="Senior officials",
        start=START - dt.timedelta(days=1),
        status=MeetingStatus.CANCELLED,
    )
    hidden = make_meeting(event=event, title="Closed session", published=False)
    for meeting, hour in ((first, 8), (second, 9), (hidden, 6), (first, 4)):
        PressConference.objects.create(
            meeting=meeting,
            start=dt.datetime(2030, 8, 5, hour, tzinfo=dt.UTC) - (START - meeting.start),
            title=f"Briefing at {hour}",
        )
    office = contact("Event press office", event=event, phone="023 123 456")
    contact("Meeting officer", meeting=first)

    response = client.get(event.get_absolute_url())

    assert section(response) == [
        "Press Media centre Hall B, National Convention Centre "
        "Press conferences Times are those of the venue, with their offset from UTC. "
        "Sunday 4 August 2030, 16:00 (Phnom Penh time, UTC+7) "
        "Briefing at 9 · Senior officials Cancelled "
        "Monday 5 August 2030, 11:00 (Phnom Penh time, UTC+7) "
        "Briefing at 4 · Foreign ministers "
        "Monday 5 August 2030, 15:00 (Phnom Penh time, UTC+7) "
        "Briefing at 8 · Foreign ministers "
        f"Press contacts {office.name} 023 123 456"
    ]
    assert re.findall(r'href="(tel:[^"]+)"', response.content.decode()) == ["tel:023123456"]


def test_event_press_deadline_closes_in_its_first_meetings_zone(db):
    event = make_event(accreditation_deadline=dt.date(2030, 7, 26))
    make_meeting(event=event, venue=VenueFactory(timezone="Asia/Yangon"))
    make_meeting(event=event, start=START + dt.timedelta(days=1), title="Later")

    found = press.event_press(event)

    assert found.accreditation_closes == dt.datetime(2030, 7, 26, 17, 30, tzinfo=dt.UTC)


# Live now


def live_at(moment: dt.datetime, **fields) -> Meeting:
    """A meeting from an hour before `moment` to two hours after."""
    values = {
        "start": moment - dt.timedelta(hours=1),
        "end": moment + dt.timedelta(hours=2),
    } | fields
    return make_meeting(**values)


def banner(response) -> list[str]:
    return texts(response, "div", "class", "banner-live")


def live_section(response) -> list[str]:
    return texts(response, "section", "class", "live-now")


def test_meeting_page_says_live_now_with_its_events_livestream(client, frozen_now):
    event = make_event(livestream_url="https://stream.example.org/week")
    meeting = live_at(TODAY, event=event)

    response = client.get(meeting.get_absolute_url())

    assert banner(response) == ["Live now: Watch the livestream"]
    assert (
        '<a href="https://stream.example.org/week" rel="external noopener">Watch the livestream</a>'
        in response.content.decode()
    )


def test_meeting_page_live_now_in_session_without_a_stream(client, frozen_now):
    meeting = live_at(TODAY)

    assert banner(client.get(meeting.get_absolute_url())) == ["Live now: in session"]


def test_meeting_page_not_live_before_its_start_nor_at_its_end(client, frozen_now):
    meeting = live_at(TODAY, livestream_url="https://stream.example.org/amm")
    seen = []
    for moment in (meeting.start - dt.timedelta(minutes=1), meeting.start, meeting.end):
        frozen_now.move_to(moment)
        seen.append(banner(client.get(meeting.get_absolute_url())))

    assert seen == [[], ["Live now: Watch the livestream"], []]


@pytest.mark.parametrize(
    "status", [MeetingStatus.CANCELLED, MeetingStatus.POSTPONED, MeetingStatus.TENTATIVE]
)
def test_not_live_when_not_taking_place_as_scheduled(client, frozen_now, status):
    meeting = live_at(TODAY, status=status, livestream_url="https://stream.example.org/amm")

    page, home = client.get(meeting.get_absolute_url()), client.get("/")

    assert (banner(page), live_section(home), press.live_meetings(now=TODAY)) == (
        [],
        [],
        [],
    )


def test_home_lists_live_meetings_with_their_stream_links(client, frozen_now):
    shown = make_event(livestream_url="https://stream.example.org/week")
    unpublished = make_event(
        slug="draft", published=False, livestream_url="https://stream.example.org/draft"
    )
    own = live_at(
        TODAY,
        title="Foreign ministers",
        event=shown,
        livestream_url="https://stream.example.org/amm",
    )
    inherited = live_at(TODAY + dt.timedelta(minutes=30), title="Senior officials", event=shown)
    unstreamed = live_at(
        TODAY - dt.timedelta(minutes=30), title="Economic ministers", event=unpublished
    )
    live_at(TODAY + dt.timedelta(hours=3), title="Not yet")
    live_at(TODAY, title="Draft", published=False)

    response = client.get("/")

    assert live_section(response) == [
        "Live now "
        "Economic ministers · Phnom Penh Mon 2 Nov 2026, 08:30–11:30 UTC+7 In session "
        "Foreign ministers · Phnom Penh Mon 2 Nov 2026, 09:00–12:00 UTC+7 "
        "Watch the livestream of Foreign ministers "
        "Senior officials · Phnom Penh Mon 2 Nov 2026, 09:30–12:30 UTC+7 "
        "Watch the livestream of Senior officials"
    ]
    assert re.findall(
        r'<a href="([^"]+)"[^>]*>', response.content.decode().split('id="live-heading"')[1]
    )[:5] == [
        unstreamed.get_absolute_url(),
        own.get_absolute_url(),
        "https://stream.example.org/amm",
        inherited.get_absolute_url(),
        "https://stream.example.org/week",
    ]


def test_home_has_no_live_section_when_nothing_is_on(client, frozen_now):
    live_at(TODAY + dt.timedelta(hours=1, seconds=1))

    response = client.get("/")

    assert (live_section(response), "live-heading" in response.content.decode()) == ([], False)


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_home_query_count_does_not_grow_with_live_meetings(client, frozen_now):
    event = make_event(livestream_url="https://stream.example.org/week")
    fmt = FormatFactory(code="SOM")
    live_at(TODAY, format=fmt, event=event)
    with_one = home_queries(client)

    for k in range(19):
        live_at(TODAY + dt.timedelta(minutes=k), format=fmt, event=event, venue=VenueFactory())
    with_twenty = home_queries(client)

    assert (with_twenty, len(press.live_meetings(now=TODAY))) == (with_one, 20)


def test_live_meetings_is_one_query(db, frozen_now, django_assert_num_queries):
    event = make_event(livestream_url="https://stream.example.org/week")
    for k in range(5):
        live_at(TODAY + dt.timedelta(minutes=k), event=event)

    with django_assert_num_queries(1):
        live = press.live_meetings(now=TODAY)
        links = [(item.meeting.venue.city, item.stream_url) for item in live]

    assert links == [("Phnom Penh", "https://stream.example.org/week")] * 5
