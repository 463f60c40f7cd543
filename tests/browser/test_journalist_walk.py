"""A journalist's walks through the site in a real browser, each ending with axe-core on the
last page: from a meeting to its event's programme and calendar file; from this month to
August 2022 in two clicks (with and without script); a document uploaded in the admin,
then read on the meeting page, in the API and in the Atom feed of changes; and the offer
to subscribe to a filter, withdrawn when the filter matches nothing."""

from urllib.parse import urlsplit

import feedparser
import icalendar
import pytest
from axe_playwright_python.sync_playwright import Axe

from meetings.models import Meeting
from tests.browser.conftest import DESKTOP, WRITES
from tests.browser.test_accessibility import AXE_OPTIONS, PHONE, describe
from tests.conftest import TODAY
from tests.meetings import document_samples as samples

pytestmark = pytest.mark.browser

MEETING = "2022-amm-55"
EVENT = "2022-55th-amm-and-related-meetings"
AMM = "55th ASEAN Foreign Ministers' Meeting"
# A production-like address: the feed links are built from it, over https.
SITE = "https://aseancal.example"
WIDTHS = [
    pytest.param({"viewport": DESKTOP}, id="desktop"),
    pytest.param({"viewport": PHONE, "is_mobile": True, "has_touch": True}, id="phone"),
]


def no_axe_violations(tab) -> None:
    violations = Axe().run(tab.page, options=AXE_OPTIONS).response["violations"]
    assert violations == [], describe(violations)


def follow(tab, link) -> None:
    with tab.page.expect_navigation():
        link.click()


def fact(page, term: str):
    """The <dd> of the page's facts under the <dt> `term`."""
    return page.locator(".facts > div").filter(has=page.get_by_text(term, exact=True)).locator("dd")


