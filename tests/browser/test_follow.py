"""Following by e-mail in a real browser: from a format page to a confirmed subscription,
then out again through the unsubscribe link of a later mail; at desktop and phone width,
with axe-core on each page (tabs bypass the site's script policy for it, as in
tests/browser/test_accessibility.py)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core import mail

from meetings import follow, services, tasks
from meetings.models import Meeting, Subscription
from tests.browser.conftest import PHONE, WRITES
from tests.browser.test_accessibility import AXE_OPTIONS, describe
from tests.conftest import eager_tasks

pytestmark = [pytest.mark.browser, WRITES]

ADDRESS = "desk@newsroom.example"


@pytest.fixture
def mail_at_once(settings):
    """Mail leaves when the request commits (Celery runs in the server's thread), and a
    pass sees changes at once."""
    assert tasks.send_follow_mail.name == follow.SEND_FOLLOW_TASK
    settings.FOLLOW_SETTLE_SECONDS = 0
    with eager_tasks(propagate=True):
        yield


def mailed_link(message, name: str) -> str:
    found = re.search(rf"{re.escape(settings.SITE_URL)}(/follow/{name}/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


@pytest.fixture(scope="module")
def axe():
    return Axe()


def axe_violations(axe, page) -> list:
    return axe.run(page, options=AXE_OPTIONS).response["violations"]


def fits_the_width(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_follow_a_format_confirm_and_unsubscribe(open_tab, fresh_demo_site, axe, mail_at_once):
    tab = open_tab(bypass_csp=True)
    page = tab.page
    tab.open("/formats/EAS/")

    with page.expect_navigation():
        page.get_by_role("link", name="Follow by e-mail").click()
    form_url = page.url
    intro = page.locator(".page-head p").inner_text()
    form_violations = axe_violations(axe, page)

    # Sent empty: the summary at the top and the error at the field.
    with page.expect_navigation():
        page.get_by_role("button", name="Follow by e-mail").click()
    summary = page.locator("#follow-errors").inner_text()
    field_error = page.locator("#id_email_error").inner_text()
    error_violations = axe_violations(axe, page)
    tab.shoot("follow-form-errors", phone=True)

    page.get_by_label("Your e-mail address").fill(ADDRESS)
    page.get_by_label("Each change as it happens").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Follow by e-mail").click()
    sent_heading = page.get_by_role("heading", level=1).inner_text()
    (confirmation,) = mail.outbox

    tab.open(mailed_link(confirmation, "confirm"))
    confirm_violations = axe_violations(axe, page)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    confirmed_heading = page.get_by_role("heading", level=1).inner_text()
    confirmed_violations = axe_violations(axe, page)

    meeting = (
        Meeting.objects.filter(format__code="EAS", published=True)
        .exclude(status="cancelled")
        .order_by("-start")
        .first()
    )
    services.meeting_cancel(meeting=meeting, by=None, reason="Typhoon")
    follow.follow_pass()
    change = mail.outbox[-1]

    tab.open(mailed_link(change, "unsubscribe"))
    page.set_viewport_size(PHONE)
    phone_fits = fits_the_width(page)
    unsubscribe_violations = axe_violations(axe, page)
    with page.expect_navigation():
        page.get_by_role("button", name="Unsubscribe").click()
    ended_heading = page.get_by_role("heading", level=1).inner_text()
    tab.shoot("follow-unsubscribed", phone=True)

    # The form again, at phone width.
    page.goto(form_url)
    form_fits_phone = fits_the_width(page)
    phone_violations = axe_violations(axe, page)

    assert form_url == f"{tab.base_url}/follow/?format=EAS"
    assert "ASEAN meetings: EAS" in intro
    assert summary == "Please correct this\nYour e-mail address: This field is required."
    assert field_error == "This field is required."
    assert sent_heading == "Check your inbox"
    assert confirmation.to == [ADDRESS]
    assert confirmed_heading == "Subscription confirmed"
    assert (change.to, change.subject) == ([ADDRESS], f"{meeting.title}: Cancelled")
    assert ended_heading == "You are unsubscribed"
    assert Subscription.objects.get().unsubscribed_at is not None
    assert (phone_fits, form_fits_phone) == (True, True)
    for found in (
        form_violations,
        error_violations,
        confirm_violations,
        confirmed_violations,
        unsubscribe_violations,
        phone_violations,
    ):
        assert found == [], describe(found)
    # The empty form's answer is a 400, which Chromium logs; nothing else may be.
    bad_request = "Failed to load resource: the server responded with a status of 400 "
    assert [error for error in tab.errors if not error.startswith(bad_request)] == []
