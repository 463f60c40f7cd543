"""Subscribing and embedding in a real browser: the copy button (and the page without
script), the widget framed by a page of another site, and axe-core on the widget
(/subscribe/ is in tests/browser/test_accessibility.py's list of pages)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

from tests.browser.conftest import DESKTOP
from tests.browser.test_accessibility import AXE_OPTIONS, PHONE, describe

pytestmark = pytest.mark.browser

FEED = f"{settings.SITE_URL}/feeds/meetings.ics?format=EAS"
# Run before the page's own scripts: a browser whose clipboard refuses to be written.
REFUSING_CLIPBOARD = """
Object.defineProperty(navigator, "clipboard", {
  value: { writeText: () => Promise.reject(new DOMException("Denied", "NotAllowedError")) },
});
"""


@pytest.fixture
def newsroom():
    """A site of another origin (127.0.0.1, where the live server is localhost), on loopback
    as the live server is, so that only the pages' own policies decide what it may frame.
    Its page holds an iframe of each path in `frames`, which the test sets first."""
    frames: list[str] = []

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = "".join(
                f'<iframe id="frame-{n}" title="Frame {n}" src="{url}" width="400" '
                'height="500"></iframe>'
                for n, url in enumerate(frames)
            )
            page = f"<!doctype html><html lang='en'><title>Newsroom</title>{body}</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", frames
    server.shutdown()
    server.server_close()


def test_copy_button_copies_the_feed_address_and_says_so(open_tab, demo_site):
    tab = open_tab(permissions=["clipboard-read", "clipboard-write"])
    tab.open("/meetings/?format=EAS")

    tab.page.get_by_role("button", name="Copy address").click()

    status = tab.page.locator(".subscribe").get_by_role("status")
    status.filter(has_text="Copied").wait_for()
    assert status.inner_text() == "Copied"
    assert tab.page.evaluate("navigator.clipboard.readText()") == FEED
    assert tab.page.get_by_label("iCal feed address").input_value() == FEED
    assert tab.errors == []


def test_a_refused_clipboard_selects_the_address_instead(open_tab, demo_site):
    tab = open_tab()
    tab.page.add_init_script(REFUSING_CLIPBOARD)
    tab.open("/subscribe/?format=EAS")

    tab.page.get_by_role("button", name="Copy address").click()

    status = tab.page.get_by_role("status")
    status.filter(has_text="selected").wait_for()
    assert status.inner_text() == "Address selected: press Ctrl+C (⌘C on a Mac) to copy it"
    assert tab.page.evaluate(
        """() => {
            const field = document.activeElement;
            return [field.id, field.value.slice(field.selectionStart, field.selectionEnd)];
        }"""
    ) == ["feed-address", FEED]


def test_without_script_the_address_field_alone(open_tab, demo_site):
    tab = open_tab(java_script_enabled=False)
    tab.open("/meetings/?format=EAS")

    field = tab.page.get_by_label("iCal feed address")
    assert (field.input_value(), field.get_attribute("readonly"), field.get_attribute("type")) == (
        FEED,
        "",
        "url",
    )
    assert tab.page.get_by_role("button", name="Copy address").count() == 0
    assert tab.page.locator(".subscribe a").all_inner_texts() == [
        "Subscribe (calendar app)",
        "Google Calendar",
        "Outlook.com",
        "Outlook (work or school)",
        "How to subscribe",
    ]


def test_how_to_subscribe_keeps_the_filter(open_tab, demo_site):
    tab = open_tab()
    tab.open("/formats/eas/")

    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="How to subscribe").click()

    assert tab.page.url == f"{tab.base_url}/subscribe/?format=EAS"
    assert tab.page.get_by_label("iCal feed address").input_value() == FEED
    assert tab.page.locator("h2").all_inner_texts()[:2] == ["The feed", "Google Calendar"]
    assert tab.errors == []
    tab.shoot("subscribe", phone=True)


def test_embed_shows_in_a_frame_of_another_site_and_other_pages_do_not(
    open_tab, demo_site, newsroom
):
    tab = open_tab()
    address, frames = newsroom
    frames += [
        f"{tab.base_url}/embed/upcoming/?format=EAS_SOM&limit=3",
        f"{tab.base_url}/meetings/",
    ]

    tab.page.goto(address)

    widget = tab.page.frame_locator("#frame-0")
    assert widget.locator("h1").inner_text() == "Next ASEAN meetings: EAS_SOM"
    tab.shoot("embed-framed")
    link = widget.get_by_role("link", name="[Sample] East Asia Summit Senior Officials' Meeting")
    assert (link.get_attribute("target"), link.get_attribute("rel")) == ("_blank", "noopener")
    # Opened in a new tab, never inside the newsroom's frame.
    with tab.context.expect_page() as opened:
        link.click()
    opened.value.wait_for_load_state()
    assert opened.value.url == f"{tab.base_url}/meetings/sample-eas-som/"
    # The list page refuses to be framed: Chromium shows its error page instead.
    assert [frame.url for frame in tab.page.frames[1:]] == [
        f"{tab.base_url}/embed/upcoming/?format=EAS_SOM&limit=3",
        "chrome-error://chromewebdata/",
    ]
    assert tab.errors == [
        f"Framing '{tab.base_url}/' violates the following Content Security Policy directive: "
        "\"frame-ancestors 'none'\". The request has been blocked.\n"
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize(
    "path", ["/embed/upcoming/?format=EAS&country=RU", "/embed/upcoming/?limit=0"]
)
def test_embed_has_no_axe_violations(open_tab, demo_site, viewport, path):
    tab = open_tab(bypass_csp=True, viewport=viewport)
    tab.open(path)

    violations = Axe().run(tab.page, options=AXE_OPTIONS).response["violations"]
    widths = tab.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")

    assert violations == [], describe(violations)
    assert widths[0] <= widths[1]
