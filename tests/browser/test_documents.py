"""The documents section in a real browser: axe-core finds nothing on the meeting and event
pages that list documents, at desktop and phone width, nothing scrolls sideways, and the
admin's documents inline reads at a laptop's width."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import Client

from meetings import documents
from meetings.enums import DocumentKind
from meetings.models import Document, Event, Meeting
from tests.browser.conftest import ARTIFACTS, PHONE, WRITES
from tests.browser.test_accessibility import AXE_OPTIONS, OVERFLOWING, describe
from tests.factories import UserFactory
from tests.meetings import document_samples as samples

pytestmark = [pytest.mark.browser, WRITES]

MEETING = "2022-amm-55"
EVENT = "2022-55th-amm-and-related-meetings"
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def with_documents(fresh_demo_site, settings, tmp_path):
    """A file and a link on the reference AMM, and a file on its event."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    meeting = Meeting.objects.get(slug=MEETING)
    event = Event.objects.get(slug=EVENT)
    for parent, kind, title, content, url in (
        (
            meeting,
            DocumentKind.JOINT_COMMUNIQUE,
            "Joint Communiqué of the 55th ASEAN Foreign Ministers' Meeting, Phnom Penh, "
            "Cambodia, 3 August 2022 (as adopted, with the annexes)",
            samples.pdf(),
            "",
        ),
        (
            meeting,
            DocumentKind.CHAIRMANS_STATEMENT,
            "ASEAN" + "-Cambodia" * 20,  # one long word: it must wrap on a phone
            None,
            "https://asean.org/wp-content/uploads/2022/08/statement.pdf",
        ),
        (event, DocumentKind.AGENDA, "Programme of the week", samples.pdf(), ""),
    ):
        document = Document(
            kind=kind,
            title=title,
            language="en",
            published_on=dt.date(2022, 8, 3),
            url=url,
            **{"meeting" if isinstance(parent, Meeting) else "event": parent},
        )
        if content is not None:
            document.file = ContentFile(content, name="document.pdf")
            document.filename = documents.file_name(title=title, kind=kind, extension=".pdf")
            document.content_type, document.size = "application/pdf", len(content)
        documents.document_save(document=document, by=None)
    return meeting


@pytest.mark.parametrize("path", [f"/meetings/{MEETING}/", f"/events/{EVENT}/"])
@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_pages_listing_documents_have_no_axe_violations(open_tab, with_documents, path, viewport):
    tab = open_tab(bypass_csp=True, viewport=viewport)

    assert tab.open(path) == 200
    violations = Axe().run(tab.page, options=AXE_OPTIONS).response["violations"]
    overflowing = tab.page.evaluate(OVERFLOWING)
    ARTIFACTS.mkdir(exist_ok=True)
    name = f"documents-{path.strip('/').replace('/', '-')}-{viewport['width']}.png"
    tab.page.locator("section.documents").screenshot(path=str(ARTIFACTS / name))

    assert tab.page.locator("#documents-heading").inner_text() == "Documents"
    assert violations == [], describe(violations)
    assert overflowing == []
    assert tab.errors == []


def test_admin_documents_inline_reads_at_a_laptops_width(open_tab, with_documents):
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True))
    tab = open_tab(viewport=LAPTOP)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    tab.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": tab.base_url}]
    )

    assert tab.open(f"/admin/meetings/meeting/{with_documents.pk}/change/") == 200
    inline = tab.page.locator("#documents-group")
    inline.scroll_into_view_if_needed()
    box = inline.bounding_box()
    ARTIFACTS.mkdir(exist_ok=True)
    inline.screenshot(path=str(ARTIFACTS / "documents-admin-inline-1366.png"))

    # (The delegations' table beside it fits a laptop too: tests/browser/test_admin_layout.py.)
    assert box is not None
    assert box["x"] + box["width"] <= LAPTOP["width"]
    # The stored file, by its download name and the site's own address (in the file's
    # input and in the stored file's line).
    [name] = set(inline.locator("a[href^='/documents/']").all_inner_texts())
    assert name.startswith("joint-communique-of-the-55th-asean-foreign-ministers")
    assert tab.errors == []
