"""A small calendar to attack, the per-example isolation, and the printed totals."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from meetings import caching
from meetings.models import Delegation, Format, Meeting, Participant, Venue
from meetings.tokens import rsvp_token
from tests.factories import DelegationFactory, MeetingFactory, ParticipantFactory, VenueFactory

from . import tally

# The checks live in helper modules: have pytest explain their failed asserts too.
pytest.register_assert_rewrite("tests.hostile.outputs", "tests.hostile.expect")

from .outputs import PageScan  # noqa: E402

START = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)  # 09:00 in Phnom Penh
CACHES = ("default", settings.FEED_CACHE_ALIAS, settings.FEED_DOCUMENT_CACHE_ALIAS)


def pytest_terminal_summary(terminalreporter) -> None:
    if not tally.INPUTS:
        return
    terminalreporter.section("hostile inputs tried per surface, and server errors (goal: 0)")
    for line in tally.summary_lines():
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are made per test; the production hasher's cost adds nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def isolated() -> Iterator[None]:
    """One hypothesis example: fresh caches, and every write rolled back afterwards.

    The caches are keyed by the calendar's stamp, which a rollback can bring back
    (SQLite reuses the ids): what an earlier example cached must not be served.
    """
    for alias in CACHES:
        caches[alias].clear()
    caching.reset()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass
class World:
    fmt: Format
    host: Participant
    guest: Participant
    venue: Venue
    meeting: Meeting
    sibling: Meeting
    delegation: Delegation

    @property
    def token(self) -> str:
        return rsvp_token(self.delegation)


@pytest.fixture
def world(db, frozen_now) -> World:
    """Two published meetings ahead of TODAY in Phnom Penh; Russia invited to the first."""
    fmt = Format.objects.create(
        code="AMM", name="ASEAN Foreign Ministers' Meeting", short_name="AMM"
    )
    host = ParticipantFactory(code="KH", name="Cambodia", name_local="កម្ពុជា")
    guest = ParticipantFactory(code="RU", name="Russia")
    venue = VenueFactory(name="Peace Palace", city="Phnom Penh", address="Street 41")
    meeting = MeetingFactory(
        format=fmt,
        number=59,
        venue=venue,
        host=host,
        start=START,
        end=START + dt.timedelta(hours=3),
        description="<p>The ministers meet.</p>",
    )
    sibling = MeetingFactory(
        format=fmt, number=60, venue=venue, host=host, start=START + dt.timedelta(days=1)
    )
    delegation = DelegationFactory(
        meeting=meeting,
        participant=guest,
        invited_at=START - dt.timedelta(days=30),
        contact_emails="asean@ru.mfa.example",
    )
    return World(fmt, host, guest, venue, meeting, sibling, delegation)


@pytest.fixture
def baseline(client, world) -> PageScan:
    """The meeting page with benign data: what every hostile page must look like."""
    response = client.get(world.meeting.get_absolute_url())
    assert response.status_code == 200
    return PageScan(response.content.decode())


@pytest.fixture
def api(editor) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=editor)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
