"""The printable briefing in a real browser: it reads at a laptop's width without scrolling
sideways, axe-core finds nothing, no inline code is refused by the CSP, and printed it is
only the briefing, each meeting from a new page."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.test import Client

from meetings.models import Event
from tests.browser.conftest import ARTIFACTS, WRITES
from tests.browser.test_accessibility import AXE_OPTIONS, OVERFLOWING, describe
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, WRITES]

EVENT = "2022-55th-amm-and-related-meetings"
LAPTOP = {"width": 1366, "height": 768}
VIEW_PERMISSIONS = ["view_event", "view_meeting", "view_delegation"]
# What printing hides, and what it keeps.
CHROME = ["#header", "#nav-sidebar", ".breadcrumbs", ".object-tools"]
WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
BREAKS = """() => [...document.querySelectorAll("section.briefing-meeting")]
    .map(section => getComputedStyle(section).breakBefore)"""


@pytest.fixture
def briefing_tab(open_tab, fresh_demo_site):
    """Opens a tab signed in as staff who may only view, on the 55th AMM event's briefing.
    (The permissions are given directly: the flush of the writing tests takes the groups
    the data migrations made.)"""
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.set(Permission.objects.filter(codename__in=VIEW_PERMISSIONS))
    client = Client()
    client.force_login(viewer)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    path = f"/admin/meetings/event/{Event.objects.get(slug=EVENT).pk}/briefing/"

    def opener(**options):
        tab = open_tab(viewport=LAPTOP, **options)
        tab.context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": tab.base_url}]
        )
        assert tab.open(path) == 200
        return tab

    return opener


def test_briefing_reads_at_a_laptops_width_with_no_axe_violations(briefing_tab):
    tab = briefing_tab(bypass_csp=True)  # axe-core is injected as a script

    violations = Axe().run(tab.page, options=AXE_OPTIONS).response["violations"]
    widths = tab.page.evaluate(WIDTHS)
    overflowing = tab.page.evaluate(OVERFLOWING)
    ARTIFACTS.mkdir(exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "briefing-1366.png"), full_page=True)

    assert tab.page.locator("h1").inner_text() == "Briefing: 55th AMM and Related Meetings"
    assert tab.page.locator("section.briefing-meeting").count() == 5
    assert violations == [], describe(violations)
    assert widths == [LAPTOP["width"], LAPTOP["width"]]
    assert overflowing == []
    assert tab.errors == []


def test_printed_briefing_is_only_the_briefing_a_meeting_a_page(briefing_tab):
    tab = briefing_tab()  # under the site's CSP: a refused inline style would be an error

    on_screen = [tab.page.locator(selector).first.is_visible() for selector in CHROME]
    tab.page.emulate_media(media="print")
    printed = [tab.page.locator(selector).first.is_visible() for selector in CHROME]
    breaks = tab.page.evaluate(BREAKS)
    ARTIFACTS.mkdir(exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "briefing-print.png"), full_page=True)
    tab.page.pdf(path=str(ARTIFACTS / "briefing-print.pdf"), format="A4")

    assert on_screen == [True] * len(CHROME)
    assert printed == [False] * len(CHROME)
    assert tab.page.locator("h1").is_visible()
    assert tab.page.locator("table.briefing-delegations").first.is_visible()
    assert breaks == ["auto", "page", "page", "page", "page"]
    assert tab.errors == []
