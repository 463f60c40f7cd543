"""Hostile input on the RSVP page: forged and mangled tokens in the URL, and hostile heads
of delegation in a valid link's form.

A token that is not one this site signed for a live delegation gets the refusal page
(400, 403 or 410) and changes nothing. Through a valid link, a head's name and title are
stored as one line of clean text (or refused by field, the page answering 400), and the
page that echoes them back runs nothing.
"""

import re
from urllib.parse import quote

import pytest
from django.core import signing
from hypothesis import given, note
from hypothesis import strategies as st

from meetings.enums import DelegationLevel
from meetings.models import Delegation
from meetings.tokens import SALT

from . import tally
from .conftest import isolated
from .expect import REFUSED, rsvp_text
from .outputs import PageScan, assert_outputs, assert_page_safe
from .state import calendar_state
from .strategies import (
    HOSTILE,
    KNOWN,
    fits_one_request,
    hostile_text,
    shown,
    spread,
    with_examples,
)
from .transport import post_form, wire

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]

REFUSALS = {
    400: "This link is not valid",
    403: "This link is for another delegation",
    410: "This invitation no longer exists",
}
# Payloads signed with the site's key and the links' salt, but not what a link carries.
FORGED = (
    {"d": 2**70, "m": 1},
    {"d": -1, "m": -1},
    {"d": True, "m": True},
    {"d": 1.0, "m": 1.0},
    {"d": "1", "m": "1"},
    {"d": [1], "m": {"x": 1}},
    {"d": 1},
    {"d": 1, "m": 1, "x": "<script>"},
    ["d", "m"],
    "<script>alert(1)</script>",
    None,
)
LEVELS = ("", "minister", "MINISTER", "head_of_state\x00", "<script>", "other ")


def rsvp_path(token: str) -> str:
    return f"/rsvp/{quote(wire(token), safe='')}/"


def heading(response) -> str:
    found = re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.DOTALL)
    return found.group(1) if found else ""


def forged_tokens() -> st.SearchStrategy[str]:
    payloads = st.one_of(
        st.sampled_from(FORGED),
        st.dictionaries(st.sampled_from("dmx"), st.integers(-(2**70), 2**70), max_size=3),
    )
    return payloads.map(lambda payload: signing.dumps(payload, salt=SALT))


def assert_refused(response, before: dict) -> None:
    """The refusal page, with nothing written; a token holding "/" is another address."""
    assert response.status_code in REFUSALS, response.status_code
    assert (heading(response), calendar_state()) == (REFUSALS[response.status_code], before)


@HOSTILE
@with_examples("token", [*KNOWN[::3], "A" * 301, "x" * 5000])
@given(token=st.one_of(hostile_text(), forged_tokens()))
def test_rsvp_hostile_or_forged_token_refused_without_a_write(client, world, token):
    note(shown(token))
    with isolated():
        before = calendar_state()
        path = rsvp_path(token)
        body = {"attendance": "confirmed", "head_name": "Intruder"}

        got = tally.send("rsvp token", lambda: client.get(path))
        posted = tally.send("rsvp token", lambda: post_form(client, path, body), inputs=0)

        if not token or "/" in token:
            # Not one path segment: another address, or none.
            assert (got.status_code, posted.status_code) == (404, 404)
            return
        assert_refused(got, before)
        assert_refused(posted, before)


def test_rsvp_tampered_real_token_refused_without_a_write(client, world):
    """The site's own token, cut, lengthened, re-cased, re-salted or pointed elsewhere."""
    token = world.token
    other = signing.dumps({"d": world.delegation.pk, "m": world.sibling.pk}, salt=SALT)
    tampered = [
        token + "x",
        token[:-1],
        token.swapcase(),
        token.replace(":", "\x00"),
        signing.dumps({"d": world.delegation.pk, "m": world.meeting.pk}, salt="another.salt"),
        other,
    ]
    before = calendar_state()
    statuses = []
    for value in tampered:
        response = tally.send("rsvp token", lambda value=value: client.get(rsvp_path(value)))
        assert heading(response) == REFUSALS.get(response.status_code)
        statuses.append(response.status_code)
    assert (statuses, calendar_state()) == ([400, 400, 400, 400, 400, 403], before)


HEAD_FIELDS = ("head_name", "head_title")


def head_examples() -> list[dict[str, str]]:
    found = spread(HEAD_FIELDS)
    for n, example in enumerate(found):
        example["level"] = LEVELS[n % len(LEVELS)]
    return found


@HOSTILE
@with_examples("values", head_examples())
@given(
    values=st.fixed_dictionaries(
        {
            "head_name": hostile_text(),
            "head_title": hostile_text(),
            "level": st.one_of(st.sampled_from(LEVELS), hostile_text()),
        }
    ).filter(fits_one_request)
)
def test_rsvp_hostile_head_refused_by_field_or_stored_as_one_line(client, world, baseline, values):
    note(shown(values))
    with isolated():
        delegation = Delegation.objects.get(pk=world.delegation.pk)
        before = calendar_state()
        expected = {
            "head_name": rsvp_text(values["head_name"], 200),
            "head_title": rsvp_text(values["head_title"], 300),
            "level": values["level"]
            if values["level"] in ("", *DelegationLevel.values)
            else REFUSED,
        }
        path = f"/rsvp/{world.token}/"  # URL-safe as signed
        blank = tally.send("rsvp form", lambda: client.get(path), inputs=0)

        response = tally.send(
            "rsvp form",
            lambda: post_form(client, path, {"attendance": "confirmed", **values}),
            inputs=len(values),
        )

        refused = {name for name, value in expected.items() if value is REFUSED}
        if refused:
            assert (response.status_code, set(response.context["form"].errors)) == (400, refused)
            assert calendar_state() == before
            # The page echoes the values back into the form: as text only.
            assert_page_safe(response.content.decode(), PageScan(blank.content.decode()))
            return
        assert (response.status_code, response["Location"]) == (303, f"{path}?answered=1")
        stored = Delegation.objects.get(pk=delegation.pk)
        assert (
            stored.attendance,
            stored.answered_via,
            stored.head_name,
            stored.head_title,
            stored.level,
        ) == ("confirmed", "rsvp", expected["head_name"], expected["head_title"], expected["level"])
        thanks = tally.send("rsvp form", lambda: client.get(f"{path}?answered=1"), inputs=0)
        assert_page_safe(thanks.content.decode(), PageScan(blank.content.decode()))
        assert_outputs(client, stored.meeting, baseline, shown={"page", "ics", "atom", "mail"})
