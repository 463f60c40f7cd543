"""RSVP links bound to the participant and the addresses they were sent to, and revocable.

A correction of the delegation's participant or contact addresses, or a revocation by staff,
makes the links sent so far stop working; new addresses get a new link through the outbox,
once. Edits that change neither (the head, the answer, the meeting) keep links working.
"""

import datetime as dt
import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from meetings import reminders, services
from meetings.enums import AnswerChannel
from meetings.models import Delegation, Reminder
from meetings.tokens import SALT, rsvp_token
from tests.conftest import TODAY
from tests.factories import DelegationFactory, MeetingFactory, ParticipantFactory, VenueFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 9, 1, 0, tzinfo=dt.UTC)  # 09:00 in Manila
NO_LONGER_VALID = (
    410,
    "This link is no longer valid",
    "The secretariat has replaced or withdrawn this link, after correcting the delegation or "
    "its contact addresses, or on request. If a newer e-mail about this meeting reached you, "
    "please use the link it carries; otherwise please contact the ASEAN Secretariat, which "
    "sent you the invitation, for a new link.",
)


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
    """Brunei, invited 30 days ago, its invitation sent."""
    delegation = DelegationFactory(
        meeting=meeting,
        participant=ParticipantFactory(code="BN", name="Brunei Darussalam"),
        invited_at=TODAY - dt.timedelta(days=30),
        contact_emails="asean@mfa.gov.bn.example",
    )
    [invitation] = reminders.invitations_queue(delegations=[delegation])
    reminders.reminder_send(reminder_id=invitation.pk)
    mail.outbox.clear()
    return Delegation.objects.get(pk=delegation.pk)


def url(token: str) -> str:
    return reverse("meetings:rsvp", kwargs={"token": token})


def page(response) -> tuple[int, str, str]:
    """Status, heading and first paragraph of a page."""
    content = response.content.decode()
    heading = re.search(r"<h1>(.*?)</h1>", content, re.DOTALL).group(1)
    paragraph = re.search(r"<p>(.*?)</p>", content, re.DOTALL).group(1)
    return response.status_code, heading, " ".join(paragraph.split())


def link_in(message) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/rsvp/[^/\s]+/)", message.body).group(1)


def outbox_rows(delegation: Delegation) -> list[tuple[str, str, str]]:
    return list(
        Reminder.objects.filter(delegation=delegation)
        .order_by("pk")
        .values_list("kind", "step", "status")
    )


def test_link_refused_after_the_participant_is_corrected(client, frozen_now, delegation):
    old = rsvp_token(delegation)
    bangladesh = ParticipantFactory(code="BD", name="Bangladesh")
    services.delegation_update(delegation=delegation, by=None, participant=bangladesh)
    response = client.post(url(old), {"attendance": "confirmed", "head_name": "Intruder"})
    assert page(response) == NO_LONGER_VALID
    assert "Bangladesh" not in response.content.decode()
    stored = Delegation.objects.get(pk=delegation.pk)
    assert (stored.attendance, stored.head_name, stored.link_version) == ("invited", "", 1)
    # The same addresses: no new link goes to them unasked (they may be Brunei's).
    assert outbox_rows(delegation) == [("invitation", "invitation", "sent")]
    assert client.get(url(rsvp_token(stored))).status_code == 200


