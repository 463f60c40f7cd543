"""Hostile uploads and text through the admin's document forms.

Files: decompression bombs, archives cut short or lying about their sizes, encrypted
parts, polyglots, HTML and SVG under any name, empty files, programs, and files past the
size limit, posted in the meeting form's documents inline as a browser posts them. Each
is refused on the file field of its row, in bounded memory, with nothing of the meeting
form saved and no file left in storage. Real files under hostile names (huge, CR/LF,
NUL, a path, a right-to-left override) are stored under a name the site makes, and
served as downloads that run nothing.

Text: every known payload in a document's title, language and link: refused naming
exactly the fields at fault, or stored exactly and shown safely on the meeting page.
"""

import io
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils.html import escape
from hypothesis import given, note

from meetings import documents
from meetings.forms_materials import DocumentAdminForm
from meetings.models import Document
from tests.meetings import document_samples as samples

from . import tally
from .conftest import isolated
from .expect import REFUSED, admin_value
from .outputs import assert_page_safe
from .posts import change_url, meeting_form
from .state import calendar_state
from .strategies import (
    HOSTILE,
    KNOWN,
    hostile_values,
    shown,
    spread,
    with_examples,
)
from .transport import post_form, received

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]

ACCEPTED = "upload a PDF, Word (.docx), Excel (.xlsx), PNG, JPEG or WebP file."
# What handling one upload may allocate in Python at its peak: a small multiple of the
# upload, far below what the bombs unpack to.
PEAK_LIMIT = 40 * 1024 * 1024
# Small, so that "past the limit" needs no large upload.
LIMIT = 512 * 1024
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DOCUMENT_MAX_BYTES = LIMIT
    return tmp_path / "media"


def stored_files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def state() -> dict:
    """The calendar, and every document row and history row."""
    return calendar_state() | {
        "documents": list(Document.objects.order_by("pk").values()),
        "document history": Document.history.count(),
    }


# The hostile files ------------------------------------------------------------------------


