"""A secretariat's working day in a real browser: the staff at a 1366 px laptop, the
delegation on a phone.

Staff create the 56th AMM in Vientiane's local time, invite the format's participants,
Indonesia answers from its link on a phone, staff reschedule the meeting, cancel it and
send its briefing round; another day, they import a small file of meetings. No admin page
of the walk scrolls sideways at 1366 px, axe-core finds nothing on the RSVP page, and each
step leaves a screenshot in test-artifacts/ (staff-day-<step>.png, numbered as the day
goes: 1 create, 2 invite, 3 answer, 4 reschedule, 5 cancel, 6 import, 7 briefing).
"""

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from meetings.enums import AnswerChannel, AttendanceStatus, DelegationLevel, MeetingStatus
from meetings.models import Delegation, Meeting, Reminder, Venue
from meetings.models.reminders import ReminderKind
from meetings.tokens import rsvp_token
from tests.browser.conftest import PHONE, WRITES
from tests.browser.test_accessibility import AXE_OPTIONS, describe
from tests.browser.test_briefing import WIDTHS
from tests.browser.test_cancel_with_reason import staff_tab

pytestmark = [pytest.mark.browser, WRITES]

LAPTOP = {"width": 1366, "height": 900}
UTC = dt.UTC
TITLE = "56th ASEAN Foreign Ministers' Meeting"
DAYS_MOVED = "Sunday 25 July 2027 to Monday 26 July 2027, 09:00–17:00 each day"
MOVED_BECAUSE = "The hall is needed for a state visit on 24 July"
CANCELLED_BECAUSE = "Lao national day of mourning"
HEAD = ("Sugiono", "Minister for Foreign Affairs")
NO_DELEGATION = (
    "Published with no delegation: nobody is invited or reminded. Use the action "
    "“Invite the format's participants”, or add delegations below."
)
DESK = "asean-desk@kemlu.go.id.example"
PLAN = """\
slug,format,number,title,venue,first_day,start_time,last_day,end_time,timezone,utc_offset,published
,AMM,57,,National Convention Centre,2028-07-22,09:00,2028-07-23,17:00,,+07:00,yes
,ARF,35,,Phnom Penh,2028-07-24,08:30,2028-07-24,12:00,Asia/Phnom_Penh,+07:00,yes
"""


@pytest.fixture
def vientiane(fresh_demo_site):
    return Venue.objects.create(
        name="National Convention Centre",
        city="Vientiane",
        country_code="LA",
        timezone="Asia/Vientiane",
    )


def shoot(tab, step: str) -> None:
    tab.shoot(f"staff-day-{step}")


def messages(page) -> list[str]:
    """What the server said after the last request (not the form's own live warnings)."""
    return page.locator("ul.messagelist:not(.meeting-warnings) li").all_inner_texts()


def fits_the_laptop(tab) -> None:
    """The page does not scroll sideways at the laptop's width."""
    assert tab.page.evaluate(WIDTHS) == [LAPTOP["width"], LAPTOP["width"]]


def create_the_meeting(tab) -> Meeting:
    page = tab.page
    assert tab.open("/admin/meetings/meeting/add/") == 200
    page.get_by_label("Format").select_option(label="AMM: ASEAN Foreign Ministers' Meeting")
    page.get_by_label("Ordinal number").fill("56")
    # The venue is an autocomplete: type the city, pick the venue.
    page.locator("#id_venue + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill("Vientiane")
    page.locator(".select2-results__option", has_text="National Convention Centre").click()
    page.get_by_label("First day").fill("2027-07-24")
    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("Last day").fill("2027-07-25")
    page.get_by_label("End time").fill("17:00")
    page.get_by_label("Same hours each day").check()
    page.get_by_role("group", name="Status").get_by_label("Published").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r".*/admin/meetings/meeting/$"))
    return Meeting.objects.get(format__code="AMM", number=56)


