"""Site search in a real browser: from the header of the home page to a meeting, with the
keyboard and at phone width (accessibility: tests/browser/test_accessibility.py)."""

import pytest

from tests.browser.test_accessibility import PHONE

pytestmark = pytest.mark.browser


def search_from_header(tab, query: str) -> None:
    """Type `query` into the header's search box and submit it with Enter."""
    box = tab.page.get_by_role("search").get_by_label("Search meetings, people and places")
    box.fill(query)
    with tab.page.expect_navigation():
        box.press("Enter")


def test_search_lavrov_from_the_home_page_to_the_12th_eas_fmm(open_tab, demo_site):
    tab = open_tab()
    assert tab.open("/") == 200

    search_from_header(tab, "Lavrov")

    assert tab.page.url == f"{tab.base_url}/search/?q=Lavrov"
    assert tab.page.title() == "Search: “Lavrov” · aseancal"
    assert tab.page.locator("h1").inner_text() == "Search: “Lavrov”"
    assert tab.page.locator("section.search-group h2").all_inner_texts() == [
        "Heads of delegation (3)",
        "Meetings (3)",
    ]
    people = tab.page.locator("#found-people ~ ol .search-result p:last-child")
    assert people.all_inner_texts() == [
        "Heads the delegation to ASEAN-Russia Post Ministerial Conference "
        "(Thu 4 Aug 2022 · all day): Confirmed",
        "Heads the delegation to 12th East Asia Summit Foreign Ministers' Meeting "
        "(Fri 5 Aug 2022 · all day): Confirmed",
        "Heads the delegation to 29th ASEAN Regional Forum (Fri 5 Aug 2022 · all day): Confirmed",
    ]
    tab.shoot("search-lavrov", phone=True)

    with tab.page.expect_navigation():
        tab.page.get_by_role(
            "link", name="12th East Asia Summit Foreign Ministers' Meeting"
        ).first.click()

    assert tab.page.url == f"{tab.base_url}/meetings/2022-eas-12/"
    assert tab.page.locator("h1").inner_text() == "12th East Asia Summit Foreign Ministers' Meeting"
    assert tab.errors == []


def test_search_form_works_at_phone_width_with_a_tap(open_tab, demo_site):
    tab = open_tab(viewport=PHONE, is_mobile=True, has_touch=True)
    tab.open("/meetings/")

    form = tab.page.get_by_role("search")
    box = form.get_by_label("Search meetings, people and places")
    box.fill("Phnom Penh")
    with tab.page.expect_navigation():
        form.get_by_role("button", name="Search").tap()

    assert tab.page.url == f"{tab.base_url}/search/?q=Phnom+Penh"
    assert tab.page.locator("section.search-group h2").first.inner_text() == "Venues and cities (1)"
    for element in (box, form.get_by_role("button", name="Search")):
        bounds = element.bounding_box()
        assert (bounds["x"] >= 0, bounds["x"] + bounds["width"] <= PHONE["width"]) == (True, True)
        assert bounds["height"] >= 24
    assert tab.errors == []
