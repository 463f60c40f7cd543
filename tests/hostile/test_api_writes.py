"""Hostile JSON through the API's writes, with an editor's token.

Each body carries a hostile value in every text field at once (strings, or other JSON
types where a string belongs): a 400 whose keys are exactly the fields at fault, with
nothing written, or a 2xx storing exactly what the serializers define, which the API,
the pages and the calendars then show safely.
"""

import json

import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from rest_framework.fields import EmailField

from meetings.models import Delegation, Meeting
from meetings.validators import split_addresses

from . import tally
from .conftest import isolated
from .expect import REFUSED, api_text, has_lone_surrogate, rich_text
from .outputs import assert_outputs
from .state import calendar_state
from .strategies import (
    HOSTILE,
    KNOWN,
    ONE_MB_PAYLOAD,
    fits_one_request,
    hostile_text,
    shown,
    spread,
    with_examples,
)
from .transport import json_body

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]

MAX_TEXT = 20_000
MEETING_TEXT = {"title": 200, "status_note": 300, "description": MAX_TEXT}
DELEGATION_TEXT = {"head_name": 200, "head_title": 300, "notes": MAX_TEXT}
# Not strings: what a careless or hostile client sends where text belongs.
OTHER_JSON = (None, 0, -1, 2**64, 1.5, True, [], ["<script>"], {}, {"$ne": ""})


def json_value() -> st.SearchStrategy[object]:
    return st.one_of(hostile_text(), st.sampled_from(OTHER_JSON))


def api_value(value: object, limit: int) -> object:
    """What a StrictCharField stores: a string only, stripped, no NUL, within `limit`."""
    # As the server reads it: JSON joins an escaped surrogate pair into one character.
    value = json.loads(json_body(value))
    # The fields of MAX_TEXT (description, notes) are the multi-line ones.
    multiline = limit == MAX_TEXT
    return api_text(value, limit, multiline=multiline) if isinstance(value, str) else REFUSED


def unreadable(body: dict) -> set[str]:
    """Fields whose value holds a lone surrogate once decoded: the parser refuses the body
    naming these alone, before any field is validated."""
    decoded = json.loads(json_body(body))
    return {
        name
        for name, value in decoded.items()
        if has_lone_surrogate(json.dumps(value, ensure_ascii=False, default=str))
    }


def send_json(api, surface: str, method: str, path: str, body: dict, inputs: int):
    return tally.send(
        surface,
        lambda: getattr(api, method)(path, json_body(body), content_type="application/json"),
        inputs=inputs,
    )


def error_keys(response) -> set[str]:
    """The fields a 400's problem document names (`errors`; none for a body that is not JSON),
    an item of a list field as the list (`contact_emails.0` as `contact_emails`)."""
    errors = json.loads(response.content).get("errors", [])
    return {error["field"].split(".")[0] for error in errors}


def examples(fields) -> list[dict]:
    """The known payloads dealt over the fields, and a turn for each other JSON type."""
    fields = tuple(fields)
    others = [
        {name: OTHER_JSON[(n + j) % len(OTHER_JSON)] for j, name in enumerate(fields)}
        for n in range(0, len(OTHER_JSON), len(fields))
    ]
    return spread(fields) + others


@HOSTILE
@with_examples("values", examples(MEETING_TEXT))
@given(
    values=st.fixed_dictionaries({name: json_value() for name in MEETING_TEXT}).filter(
        fits_one_request
    )
)
def test_api_meeting_create_hostile_text_refused_by_field_or_created_exactly(
    client, api, world, baseline, values
):
    note(shown(values))
    with isolated():
        before = calendar_state()
        body = {
            "format": "AMM",
            "number": 61,
            "venue": world.venue.pk,
            "host": "KH",
            "start": "2027-08-03T09:00:00+07:00",
            "end": "2027-08-03T12:00:00+07:00",
            "published": True,
            **values,
        }
        expected = {name: api_value(values[name], limit) for name, limit in MEETING_TEXT.items()}

        response = send_json(api, "api meeting create", "post", "/api/v1/meetings/", body, 3)

        refused = unreadable(values) or {n for n, value in expected.items() if value is REFUSED}
        if refused:
            assert (response.status_code, error_keys(response)) == (400, refused)
            assert calendar_state() == before
            return
        assert response.status_code == 201
        created = Meeting.objects.get(number=61)
        assert (created.title, created.status_note, created.description) == (
            expected["title"] or "61st ASEAN Foreign Ministers' Meeting",
            expected["status_note"],
            rich_text(expected["description"]),
        )
        data = json.loads(response.content)
        assert (data["title"], data["description"]) == (created.title, created.description)
        assert_outputs(client, created, baseline, shown={"page", "ics"})


PATCHED = ("title", "status_note", "description", "timezone", "format", "host", "event")


