"""The public pages in a real browser: rendering, a filter, the reader's own time zone."""

import datetime as dt

import pytest

from tests.browser.conftest import WRITES
from tests.factories import MeetingFactory

pytestmark = pytest.mark.browser


def titles(page) -> list[str]:
    return page.locator("ol.meetings h3 a").all_inner_texts()


def timed_meeting():
    """09:00-12:00 Phnom Penh time (UTC+7) on Monday 5 August 2030: 04:00-07:00 in Paris."""
    return MeetingFactory(
        title="Timed meeting in Phnom Penh",
        start=dt.datetime(2030, 8, 5, 2, 0, tzinfo=dt.UTC),
        end=dt.datetime(2030, 8, 5, 5, 0, tzinfo=dt.UTC),
    )


def test_home_page_next_meetings_and_timeline(open_tab, demo_site):
    tab = open_tab()

    assert tab.open("/") == 200
    assert tab.page.locator("h1").inner_text() == "ASEAN meetings: what meets next"
    assert titles(tab.page) == [
        "[Sample] ASEAN Senior Officials' Meeting",
        "[Sample] ARF Inter-Sessional Meeting",
        "[Sample] East Asia Summit Senior Officials' Meeting",
        "[Sample] ASEAN-Japan Post Ministerial Conference",
    ]
    assert tab.page.locator(".timeline > li h3").all_inner_texts() == [
        "Saturday 14 November 2026",
        "Sunday 15 November 2026",
        "Monday 16 November 2026",
        "Tuesday 17 November 2026",
    ]
    # Manila is UTC+8; Paris is UTC+1 in November.
    assert tab.page.locator("ol.meetings .reader-time").first.inner_text() == (
        "Your time: Sat 14 Nov 2026, 02:00–05:00 UTC+1"
    )
    tab.shoot("home", phone=True)
    assert tab.errors == []


def test_keyboard_focus_is_visible(open_tab, demo_site):
    tab = open_tab()
    tab.open("/")

    tab.page.keyboard.press("Tab")
    skip = tab.page.locator(":focus")
    assert skip.inner_text() == "Skip to content"
    assert skip.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 221, 0)"
    assert skip.bounding_box()["x"] >= 0
    tab.page.keyboard.press("Tab")
    assert tab.page.locator(":focus").evaluate(
        "el => [el.textContent, getComputedStyle(el).backgroundColor]"
    ) == ["aseancal ASEAN meetings calendar", "rgb(255, 221, 0)"]
    tab.shoot("focus-visible")


def test_list_page_filter_by_format_and_country(open_tab, demo_site):
    tab = open_tab()
    assert tab.open("/meetings/") == 200

    # The EAS foreign ministers and the EAS senior officials: two formats.
    tab.page.get_by_role("checkbox", name="EAS", exact=True).check()
    tab.page.get_by_role("checkbox", name="EAS_SOM", exact=True).check()
    tab.page.get_by_label("Country (hosts or attends)").select_option("RU")
    tab.page.get_by_role("button", name="Show meetings").click()
    tab.page.wait_for_load_state()

    assert tab.page.url == (
        f"{tab.base_url}/meetings/?q=&format=EAS&format=EAS_SOM&country=RU&host=&from=&to="
    )
    assert titles(tab.page) == [
        "12th East Asia Summit Foreign Ministers' Meeting",
        "[Sample] East Asia Summit Senior Officials' Meeting",
    ]
    assert tab.page.get_by_role("checkbox", name="EAS", exact=True).is_checked()
    assert tab.page.get_by_label("Country (hosts or attends)").input_value() == "RU"
    assert tab.page.get_by_label("iCal feed address").input_value() == (
        "http://127.0.0.1:8000/feeds/meetings.ics?country=RU&format=EAS&format=EAS_SOM"
    )
    tab.shoot("list-filtered", phone=True)
    assert tab.errors == []


