"""Headless Debian Chromium, driven by Playwright, against a live server.

Without /usr/bin/chromium these tests are skipped, unless REQUIRE_BROWSER=1 (CI), in
which case they fail.

Most browser tests only read the reference calendar. They take `demo_site`: one server
a test process, and the calendar committed once and left in place, so no test pays for
loading it or for flushing the database. A test that writes (an answer, an import) or
builds its own data takes `fresh_demo_site` or `site_today` and the `WRITES` mark:
pytest-django's live server on a transactional database, flushed after the test, with
what the data migrations made (the staff groups) restored first (serialized rollback).

Order matters, and the collection hook below keeps it: every other test first; then
the writing browser tests (their flush empties the database); then the reading ones,
which load the calendar into the emptied database once and keep it to the end.
"""

import os
from pathlib import Path

import pytest
import time_machine
from pytest_django.live_server_helper import LiveServer

from meetings.models import Meeting
from tests import snapshot
from tests.conftest import TODAY

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from
# that thread are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# A meeting of the reference calendar: while it exists, the reading tests' calendar does.
READING_PROBE = "2022-amm-55"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


WRITES = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        if not item.get_closest_marker("browser"):
            return 0
        return 2 if "demo_site" in item.fixturenames else 1

    items.sort(key=rank)  # stable: each group keeps pytest-django's own order


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Tab:
    """A page in its own browser context, recording console errors and uncaught exceptions."""

    def __init__(self, browser, base_url: str, **context_options):
        options = {"locale": "en-GB", "timezone_id": "Europe/Paris", "viewport": DESKTOP}
        self.context = browser.new_context(**(options | context_options))
        self.page = self.context.new_page()
        self.base_url = base_url
        self.errors: list[str] = []
        self.page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def open(self, path: str):
        response = self.page.goto(self.base_url + path)
        return response.status

    def shoot(self, name: str, *, phone: bool = False) -> Path:
        """Save a full-page screenshot at desktop width, and at phone width if asked."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if phone:
            self.page.set_viewport_size(PHONE)
            self.page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
            self.page.set_viewport_size(DESKTOP)
        return path

    def close(self):
        self.context.close()


@pytest.fixture(scope="session")
def reading_server(django_db_setup, django_db_blocker):
    """The live server of the tests that only read: one a test process, never flushed."""
    with django_db_blocker.unblock():
        server = LiveServer("localhost")
    server._live_server_modified_settings.enable()
    yield server
    server._live_server_modified_settings.disable()
    server.stop()


@pytest.fixture
def open_tab(request, chromium):
    """Opens tabs on the test's live server (Europe/Paris unless told otherwise)."""
    tabs = []
    reading = "demo_site" in request.fixturenames
    server = request.getfixturevalue("reading_server" if reading else "live_server")
    # pytest-django lets its server's host in only for tests that name `live_server`.
    let_in = not reading and "live_server" not in request.fixturenames
    if let_in:
        server._live_server_modified_settings.enable()

    def opener(**options) -> Tab:
        tab = Tab(chromium, server.url, **options)
        tabs.append(tab)
        return tab

    yield opener
    for tab in tabs:
        tab.close()
    if let_in:
        server._live_server_modified_settings.disable()


@pytest.fixture
def site_today():
    """The clock at TODAY, ticking (the live server's thread must see time pass)."""
    with time_machine.travel(TODAY, tick=True):
        yield TODAY


@pytest.fixture
def demo_site(site_today, demo_rows, django_db_blocker):
    """The reference calendar and the samples, dated from TODAY, committed and shared.

    For tests that only read. The calendar is written once a test process, into the
    database the writing tests left empty, and written again only if it has gone.
    """
    with django_db_blocker.unblock():
        if not Meeting.objects.filter(slug=READING_PROBE).exists():
            snapshot.restore(demo_rows)
        yield site_today


@pytest.fixture
def fresh_demo_site(site_today, demo_rows, transactional_db):
    """The reference calendar and the samples, dated from TODAY, for a test that writes."""
    snapshot.restore(demo_rows)
    return site_today
