"""The secretariat's meeting pages at a 1366 px laptop's width, in a real browser.

With the admin's sidebar open and closed, neither the meeting's change page (its delegation
rows included) nor the meetings list scrolls sideways, and every delegation's attendance can
be reached; a change made in a delegation row is saved.
"""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.test import Client

from meetings.models import Delegation, Meeting, Reminder
from meetings.models.reminders import ReminderKind, ReminderStatus
from tests.browser.conftest import ARTIFACTS, WRITES
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, WRITES]

MEETING = "2022-amm-55"
LAPTOP = {"width": 1366, "height": 768}
CHANGELIST = "/admin/meetings/meeting/"

# How wide the page is; where the delegations' inline ends and how far its parts overflow
# their boxes; how far right each shown row's attendance reaches (the hidden template for a
# new row left out); the same for the meetings list's table.
MEASURE = """() => {
  const right = (element) => element ? element.getBoundingClientRect().right : 0;
  const overflow = (elements) => Math.max(0, ...[...elements]
    .filter((element) => element).map((element) => element.scrollWidth - element.clientWidth));
  const shown = (element) => element.getClientRects().length > 0;
  const group = document.querySelector('#delegations-group');
  const table = group && group.querySelector('table');
  const results = document.querySelector('#changelist-form .results');
  return {
    page: document.documentElement.scrollWidth,
    inline: Math.max(right(group), right(table)),
    inlineOverflow: group ? overflow([group, ...group.querySelectorAll('div, fieldset')]) : 0,
    attendance: [...document.querySelectorAll('#delegations-group select[name$="-attendance"]')]
      .filter(shown).map(right),
    list: right(document.querySelector('#result_list')),
    listOverflow: overflow([results]),
  };
}"""


@pytest.fixture
def admin_tab(open_tab, fresh_demo_site):
    """A laptop-sized tab logged into the admin as a superuser."""
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True))
    tab = open_tab(viewport=LAPTOP)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    tab.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": tab.base_url}]
    )
    return tab


def measured(tab, path: str, name: str, *, sidebar: str) -> dict:
    """Open `path` with the admin's sidebar open or closed, save a screenshot, measure it."""
    assert tab.open(path) == 200
    main = tab.page.locator("#main")
    if ("shifted" in (main.get_attribute("class") or "")) != (sidebar == "open"):
        tab.page.click("#toggle-nav-sidebar")
    assert ("shifted" in (main.get_attribute("class") or "")) == (sidebar == "open")
    ARTIFACTS.mkdir(exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / f"{name}-sidebar-{sidebar}-1366.png"), full_page=True)
    return tab.page.evaluate(MEASURE)


def change_page(meeting: Meeting) -> str:
    return f"/admin/meetings/meeting/{meeting.pk}/change/"


def row(tab, delegation: Delegation):
    """The delegation's row in the meeting's form."""
    return tab.page.locator(
        f'#delegations-group tr.form-row:has(input[name$="-id"][value="{delegation.pk}"])'
    )


@pytest.mark.parametrize("sidebar", ["open", "closed"])
def test_meeting_change_page_fits_a_laptop(admin_tab, sidebar):
    meeting = Meeting.objects.get(slug=MEETING)
    rows = meeting.delegations.count()

    sizes = measured(admin_tab, change_page(meeting), "admin-meeting", sidebar=sidebar)

    assert rows >= 10
    assert (sizes["page"], sizes["inlineOverflow"]) == (LAPTOP["width"], 0)
    assert sizes["inline"] <= LAPTOP["width"]
    assert len(sizes["attendance"]) == rows
    assert max(sizes["attendance"]) <= LAPTOP["width"]
    headings = admin_tab.page.locator("#delegations-group thead th:not(.hidden)").all_inner_texts()
    assert [text.strip() for text in headings if text.strip()] == [
        "PARTICIPANT",
        "HEAD OF DELEGATION",
        "HEAD'S TITLE",
        "LEVEL",
        "ATTENDANCE",
        "DETAILS",
        "DELETE?",
    ]
    # A row added in the page fits as well.
    admin_tab.page.click("#delegations-group .add-row a")
    added = admin_tab.page.evaluate(MEASURE)
    admin_tab.page.locator("#delegations-group").screenshot(
        path=str(ARTIFACTS / f"admin-meeting-row-added-sidebar-{sidebar}-1366.png")
    )
    assert (added["page"], added["inlineOverflow"], len(added["attendance"])) == (
        LAPTOP["width"],
        0,
        rows + 1,
    )
    assert max(added["attendance"]) <= LAPTOP["width"]
    assert admin_tab.errors == []