# 1. From the meeting to its event's programme and calendar file ----------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_from_the_55th_amm_to_its_event_programme_and_ical(open_tab, demo_site, settings, width):
    settings.SITE_URL = SITE
    tab = open_tab(bypass_csp=True, **width)
    assert tab.open(f"/meetings/{MEETING}/") == 200

    follow(tab, fact(tab.page, "Part of").get_by_role("link"))

    page = tab.page
    assert page.url == f"{tab.base_url}/events/{EVENT}/"
    assert page.locator("h1").inner_text() == "55th AMM and Related Meetings"
    assert fact(page, "When").inner_text() == "Sunday 31 July 2022 – Saturday 6 August 2022"
    days = page.locator("ol.timeline > li.day")
    assert days.locator("h3").all_inner_texts() == [
        "Sunday 31 July 2022",
        "Monday 1 August 2022",
        "Tuesday 2 August 2022",
        "Wednesday 3 August 2022",
        "Thursday 4 August 2022",
        "Friday 5 August 2022",
        "Saturday 6 August 2022",
    ]
    assert days.locator("h3 time").evaluate_all(
        "times => times.map(time => time.getAttribute('datetime'))"
    ) == [f"2022-0{month}-{day:02}" for month, day in [(7, 31)] + [(8, n) for n in range(1, 7)]]
    # Each day's meetings: (local time, title, status, format); the reference calendar
    # has the dates of these meetings, not their hours.
    programme = days.evaluate_all(
        """days => days.map(day => [...day.querySelectorAll("ul > li")].map(li => [
            li.querySelector(".at").textContent,
            li.querySelector("a").textContent,
            li.querySelector(".tag").textContent,
            li.querySelector(".format").textContent,
        ]))"""
    )
    assert programme == [
        [],
        [],
        [],
        [["All day", AMM, "Held", "AMM"]],
        [
            ["All day", "23rd ASEAN Plus Three Foreign Ministers' Meeting", "Held", "APT"],
            ["All day", "ASEAN-Russia Post Ministerial Conference", "Held", "PMC"],
        ],
        [
            ["All day", "29th ASEAN Regional Forum", "Held", "ARF"],
            ["All day", "12th East Asia Summit Foreign Ministers' Meeting", "Held", "EAS"],
        ],
        [],
    ]
    assert days.locator("p.quiet").all_inner_texts() == ["No public meetings this day."] * 4

    # The event's calendar: its https address in the field, webcal for calendar apps.
    ics = f"{SITE}/events/{EVENT}.ics"
    assert page.get_by_label("iCal feed address").input_value() == ics
    assert page.get_by_role("link", name="Subscribe (calendar app)").get_attribute("href") == (
        f"webcal://aseancal.example/events/{EVENT}.ics"
    )
    answer = tab.context.request.get(tab.base_url + urlsplit(ics).path)
    assert (answer.status, answer.headers["content-type"].split(";")[0]) == (200, "text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.body())
    assert sorted(
        (str(event["DTSTART"].dt), str(event["SUMMARY"])) for event in calendar.walk("VEVENT")
    ) == [
        ("2022-08-03", AMM),
        ("2022-08-04", "23rd ASEAN Plus Three Foreign Ministers' Meeting"),
        ("2022-08-04", "ASEAN-Russia Post Ministerial Conference"),
        ("2022-08-05", "12th East Asia Summit Foreign Ministers' Meeting"),
        ("2022-08-05", "29th ASEAN Regional Forum"),
    ]
    tab.shoot(f"walk-event-programme-{width['viewport']['width']}")
    no_axe_violations(tab)
    assert tab.errors == []


# 2. From this month to August 2022 in two clicks -------------------------------------------


@pytest.mark.parametrize(
    "width",
    [*WIDTHS, pytest.param({"viewport": DESKTOP, "java_script_enabled": False}, id="no-script")],
)
def test_two_clicks_from_this_month_to_august_2022(open_tab, demo_site, width):
    # The month picker is two rows of links (a year, then a month of that year), no form.
    script = width.get("java_script_enabled", True)
    tab = open_tab(bypass_csp=True, **width)
    page = tab.page
    assert tab.open(f"/calendar/{TODAY.year}/{TODAY.month}/") == 200
    jump = page.get_by_role("navigation", name="Go to a month")
    assert page.locator("h1").inner_text() == "Meetings in November 2026"

    follow(tab, jump.get_by_role("link", name="2022", exact=True))
    assert page.url == f"{tab.base_url}/calendar/2022/11/"
    follow(tab, jump.get_by_role("link", name="Aug", exact=True))

    assert page.url == f"{tab.base_url}/calendar/2022/8/"
    assert page.locator("h1").inner_text() == "Meetings in August 2022"
    assert jump.locator("[aria-current=page]").all_inner_texts() == ["2022", "Aug"]
    assert page.locator("caption").inner_text() == (
        "August 2022: 5 meetings. Days run Monday to Sunday; times are at the venue."
    )
    third = page.locator("td").filter(has=page.locator("time[datetime='2022-08-03']"))
    assert third.get_by_role("link").all_inner_texts() == [AMM]
    assert page.locator("td").filter(has_text=AMM).count() == 1
    assert third.get_by_role("link").get_attribute("href") == f"/meetings/{MEETING}/"
    tab.shoot(f"walk-month-jump-{width['viewport']['width']}{'' if script else '-no-script'}")
    if script:  # axe-core runs as a script in the page
        no_axe_violations(tab)
    assert tab.errors == []


# 3. A document uploaded in the admin, read by the public -----------------------------------


@WRITES
def test_document_uploaded_in_the_admin_reaches_page_api_and_feed(
    open_tab, live_server, fresh_demo_site, superuser, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    title = "Chairman's Statement of the 55th AMM"
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(samples.pdf(b"Chairman's Statement"))
    meeting = Meeting.objects.get(slug=MEETING)
    change = f"/admin/meetings/meeting/{meeting.pk}/change/"
    admin = open_tab()
    page = admin.page

    # The change page sends to the login (a password: root has no authenticator device).
    admin.open(change)
    assert page.url == f"{admin.base_url}/admin/login/?next={change}"
    page.get_by_label("Username").fill(superuser.username)
    page.get_by_label("Password").fill("a-long-test-password")
    follow(admin, page.get_by_role("button", name="Log in"))
    assert page.url == admin.base_url + change

    inline = page.locator("#documents-group")
    inline.get_by_role("button", name="Add another Document").click()
    form = inline.locator(".inline-related:not(.empty-form)").last
    form.get_by_label("Kind").select_option(label="Chairman's statement")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Language").fill("en")
    form.get_by_label("Date published").fill("2022-08-05")
    form.get_by_label("File:", exact=True).set_input_files(pdf)
    follow(admin, page.locator("input[name=_save]"))

    assert page.url == f"{admin.base_url}/admin/meetings/meeting/"
    assert page.locator(".messagelist .success").all_inner_texts() == [
        f"The meeting “{AMM}” was changed successfully."
    ]
    assert admin.errors == []

    # The public: the meeting page lists it, and its link downloads the PDF.
    public = open_tab(bypass_csp=True, accept_downloads=True)
    assert public.open(f"/meetings/{MEETING}/") == 200
    listed = public.page.locator("section.documents li")
    assert listed.count() == 1
    assert listed.locator("p").all_inner_texts() == [
        "CHAIRMAN'S STATEMENT",  # "Chairman's statement", in capitals by the style sheet
        title,
        f"English\nPublished Friday 5 August 2022\nPDF, {pdf.stat().st_size} bytes",
    ]
    link = listed.get_by_role("link", name=title)
    [document] = meeting.documents.all()
    name = "chairmans-statement-of-the-55th-amm.pdf"
    assert link.get_attribute("href") == f"/documents/{document.pk}/{name}"
    with public.page.expect_download() as downloading:
        link.click()
    download = downloading.value
    assert (download.suggested_filename, download.failure()) == (name, None)
    assert download.path().read_bytes() == pdf.read_bytes()
    answer = public.context.request.get(public.base_url + link.get_attribute("href"))
    assert (
        answer.status,
        answer.headers["content-type"],
        answer.headers["content-disposition"],
        answer.body(),
    ) == (200, "application/pdf", f'attachment; filename="{name}"', pdf.read_bytes())

    # The API, to anyone.
    answer = public.context.request.get(
        f"{public.base_url}/api/v1/documents/", params={"meeting": MEETING}
    )
    assert answer.status == 200
    assert [
        (row["title"], row["kind"], row["kind_label"], row["published_on"], row["url"])
        for row in answer.json()["results"]
    ] == [
        (
            title,
            "chairmans_statement",
            "Chairman's statement",
            "2022-08-05",
            f"{settings.SITE_URL}/documents/{document.pk}/{name}",
        )
    ]

    # The Atom feed of changes: one entry for the document, linking to it.
    answer = public.context.request.get(f"{public.base_url}/feeds/changes.atom")
    assert (answer.status, answer.headers["content-type"]) == (
        200,
        "application/atom+xml; charset=utf-8",
    )
    feed = feedparser.parse(answer.body())
    announced = [
        (entry.title, entry.link) for entry in feed.entries if f"{title} published" in entry.title
    ]
    # The entry names its page (the meeting), then what happened; it links to the file.
    assert announced == [
        (f"{AMM}: {title} published", f"{settings.SITE_URL}/documents/{document.pk}/{name}")
    ]

    public.shoot("walk-document-uploaded")
    no_axe_violations(public)
    public.page.set_viewport_size(PHONE)
    no_axe_violations(public)
    assert public.errors == []


# 4. Subscribing to a filter, and nothing offered for an empty one --------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_subscribe_to_eas_meetings_and_nothing_for_an_empty_filter(
    open_tab, demo_site, settings, width
):
    settings.SITE_URL = SITE
    feed = f"{SITE}/feeds/meetings.ics?format=EAS"
    tab = open_tab(bypass_csp=True, **width)
    page = tab.page
    assert tab.open("/meetings/?format=EAS") == 200
    assert page.get_by_label("iCal feed address").input_value() == feed

    follow(tab, page.get_by_role("link", name="How to subscribe"))

    assert page.url == f"{tab.base_url}/subscribe/?format=EAS"
    assert page.get_by_label("iCal feed address").input_value() == feed

    assert tab.open("/meetings/?format=EAS&from=1990-01-01&to=1990-01-02") == 200
    assert page.locator(".subscribe").all_inner_texts() == [
        "No meetings match these filters, so there is nothing to subscribe to."
    ]
    assert page.get_by_label("iCal feed address").count() == 0
    assert page.get_by_role("link", name="How to subscribe").count() == 0
    assert page.get_by_role("link", name="Subscribe (calendar app)").count() == 0
    tab.shoot(f"walk-subscribe-nothing-{width['viewport']['width']}")
    no_axe_violations(tab)
    assert tab.errors == []
