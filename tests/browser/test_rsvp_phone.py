"""The RSVP page on a phone (375 CSS pixels): answering, errors, targets a finger can hit.

A delegation answers from the link in its mail, often on a phone: each answer is a row
to tap and the button is at least 44 by 44 CSS pixels (WCAG 2.5.5), nothing scrolls
sideways, a recorded answer reads as a status (not an alert), a refused answer lists its
errors at the top and beside the field, keeping what was typed, and every page names the
secretariat contact.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from meetings.models import Delegation, Event
from meetings.tokens import rsvp_token
from tests.browser.conftest import WRITES
from tests.browser.test_accessibility import AXE_OPTIONS, describe

pytestmark = [pytest.mark.browser, WRITES]

PHONE = {"width": 375, "height": 740}
CONTACT = "Ms Dara Vong, ASEAN Secretariat, dara.vong@asean.example"
BOXES = """() => [...document.querySelectorAll(".rsvp-choice, .rsvp-submit")].map(el => {
    const box = el.getBoundingClientRect();
    return [el.innerText.trim(), box.width, box.height, box.left, box.right];
})"""
SCROLL = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def phone_tab(open_tab):
    # axe-core is injected into the page, past the site's script policy.
    return open_tab(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)


def rsvp_path() -> str:
    delegation = Delegation.objects.get(meeting__slug="sample-som", participant__code="PH")
    Event.objects.filter(slug="sample-senior-officials-meetings").update(
        secretariat_contact=CONTACT
    )
    return f"/rsvp/{rsvp_token(delegation)}/"


def assert_fits(page) -> None:
    """No sideways scrolling, and each answer row and the button at least 44 px high."""
    scroll_width, window_width = page.evaluate(SCROLL)
    boxes = page.evaluate(BOXES)
    assert (scroll_width <= PHONE["width"], window_width) == (True, PHONE["width"])
    assert [text for text, *_ in boxes] == [
        "We will attend (confirm)",
        "We will not attend (decline)",
        "Send our answer",
    ]
    for text, width, height, left, right in boxes:
        assert (height >= 44, width >= 44, left >= 0, right <= PHONE["width"]) == (
            True,
            True,
            True,
            True,
        ), (text, width, height, left, right)


def test_rsvp_on_a_phone_confirms_with_a_tap_and_says_so_as_a_status(open_tab, fresh_demo_site):
    axe = Axe()
    tab = phone_tab(open_tab)
    assert tab.open(rsvp_path()) == 200
    assert_fits(tab.page)
    blank = axe.run(tab.page, options=AXE_OPTIONS).response["violations"]

    tab.shoot("rsvp-phone")
    tab.page.get_by_text("We will attend (confirm)").tap()
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Send our answer").tap()

    status = tab.page.get_by_role("status")
    assert status.inner_text() == "Thank you. Your answer is recorded: Confirmed."
    assert status.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(232, 245, 233)"
    assert tab.page.get_by_role("alert").count() == 0
    assert tab.page.locator(".rsvp-contact").inner_text() == (
        f"Questions? Your contact at the secretariat: {CONTACT}"
    )
    assert tab.page.get_by_role("link", name="dara.vong@asean.example").get_attribute("href") == (
        "mailto:dara.vong@asean.example"
    )
    assert_fits(tab.page)
    answered = axe.run(tab.page, options=AXE_OPTIONS).response["violations"]
    assert (describe(blank), describe(answered), tab.errors) == ("", "", [])


def test_rsvp_on_a_phone_without_an_answer_lists_the_error_and_keeps_the_values(
    open_tab, fresh_demo_site
):
    axe = Axe()
    tab = phone_tab(open_tab)
    tab.open(rsvp_path())
    tab.page.locator("input[name=attendance]").evaluate_all(
        "radios => radios.forEach(radio => { radio.checked = false; })"
    )
    tab.page.get_by_label("Head of delegation").fill("Enrique Manalo")

    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Send our answer").tap()

    summary = tab.page.get_by_role("alert")
    assert summary.inner_text().splitlines() == [
        "Your answer was not sent",
        "Choose whether your delegation will attend.",
    ]
    assert summary.get_by_role("link").get_attribute("href") == "#id_attendance_0"
    assert tab.page.evaluate("() => document.activeElement.id") == "error-summary-title"
    assert tab.page.locator("#id_attendance_error").text_content() == (
        "Error: Choose whether your delegation will attend."
    )
    assert tab.page.get_by_role("group", name="Your answer").get_attribute("aria-describedby") == (
        "id_attendance_error"
    )
    assert tab.page.get_by_label("Head of delegation").input_value() == "Enrique Manalo"
    assert tab.page.get_by_role("status").count() == 0
    assert_fits(tab.page)
    refused = axe.run(tab.page, options=AXE_OPTIONS).response["violations"]

    summary.get_by_role("link").tap()
    assert tab.page.evaluate("() => document.activeElement.id") == "id_attendance_0"
    own_status = "Failed to load resource: the server responded with a status of 400 "
    errors = [error for error in tab.errors if not error.startswith(own_status)]
    assert (describe(refused), errors) == ("", [])


def test_rsvp_refused_link_on_a_phone_names_the_secretariat_contact(
    open_tab, fresh_demo_site, settings
):
    settings.SECRETARIAT_CONTACT = "ASEAN Secretariat, meetings desk, +62 21 724 3372"
    tab = phone_tab(open_tab)

    assert tab.open("/rsvp/not-a-token/") == 400
    assert tab.page.locator(".rsvp-contact").inner_text() == (
        "Your contact at the secretariat: ASEAN Secretariat, meetings desk, +62 21 724 3372"
    )
    tab.shoot("rsvp-refused-phone")
    scroll_width, _window = tab.page.evaluate(SCROLL)
    assert scroll_width <= PHONE["width"]
