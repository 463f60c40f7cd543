"""What the hostile corpus found, pinned one case each: every one was a 500, a value that
did not survive its output, or a refusal that did not name its field."""

import email
from email.header import decode_header, make_header

import feedparser
import icalendar
import pytest
import vobject
from django.core.files.uploadedfile import SimpleUploadedFile

from meetings import reminders, services
from meetings.models import Meeting, Reminder
from meetings.models.reminders import ReminderKind
from tests.meetings.api.expected import problem

from .posts import IMPORT_URL, change_url, csv_file, meeting_form, venue_form
from .state import calendar_state
from .transport import post_form

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_atom_feed_of_a_title_holding_control_characters_is_well_formed(client, world):
    # Was a 500: Django's XML writer refuses C0 controls (and writes U+FFFE unreadably).
    # Refused on input since; a title stored before may still hold them, in its history too.
    services.meeting_update(meeting=world.meeting, by=None, title="Vertical tab")
    stored = "Vertical\x0btab \ufffe"
    Meeting.objects.filter(pk=world.meeting.pk).update(title=stored)
    latest = world.meeting.history.latest("history_date")
    type(latest).objects.filter(pk=latest.pk).update(title=stored)

    response = client.get("/feeds/changes.atom")

    feed = feedparser.parse(response.content)
    assert (response.status_code, feed.bozo, [entry.title for entry in feed.entries]) == (
        200,
        0,
        ["Vertical tab : Renamed"],
    )


def test_invitation_subject_shaped_like_an_encoded_word_is_read_literally(world):
    # Was decoded by mail readers into "x", a line break and "Bcc: evil@example.com".
    title = "=?utf-8?q?x=0D=0ABcc:_evil@example.com?="
    # The edit queues the invitation the delegation was owed.
    services.meeting_update(meeting=world.meeting, by=None, title=title)
    row = Reminder.objects.get(
        delegation=world.delegation, kind=ReminderKind.INVITATION, step=reminders.INVITATION_STEP
    )

    parsed = email.message_from_bytes(reminders.reminder_email(row).message().as_bytes())

    subject = str(make_header(decode_header(parsed["Subject"].replace("\n ", " "))))
    assert subject == f"Invitation: please confirm your attendance at =\u2060?{title[2:]}"


def test_ics_summary_holding_a_backslash_n_reaches_calendars_unbroken(client, world):
    # icalendar took the literal backslash-N for an escaped line break.
    services.meeting_update(meeting=world.meeting, by=None, title="Group A\\N, B\\n; C")

    body = client.get(f"/meetings/{world.meeting.slug}.ics").content

    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    summary = vobject.readOne(body.decode()).vevent.summary.value
    assert (str(event["SUMMARY"]), summary) == ("Group A\\N, B\\n; C",) * 2


@pytest.mark.parametrize(
    ("values", "named"),
    [
        # Were 500s: OverflowError past the last day of year 9999, or before year 1 in UTC.
        (
            {"all_day": "on", "start_date": "9999-12-31", "end_date": "9999-12-31"},
            {"start_date", "end_date"},
        ),
        ({"start_date": "0001-01-01", "start_time": "00:00"}, {"start_date"}),
        (
            {"confirmation_deadline_0": "0001-01-01", "confirmation_deadline_1": "00:00"},
            {"confirmation_deadline"},
        ),
    ],
)
def test_admin_meeting_dates_outside_the_calendar_refused_by_name(
    client, superuser, world, values, named
):
    client.force_login(superuser)
    before = calendar_state()

    response = post_form(client, change_url(world.meeting), meeting_form(world.meeting, **values))

    errors = response.context["adminform"].form.errors
    assert (response.status_code, errors, calendar_state()) == (
        200,
        dict.fromkeys(named, ["Give a date between the years 1967 and 2200."]),
        before,
    )


def test_admin_venue_latitude_out_of_range_refused_naming_it(client, superuser, world):
    # Was refused as "Constraint “venue_latitude_range” is violated.", naming no field.
    client.force_login(superuser)

    response = post_form(client, change_url(world.venue), venue_form(world.venue, latitude="91"))

    assert (response.status_code, response.context["adminform"].form.errors) == (
        200,
        {"latitude": ["Ensure this value is less than or equal to 90."]},
    )


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"title": "a\x00b"}, "title"),
        ({"slug": "2026-amm-59\x00"}, "slug"),
        ({"event": "x\x00"}, "event"),
    ],
)
def test_import_cell_holding_nul_refused_naming_its_column(client, superuser, world, cells, column):
    # Was stored (SQLite) or a 500 (PostgreSQL refuses NUL, at the lookup or the save).
    client.force_login(superuser)
    before = calendar_state()

    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("plan.csv", csv_file(**cells))})

    errors = [(error.column, error.message) for error in response.context["result"].errors]
    assert (response.status_code, errors, calendar_state()) == (
        400,
        [(column, "holds a NUL character, which cannot be stored.")],
        before,
    )


@pytest.mark.parametrize("path", ["/formats/AM%00/", "/countries/K%00/", "/countries/%3Cb%3E/"])
def test_code_pages_with_a_malformed_code_are_404(client, world, path):
    # Was a 500 on PostgreSQL: the NUL went into the query.
    assert client.get(path).status_code == 404


def test_api_json_nested_too_deeply_is_400(api, world):
    # Was a 500: RecursionError from Python's JSON decoder.
    before = calendar_state()

    response = api.patch(
        f"/api/v1/meetings/{world.meeting.slug}/", "[" * 100_000, content_type="application/json"
    )

    assert (response.status_code, response.json(), calendar_state()) == (
        400,
        problem(400, "JSON parse error - nested too deeply."),
        before,
    )
