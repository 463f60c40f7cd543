"""Control characters are refused in plain-text fields by the models' validators, so every
door (admin, API, importer, services) refuses them naming the field; multi-line text keeps
its line breaks and tabs."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from meetings import services
from meetings.forms import DelegationAdminForm
from meetings.models import Delegation, Meeting, Participant, Venue
from meetings.validators import validate_multiline, validate_one_line
from tests.factories import DelegationFactory, MeetingFactory

pytestmark = pytest.mark.django_db

SHIFT_IN = "Retno\x0fMarsudi"
ONE_LINE = "Remove the control character U+000F: this field takes one line of text."


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("Prak Sokhonn", None),
        ("ប្រាក់ សុខុន", None),
        (SHIFT_IN, ONE_LINE),
        ("A\nB", "Remove the control character U+000A: this field takes one line of text."),
        ("A\tB", "Remove the control character U+0009: this field takes one line of text."),
        ("A\x7fB", "Remove the control character U+007F: this field takes one line of text."),
        ("A\x85B", "Remove the control character U+0085: this field takes one line of text."),
        ("A\x9fB", "Remove the control character U+009F: this field takes one line of text."),
        ("A\u2028B", None),
    ],
)
def test_one_line_refuses_c0_c1_and_del(value, error):
    if error is None:
        assert validate_one_line(value) is None
    else:
        with pytest.raises(ValidationError) as refused:
            validate_one_line(value)
        assert (refused.value.messages, refused.value.error_list[0].code) == (
            [error],
            "control_character",
        )


def test_multiline_keeps_breaks_and_tabs_but_not_other_controls():
    assert validate_multiline("<p>One</p>\r\n<p>\tTwo</p>\n") is None
    with pytest.raises(ValidationError) as refused:
        validate_multiline("One\x0bTwo")
    assert refused.value.messages == [
        "Remove the control character U+000B: only line breaks and tabs are allowed."
    ]


@pytest.mark.parametrize(
    ("model", "field", "multiline"),
    [
        (Meeting, "title", False),
        (Meeting, "status_note", False),
        (Meeting, "description", True),
        (Delegation, "head_name", False),
        (Delegation, "head_title", False),
        (Delegation, "notes", True),
        (Participant, "name", False),
        (Participant, "name_local", False),
        (Venue, "name", False),
        (Venue, "address", False),
    ],
)
def test_text_fields_carry_the_validator(model, field, multiline):
    validators = model._meta.get_field(field).validators
    expected = validate_multiline if multiline else validate_one_line
    assert expected in validators


def test_service_refuses_a_control_character_naming_the_field(frozen_now):
    delegation = DelegationFactory(head_name="Before")
    with pytest.raises(ValidationError) as refused:
        services.delegation_update(delegation=delegation, by=None, head_name=SHIFT_IN)
    assert refused.value.message_dict == {"head_name": [ONE_LINE]}
    assert Delegation.objects.get(pk=delegation.pk).head_name == "Before"


def test_admin_form_refuses_a_control_character_under_the_field(frozen_now):
    delegation = DelegationFactory()
    form = DelegationAdminForm(
        data={
            "meeting": delegation.meeting_id,
            "participant": delegation.participant_id,
            "head_name": SHIFT_IN,
            "attendance": "invited",
            "revision_seen": delegation.revision,
        },
        instance=delegation,
    )
    assert (form.is_valid(), form.errors) == (False, {"head_name": [ONE_LINE]})


def test_admin_meeting_description_keeps_line_breaks(frozen_now):
    meeting = MeetingFactory()
    services.meeting_update(meeting=meeting, by=None, description="<p>One</p>\n<p>Two</p>")
    assert Meeting.objects.get(pk=meeting.pk).description == "<p>One</p>\n<p>Two</p>"


def test_admin_delegation_page_refuses_a_control_character(client, frozen_now, editor):
    delegation = DelegationFactory(head_name="Before")
    client.force_login(editor)
    response = client.post(
        reverse("admin:meetings_delegation_change", args=[delegation.pk]),
        {
            "meeting": delegation.meeting_id,
            "participant": delegation.participant_id,
            "head_name": SHIFT_IN,
            "attendance": "invited",
            "revision_seen": delegation.revision,
            "reminders-TOTAL_FORMS": "0",
            "reminders-INITIAL_FORMS": "0",
        },
    )
    assert (response.status_code, response.context["adminform"].form.errors) == (
        200,
        {"head_name": [ONE_LINE]},
    )
    assert Delegation.objects.get(pk=delegation.pk).head_name == "Before"


def test_api_refuses_a_control_character_naming_the_field(frozen_now, editor):
    delegation = DelegationFactory(head_name="Before")
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=editor)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.patch(
        f"/api/v1/delegations/{delegation.pk}/", {"head_name": SHIFT_IN}, format="json"
    )
    body = json.dumps(response.json())
    # The error's shape is the API's; it names the field and gives the message.
    assert (response.status_code, "head_name" in body, ONE_LINE in body) == (400, True, True)
    assert Delegation.objects.get(pk=delegation.pk).head_name == "Before"
