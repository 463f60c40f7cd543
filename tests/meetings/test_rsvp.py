"""The RSVP link: a delegation answers without an account, for itself only, until the start."""

import base64
import datetime as dt
import json
import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from meetings import reminders, services
from meetings.models import Delegation, Reminder
from meetings.models.reminders import ReminderKind, ReminderStatus
from meetings.tokens import SALT, rsvp_token
from tests.conftest import TODAY
from tests.factories import DelegationFactory, MeetingFactory, ParticipantFactory, VenueFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 9, 1, 0, tzinfo=dt.UTC)  # 09:00 in Manila


@pytest.fixture
def meeting():
    return MeetingFactory(
        title="ASEAN-Russia Senior Officials' Meeting",
        venue=VenueFactory(name="PICC", city="Manila", timezone="Asia/Manila"),
        timezone="Asia/Manila",
        start=START,
        end=START + dt.timedelta(hours=8),
    )


@pytest.fixture
def delegation(meeting):
    return DelegationFactory(
        meeting=meeting,
        participant=ParticipantFactory(code="RU", name="Russia"),
        invited_at=TODAY - dt.timedelta(days=30),
        contact_emails="asean@ru.mfa.example",
    )


def url(token: str) -> str:
    return reverse("meetings:rsvp", kwargs={"token": token})


