"""The public pages' accessibility promises, checked in a real browser.

axe-core (WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best-practice rules: heading
order, landmarks, regions) must find nothing on each page, at desktop and phone width. At
phone width nothing scrolls sideways and the main navigation can be reached and used; the
keyboard's focus is always visible; every <time> carries a machine-readable date; every
label, description and in-page link points at an element that exists. axe-core is injected
into the page, so those tabs bypass the site's script policy (tests/browser/test_csp.py
checks the policy itself).
"""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.template.loader import render_to_string

from meetings.models import Delegation, Event, PressConference, PressContact
from meetings.tokens import rsvp_token
from tests.browser.conftest import DESKTOP, WRITES
from tests.conftest import TODAY
from tests.factories import MeetingFactory

pytestmark = pytest.mark.browser

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
PHONE = {"width": 375, "height": 740}
RSVP = "rsvp"

# (name, path, status). RSVP stands for a delegation's signed link, made once the demo
# data exists.
PAGES = [
    ("home", "/", 200),
    ("list", "/meetings/", 200),
    ("list-filtered", "/meetings/?format=EAS&country=RU&status=held", 200),
    ("month", "/calendar/2022/08/", 200),
    ("month-today", "/calendar/2026/11/", 200),
    ("meeting", "/meetings/2022-amm-55/", 200),
    ("meeting-cancelled", "/meetings/sample-asean-japan-pmc/", 200),
    ("format", "/formats/EAS/", 200),
    ("country", "/countries/ru/", 200),
    ("changes", "/changes/", 200),
    ("search", "/search/?q=Lavrov", 200),
    ("subscribe", "/subscribe/?format=EAS", 200),
    ("subscribe-bad", "/subscribe/?format=XYZ", 400),
    ("list-empty", "/meetings/?q=Retreat", 200),
    ("event", "/events/2022-55th-amm-and-related-meetings/", 200),
    ("search-bad", "/search/?q=", 400),
    ("rsvp", RSVP, 200),
    ("rsvp-refused", "/rsvp/not-a-token/", 400),
    ("bad-filter", "/meetings/?from=notadate", 400),
    ("not-found", "/meetings/no-such-meeting/", 404),
]
PAGE_IDS = [name for name, _path, _status in PAGES]


def resolve(path: str) -> str:
    if path != RSVP:
        return path
    delegation = Delegation.objects.get(meeting__slug="sample-som", participant__code="PH")
    return f"/rsvp/{rsvp_token(delegation)}/"