def streamed(parts: dict[str, object]) -> bytes:
    """An archive of parts given as bytes, or as chunks streamed in (a bomb needs no memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, content in parts.items():
            if isinstance(content, bytes):
                target.writestr(name, content)
                continue
            with target.open(name, "w", force_zip64=True) as part:
                for chunk in content:  # type: ignore[attr-defined]
                    part.write(chunk)
    return out.getvalue()


def zeros(total: int):
    for _ in range(total // MB):
        yield bytes(MB)


def docx_parts(**extra: object) -> dict[str, object]:
    return {
        "[Content_Types].xml": samples.CONTENT_TYPES_XML,
        "word/document.xml": b"<w:document/>",
        **extra,
    }


def understated() -> bytes:
    """A part whose headers declare 1,000 bytes where it holds a million: read only that
    far, it fails its checksum."""
    data = samples.docx(**{"word/media/big.xml": b"<x/>" * 250_000})
    declared = (1_000_000).to_bytes(4, "little")
    assert data.count(declared) == 2  # the local header and the central directory
    return data.replace(declared, (1000).to_bytes(4, "little"))


def encrypted() -> bytes:
    """A .docx whose parts say they need a password (bit 0 of each part's flags)."""
    data = bytearray(samples.docx())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for found in re.finditer(re.escape(signature), bytes(data)):
            data[found.start() + offset] |= 1
    return bytes(data)


def duplicated() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for content in (b"<w:document/>", b"<w:document><w:body>other</w:body></w:document>"):
            target.writestr("[Content_Types].xml", samples.CONTENT_TYPES_XML)
            target.writestr("word/document.xml", content)
    return out.getvalue()


def many_parts() -> bytes:
    return streamed(docx_parts(**{f"word/media/{n}.xml": b"" for n in range(1001)}))


def damaged(what: str) -> str:
    return f"This file is {what}; {ACCEPTED}"


DAMAGED_ZIP = damaged("a damaged or incomplete zip archive")
HTML = damaged("an HTML page")


PDF_CUT = damaged("a damaged or incomplete PDF (it has no end-of-file marker)")


def cut(make: Callable[[], bytes], keep: float) -> Callable[[], bytes]:
    return lambda: make()[: int(len(make()) * keep)]


# (id, uploaded name, the content (made when the test runs), the file field's error).
FILES: list[tuple[str, str, Callable[[], bytes], str]] = [
    (
        "bomb",
        "agenda.docx",
        lambda: streamed(docx_parts(**{"word/media/zeros.bin": zeros(300 * MB)})),
        damaged("an archive that unpacks to more than 256 MB, as no real Word or Excel file does"),
    ),
    (
        "many parts",
        "agenda.docx",
        many_parts,
        damaged("an archive of more than 1,000 parts, as no office file is"),
    ),
    ("understated part", "agenda.docx", understated, DAMAGED_ZIP),
    ("encrypted", "agenda.docx", encrypted, damaged("an encrypted (password-protected) archive")),
    (
        "duplicate parts",
        "agenda.docx",
        duplicated,
        damaged("an archive holding two parts of the same name"),
    ),
    *(
        (f"docx cut at {keep:.0%}", "agenda.docx", cut(samples.docx, keep), DAMAGED_ZIP)
        for keep in (0.1, 0.5, 0.9, 0.99)
    ),
    *(
        (f"xlsx cut at {keep:.0%}", "list.xlsx", cut(samples.xlsx, keep), DAMAGED_ZIP)
        for keep in (0.5, 0.99)
    ),
    ("pdf cut", "statement.pdf", cut(samples.pdf, 0.2), PDF_CUT),
    ("pdf header only", "statement.pdf", lambda: b"%PDF-", PDF_CUT),
    ("html as pdf", "statement.pdf", lambda: samples.HTML, HTML),
    ("html as docx", "statement.docx", lambda: samples.HTML, HTML),
    ("html as png", "photo.png", lambda: b"<img src=x onerror=alert(1)><html>", HTML),
    ("html after blanks and BOM", "a.pdf", lambda: b"\xef\xbb\xbf \r\n\t<html><b>x</b>", HTML),
    ("html in utf-16", "a.pdf", lambda: "<!doctype html><script>x</script>".encode("utf-16"), HTML),
    ("svg as png", "logo.png", lambda: samples.SVG, damaged("an SVG image")),
    (
        "svg as pdf",
        "logo.pdf",
        lambda: b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>",
        damaged("an SVG image"),
    ),
    # Zip readers look for the archive from the end: a page with a workbook behind it.
    ("html with a zip behind", "plan.xlsx", lambda: samples.HTML + samples.xlsx(), HTML),
    (
        "gif with a zip behind",
        "photo.jpg",
        lambda: samples.GIF + samples.docx(),
        damaged("a GIF image"),
    ),
    (
        "xml entities",
        "list.xlsx",
        lambda: (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>'
        ),
        damaged("an XML file"),
    ),
    (
        "docm",
        "agenda.docx",
        lambda: samples.docx(**{"word/vbaProject.bin": b"\x00"}),
        damaged("a Word document with macros (.docm)"),
    ),
    ("empty", "statement.pdf", lambda: b"", damaged("empty")),
    ("one byte", "statement.pdf", lambda: b"%", damaged("a text file")),
    (
        "NUL bytes",
        "statement.pdf",
        lambda: bytes(1000),
        damaged("of a type this site does not take"),
    ),
    ("program", "statement.pdf", lambda: b"MZ" + bytes(1000), damaged("a Windows program")),
    (
        "past the limit",
        "statement.pdf",
        lambda: samples.pdf(bytes(LIMIT)),
        "The file is 513 KB; the limit is 512 KB.",
    ),
]


def document_rows(*forms: dict) -> dict:
    data = {
        "documents-TOTAL_FORMS": str(len(forms)),
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
    }
    for n, form in enumerate(forms):
        data.update({f"documents-{n}-{name}": value for name, value in form.items()})
    return data


def document_row(**values: object) -> dict:
    return {
        "kind": "joint_communique",
        "title": "Joint Communiqué of the 59th AMM",
        "language": "en",
        "published_on": "2026-11-20",
        "url": "",
        "published": "on",
    } | values


def post_upload(client, meeting, name: str, content: bytes, **row: object):
    """The meeting form with one document row carrying the file, and the peak of Python's
    allocations while it was handled."""
    upload = io.BytesIO(content)
    upload.name = name
    data = meeting_form(meeting, title="Renamed by the same form") | document_rows(
        document_row(file=upload, **row)
    )
    tracemalloc.start()
    try:
        response = tally.send(
            "admin document upload", lambda: client.post(change_url(meeting), data)
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return response, peak


def row_errors(response) -> list[dict]:
    [inline] = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Document
    ]
    return [dict(form.errors) for form in inline.formset.forms]


@pytest.mark.parametrize(
    ("name", "make", "error"),
    [(name, make, error) for _, name, make, error in FILES],
    ids=[case for case, *_ in FILES],
)
def test_admin_hostile_file_refused_on_its_field_with_nothing_saved(
    client, superuser, world, media, name, make, error
):
    client.force_login(superuser)
    content = make()
    before = state()

    response, peak = post_upload(client, world.meeting, name, content)

    assert (response.status_code, row_errors(response)) == (200, [{"file": [error]}])
    assert response.context["adminform"].form.errors == {}
    assert state() == before
    assert stored_files(media) == set()
    assert peak < PEAK_LIMIT, f"{peak / MB:.0f} MB at the peak"


# The bytes of a part's headers Django reads (multipartparser.MAX_TOTAL_HEADER_SIZE).
MAX_PART_HEADER = 1024
HOSTILE_NAMES = (
    "x" * 10_000 + ".pdf",
    "statement.pdf\r\nContent-Type: text/html",
    "state\x00ment.html",
    "../../../etc/passwd",
    "C:\\Windows\\system32\\statement.exe",
    "\u202egnp.exe",
    "ថ្លែងការណ៍.pdf",
    "statement.svg",
    "statement.html",
    ".htaccess",
    "CON",
    "",
)


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
@pytest.mark.parametrize(
    ("content", "kind"),
    [(samples.pdf(b"<script>alert(1)</script>"), documents.PDF), (samples.png(), documents.PNG)],
    ids=["pdf", "png"],
)
def test_admin_real_file_under_a_hostile_name_is_stored_under_the_sites_name(
    client, superuser, world, baseline, media, name, content, kind
):
    client.force_login(superuser)
    before = state()

    response, _ = post_upload(client, world.meeting, name, content)

    if len(name) > MAX_PART_HEADER:
        # Django refuses the whole body before any form reads it (as a body past its size).
        assert (response.status_code, state(), stored_files(media)) == (400, before, set())
        return
    if response.status_code == 200:
        # A name the multipart parser cannot read leaves no file: the field says so.
        assert row_errors(response) == [
            {"file": ["Upload a file, or give a link to the document below."]}
        ]
        assert (state(), stored_files(media)) == (before, set())
        return
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.filename, document.content_type, document.size) == (
        f"joint-communique-of-the-59th-amm{kind.extension}",
        kind.content_type,
        len(content),
    )
    assert re.fullmatch(rf"documents/[0-9a-f]{{24}}/document\{kind.extension}", document.file.name)
    assert stored_files(media) == {document.file.name}
    download = client.get(documents.document_link(document))
    assert (
        download.status_code,
        download["Content-Type"],
        download["Content-Disposition"],
        download["X-Content-Type-Options"],
        download["Content-Security-Policy"],
        b"".join(download.streaming_content),
    ) == (
        200,
        kind.content_type,
        f'attachment; filename="joint-communique-of-the-59th-amm{kind.extension}"',
        "nosniff",
        "default-src 'none'; sandbox",
        content,
    )
    assert_page_safe(client.get(world.meeting.get_absolute_url()).content.decode(), baseline)