@HOSTILE
@with_examples("values", examples(PATCHED))
@given(
    values=st.dictionaries(st.sampled_from(PATCHED), json_value(), min_size=1).filter(
        fits_one_request
    )
)
def test_api_meeting_patch_hostile_values_refused_by_field_or_stored_exactly(
    client, api, world, baseline, values
):
    """Text is stored as given (trimmed); codes, slugs and zones that name nothing are
    refused by field."""
    note(shown(values))
    with isolated():
        meeting = world.meeting
        before = calendar_state()
        texts = {
            name: api_value(values[name], MEETING_TEXT[name])
            for name in MEETING_TEXT
            if name in values
        }

        response = send_json(
            api,
            "api meeting patch",
            "patch",
            f"/api/v1/meetings/{meeting.slug}/",
            values,
            len(values),
        )

        if response.status_code == 400:
            errors = error_keys(response)
            refused_texts = unreadable(values) or {n for n, v in texts.items() if v is REFUSED}
            # A key refused alone is named; text that is fine is never blamed.
            assert refused_texts <= errors <= set(values), errors
            assert calendar_state() == before
            return
        assert response.status_code == 200
        assert REFUSED not in texts.values()
        stored = Meeting.objects.get(pk=meeting.pk)
        for name, value in texts.items():
            if name == "description":
                value = rich_text(value)
            elif name == "title":
                value = value or "59th ASEAN Foreign Ministers' Meeting"
            assert getattr(stored, name) == value
        assert_outputs(client, stored, baseline, shown={"page", "ics", "atom"})


@HOSTILE
@with_examples(
    None,
    [{"reason": r, "action": ("cancel", "postpone")[n % 2]} for n, r in enumerate(KNOWN[::4])],
)
@given(reason=json_value(), action=st.sampled_from(("cancel", "postpone")))
def test_api_meeting_cancel_hostile_reason_refused_or_shown_exactly(
    client, api, world, baseline, reason, action
):
    note(shown(reason))
    with isolated():
        meeting = world.meeting
        before = calendar_state()
        expected = api_value(reason, 300)

        response = send_json(
            api,
            "api meeting cancel",
            "post",
            f"/api/v1/meetings/{meeting.slug}/{action}/",
            {"reason": reason},
            1,
        )

        if expected is REFUSED:
            assert (response.status_code, error_keys(response)) == (400, {"reason"})
            assert calendar_state() == before
            return
        assert response.status_code == 200
        stored = Meeting.objects.get(pk=meeting.pk)
        assert (stored.status, stored.status_note) == (
            {"cancel": "cancelled", "postpone": "postponed"}[action],
            expected,
        )
        assert_outputs(client, stored, baseline, shown={"page", "ics", "atom"})


def contacts() -> st.SearchStrategy[object]:
    return st.one_of(
        st.lists(st.one_of(st.emails(), hostile_text()), max_size=4),
        st.lists(st.emails(), min_size=21, max_size=22),
        json_value(),
    )


def contacts_refused(value: object) -> str:
    """Which check refuses a list of contact addresses: "input" (not a list of at most 20
    whole e-mail addresses), "save" (an address that would split apart when stored, as a
    quoted comma does), or "" (none)."""
    if not isinstance(value, list) or len(value) > 20:
        return "input"
    field = EmailField(max_length=254)
    addresses = []
    for item in value:
        try:
            addresses.append(field.run_validation(item))
        except Exception:  # noqa: BLE001 - any refusal by the field
            return "input"
    return "" if all(split_addresses(a) == [a] for a in addresses) else "save"


DELEGATION_FIELDS = (*DELEGATION_TEXT, "contact_emails")


def delegation_examples() -> list[dict]:
    found = examples(DELEGATION_TEXT)
    lists = (
        ["a@example.com", "b@example.com"],
        ["a@example.com\r\nBcc: evil@example.com"],
        ['"a b"@example.com'],
        ['"a,b"@example.com'],
        ["<script>@example.com"],
        ["a@example.com"] * 21,
        "a@example.com",
        [],
    )
    for n, example in enumerate(found):
        example["contact_emails"] = lists[n % len(lists)]
    return found