def describe(violations: list[dict]) -> str:
    """One line per rule, then one per failing element, so a failure says what to fix."""
    lines = []
    for rule in violations:
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']}")
        for node in rule["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def axe():
    return Axe()


FOCUS_STYLE = """el => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {
        tag: el.tagName.toLowerCase(),
        text: (el.innerText || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 40),
        onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
            && box.left < window.innerWidth,
        outline: `${style.outlineStyle} ${style.outlineWidth}`,
        boxShadow: style.boxShadow,
        indicator: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
            || style.boxShadow !== "none",
    };
}"""
BAD_TIMES = r"""() => [...document.querySelectorAll("time")]
    .map(el => el.getAttribute("datetime"))
    .filter(value => !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z))?$/
        .test(value || ""))"""
DANGLING = """attrs => {
    const refs = [];
    for (const attr of attrs) {
        for (const el of document.querySelectorAll(`[${attr}]`)) {
            for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
                if (!document.getElementById(id)) refs.push(`${attr}=${id}`);
            }
        }
    }
    for (const a of document.querySelectorAll("a[href^='#']:not([href='#'])")) {
        if (!document.getElementById(a.getAttribute("href").slice(1))) {
            refs.push(`href=${a.getAttribute("href")}`);
        }
    }
    return refs;
}"""
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .filter(el => !el.closest(".table-scroll"))
    .map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""))"""


def focus_stops(page) -> list[dict]:
    """The first stops of the page: the skip link, the header, and well into the content."""
    page.keyboard.press("Tab")
    stops = []
    for _ in range(30):
        stop = page.evaluate(f"({FOCUS_STYLE})(document.activeElement)")
        if stop["tag"] == "body":
            break
        stops.append(stop)
        page.keyboard.press("Tab")
    return stops


# What each page shows at each width, measured once a test process: loading a page and
# running axe-core on it is most of a check's time, and the checks below only read.
MEASURED: dict[tuple[str, str], dict] = {}


def measure(open_tab, axe, name: str, path: str, width: str) -> dict:
    if (name, width) in MEASURED:
        return MEASURED[name, width]
    if width == "phone":
        tab = open_tab(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    else:
        tab = open_tab(bypass_csp=True, viewport=DESKTOP)
    found = {"status": tab.open(resolve(path))}
    # The site's policy allows only its own scripts; axe-core is injected from outside.
    found["violations"] = axe.run(tab.page, options=AXE_OPTIONS).response["violations"]
    found["times"] = tab.page.evaluate(BAD_TIMES)
    found["dangling"] = tab.page.evaluate(
        DANGLING, ["aria-describedby", "aria-labelledby", "aria-controls", "for"]
    )
    if width == "phone":
        found["widths"] = tab.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        found["overflowing"] = tab.page.evaluate(OVERFLOWING)
        links = tab.page.get_by_role("navigation", name="Main").get_by_role("link")
        found["nav"] = [(link.inner_text(), link.bounding_box()) for link in links.all()]
    else:
        found["focus"] = focus_stops(tab.page)
    found["errors"] = list(tab.errors)
    MEASURED[name, width] = found
    return found


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=PAGE_IDS)
def test_page_has_no_axe_violations(open_tab, demo_site, axe, name, path, status, width):
    found = measure(open_tab, axe, name, path, width)

    assert found["status"] == status
    assert found["violations"] == [], f"{name}: axe-core found\n{describe(found['violations'])}"
    # An error page's own status is the only thing Chromium may log as an error.
    own_status = f"Failed to load resource: the server responded with a status of {status} "
    assert [error for error in found["errors"] if not error.startswith(own_status)] == []


@WRITES
def test_rsvp_form_answers_and_errors_have_no_axe_violations(open_tab, fresh_demo_site, axe):
    tab = open_tab(bypass_csp=True)
    tab.open(resolve(RSVP))

    # Nothing chosen: the page comes back (400) with its errors.
    tab.page.locator("input[name=attendance]").evaluate_all(
        "radios => radios.forEach(radio => { radio.checked = false; })"
    )
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Send our answer").click()
    refused = axe.run(tab.page, options=AXE_OPTIONS).response["violations"]
    alert = tab.page.get_by_role("alert").inner_text()

    tab.page.get_by_label("We will not attend (decline)").check()
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Send our answer").click()
    answered = axe.run(tab.page, options=AXE_OPTIONS).response["violations"]

    assert alert == "Your answer was not sent\nChoose whether your delegation will attend."
    assert tab.page.get_by_role("status").inner_text() == (
        "Thank you. Your answer is recorded: Declined."
    )
    assert refused == [], describe(refused)
    assert answered == [], describe(answered)


@WRITES
def test_press_information_and_live_now_have_no_axe_violations(open_tab, fresh_demo_site, axe):
    """A meeting on now, with its event's press information (long values included), on its
    page, its event's page and the home page, at desktop and phone width."""
    event = Event.objects.get(slug="sample-senior-officials-meetings")
    Event.objects.filter(pk=event.pk).update(
        accreditation_deadline=TODAY.date() - dt.timedelta(days=1),
        accreditation="Write to the press office.\nSend a copy of your press card.",
        accreditation_url="https://press.example.org/" + "accreditation-" * 12,
        media_centre="Hall B, National Convention Centre",
        livestream_url="https://stream.example.org/week",
    )
    meeting = MeetingFactory(
        event=event,
        title="Live meeting",
        start=TODAY - dt.timedelta(hours=1),
        end=TODAY + dt.timedelta(hours=5),
    )
    PressConference.objects.create(
        meeting=meeting,
        start=TODAY + dt.timedelta(hours=4),
        title="Press conference of the Chair",
        place="Media room",
        stream_url="https://stream.example.org/chair",
    )
    PressContact.objects.create(
        event=event,
        name="Sok Dara",
        organisation="Ministry of Foreign Affairs",
        email="press.office.of.the.ministry.of.foreign.affairs@example.org",
        phone="+855 (23) 123-456",
    )
    found = {}
    for path in ("/", meeting.get_absolute_url(), event.get_absolute_url()):
        for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            tab = open_tab(bypass_csp=True, viewport=viewport)
            tab.open(path)
            headings = tab.page.locator("main h2").all_inner_texts()
            violations = axe.run(tab.page, options=AXE_OPTIONS).response["violations"]
            found[path, width] = (
                "Live now" in headings or tab.page.locator(".banner-live").count() == 1,
                "Press" in headings,
                describe(violations),
                tab.page.evaluate(OVERFLOWING) if width == "phone" else [],
            )

    assert found == {
        (path, width): (live, shown, "", [])
        for path, live, shown in (
            ("/", True, False),
            (meeting.get_absolute_url(), True, True),
            (event.get_absolute_url(), False, True),
        )
        for width in ("desktop", "phone")
    }