def text(response) -> str:
    """The page's visible text, tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.DOTALL).group(1)


def test_rsvp_page_shows_the_meeting_in_local_time(client, frozen_now, delegation):
    response = client.get(url(rsvp_token(delegation)))
    assert (response.status_code, heading(response)) == (
        200,
        "Russia at the ASEAN-Russia Senior Officials&#x27; Meeting",
    )
    assert (
        "When Monday 9 November 2026, 09:00–17:00 (Manila time, UTC+8) "
        "Where PICC, Manila Please answer by the end of Sunday 8 November 2026 (Manila time, "
        "UTC+8) Your answer so far None yet"
    ) in text(response)
    # The same moments, machine-readable (the deadline defaults to the day before the start).
    assert re.findall(r'<time datetime="([^"]+)"', response.content.decode()) == [
        "2026-11-09T01:00:00+00:00",
        "2026-11-08T16:00:00+00:00",
    ]
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_rsvp_confirm_records_the_answer_through_the_link(client, frozen_now, delegation):
    token = rsvp_token(delegation)
    response = client.post(
        url(token),
        {
            "attendance": "confirmed",
            "head_name": "Sergey  Lavrov",
            "head_title": "Minister of Foreign Affairs",
            "level": "minister",
        },
    )
    assert (response.status_code, response["Location"]) == (303, f"{url(token)}?answered=1")
    stored = Delegation.objects.get(pk=delegation.pk)
    assert (
        stored.attendance,
        stored.answered_via,
        stored.answered_at,
        stored.head_name,
        stored.head_title,
        stored.level,
    ) == ("confirmed", "rsvp", TODAY, "Sergey Lavrov", "Minister of Foreign Affairs", "minister")
    last = stored.history.first()
    assert (last.history_change_reason, last.history_user, last.history_date) == (
        "Confirmed through RSVP link",
        None,
        TODAY,
    )


def test_rsvp_page_after_answering_thanks_and_shows_the_answer(client, frozen_now, delegation):
    token = rsvp_token(delegation)
    client.post(url(token), {"attendance": "declined"})
    response = client.get(f"{url(token)}?answered=1")
    notice = re.search(
        r'<p class="rsvp-success" role="status">(.*?)</p>', response.content.decode()
    )
    assert notice.group(1) == "Thank you. Your answer is recorded: <strong>Declined</strong>."
    assert (
        "Your answer so far Declined, recorded Monday 2 November 2026, 11:00 (Manila time, UTC+8)"
    ) in text(response)


def test_rsvp_answer_can_be_changed_until_the_start(client, frozen_now, delegation):
    token = rsvp_token(delegation)
    client.post(url(token), {"attendance": "confirmed"})
    frozen_now.shift(dt.timedelta(days=2))
    client.post(url(token), {"attendance": "declined"})
    reasons = [
        h.history_change_reason for h in Delegation.objects.get(pk=delegation.pk).history.all()
    ]
    assert reasons[:2] == ["Declined through RSVP link", "Confirmed through RSVP link"]


def test_rsvp_post_without_an_answer_names_the_field(client, frozen_now, delegation):
    response = client.post(url(rsvp_token(delegation)), {"head_name": "Someone"})
    assert (response.status_code, response.context["form"].errors) == (
        400,
        {"attendance": ["Choose whether your delegation will attend."]},
    )
    assert Delegation.objects.get(pk=delegation.pk).attendance == "invited"


def test_rsvp_post_with_an_unknown_level_names_the_field(client, frozen_now, delegation):
    response = client.post(
        url(rsvp_token(delegation)), {"attendance": "confirmed", "level": "king"}
    )
    assert (response.status_code, response.context["form"].errors) == (
        400,
        {"level": ["Select a valid choice. king is not one of the available choices."]},
    )


def test_rsvp_post_cannot_answer_for_another_delegation(client, frozen_now, delegation, meeting):
    other = DelegationFactory(meeting=meeting, participant=ParticipantFactory(code="JP"))
    client.post(
        url(rsvp_token(delegation)),
        {"attendance": "declined", "delegation": other.pk, "participant": other.participant_id},
    )
    assert dict(Delegation.objects.values_list("participant__code", "attendance")) == {
        "RU": "declined",
        "JP": "invited",
    }


def test_rsvp_post_without_csrf_token_is_refused(frozen_now, delegation):
    response = Client(enforce_csrf_checks=True).post(
        url(rsvp_token(delegation)), {"attendance": "confirmed"}
    )
    assert (response.status_code, Delegation.objects.get(pk=delegation.pk).attendance) == (
        403,
        "invited",
    )


def test_rsvp_post_with_the_page_csrf_token_is_accepted(frozen_now, delegation):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url(rsvp_token(delegation)))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = browser.post(
        url(rsvp_token(delegation)), {"attendance": "confirmed", "csrfmiddlewaretoken": csrf}
    )
    assert (response.status_code, Delegation.objects.get(pk=delegation.pk).attendance) == (
        303,
        "confirmed",
    )


# -- refused links ------------------------------------------------------------------------


def refused(response) -> tuple[int, str]:
    return response.status_code, heading(response)


def _forge(token: str, **payload) -> str:
    """The token with its payload part replaced, the signature kept."""
    body, signature = token.split(":", 1)
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data.update(payload)
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + ":" + signature


def test_rsvp_tampered_signature_is_refused(client, frozen_now, delegation):
    token = rsvp_token(delegation)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert refused(client.get(url(tampered))) == (400, "This link is not valid")


def test_rsvp_token_edited_to_name_another_delegation_is_refused(
    client, frozen_now, delegation, meeting
):
    other = DelegationFactory(meeting=meeting, participant=ParticipantFactory(code="JP"))
    forged = _forge(rsvp_token(delegation), d=other.pk)
    response = client.post(url(forged), {"attendance": "declined"})
    assert refused(response) == (400, "This link is not valid")
    assert Delegation.objects.get(pk=other.pk).attendance == "invited"


def test_rsvp_token_of_another_meeting_is_refused(client, frozen_now, delegation):
    # Validly signed, but the delegation now belongs to another meeting than the link names.
    other_meeting = MeetingFactory()
    token = signing.dumps({"d": delegation.pk, "m": other_meeting.pk}, salt=SALT)
    response = client.post(url(token), {"attendance": "declined"})
    assert refused(response) == (403, "This link is for another delegation")
    assert Delegation.objects.get(pk=delegation.pk).attendance == "invited"


def test_rsvp_value_signed_for_another_purpose_is_refused(client, frozen_now, delegation):
    token = signing.dumps({"d": delegation.pk, "m": delegation.meeting_id})
    assert refused(client.get(url(token))) == (400, "This link is not valid")


@pytest.mark.parametrize(
    "token", ["x", "a:b:c", "eyJkIjoxfQ:zzz", "ü" * 20, "A" * 1000, "e30:" + "A" * 43]
)
def test_rsvp_garbage_is_refused_not_a_crash(client, frozen_now, delegation, token):
    assert refused(client.get(url(token))) == (400, "This link is not valid")


def test_rsvp_expires_when_the_meeting_starts(client, frozen_now, delegation):
    token = rsvp_token(delegation)
    frozen_now.move_to(START)
    response = client.post(url(token), {"attendance": "confirmed"})
    assert refused(response) == (410, "This link has expired")
    assert Delegation.objects.get(pk=delegation.pk).attendance == "invited"


def test_rsvp_expiry_follows_the_meeting_when_it_is_moved(client, frozen_now, delegation, meeting):
    token = rsvp_token(delegation)
    frozen_now.move_to(START + dt.timedelta(hours=1))
    expired = client.get(url(token)).status_code
    services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=START + dt.timedelta(days=7),
        end=START + dt.timedelta(days=7, hours=8),
    )
    assert (expired, client.get(url(token)).status_code) == (410, 200)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda m: services.meeting_cancel(meeting=m, by=None, reason="Typhoon"),
            (410, "This meeting was cancelled"),
        ),
        (
            lambda m: services.meeting_postpone(meeting=m, by=None, reason="Venue unavailable"),
            (410, "This meeting was postponed"),
        ),
        (
            lambda m: services.meeting_set_published(meeting=m, by=None, published=False),
            (410, "This meeting is no longer open for answers"),
        ),
    ],
)
def test_rsvp_closed_meeting_is_refused(client, frozen_now, delegation, meeting, change, expected):
    token = rsvp_token(delegation)
    change(meeting)
    assert refused(client.get(url(token))) == expected


def test_rsvp_withdrawn_invitation_is_refused(client, frozen_now, delegation):
    token = rsvp_token(delegation)
    delegation.delete()
    assert refused(client.get(url(token))) == (410, "This invitation no longer exists")


# -- answering stops the reminders ----------------------------------------------------------


def test_delegation_that_confirms_through_its_link_gets_no_further_reminder(
    client, frozen_now, delegation
):
    # Its invitation went when it was invited (no reminder ever precedes it).
    Reminder.objects.create(
        delegation=delegation,
        kind=ReminderKind.INVITATION,
        step=reminders.INVITATION_STEP,
        status=ReminderStatus.SENT,
        due_at=delegation.invited_at,
        sent_at=delegation.invited_at,
    )
    # 7 days before: the 7-day reminder goes, carrying the link.
    frozen_now.move_to(START - dt.timedelta(days=7))
    reminders.reminders_pass(send=True)
    link = re.search(r"http://127\.0\.0\.1:8000(/rsvp/[^/\s]+/)", mail.outbox[0].body).group(1)
    client.post(link, {"attendance": "confirmed"})
    # 3 and 1 days before: nothing more than the receipt of its answer.
    frozen_now.move_to(START - dt.timedelta(days=3))
    reminders.reminders_pass(send=True)
    frozen_now.move_to(START - dt.timedelta(days=1))
    reminders.reminders_pass(send=True)
    revision = Delegation.objects.get(pk=delegation.pk).revision
    assert [m.subject.split(":")[0] for m in mail.outbox] == [
        "Reminder",
        "Answer received (Confirmed)",
    ]
    assert list(Reminder.objects.order_by("pk").values_list("step", "status")) == [
        ("invitation", "sent"),
        ("7d", "sent"),
        (f"receipt-{revision}", "sent"),
    ]


def test_link_in_the_mail_opens_the_delegations_page(client, frozen_now, delegation):
    reminders.reminders_pass(send=True)
    link = re.search(r"http://127\.0\.0\.1:8000(/rsvp/[^/\s]+/)", mail.outbox[0].body).group(1)
    assert (link, client.get(link).status_code) == (url(rsvp_token(delegation)), 200)
