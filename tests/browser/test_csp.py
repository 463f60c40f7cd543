"""Under the Content-Security-Policy, the pages still work and the browser blocks nothing."""

import datetime as dt

import pytest

from tests.browser.conftest import WRITES
from tests.factories import MeetingFactory

pytestmark = [pytest.mark.browser, WRITES]

# Recorded from the page itself, before any of its own scripts run.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_csp_meeting_page_admin_login_and_api_docs_blocked_nothing(open_tab, site_today):
    meeting = MeetingFactory(
        title="Timed meeting in Phnom Penh",
        start=dt.datetime(2030, 8, 5, 2, 0, tzinfo=dt.UTC),
        end=dt.datetime(2030, 8, 5, 5, 0, tzinfo=dt.UTC),
        description='<p>Agenda <a href="https://asean.org/">online</a></p>',
    )
    tab = open_tab()
    tab.page.add_init_script(RECORD_VIOLATIONS)
    seen = {}

    for path in [meeting.get_absolute_url(), "/admin/login/", "/api/v1/docs/"]:
        status = tab.open(path)
        if path == "/api/v1/docs/":
            # Swagger UI is built by its scripts: operations appear only if they ran.
            tab.page.wait_for_selector(".opblock", timeout=30_000)
        tab.page.wait_for_load_state("networkidle")
        seen[path] = (status, tab.page.evaluate("window.cspViolations"))
        if path == meeting.get_absolute_url():
            # The local-time script (a static file) ran: the reader's own time is shown.
            reader_time = tab.page.locator(".facts dd").nth(1).locator("p").nth(1).inner_text()

    assert seen == {
        meeting.get_absolute_url(): (200, []),
        "/admin/login/": (200, []),
        "/api/v1/docs/": (200, []),
    }
    assert reader_time == "Your time: Monday 5 August 2030, 04:00–07:00 (Europe/Paris, UTC+2)"
    assert tab.page.locator(".opblock").count() > 0
    # Chromium also reports every blocked script or style in the console.
    assert [error for error in tab.errors if "Content Security Policy" in error] == []
    assert tab.errors == []