def test_link_refused_after_the_addresses_change_and_a_new_one_goes_to_them_once(
    client, frozen_now, delegation
):
    old = rsvp_token(delegation)
    services.delegation_update(
        delegation=delegation, by=None, contact_emails="rsvp@mofa.gov.bn.example"
    )
    # Saved again with the same addresses, the delegation gets no second new link.
    stored = Delegation.objects.get(pk=delegation.pk)
    services.delegation_update(delegation=stored, by=None, notes="Checked by phone")
    assert page(client.get(url(old))) == NO_LONGER_VALID
    assert outbox_rows(delegation) == [
        ("invitation", "invitation", "sent"),
        ("new_link", "link-1", "queued"),
    ]
    row = Reminder.objects.get(delegation=delegation, step="link-1")
    result = reminders.reminder_send(reminder_id=row.pk)
    [message] = mail.outbox
    assert (result.outcome, message.to, message.subject) == (
        "sent",
        ["rsvp@mofa.gov.bn.example"],
        "New link: please confirm your attendance at ASEAN-Russia Senior Officials' Meeting",
    )
    assert (
        "The secretariat has corrected your delegation's details for the ASEAN-Russia Senior "
        "Officials' Meeting. The link in earlier e-mails no longer works: please use the one "
        "below."
    ) in message.body
    new = link_in(message)
    assert (new, client.get(new).status_code) == (url(rsvp_token(stored)), 200)
    assert reminders.reminder_send(reminder_id=row.pk).outcome == "busy"
    assert len(mail.outbox) == 1


def test_new_link_goes_even_after_an_answer_and_a_later_correction_overtakes_it(
    client, frozen_now, delegation
):
    services.delegation_record_answer(
        delegation=delegation, attendance="confirmed", via=AnswerChannel.RSVP
    )
    services.delegation_update(delegation=delegation, by=None, contact_emails="a@bn.example")
    services.delegation_update(delegation=delegation, by=None, contact_emails="b@bn.example")
    first, second = (
        Reminder.objects.get(delegation=delegation, step=s) for s in ("link-1", "link-2")
    )
    results = [reminders.reminder_send(reminder_id=row.pk) for row in (first, second)]
    assert [(r.outcome, r.detail) for r in results] == [
        ("skipped", "overtaken by a newer link"),
        ("sent", "b@bn.example"),
    ]
    assert [m.to for m in mail.outbox] == [["b@bn.example"]]


def test_no_new_link_when_the_invitation_has_not_gone_or_the_meeting_is_closed(frozen_now, meeting):
    waiting = DelegationFactory(meeting=meeting, contact_emails="old@ph.example")
    services.delegation_update(delegation=waiting, by=None, contact_emails="new@ph.example")
    # Its invitation, still to go, carries the current link to the current addresses.
    assert outbox_rows(waiting) == [("invitation", "invitation", "queued")]
    cancelled = MeetingFactory(start=START, end=START + dt.timedelta(hours=2))
    sent = DelegationFactory(meeting=cancelled, contact_emails="old@sg.example")
    [invitation] = reminders.invitations_queue(delegations=[sent])
    reminders.reminder_send(reminder_id=invitation.pk)
    services.meeting_cancel(meeting=cancelled, by=None, reason="Typhoon")
    sent.refresh_from_db()
    services.delegation_update(delegation=sent, by=None, contact_emails="new@sg.example")
    # No new link for a closed meeting; the cancellation's notice waits for its burst to end.
    assert outbox_rows(sent) == [
        ("invitation", "invitation", "sent"),
        ("change", "change-1", "queued"),
    ]


def test_link_keeps_working_across_unrelated_edits(client, frozen_now, delegation, meeting):
    token = rsvp_token(delegation)
    services.delegation_update(
        delegation=delegation,
        by=None,
        head_name="Dato Erywan",
        head_title="Minister of Foreign Affairs II",
        # The same addresses, in another case and with a repeat.
        contact_emails="ASEAN@mfa.gov.bn.example\nasean@mfa.gov.bn.example",
    )
    services.delegation_record_answer(
        delegation=delegation, attendance="declined", via=AnswerChannel.ADMIN
    )
    services.meeting_update(meeting=meeting, by=None, status_note="Agenda circulated")
    response = client.post(url(token), {"attendance": "confirmed"})
    stored = Delegation.objects.get(pk=delegation.pk)
    assert (response.status_code, stored.attendance, stored.link_version) == (303, "confirmed", 0)
    # No new link: only the receipt of the answer given through the link.
    assert outbox_rows(delegation) == [
        ("invitation", "invitation", "sent"),
        ("receipt", f"receipt-{stored.revision}", "queued"),
    ]