# Hostile text -----------------------------------------------------------------------------

TEXT_FIELDS = ("title", "language", "url")
DOCUMENT_ADD = "/admin/meetings/document/add/"


def document_form(meeting, **values: str) -> dict[str, str]:
    return {
        "meeting": str(meeting.pk),
        "event": "",
        "kind": "press_release",
        "published_on": "2026-11-20",
        "published": "on",
        "_save": "Save",
    } | values


def expected_text(values: dict[str, str]) -> dict[str, object]:
    """What the document form stores for each posted value, or REFUSED."""
    return {
        name: admin_value(Document, name, value, form=DocumentAdminForm)
        for name, value in values.items()
    }


@HOSTILE
@with_examples("values", spread(TEXT_FIELDS, KNOWN))
@given(values=hostile_values(TEXT_FIELDS))
def test_admin_document_hostile_text_refused_by_name_or_shown_safely(
    client, superuser, world, baseline, values
):
    note(shown(values))
    client.force_login(superuser)
    with isolated():
        before = state()
        expected = expected_text(values)

        response = tally.send(
            "admin document text",
            lambda: post_form(client, DOCUMENT_ADD, document_form(world.meeting, **values)),
            inputs=len(values),
        )

        refused = {name for name, value in expected.items() if value is REFUSED}
        if expected["url"] == "":
            refused.add("file")  # neither a file nor a link
        if refused:
            assert (response.status_code, set(response.context["adminform"].form.errors)) == (
                200,
                refused,
            )
            assert state() == before
            return
        assert response.status_code == 302
        document = Document.objects.get()
        assert (document.title, document.language, document.url) == (
            expected["title"],
            expected["language"],
            expected["url"],
        )
        page = client.get(world.meeting.get_absolute_url()).content.decode()
        assert_page_safe(page, baseline)
        assert f'href="{escape(document.url)}"' in page


@HOSTILE
@with_examples("values", [{"title": title} for title in KNOWN[::3]])
@given(values=hostile_values(("title",)))
def test_admin_document_hostile_title_downloads_under_an_ascii_name(
    client, superuser, world, baseline, media, values
):
    """Whatever the title, a file downloads under a plain ASCII name, never under the title's
    own characters (a header cannot carry a line break, a quote or a path)."""
    note(shown(values))
    client.force_login(superuser)
    title = values["title"]
    with isolated():
        before = state()
        expected = expected_text({"title": title})["title"]
        upload = io.BytesIO(samples.pdf())
        upload.name = "statement.pdf"
        data = document_form(
            world.meeting, title=received(title), language="en", url="", file=upload
        )

        response = tally.send("admin document title", lambda: client.post(DOCUMENT_ADD, data))

        if expected is REFUSED:
            assert (response.status_code, set(response.context["adminform"].form.errors)) == (
                200,
                {"title"},
            )
            assert state() == before
            return
        assert response.status_code == 302
        document = Document.objects.get()
        assert re.fullmatch(r"[a-z0-9_-]{1,80}\.pdf", document.filename), document.filename
        download = client.get(documents.document_link(document))
        assert download["Content-Disposition"] == f'attachment; filename="{document.filename}"'
        assert_page_safe(client.get(world.meeting.get_absolute_url()).content.decode(), baseline)
