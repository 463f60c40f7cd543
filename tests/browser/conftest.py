"""Headless Debian Chromium, driven by Playwright, against pytest-django's live server.

Without /usr/bin/chromium these tests are skipped, unless REQUIRE_BROWSER=1 (CI), in
which case they fail. The live server needs a transactional database, flushed after
each test: that empties what the data migrations made (the staff groups). So these
tests restore that data before they run (serialized rollback) and run after every
other test, so nothing that relies on it runs after the flush.
"""

import os
from pathlib import Path

import pytest
import time_machine

from meetings.demo import load_demo
from tests.conftest import TODAY

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from
# that thread are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config, items):
    browser = [item for item in items if item.get_closest_marker("browser")]
    items[:] = [item for item in items if not item.get_closest_marker("browser")] + browser


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


@pytest.fixture
def open_tab(chromium, live_server):
    """Opens tabs on the live server (Europe/Paris unless told otherwise)."""
    tabs = []

    def opener(**options) -> Tab:
        tab = Tab(chromium, live_server.url, **options)
        tabs.append(tab)
        return tab

    yield opener
    for tab in tabs:
        tab.close()


@pytest.fixture
def site_today():
    """The clock at TODAY, ticking (the live server's thread must see time pass)."""
    with time_machine.travel(TODAY, tick=True):
        yield TODAY


@pytest.fixture
def demo_site(site_today):
    """The reference calendar and the samples, dated from TODAY."""
    load_demo(today=site_today.date())
    return site_today