@WRITES
@pytest.mark.parametrize("template", ["500.html", "503.html"])
def test_server_error_pages_have_no_axe_violations(open_tab, axe, template):
    tab = open_tab(bypass_csp=True)
    tab.page.set_content(render_to_string(template))

    violations = axe.run(tab.page, options=AXE_OPTIONS).response["violations"]

    assert violations == [], describe(violations)


@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=PAGE_IDS)
def test_page_fits_a_phone_without_sideways_scrolling(open_tab, demo_site, axe, name, path, status):
    found = measure(open_tab, axe, name, path, "phone")

    scroll_width, window_width = found["widths"]
    assert (scroll_width <= window_width, found["overflowing"]) == (True, [])
    assert [text for text, _box in found["nav"]] == [
        "Next",
        "All meetings",
        "Calendar",
        "What changed",
    ]
    for text, box in found["nav"]:
        # On screen, and a target a finger can hit (WCAG 2.2's 24 by 24 CSS pixels).
        assert (box["x"] >= 0, box["x"] + box["width"] <= PHONE["width"]) == (True, True), text
        assert (box["width"] >= 24, box["height"] >= 24) == (True, True), text


def test_main_navigation_works_at_phone_width(open_tab, demo_site):
    tab = open_tab(viewport=PHONE, is_mobile=True, has_touch=True)
    tab.open("/")

    with tab.page.expect_navigation():
        tab.page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="All meetings"
        ).tap()

    assert tab.page.url == f"{tab.base_url}/meetings/"
    current = tab.page.get_by_role("navigation", name="Main").locator("[aria-current=page]")
    assert current.inner_text() == "All meetings"


@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=PAGE_IDS)
def test_keyboard_focus_is_always_visible(open_tab, demo_site, axe, name, path, status):
    stops = measure(open_tab, axe, name, path, "desktop")["focus"]

    assert stops[0]["text"] == "Skip to content"
    hidden = [stop for stop in stops if not (stop["onScreen"] and stop["indicator"])]
    assert (len(stops) >= 6, hidden) == (True, [])


def test_skip_link_moves_focus_to_the_main_content(open_tab, demo_site):
    tab = open_tab()
    tab.open("/meetings/")

    tab.page.keyboard.press("Tab")
    tab.page.keyboard.press("Enter")
    tab.page.keyboard.press("Tab")

    assert tab.page.evaluate("() => document.activeElement.closest('main') !== null") is True


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=PAGE_IDS)
def test_dates_are_machine_readable(open_tab, demo_site, axe, name, path, status, width):
    assert measure(open_tab, axe, name, path, width)["times"] == []


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=PAGE_IDS)
def test_references_name_elements_on_the_page(open_tab, demo_site, axe, name, path, status, width):
    """A label, description or landmark name that points at no element says nothing."""
    dangling = measure(open_tab, axe, name, path, width)["dangling"]

    assert dangling == []
