"""Rich text is cleaned when saved, whichever door it comes through, and no output
(page, JSON, iCal, mail) carries script, event handlers or javascript: links."""

import csv
import io
import json

import pytest
from rest_framework.authtoken.models import Token

from meetings import reminders
from meetings.imports import import_calendar, meetings_csv
from meetings.models import Event, Format, Meeting
from tests.factories import DelegationFactory, MeetingFactory
from tests.meetings.test_admin import meeting_post
from tests.security.conftest import make_staff

pytestmark = pytest.mark.django_db

PAYLOAD = (
    "<p>Agenda <b>adopted</b> &amp; signed</p>"
    '<script>alert("s1")</script>'
    "<img src=x onerror=\"alert('s2')\">"
    "<a href=\"javascript:alert('s3')\" onclick=\"alert('s4')\">minutes</a> "
    '<a href="https://asean.org/" style="color: red">ASEAN</a>'
    '<iframe src="https://evil.example/"></iframe><svg onload="alert(\'s5\')"></svg>'
)
# The allow-list keeps the paragraph, bold and links (href only if http(s) or mailto).
CLEAN = (
    "<p>Agenda <b>adopted</b> &amp; signed</p>"
    '<a rel="noopener noreferrer nofollow">minutes</a> '
    '<a href="https://asean.org/" rel="noopener noreferrer nofollow">ASEAN</a>'
)
# None of these may appear in any output built from PAYLOAD.
MARKERS = ["alert(", "onerror", "onclick", "onload", "javascript:", "<iframe", "evil.example"]


def payload_in(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker in text]


def outputs(client, meeting: Meeting) -> dict[str, str]:
    """Every place the public (and a delegation's inbox) sees the meeting's description."""
    delegation = DelegationFactory(meeting=meeting, contact_emails="mfa@example.org")
    mail = reminders.reminder_email(reminders.reminder_request(delegation=delegation, by=None))
    return {
        "page": client.get(meeting.get_absolute_url()).content.decode(),
        "api": client.get(f"/api/v1/meetings/{meeting.slug}/").content.decode(),
        "ics": client.get(f"/meetings/{meeting.slug}.ics").content.decode(),
        "feed": client.get("/feeds/meetings.ics").content.decode(),
        "mail": "\n".join(
            [
                mail.body,
                *(content for content, _type in mail.alternatives),
                *(str(attachment[1]) for attachment in mail.attachments),
            ]
        ),
    }


def assert_clean_everywhere(client, meeting: Meeting) -> None:
    meeting.refresh_from_db()
    found = outputs(client, meeting)

    assert meeting.description == CLEAN
    assert {name: payload_in(text) for name, text in found.items()} == {name: [] for name in found}
    # Shown as HTML on the page, as the cleaned HTML string in JSON, as text in iCal.
    assert CLEAN in found["page"]
    assert json.loads(found["api"])["description"] == CLEAN
    # iCal (the feed and the mail's attachment too) unfolded: the description as plain text.
    text = "Agenda adopted & signed\\n\\nminutes ASEAN (https://asean.org/)"
    assert [text in found[name].replace("\r\n ", "") for name in ("ics", "feed", "mail")] == [
        True,
        True,
        True,
    ]


def test_rich_text_through_admin_form(client):
    meeting = MeetingFactory()
    client.force_login(make_staff("superuser", username="root"))

    response = client.post(
        f"/admin/meetings/meeting/{meeting.pk}/change/", meeting_post(meeting, description=PAYLOAD)
    )

    assert (response.status_code, response["Location"]) == (302, "/admin/meetings/meeting/")
    assert_clean_everywhere(client, meeting)


def test_rich_text_through_api(client):
    meeting = MeetingFactory()
    token = Token.objects.create(user=make_staff("editor", username="editor"))

    response = client.patch(
        f"/api/v1/meetings/{meeting.slug}/",
        json.dumps({"description": PAYLOAD}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    assert (response.status_code, response.json()["description"]) == (200, CLEAN)
    assert_clean_everywhere(client, meeting)


def test_rich_text_through_importer(client):
    meeting = MeetingFactory()
    rows = list(
        csv.DictReader(io.StringIO(meetings_csv(Meeting.objects.all()).decode("utf-8-sig")))
    )
    rows[0]["description"] = PAYLOAD
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

    result = import_calendar(out.getvalue().encode(), name="plan.csv")

    assert result.summary() == "1 row read: 0 created, 1 changed, 0 unchanged."
    assert_clean_everywhere(client, meeting)


def test_rich_text_format_and_event_descriptions_cleaned_on_save(client):
    fmt = Format.objects.create(code="XYZ", name="Xyz Meeting", short_name="XYZ")
    client.force_login(make_staff("superuser", username="root"))

    # Through the admin's plain model forms, and straight through the ORM.
    changed = client.post(
        f"/admin/meetings/format/{fmt.pk}/change/",
        {"code": "XYZ", "name": "Xyz Meeting", "short_name": "XYZ", "description": PAYLOAD},
    )
    event = Event.objects.create(
        title="Summit week",
        slug="summit-week",
        start_date="2030-08-01",
        end_date="2030-08-03",
        description=PAYLOAD,
    )
    fmt.refresh_from_db()
    event.refresh_from_db()
    page = client.get("/formats/xyz/").content.decode()
    api = {
        "format": client.get("/api/v1/formats/xyz/").json()["description"],
        "event": client.get("/api/v1/events/summit-week/").json()["description"],
    }

    assert (changed.status_code, fmt.description, event.description) == (302, CLEAN, CLEAN)
    assert (payload_in(page), CLEAN in page) == ([], True)
    assert api == {"format": CLEAN, "event": CLEAN}
    assert fmt.history.first().description == CLEAN
