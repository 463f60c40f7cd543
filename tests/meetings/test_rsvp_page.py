"""The RSVP page as a delegation reads it: success as a status, errors listed at the top and
beside their fields, the secretariat contact on every page, the deadline as a day's end."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from meetings import services
from meetings.contacts import secretariat_contact
from meetings.formatting import deadline_text
from meetings.models import Event, Venue
from meetings.tokens import rsvp_token
from tests.conftest import TODAY
from tests.factories import DelegationFactory, MeetingFactory, ParticipantFactory, VenueFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 9, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Manila
MANILA = zoneinfo.ZoneInfo("Asia/Manila")
SITE_CONTACT = "ASEAN Secretariat, meetings desk, +62 21 724 3372"
EVENT_CONTACT = "Ms Dara Vong, ASEAN Secretariat, dara.vong@asean.example"
EVENT_CONTACT_HTML = (
    'Ms Dara Vong, ASEAN Secretariat, <a href="mailto:dara.vong@asean.example">'
    "dara.vong@asean.example</a>"
)


@pytest.fixture(autouse=True)
def site_contact(settings):
    settings.SECRETARIAT_CONTACT = SITE_CONTACT


@pytest.fixture
def event():
    return Event.objects.create(
        title="59th AMM and Related Meetings",
        slug="2026-59th-amm",
        start_date=dt.date(2026, 11, 9),
        end_date=dt.date(2026, 11, 12),
        secretariat_contact=EVENT_CONTACT,
    )


def make_meeting(**fields):
    venue = Venue.objects.filter(name="PICC").first()
    return MeetingFactory(
        title="ASEAN-Russia Senior Officials' Meeting",
        venue=venue or VenueFactory(name="PICC", city="Manila", timezone="Asia/Manila"),
        timezone="Asia/Manila",
        start=START,
        end=START + dt.timedelta(hours=8),
        **fields,
    )


@pytest.fixture
def meeting():
    return make_meeting()


def invited(meeting):
    return DelegationFactory(
        meeting=meeting,
        participant=ParticipantFactory(code="RU", name="Russia"),
        invited_at=TODAY - dt.timedelta(days=30),
        contact_emails="asean@ru.mfa.example",
    )


@pytest.fixture
def delegation(meeting):
    return invited(meeting)


def url(token: str) -> str:
    return reverse("meetings:rsvp", kwargs={"token": token})


def html(response) -> str:
    return response.content.decode()


def one(pattern: str, response) -> str:
    """The single match of `pattern` (its first group) in the page."""
    [found] = re.findall(pattern, html(response), re.DOTALL)
    return found


def contact_line(response) -> str:
    return one(r'<p class="rsvp-contact">(.*?)</p>', response)


def deadline_shown(response) -> str:
    return one(r"<dt>Please answer by</dt><dd><time [^>]*>(.*?)</time></dd>", response)


# -- success ---------------------------------------------------------------------------------


def test_rsvp_answer_recorded_shows_a_status_not_an_alert(client, frozen_now, delegation):
    token = rsvp_token(delegation)

    posted = client.post(url(token), {"attendance": "confirmed"})
    page = client.get(posted["Location"])

    assert (posted.status_code, posted["Location"]) == (303, f"{url(token)}?answered=1")
    assert re.findall(r'<[^>]+role="(?:status|alert)"[^>]*>.*?</p>', html(page)) == [
        '<p class="rsvp-success" role="status">Thank you. Your answer is recorded: '
        "<strong>Confirmed</strong>.</p>"
    ]
    assert "error-summary" not in html(page)


def test_rsvp_page_before_answering_shows_no_status_or_alert(client, frozen_now, delegation):
    page = client.get(url(rsvp_token(delegation)))

    assert (page.status_code, re.findall(r'role="(status|alert)"', html(page))) == (200, [])


# -- errors ----------------------------------------------------------------------------------


def test_rsvp_without_an_answer_lists_the_error_at_the_top_and_beside_the_field(
    client, frozen_now, delegation
):
    response = client.post(
        url(rsvp_token(delegation)),
        {"head_name": "Sergey Lavrov", "head_title": "Minister", "level": "minister"},
    )

    summary = one(r'(<div class="error-summary".*?</div>)', response)
    assert response.status_code == 400
    assert " ".join(summary.split()) == (
        '<div class="error-summary" role="alert" aria-labelledby="error-summary-title"> '
        '<h2 id="error-summary-title" tabindex="-1" autofocus>Your answer was not sent</h2> '
        "<ul> "
        '<li><a href="#id_attendance_0">Choose whether your delegation will attend.</a></li> '
        "</ul> </div>"
    )
    assert one(r'<fieldset class="rsvp-answer has-error"([^>]*)>', response) == (
        ' aria-describedby="id_attendance_error"'
    )
    assert one(r'(<p class="field-error" id="id_attendance_error">.*?</p>)', response) == (
        '<p class="field-error" id="id_attendance_error"><span class="visually-hidden">'
        "Error:</span> Choose whether your delegation will attend.</p>"
    )
    assert re.findall(r'<input type="radio"[^>]*>', html(response)) == [
        '<input type="radio" name="attendance" value="confirmed" id="id_attendance_0" required '
        'aria-invalid="true">',
        '<input type="radio" name="attendance" value="declined" id="id_attendance_1" required '
        'aria-invalid="true">',
    ]
    assert one(r"<title>(.*?)</title>", response) == (
        "Error: Your answer: ASEAN-Russia Senior Officials&#x27; Meeting · aseancal"
    )


def test_rsvp_refused_answer_keeps_the_values_entered(client, frozen_now, delegation):
    response = client.post(
        url(rsvp_token(delegation)),
        {"head_name": "Sergey Lavrov", "head_title": "Minister", "level": "minister"},
    )

    assert re.findall(r'<input type="text" name="(\w+)" value="([^"]*)"', html(response)) == [
        ("head_name", "Sergey Lavrov"),
        ("head_title", "Minister"),
    ]
    assert one(r'<option value="(\w+)" selected>', response) == "minister"


def test_rsvp_errors_in_two_fields_link_to_each_field(client, frozen_now, delegation):
    response = client.post(url(rsvp_token(delegation)), {"level": "king"})

    summary = one(r'<div class="error-summary".*?<ul>(.*?)</ul>', response)
    assert re.findall(r'<li><a href="(#[\w]+)">(.*?)</a></li>', summary) == [
        ("#id_attendance_0", "Choose whether your delegation will attend."),
        ("#id_level", "Select a valid choice. king is not one of the available choices."),
    ]
    assert re.findall(r'<select name="level"([^>]*)>', html(response)) == [
        ' aria-invalid="true" aria-describedby="id_level_error" id="id_level"'
    ]
    assert one(r'<p class="field-error" id="id_level_error">(.*?)</p>', response) == (
        '<span class="visually-hidden">Error:</span> Select a valid choice. king is not one '
        "of the available choices."
    )


# -- the secretariat contact ------------------------------------------------------------------


def test_rsvp_page_names_the_events_secretariat_contact(client, frozen_now, event):
    delegation = invited(make_meeting(event=event))

    response = client.get(url(rsvp_token(delegation)))

    assert contact_line(response) == (
        f"Questions? Your contact at the secretariat: {EVENT_CONTACT_HTML}"
    )


def test_rsvp_page_names_the_sites_contact_without_an_event(client, frozen_now, delegation):
    response = client.get(url(rsvp_token(delegation)))

    assert contact_line(response) == f"Questions? Your contact at the secretariat: {SITE_CONTACT}"


def test_rsvp_page_names_the_sites_contact_when_the_event_names_none(client, frozen_now, event):
    Event.objects.filter(pk=event.pk).update(secretariat_contact="")
    delegation = invited(make_meeting(event=Event.objects.get(pk=event.pk)))

    response = client.get(url(rsvp_token(delegation)))

    assert contact_line(response) == f"Questions? Your contact at the secretariat: {SITE_CONTACT}"


def test_refused_link_page_names_the_sites_contact(client, frozen_now, delegation):
    response = client.get(url("not-a-token"))

    assert (response.status_code, contact_line(response)) == (
        400,
        f"Your contact at the secretariat: {SITE_CONTACT}",
    )


def test_refused_link_of_a_closed_meeting_names_its_events_contact(client, frozen_now, event):
    meeting = make_meeting(event=event)
    token = rsvp_token(invited(meeting))
    services.meeting_cancel(meeting=meeting, by=None, reason="Typhoon")

    response = client.get(url(token))

    assert (response.status_code, contact_line(response)) == (
        410,
        f"Your contact at the secretariat: {EVENT_CONTACT_HTML}",
    )


def test_refused_link_after_a_correction_names_the_events_contact(client, frozen_now, event):
    delegation = invited(make_meeting(event=event))
    token = rsvp_token(delegation)
    services.delegation_revoke_links(delegation=delegation, by=None)

    response = client.get(url(token))

    assert (response.status_code, contact_line(response)) == (
        410,
        f"Your contact at the secretariat: {EVENT_CONTACT_HTML}",
    )


def test_secretariat_contact_is_the_events_else_the_sites(event):
    blank = Event.objects.create(
        title="Retreat",
        slug="2026-retreat",
        start_date=dt.date(2026, 11, 9),
        end_date=dt.date(2026, 11, 9),
        secretariat_contact="   ",
    )

    assert [
        secretariat_contact(make_meeting(event=event)),
        secretariat_contact(make_meeting(event=blank)),
        secretariat_contact(make_meeting()),
        secretariat_contact(None),
    ] == [EVENT_CONTACT, SITE_CONTACT, SITE_CONTACT, SITE_CONTACT]


def test_event_admin_form_offers_the_secretariat_contact(client, editor, event):
    client.force_login(editor)

    response = client.get(reverse("admin:meetings_event_change", args=[event.pk]))

    assert re.findall(
        r'<input type="text" name="secretariat_contact" value="([^"]*)"', html(response)
    ) == [EVENT_CONTACT]


# -- the reply deadline ------------------------------------------------------------------------


def test_rsvp_deadline_by_default_is_the_end_of_the_day_before(client, frozen_now, delegation):
    response = client.get(url(rsvp_token(delegation)))

    assert deadline_shown(response) == "the end of Sunday 8 November 2026 (Manila time, UTC+8)"


def test_rsvp_deadline_set_at_an_hour_shows_the_day_and_hour(client, frozen_now):
    deadline = dt.datetime(2026, 11, 6, 17, 0, tzinfo=MANILA)
    delegation = invited(make_meeting(confirmation_deadline=deadline))

    response = client.get(url(rsvp_token(delegation)))

    assert deadline_shown(response) == "Friday 6 November 2026, 17:00 (Manila time, UTC+8)"
    assert one(r"<dd><time datetime=\"([^\"]+)\">Friday", response) == "2026-11-06T09:00:00+00:00"


def test_rsvp_deadline_set_at_midnight_shows_the_end_of_the_day_before(client, frozen_now):
    deadline = dt.datetime(2026, 11, 7, 0, 0, tzinfo=MANILA)
    delegation = invited(make_meeting(confirmation_deadline=deadline))

    response = client.get(url(rsvp_token(delegation)))

    assert deadline_shown(response) == "the end of Friday 6 November 2026 (Manila time, UTC+8)"


@pytest.mark.parametrize(
    ("moment", "place", "expected"),
    [
        (
            dt.datetime(2026, 12, 16, 0, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Vientiane")),
            "Vientiane time",
            "the end of Tuesday 15 December 2026 (Vientiane time, UTC+7)",
        ),
        (
            dt.datetime(2026, 12, 15, 17, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Vientiane")),
            "Vientiane time",
            "Tuesday 15 December 2026, 17:00 (Vientiane time, UTC+7)",
        ),
        (
            # The same midnight, given in UTC: the zone decides.
            dt.datetime(2026, 12, 15, 17, 0, tzinfo=dt.UTC),
            "",
            "the end of Tuesday 15 December 2026 (Vientiane time, UTC+7)",
        ),
        (
            dt.datetime(2026, 12, 15, 23, 59, tzinfo=zoneinfo.ZoneInfo("Asia/Vientiane")),
            "",
            "Tuesday 15 December 2026, 23:59 (Vientiane time, UTC+7)",
        ),
    ],
)
def test_deadline_text_reads_a_local_midnight_as_the_end_of_the_day_before(moment, place, expected):
    zone = zoneinfo.ZoneInfo("Asia/Vientiane")

    assert deadline_text(moment, zone=zone, place=place) == expected


def test_deadline_text_where_the_clocks_skip_midnight():
    # Santiago's clocks go from 00:00 to 01:00 on 8 September 2030: 01:00 opens that day.
    santiago = zoneinfo.ZoneInfo("America/Santiago")

    assert deadline_text(dt.datetime(2030, 9, 8, 4, 0, tzinfo=dt.UTC), zone=santiago) == (
        "the end of Saturday 7 September 2030 (Santiago time, UTC-4)"
    )


# -- the mails ----------------------------------------------------------------------------------

MAIL = {
    "participant": "Russia",
    "title": "ASEAN-Russia SOM",
    "when": "Monday 9 November 2026, 09:00–17:00 (Manila time, UTC+8)",
    "where": "PICC, Manila",
    "deadline": "the end of Sunday 8 November 2026 (Manila time, UTC+8)",
    "rsvp_url": "http://127.0.0.1:8000/rsvp/x/",
    "meeting_url": "http://127.0.0.1:8000/meetings/x/",
    "site_url": "http://127.0.0.1:8000",
}


def test_mail_text_names_the_contact_when_given_and_reads_as_before_without(db):
    with_contact = render_to_string("meetings/mail/reminder.txt", MAIL | {"contact": EVENT_CONTACT})
    without = render_to_string("meetings/mail/reminder.txt", MAIL)

    assert (
        with_contact.replace(f"Questions? Your contact at the secretariat: {EVENT_CONTACT}\n\n", "")
        == without
    )
    assert re.findall(r"by the end of .*?\)", without) == [
        "by the end of Sunday 8 November 2026 (Manila time, UTC+8)"
    ]
    assert re.findall(r"Questions\?.*", with_contact) == [
        f"Questions? Your contact at the secretariat: {EVENT_CONTACT}"
    ]


def test_mail_html_names_the_contact_when_given(db):
    with_contact = render_to_string(
        "meetings/mail/reminder.html", MAIL | {"contact": EVENT_CONTACT}
    )
    without = render_to_string("meetings/mail/reminder.html", MAIL)

    assert re.findall(r"<p>Questions\?.*?</p>", with_contact) == [
        f"<p>Questions? Your contact at the secretariat: {EVENT_CONTACT_HTML}</p>"
    ]
    assert "Questions?" not in without