@HOSTILE
@with_examples("values", delegation_examples())
@given(
    values=st.fixed_dictionaries(
        {**{name: json_value() for name in DELEGATION_TEXT}, "contact_emails": contacts()}
    ).filter(fits_one_request)
)
def test_api_delegation_patch_hostile_head_and_contacts_refused_or_stored_exactly(
    client, api, world, baseline, values
):
    note(shown(values))
    with isolated():
        delegation = world.delegation
        before = calendar_state()
        expected = {name: api_value(values[name], limit) for name, limit in DELEGATION_TEXT.items()}
        refused = {name for name, value in expected.items() if value is REFUSED}
        contacts = contacts_refused(values["contact_emails"])
        if contacts == "input":
            refused.add("contact_emails")
        # The save checks the addresses as stored only once the input is valid.
        refused = unreadable(values) or refused or ({"contact_emails"} if contacts else set())

        response = send_json(
            api,
            "api delegation patch",
            "patch",
            f"/api/v1/delegations/{delegation.pk}/",
            {**values, "attendance": "confirmed"},
            len(values),
        )

        if refused:
            assert (response.status_code, error_keys(response)) == (400, refused)
            assert calendar_state() == before
            return
        assert response.status_code == 200
        stored = Delegation.objects.get(pk=delegation.pk)
        assert {name: getattr(stored, name) for name in expected} == expected
        assert stored.addresses == [address.strip() for address in values["contact_emails"]]
        assert_outputs(client, stored.meeting, baseline, shown={"page", "ics", "mail"})


@HOSTILE
@with_examples("values", spread(("head_name", "head_title"), KNOWN[1::2]))
@given(
    values=st.fixed_dictionaries({"head_name": json_value(), "head_title": json_value()}).filter(
        fits_one_request
    )
)
def test_api_delegation_create_and_answer_hostile_head_refused_or_stored_exactly(
    client, api, world, values
):
    """A new delegation's head, then its answer's: the same rules through both doors."""
    note(shown(values))
    with isolated():
        before = calendar_state()
        expected = {
            "head_name": api_value(values["head_name"], 200),
            "head_title": api_value(values["head_title"], 300),
        }
        refused = unreadable(values) or {n for n, value in expected.items() if value is REFUSED}
        body = {"meeting": world.sibling.slug, "participant": "RU", **values}

        created = send_json(api, "api delegation create", "post", "/api/v1/delegations/", body, 2)

        if refused:
            assert (created.status_code, error_keys(created)) == (400, refused)
            assert calendar_state() == before
            return
        assert created.status_code == 201
        delegation = Delegation.objects.get(meeting=world.sibling, participant__code="RU")
        assert (delegation.head_name, delegation.head_title) == tuple(expected.values())

        answer = {"attendance": "declined", "head_name": values["head_title"]}
        response = send_json(
            api,
            "api delegation answer",
            "post",
            f"/api/v1/delegations/{delegation.pk}/answer/",
            answer,
            1,
        )
        name = api_value(values["head_title"], 200)
        if name is REFUSED:
            assert (response.status_code, error_keys(response)) == (400, {"head_name"})
            return
        assert response.status_code == 200
        delegation.refresh_from_db()
        assert (delegation.attendance, delegation.head_name) == ("declined", name)


@HOSTILE
@with_examples(
    "body",
    [
        {"\ud800": "lone surrogate in a key"},
        {"title": "ok", "<script>alert(1)</script>": 1},
        {"title\x00": "NUL in a key"},
        {"title": {"nested": ["deep"] * 3}},
        [1, 2, 3],
        "a string",
        None,
    ],
)
@given(body=st.dictionaries(hostile_text(), json_value(), max_size=3).filter(fits_one_request))
def test_api_meeting_patch_hostile_keys_and_shapes_never_fail(api, world, body):
    """Unknown keys are ignored, a body that is not an object is refused; never a 500."""
    note(shown(body))
    with isolated():
        before = calendar_state()

        response = send_json(
            api, "api meeting patch", "patch", f"/api/v1/meetings/{world.meeting.slug}/", body, 1
        )

        assert response.status_code in (200, 400)
        if response.status_code == 400:
            assert calendar_state() == before
            # Messages keyed by field or "non_field_errors", or one for a body that is not JSON.
            assert error_keys(response) or json.loads(response.content)["detail"]


def test_api_body_past_the_upload_limit_refused_whole(api, world):
    """Three 1 MB values: past Django's limit on a body, refused before any field is read."""
    before = calendar_state()
    body = dict.fromkeys(("title", "status_note", "description"), ONE_MB_PAYLOAD)

    response = send_json(
        api, "api meeting patch", "patch", f"/api/v1/meetings/{world.meeting.slug}/", body, 3
    )

    assert (response.status_code, calendar_state()) == (400, before)


def test_api_malformed_json_refused_whole(api, world):
    """Bytes that are not JSON (or JSON's forbidden NaN) are refused before any field."""
    before = calendar_state()
    bodies = [b"{", b'{"title": NaN}', b'{"title": "\xed\xa0\x80"}', b"\x00", b"[" * 10_000]
    statuses = [
        tally.send(
            "api malformed body",
            lambda body=body: api.patch(
                f"/api/v1/meetings/{world.meeting.slug}/", body, content_type="application/json"
            ),
        ).status_code
        for body in bodies
    ]
    assert (statuses, calendar_state()) == ([400] * len(bodies), before)