def test_staff_revoke_links_in_the_admin_recorded_in_history(
    client, frozen_now, delegation, editor
):
    token = rsvp_token(delegation)
    client.force_login(editor)
    response = client.post(
        reverse("admin:meetings_delegation_changelist"),
        {"action": "revoke_links", "_selected_action": [delegation.pk]},
    )
    assert response.status_code == 302
    stored = Delegation.objects.get(pk=delegation.pk)
    last = stored.history.first()
    assert (stored.link_version, last.history_user, last.history_change_reason) == (
        1,
        editor,
        "RSVP links revoked",
    )
    assert outbox_rows(delegation) == [("invitation", "invitation", "sent")]
    client.logout()
    assert page(client.get(url(token))) == NO_LONGER_VALID
    assert client.get(url(rsvp_token(stored))).status_code == 200


def test_link_of_before_works_until_the_first_change(client, frozen_now, delegation):
    """Links mailed before tokens named the participant carry the delegation and meeting only."""
    legacy = signing.dumps({"d": delegation.pk, "m": delegation.meeting_id}, salt=SALT)
    assert client.get(url(legacy)).status_code == 200
    services.delegation_revoke_links(delegation=delegation, by=None)
    assert page(client.get(url(legacy))) == NO_LONGER_VALID


def test_link_of_another_version_or_participant_is_refused(client, frozen_now, delegation):
    """Signed with the site's key, but for the delegation as it was (or never was)."""
    payload = signing.loads(rsvp_token(delegation), salt=SALT)
    stale = [
        {**payload, "v": 1},
        {**payload, "p": ParticipantFactory(code="BD").pk},
        {**payload, "c": "0" * 20},
    ]
    responses = [client.get(url(signing.dumps(value, salt=SALT))) for value in stale]
    assert [page(response) for response in responses] == [NO_LONGER_VALID] * 3


def test_a_correction_between_check_and_answer_wins(client, frozen_now, delegation):
    """The link is checked again under the row's lock when the answer is written."""
    token = rsvp_token(delegation)
    assert client.get(url(token)).status_code == 200
    services.delegation_update(delegation=delegation, by=None, contact_emails="new@bn.example")
    response = client.post(url(token), {"attendance": "declined"})
    stored = Delegation.objects.get(pk=delegation.pk)
    assert (page(response), stored.attendance, stored.contact_emails) == (
        NO_LONGER_VALID,
        "invited",
        "new@bn.example",
    )


def test_refused_link_page_names_the_secretariats_address_when_set(
    client, frozen_now, delegation, settings
):
    old = rsvp_token(delegation)
    services.delegation_revoke_links(delegation=delegation, by=None)

    without = client.get(url(old)).content.decode()
    settings.SECRETARIAT_EMAIL = "rsvp@asean.example"
    with_address = client.get(url(old)).content.decode()

    assert "mailto:" not in without
    assert (
        '<p>The secretariat: <a href="mailto:rsvp@asean.example">rsvp@asean.example</a></p>'
        in with_address
    )


def test_addresses_given_where_there_were_none_replace_no_link(client, frozen_now, meeting):
    # An invitation on record, sent when the delegation had no address: no one holds a link.
    delegation = DelegationFactory(meeting=meeting, invited_at=TODAY - dt.timedelta(days=30))
    Reminder.objects.create(
        delegation=delegation,
        kind="invitation",
        step="invitation",
        due_at=TODAY - dt.timedelta(days=30),
        status="sent",
        sent_at=TODAY - dt.timedelta(days=30),
    )

    services.delegation_update(delegation=delegation, by=None, contact_emails="desk@ph.example")

    stored = Delegation.objects.get(pk=delegation.pk)
    assert (stored.link_version, outbox_rows(delegation)) == (
        0,
        [("invitation", "invitation", "sent")],
    )
    # The reminders to come carry a link made for the address: it works.
    assert client.get(url(rsvp_token(stored))).status_code == 200