@pytest.mark.parametrize("sidebar", ["open", "closed"])
def test_meetings_list_fits_a_laptop(admin_tab, sidebar):
    sizes = measured(admin_tab, CHANGELIST, "admin-meetings-list", sidebar=sidebar)

    assert (sizes["page"], sizes["listOverflow"]) == (LAPTOP["width"], 0)
    assert 0 < sizes["list"] <= LAPTOP["width"]
    # No title takes more than two lines.
    lines = admin_tab.page.evaluate(
        """() => [...document.querySelectorAll('#result_list .field-title a')].map(
          (link) => link.getClientRects().length)"""
    )
    assert len(lines) == Meeting.objects.count()
    assert max(lines) <= 2
    assert admin_tab.errors == []


def test_attendance_changed_in_a_delegation_row_is_saved(admin_tab):
    meeting = Meeting.objects.get(slug=MEETING)
    delegation = meeting.delegations.get(participant__code="ID")
    others = {d.pk: d.revision for d in meeting.delegations.exclude(pk=delegation.pk)}
    assert admin_tab.open(change_page(meeting)) == 200

    row(admin_tab, delegation).locator('select[name$="-attendance"]').select_option("confirmed")
    admin_tab.page.click("input[name=_continue]")
    admin_tab.page.wait_for_load_state()
    admin_tab.page.screenshot(path=str(ARTIFACTS / "admin-meeting-saved-1366.png"))

    stored = Delegation.objects.get(pk=delegation.pk)
    assert admin_tab.page.locator(".errornote, .errorlist").count() == 0
    assert admin_tab.page.locator(".messagelist .success").count() == 1
    assert (
        stored.attendance,
        stored.answered_via,
        stored.contact_emails,
        stored.reminders_paused,
        stored.revision,
    ) == (
        "confirmed",
        "admin",
        delegation.contact_emails,
        delegation.reminders_paused,
        delegation.revision + 1,
    )
    assert {d.pk: d.revision for d in meeting.delegations.exclude(pk=delegation.pk)} == others
    assert admin_tab.errors == []


def test_row_links_to_the_delegations_addresses_and_reminders(admin_tab):
    meeting = Meeting.objects.get(slug=MEETING)
    delegation = meeting.delegations.get(participant__code="ID")
    addresses = "\n".join(f"asean-desk-{n}@kemlu.go.id.example" for n in range(4))
    for step, status, error in (
        ("invitation", ReminderStatus.SENT, ""),
        ("7d", ReminderStatus.FAILED, "SMTPRecipientsRefused:" + "x" * 200),
    ):
        Reminder.objects.create(
            delegation=delegation,
            kind=ReminderKind.INVITATION if step == "invitation" else ReminderKind.SCHEDULED,
            step=step,
            status=status,
            due_at=meeting.start - dt.timedelta(days=30),
            sent_at=meeting.start - dt.timedelta(days=30) if status == "sent" else None,
            attempts=1,
            recipients=addresses,
            last_error=error,
        )
    assert admin_tab.open(change_page(meeting)) == 200

    row(admin_tab, delegation).get_by_role("link", name="Addresses and reminders").click()
    admin_tab.page.wait_for_load_state()
    sizes = admin_tab.page.evaluate(MEASURE)
    reminders = admin_tab.page.evaluate(
        "() => document.querySelector('#reminders-group').getBoundingClientRect().right"
    )
    admin_tab.page.screenshot(
        path=str(ARTIFACTS / "admin-delegation-sidebar-open-1366.png"), full_page=True
    )

    assert admin_tab.page.url == (
        f"{admin_tab.base_url}/admin/meetings/delegation/{delegation.pk}/change/"
    )
    assert admin_tab.page.locator("#id_contact_emails").input_value() == delegation.contact_emails
    assert sizes["page"] == LAPTOP["width"]
    assert reminders <= LAPTOP["width"]
    assert admin_tab.page.locator("#reminders-group tbody tr.has_original").count() == 2
    assert admin_tab.errors == []