def test_list_page_bad_filter_names_the_parameter(open_tab, demo_site):
    tab = open_tab()

    assert tab.open("/meetings/?from=yesterday") == 400
    assert tab.page.get_by_role("alert").locator("li").inner_text() == (
        "The filter from: Enter a valid date."
    )


def test_month_page_grid(open_tab, demo_site):
    tab = open_tab()

    assert tab.open("/calendar/2026/11/") == 200
    assert tab.page.locator("caption").inner_text() == (
        "November 2026: 4 meetings. Days run Monday to Sunday; times are at the venue."
    )
    assert tab.page.locator("td.today time").first.get_attribute("datetime") == "2026-11-02"
    assert tab.page.locator("td s").all_inner_texts() == [
        "[Sample] ASEAN-Japan Post Ministerial Conference"
    ]
    assert tab.page.locator("td", has_text="[Sample] ARF Inter-Sessional Meeting").count() == 3
    tab.shoot("month", phone=True)
    tab.page.get_by_role("link", name="December 2026").click()
    tab.page.wait_for_load_state()
    assert tab.page.locator("h1").inner_text() == "Meetings in December 2026"
    assert tab.errors == []


def test_meeting_page_55th_amm(open_tab, demo_site):
    tab = open_tab()

    assert tab.open("/meetings/2022-pmc-ru/") == 200
    assert tab.page.locator("h1").inner_text() == "ASEAN-Russia Post Ministerial Conference"
    russia = tab.page.get_by_role("row", name="Russia")
    assert russia.locator("td").all_inner_texts() == [
        "Sergey Lavrov\nMinister of Foreign Affairs\nMinister",
        "Confirmed",
    ]
    tab.shoot("meeting-asean-russia", phone=True)
    assert tab.open("/meetings/2022-amm-55/") == 200
    assert tab.page.locator(".facts dd p").first.inner_text() == (
        "Wednesday 3 August 2022, all day (Phnom Penh time, UTC+7)"
    )
    assert tab.page.locator(".reader-time").count() == 0
    tab.shoot("meeting-55th-amm", phone=True)
    assert tab.errors == []


@WRITES
def test_meeting_page_in_the_readers_time_zone(open_tab, site_today):
    meeting = timed_meeting()
    paris = open_tab()

    assert paris.open(meeting.get_absolute_url()) == 200
    when = paris.page.locator(".facts dd").nth(1)
    assert when.locator("p").all_inner_texts() == [
        "Monday 5 August 2030, 09:00–12:00 (Phnom Penh time, UTC+7)",
        "Your time: Monday 5 August 2030, 04:00–07:00 (Europe/Paris, UTC+2)",
    ]
    paris.shoot("meeting-timed-paris")
    assert paris.errors == []

    bangkok = open_tab(timezone_id="Asia/Bangkok")
    bangkok.open(meeting.get_absolute_url())
    assert bangkok.page.locator(".reader-time").inner_text() == (
        "The same in your time zone (Asia/Bangkok, UTC+7)."
    )


@WRITES
def test_list_page_in_the_readers_time_zone(open_tab, site_today):
    timed_meeting()
    tab = open_tab(timezone_id="America/New_York")

    tab.open("/meetings/")

    assert tab.page.locator("ol.meetings .when").inner_text() == (
        "Mon 5 Aug 2030, 09:00–12:00 UTC+7\n"
        "Your time: Sun 4 Aug 2030, 22:00 – Mon 5 Aug 2030, 01:00 UTC-4"
    )
    assert tab.errors == []


@WRITES
def test_meeting_page_without_javascript(open_tab, site_today):
    meeting = timed_meeting()
    tab = open_tab(java_script_enabled=False)

    assert tab.open(meeting.get_absolute_url()) == 200
    assert tab.page.locator(".facts dd").nth(1).inner_text() == (
        "Monday 5 August 2030, 09:00–12:00 (Phnom Penh time, UTC+7)"
    )
    assert tab.page.locator(".reader-time").evaluate("el => getComputedStyle(el).display") == "none"
