"""Cancelling a meeting in the admin, in a real browser: the button on the change form leads
to a page that says how many delegations will be told and asks the reason; refusing to go
on without one; then the reason on the public page and in the change log, and a notice in
each delegation's queue."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.test import Client

from meetings.models import Delegation, Meeting, Reminder
from meetings.models.reminders import ReminderKind
from tests.browser.conftest import ARTIFACTS, WRITES
from tests.browser.test_accessibility import AXE_OPTIONS, OVERFLOWING, describe
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, WRITES]

LAPTOP = {"width": 1366, "height": 768}
REASON = "Typhoon warning for Manila"


def staff_tab(open_tab, **options):
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    tab = open_tab(**options)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    tab.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": tab.base_url}]
    )
    return tab


def test_cancel_button_asks_the_reason_then_the_public_sees_it(open_tab, fresh_demo_site):
    meeting = Meeting.objects.get(slug="sample-som")
    told = Delegation.objects.filter(meeting=meeting).exclude(contact_emails="").count()
    tab = staff_tab(open_tab, viewport=LAPTOP, bypass_csp=True)
    page = tab.page

    assert tab.open(f"/admin/meetings/meeting/{meeting.pk}/change/") == 200
    page.get_by_role("link", name="Cancel meeting…").click()
    page.wait_for_url(f"**/admin/meetings/meeting/{meeting.pk}/cancel/")
    consequence = page.locator(".confirm-consequence").inner_text()
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    overflowing = page.evaluate(OVERFLOWING)
    # Without a reason: the field says what is missing, and nothing changed.
    page.get_by_role("button", name="Cancel and tell the delegations").click()
    error = page.locator(".field-reason .errorlist").inner_text()
    unchanged = Meeting.objects.get(pk=meeting.pk).status
    page.get_by_label("Reason (public)").fill(REASON)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-cancel-confirmation-1366.png"), full_page=True)
    page.get_by_role("button", name="Cancel and tell the delegations").click()
    page.wait_for_url(f"**/admin/meetings/meeting/{meeting.pk}/change/")
    message = page.locator(".messagelist li").first.inner_text()

    assert told > 0
    assert consequence.startswith(
        f"{told} delegations will be sent a notice about 5 minutes after you confirm"
    )
    assert violations == [], describe(violations)
    assert overflowing == []
    assert error == "This field is required."
    assert unchanged == "scheduled"
    assert message == f"Cancelled. {told} delegation(s) will be sent a notice in about 5 minutes."
    assert (
        Reminder.objects.filter(kind=ReminderKind.CHANGE, delegation__meeting=meeting).count()
        == told
    )

    public = open_tab()
    public.open(meeting.get_absolute_url())
    banner = public.page.locator(".banner-cancelled").inner_text()
    public.open("/changes/")
    log = public.page.locator("main").inner_text()

    assert banner == f"Cancelled. This meeting will not take place. {REASON}"
    assert REASON in log
    assert tab.errors == public.errors == []
