"""The meeting change form warns while staff edit, before they save: a past date on a
meeting still "scheduled", a publish with every delegation removed."""

import pytest

from meetings.models import Meeting
from tests.browser.conftest import ARTIFACTS, WRITES
from tests.browser.test_admin_layout import LAPTOP, admin_tab, change_page  # noqa: F401

pytestmark = [pytest.mark.browser, WRITES]


def warnings(tab) -> list[str]:
    return tab.page.locator(".meeting-warnings li").all_inner_texts()


def test_warnings_appear_as_the_form_is_edited_before_any_save(admin_tab):  # noqa: F811
    meeting = Meeting.objects.get(slug="sample-som")
    page = admin_tab.page

    assert admin_tab.open(change_page(meeting)) == 200
    at_first = warnings(admin_tab)
    page.locator('[name="end_date"]').fill("2020-01-31")
    past = warnings(admin_tab)
    page.locator('[name="end_date"]').fill(meeting.last_day.isoformat())
    for box in page.locator('#delegations-group input[name$="-DELETE"]').all():
        if box.is_visible():
            box.check()
    empty = warnings(admin_tab)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".meeting-warnings").screenshot(path=str(ARTIFACTS / "meeting-warnings.png"))

    assert at_first == []
    assert past == [
        "It ends on 2020-01-31, before today, but is “Scheduled”: the public pages and feeds "
        "would show it as scheduled. Set it to “Held”, or “Cancelled” if it did not take place."
    ]
    assert empty == [
        "Published with no delegation: nobody would be invited or reminded. Add delegations "
        "below, or use the action “Invite the format's participants” after saving."
    ]
    assert Meeting.objects.get(pk=meeting.pk).last_day == meeting.last_day  # nothing saved
    assert admin_tab.errors == []