def test_staff_day_from_creation_to_the_briefing(open_tab, vientiane):
    staff = staff_tab(open_tab, viewport=LAPTOP)
    page = staff.page

    # 1. Create, in the venue's local time (the browser is in Paris); the list says to invite
    # the delegations.
    meeting = create_the_meeting(staff)
    change_page = f"/admin/meetings/meeting/{meeting.pk}/change/"
    saved = messages(page)
    fits_the_laptop(staff)
    assert staff.open(change_page) == 200
    shoot(staff, "1-created")
    fits_the_laptop(staff)
    assert (meeting.title, meeting.slug, meeting.venue, meeting.timezone) == (
        TITLE,
        "2027-amm-56",
        vientiane,
        "Asia/Vientiane",
    )
    assert (meeting.start, meeting.end) == (
        dt.datetime(2027, 7, 24, 2, 0, tzinfo=UTC),
        dt.datetime(2027, 7, 25, 10, 0, tzinfo=UTC),
    )
    assert (meeting.daily_hours, meeting.all_day, meeting.published, meeting.status) == (
        True,
        False,
        True,
        MeetingStatus.SCHEDULED,
    )
    # First what was done, then what it means.
    assert saved == [f"The meeting “{TITLE}” was added successfully.", NO_DELEGATION]
    assert messages(page) == [NO_DELEGATION]
    # The form shows the stored instants back as the venue's wall-clock time.
    assert [
        page.get_by_label(label).input_value()
        for label in ("First day", "Start time", "Last day", "End time")
    ] == ["2027-07-24", "09:00", "2027-07-25", "17:00"]
    assert page.get_by_label("Same hours each day").is_checked()

    # 2. Invite the format's participants, from the meetings list.
    assert staff.open("/admin/meetings/meeting/?q=56th") == 200
    page.locator(f"input[name=_selected_action][value='{meeting.pk}']").check()
    page.locator("select[name=action]").select_option(label="Invite the format's participants")
    with page.expect_navigation():
        page.get_by_role("button", name="Go").click()
    shoot(staff, "2-invited")
    invited = list(meeting.delegations.order_by("participant__name"))
    codes = ", ".join(d.participant.code for d in invited)
    assert len(invited) > 0
    assert messages(page) == [f"{TITLE}: invited {len(invited)} ({codes})."]
    fits_the_laptop(staff)

    # 3. Indonesia answers from its link, on a phone.
    indonesia = meeting.delegations.get(participant__code="ID")
    Delegation.objects.filter(pk=indonesia.pk).update(contact_emails=DESK)
    indonesia.refresh_from_db()
    phone = open_tab(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    axe = Axe()
    assert phone.open(f"/rsvp/{rsvp_token(indonesia)}/") == 200
    blank = axe.run(phone.page, options=AXE_OPTIONS).response["violations"]
    phone.page.get_by_text("We will attend (confirm)").tap()
    phone.page.get_by_label("Head of delegation").fill(HEAD[0])
    phone.page.get_by_label("Their title").fill(HEAD[1])
    phone.page.get_by_label("Level of the delegation").select_option(label="Minister")
    with phone.page.expect_navigation():
        phone.page.get_by_role("button", name="Send our answer").tap()
    shoot(phone, "3-answered-phone")
    status = phone.page.get_by_role("status").inner_text()
    answered = axe.run(phone.page, options=AXE_OPTIONS).response["violations"]
    widths = phone.page.evaluate(WIDTHS)
    indonesia.refresh_from_db()
    assert status == "Thank you. Your answer is recorded: Confirmed."
    assert (describe(blank), describe(answered)) == ("", "")
    assert widths == [PHONE["width"], PHONE["width"]]
    assert (
        indonesia.attendance,
        indonesia.answered_via,
        indonesia.head_name,
        indonesia.head_title,
        indonesia.level,
    ) == (AttendanceStatus.CONFIRMED, AnswerChannel.RSVP, *HEAD, DelegationLevel.MINISTER)
    assert phone.errors == []

    # 4. Reschedule, a day later.
    told = meeting.delegations.exclude(contact_emails="").count()
    assert staff.open(change_page) == 200
    fits_the_laptop(staff)  # with its delegations' rows now
    page.get_by_role("link", name="Reschedule…").click()
    page.wait_for_url(f"**/admin/meetings/meeting/{meeting.pk}/reschedule/")
    page.get_by_label("First day").fill("2027-07-25")
    page.get_by_label("Last day").fill("2027-07-26")
    page.get_by_label("Reason (public)").fill(MOVED_BECAUSE)
    fits_the_laptop(staff)
    shoot(staff, "4-reschedule")
    page.get_by_role("button", name="Reschedule and tell the delegations").click()
    page.wait_for_url(f"**{change_page}")
    shoot(staff, "4-rescheduled")
    meeting.refresh_from_db()
    notices = Reminder.objects.filter(kind=ReminderKind.CHANGE, delegation__meeting=meeting)
    assert messages(page) == [
        f"Rescheduled to {DAYS_MOVED} (Vientiane time, UTC+7). "
        f"{told} delegation(s) will be sent a notice in about 5 minutes."
    ]
    assert (meeting.start, meeting.end, meeting.daily_hours, meeting.change_note) == (
        dt.datetime(2027, 7, 25, 2, 0, tzinfo=UTC),
        dt.datetime(2027, 7, 26, 10, 0, tzinfo=UTC),
        True,
        MOVED_BECAUSE,
    )
    assert notices.count() == told
    assert notices.filter(delegation=indonesia, reason=MOVED_BECAUSE).count() == 1

    # 5. Cancel, with the reason.
    page.get_by_role("link", name="Cancel meeting…").click()
    page.wait_for_url(f"**/admin/meetings/meeting/{meeting.pk}/cancel/")
    page.get_by_label("Reason (public)").fill(CANCELLED_BECAUSE)
    fits_the_laptop(staff)
    page.get_by_role("button", name="Cancel and tell the delegations").click()
    page.wait_for_url(f"**{change_page}")
    shoot(staff, "5-cancelled")
    meeting.refresh_from_db()
    assert messages(page) == [
        f"Cancelled. {told} delegation(s) will be sent a notice in about 5 minutes."
    ]
    assert (meeting.status, meeting.status_note) == (MeetingStatus.CANCELLED, CANCELLED_BECAUSE)
    # The cancellation joins the notice still waiting: one mail each, with the last reason.
    assert notices.count() == told
    assert notices.filter(delegation=indonesia, reason=CANCELLED_BECAUSE).count() == 1

    # 7. The briefing, printed and in Excel (6, the import, is the test below).
    page.get_by_role("link", name="Briefing (print)").click()
    page.wait_for_url(f"**/admin/meetings/meeting/{meeting.pk}/briefing/")
    shoot(staff, "7-briefing")
    fits_the_laptop(staff)
    facts = page.locator(".briefing-facts dd").all_inner_texts()
    row = page.locator("table.briefing-delegations tbody tr", has_text="Indonesia")
    assert facts == [
        f"{DAYS_MOVED} (Vientiane time, UTC+7)",
        "National Convention Centre, Vientiane",
        "In person",
        f"Cancelled: {CANCELLED_BECAUSE}",
        f"1 confirmed, 0 declined, {len(invited) - 1} no answer yet",
    ]
    assert page.locator("table.briefing-delegations tbody tr").count() == len(invited)
    # Answered on the day of the answer at the venue: 2 November 2026, 10:00 in Vientiane.
    assert [cell.strip() for cell in row.locator("th, td").all_inner_texts()] == [
        "Indonesia",
        "Confirmed",
        "Mon 2 Nov 2026",
        *HEAD,
        "Minister",
    ]
    with page.expect_download() as download:
        page.get_by_role("link", name="Briefing (Excel)").click()
    assert download.value.suggested_filename == "briefing-2027-amm-56.xlsx"
    assert staff.errors == []


def test_staff_day_import(open_tab, vientiane, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    staff = staff_tab(open_tab, viewport=LAPTOP)
    page = staff.page
    plan = tmp_path / "staff-day.csv"
    plan.write_text(PLAN)

    assert staff.open("/admin/meetings/meeting/") == 200
    page.get_by_role("link", name="Import").click()
    page.set_input_files("#id_file", plan)
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#import-counts")
    shoot(staff, "6-import-preview")
    fits_the_laptop(staff)
    counts = " ".join(page.locator("#import-counts").inner_text().split())
    planned = [
        row.locator("td").all_inner_texts()
        for row in page.locator("#import-created tbody tr").all()
    ]
    assert counts == "2 rows read: 2 to create, 0 to change, 0 unchanged."
    assert planned == [
        [
            "2",
            "AMM 57",
            "57th ASEAN Foreign Ministers' Meeting",
            "2028-07-22 09:00 UTC+7 (Asia/Vientiane)",
        ],
        ["3", "ARF 35", "35th ASEAN Regional Forum", "2028-07-24 08:30 UTC+7 (Asia/Phnom_Penh)"],
    ]
    page.get_by_role("button", name="Import: create 2, change 0").click()
    page.wait_for_url(re.compile(r".*/admin/meetings/meeting/$"))
    shoot(staff, "6-imported")
    fits_the_laptop(staff)
    assert messages(page) == [
        "Imported staff-day.csv: 2 rows read: 2 created, 0 changed, 0 unchanged."
    ]
    amm = Meeting.objects.get(format__code="AMM", number=57)
    arf = Meeting.objects.get(format__code="ARF", number=35)
    assert (amm.venue, amm.timezone, amm.start, amm.end, amm.published) == (
        vientiane,
        "Asia/Vientiane",
        dt.datetime(2028, 7, 22, 2, 0, tzinfo=UTC),
        dt.datetime(2028, 7, 23, 10, 0, tzinfo=UTC),
        True,
    )
    assert (arf.venue.city, arf.timezone, arf.start, arf.end) == (
        "Phnom Penh",
        "Asia/Phnom_Penh",
        dt.datetime(2028, 7, 24, 1, 30, tzinfo=UTC),
        dt.datetime(2028, 7, 24, 5, 0, tzinfo=UTC),
    )
    assert staff.errors == []
