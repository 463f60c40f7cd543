"""Documents on meetings and events: the upload check, the admin's forms, the download and
the pages that list them."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from meetings import documents, services
from meetings.enums import DocumentKind
from meetings.models import Document, Event, Meeting
from tests.factories import MeetingFactory, UserFactory
from tests.meetings import document_samples as samples
from tests.meetings.test_admin import meeting_post

pytestmark = pytest.mark.django_db

ACCEPTED = "upload a PDF, Word (.docx), Excel (.xlsx), PNG, JPEG or WebP file."
PUBLISHED_ON = dt.date(2022, 8, 5)
MANAGEMENT = {"MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Uploads go to a folder of this test's own."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def meeting() -> Meeting:
    return MeetingFactory(title="55th ASEAN Foreign Ministers' Meeting")


@pytest.fixture
def event() -> Event:
    return Event.objects.create(
        title="55th AMM and Related Meetings",
        slug="2022-55th-amm",
        start_date=dt.date(2030, 8, 1),
        end_date=dt.date(2030, 8, 6),
    )


def make_document(*, content: bytes | None = None, url: str = "", **fields: object) -> Document:
    """A document saved as the admin saves one: a PDF of `content`, or a link."""
    values: dict = {
        "kind": DocumentKind.JOINT_COMMUNIQUE,
        "title": "Joint Communiqué of the 55th AMM",
        "published_on": PUBLISHED_ON,
        **fields,
    }
    document = Document(url=url, **values)
    if content is not None:
        document.file = ContentFile(content, name="document.pdf")
        document.filename = documents.file_name(
            title=str(values["title"]), kind=str(values["kind"]), extension=".pdf"
        )
        document.content_type, document.size = "application/pdf", len(content)
    return documents.document_save(document=document, by=None)


def rows(prefix: str, forms: list[dict], *, initial: int = 0) -> dict:
    """An inline formset's fields as the browser posts them."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(forms)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        **{f"{prefix}-{name}": value for name, value in MANAGEMENT.items()},
    }
    for n, form in enumerate(forms):
        data.update({f"{prefix}-{n}-{name}": value for name, value in form.items()})
    return data


def document_row(**values: object) -> dict:
    return {
        "kind": "joint_communique",
        "title": "Joint Communiqué of the 55th AMM",
        "language": "en",
        "published_on": "2022-08-05",
        "url": "",
        "published": "on",
    } | values


def change_url(obj: Meeting | Event) -> str:
    return reverse(f"admin:meetings_{type(obj).__name__.lower()}_change", args=[obj.pk])


def event_post(event: Event, **values: object) -> dict:
    return {
        "title": event.title,
        "slug": event.slug,
        "host": "",
        "start_date": event.start_date.isoformat(),
        "end_date": event.end_date.isoformat(),
        "description": "",
        "published": "on",
        "_save": "Save",
        **rows("press_contacts", []),
        **rows("documents", []),
    } | values


def inline_errors(response, model=Document) -> list[dict]:
    [inline] = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    ]
    return [dict(form.errors) for form in inline.formset.forms]


def case_id(value: object) -> str:
    """Test ids without file contents (a workbook's bytes carry the time it was written)."""
    if isinstance(value, bytes):
        return "content"
    return value.label if isinstance(value, documents.FileType) else str(value)[:40]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# The upload check -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("communique.pdf", samples.pdf(), documents.PDF),
        ("agenda.docx", samples.docx(), documents.DOCX),
        ("list.xlsx", samples.xlsx(), documents.XLSX),
        ("photo.png", samples.png(), documents.PNG),
        ("photo.jpeg", samples.jpeg(), documents.JPEG),
        ("photo.webp", samples.webp(), documents.WEBP),
        # The name says nothing: the content decides.
        ("scan.txt", samples.pdf(), documents.PDF),
        ("agenda", samples.docx(), documents.DOCX),
        ("photo.pdf", samples.png(), documents.PNG),
    ],
    ids=case_id,
)
def test_check_upload_finds_the_type_from_the_content(name, content, expected):
    assert documents.check_upload(upload(name, content)) == expected


@pytest.mark.parametrize(
    ("name", "content", "what"),
    [
        ("statement.pdf", samples.HTML, "an HTML page"),
        ("statement.pdf", b"  \n<html><body>hi</body></html>", "an HTML page"),
        ("statement.pdf", "\ufeff<!doctype html><p>x".encode("utf-16"), "an HTML page"),
        ("logo.png", samples.SVG, "an SVG image"),
        ("logo.png", b"<svg onload=alert(1)>", "an SVG image"),
        ("data.xlsx", b"<?xml version='1.0'?><data/>", "an XML file"),
        ("photo.jpg", samples.GIF, "a GIF image"),
        ("notes.docx", b"Meeting notes, plain text.\n", "a text file"),
        ("bundle.docx", samples.archive({"a.txt": b"x"}), "a zip archive"),
        ("agenda.docx", samples.docx()[:200], "a damaged or incomplete zip archive"),
        (
            "agenda.docx",
            samples.docx(**{"word/vbaProject.bin": b"macro"}),
            "a Word document with macros (.docm)",
        ),
        (
            "slides.docx",
            samples.archive({"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<p/>"}),
            "a PowerPoint presentation (.pptx)",
        ),
        (
            "old.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
            "an old-format or password-protected Office file",
        ),
        (
            "cut.pdf",
            samples.pdf()[:-7],
            "a damaged or incomplete PDF (it has no end-of-file marker)",
        ),
        ("clip.pdf", bytes(4) + b"ftypisom" + bytes(20), "a video (MP4 or QuickTime)"),
        ("setup.pdf", b"MZ\x90\x00" + bytes(100), "a Windows program"),
        ("noise.pdf", bytes(range(256)), "of a type this site does not take"),
    ],
    ids=case_id,
)
def test_check_upload_refuses_other_content_saying_what_it_is(name, content, what):
    with pytest.raises(ValidationError) as refused:
        documents.check_upload(upload(name, content))

    assert refused.value.messages == [f"This file is {what}; {ACCEPTED}"]


def test_check_upload_refuses_an_empty_file():
    with pytest.raises(ValidationError) as refused:
        documents.check_upload(upload("empty.pdf", b""))

    assert refused.value.messages == [f"This file is empty; {ACCEPTED}"]


def test_check_upload_refuses_a_file_past_the_limit_before_reading_it():
    big = upload("big.pdf", b"%PDF-" + bytes(26_500_000))

    with pytest.raises(ValidationError) as refused:
        documents.check_upload(big)

    assert refused.value.messages == ["The file is 25.3 MB; the limit is 20 MB."]


def test_check_upload_takes_its_limit_from_the_setting(settings):
    settings.DOCUMENT_MAX_BYTES = 100
    content = samples.pdf()

    with pytest.raises(ValidationError) as refused:
        documents.check_upload(upload("a.pdf", content))

    assert refused.value.messages == [f"The file is {len(content)} bytes; the limit is 100 bytes."]


def test_check_upload_refuses_a_zip_bomb_by_its_declared_size():
    # 300 MB of zeros compress to some 300 KB.
    bomb = samples.docx(**{"word/media/zeros.bin": bytes(300 * 1024 * 1024)})

    with pytest.raises(ValidationError) as refused:
        documents.check_upload(upload("agenda.docx", bomb))

    assert refused.value.messages == [
        "This file is an archive that unpacks to more than 256 MB, as no real Word or Excel "
        f"file does; {ACCEPTED}"
    ]


@pytest.mark.parametrize(
    ("size", "round_up", "text"),
    [
        (0, False, "0 bytes"),
        (1, False, "1 byte"),
        (1023, False, "1023 bytes"),
        (1024, False, "1 KB"),
        (350_000, False, "342 KB"),
        (1_258_291, False, "1.2 MB"),
        (20 * 1024 * 1024, False, "20 MB"),
        (20 * 1024 * 1024 + 1, True, "20.1 MB"),
        (26_500_000, True, "25.3 MB"),
    ],
)
def test_size_text(size, round_up, text):
    assert documents.size_text(size, round_up=round_up) == text


@pytest.mark.parametrize(
    ("title", "kind", "name"),
    [
        (
            "Joint Communiqué of the 55th AMM",
            "joint_communique",
            "joint-communique-of-the-55th-amm.pdf",
        ),
        ("ថ្លែងការណ៍របស់ប្រធាន", "chairmans_statement", "chairmans-statement.pdf"),
        ("Hội nghị Bộ trưởng ASEAN", "press_release", "hoi-nghi-bo-truong-asean.pdf"),
        ("../../etc/passwd\r\n<script>", "agenda", "etcpasswd-script.pdf"),
        ("CON", "agenda", "con-document.pdf"),
        ("A" * 300, "agenda", "a" * 80 + ".pdf"),
    ],
)
def test_file_name_is_ascii_words_of_the_title_and_the_found_extension(title, kind, name):
    assert documents.file_name(title=title, kind=kind, extension=".pdf") == name


# The admin --------------------------------------------------------------------------------


def test_meeting_form_adds_a_document_with_a_file(client, superuser, meeting, media):
    client.force_login(superuser)
    content = samples.pdf(b"the communique")
    data = meeting_post(meeting) | rows(
        "documents", [document_row(file=upload("Communique FINAL (2).PDF", content))]
    )

    response = client.post(change_url(meeting), data)

    assert response.status_code == 302
    [document] = Document.objects.all()
    assert (
        document.meeting,
        document.event,
        document.kind,
        document.title,
        document.language,
        document.published_on,
        document.url,
        document.filename,
        document.content_type,
        document.size,
        document.published,
    ) == (
        meeting,
        None,
        "joint_communique",
        "Joint Communiqué of the 55th AMM",
        "en",
        PUBLISHED_ON,
        "",
        "joint-communique-of-the-55th-amm.pdf",
        "application/pdf",
        len(content),
        True,
    )
    assert re.fullmatch(r"documents/[0-9a-f]{24}/document\.pdf", document.file.name)
    assert stored_files(media) == [document.file.name]
    assert (media / document.file.name).read_bytes() == content
    assert document.history.first().history_user == superuser


def test_stored_name_takes_the_extension_of_the_content_not_the_upload(
    client, superuser, meeting, media
):
    client.force_login(superuser)
    data = meeting_post(meeting) | rows(
        "documents",
        [document_row(kind="media", title="Family photo", file=upload("x.pdf", samples.png()))],
    )

    assert client.post(change_url(meeting), data).status_code == 302

    document = Document.objects.get()
    assert (document.filename, document.content_type, Path(document.file.name).name) == (
        "family-photo.png",
        "image/png",
        "document.png",
    )


def test_new_meeting_is_added_with_its_documents(client, superuser, meeting, media):
    client.force_login(superuser)
    data = meeting_post(meeting, number="99", revision_seen="") | rows(
        "documents",
        [document_row(kind="agenda", title="Agenda", file=upload("a.pdf", samples.pdf()))],
    )

    response = client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 302
    created = Meeting.objects.get(format=meeting.format, number=99)
    document = Document.objects.get()
    assert (document.meeting, document.filename, stored_files(media)) == (
        created,
        "agenda.pdf",
        [document.file.name],
    )


def test_meeting_form_adds_a_document_as_a_link(client, superuser, meeting, media):
    client.force_login(superuser)
    link = "https://asean.org/wp-content/uploads/2022/08/joint-communique.pdf"
    data = meeting_post(meeting) | rows("documents", [document_row(url=link)])

    assert client.post(change_url(meeting), data).status_code == 302

    document = Document.objects.get()
    assert (document.url, document.file.name, document.filename, document.content_type) == (
        link,
        "",
        "",
        "",
    )
    assert document.size is None
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("row", "errors"),
    [
        (
            {"file": ("statement.pdf", samples.HTML)},
            {"file": [f"This file is an HTML page; {ACCEPTED}"]},
        ),
        (
            {"file": ("logo.png", samples.SVG)},
            {"file": [f"This file is an SVG image; {ACCEPTED}"]},
        ),
        ({}, {"file": ["Upload a file, or give a link to the document below."]}),
        (
            {"file": ("communique.pdf", samples.pdf()), "url": "https://asean.org/c.pdf"},
            {"url": ["Give a file or a link, not both: empty the link, or clear the file."]},
        ),
        ({"url": "http://asean.org/c.pdf"}, {"url": ["Enter an https:// address."]}),
        ({"url": "javascript:alert(1)"}, {"url": ["Enter a valid URL."]}),
        (
            {"url": "https://asean.org/c.pdf", "title": "Line\nbreak"},
            {"title": ["Remove the control character U+000A: this field takes one line of text."]},
        ),
        (
            {"url": "https://asean.org/c.pdf", "language": "English"},
            {"language": ["Enter a language tag such as en, fr, zh-Hans or pt-BR."]},
        ),
    ],
    ids=["html", "svg", "neither", "both", "http", "script", "title", "language"],
)
def test_refused_document_saves_nothing_of_the_meeting_form(
    client, superuser, meeting, media, row, errors
):
    client.force_login(superuser)
    if "file" in row:
        row = row | {"file": upload(*row["file"])}
    data = meeting_post(meeting, title="Renamed") | rows("documents", [document_row(**row)])

    response = client.post(change_url(meeting), data)

    assert (response.status_code, inline_errors(response)) == (200, [errors])
    assert Meeting.objects.get(pk=meeting.pk).title == meeting.title
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_file_past_the_limit_is_refused_on_the_file_field(
    client, superuser, meeting, media, settings
):
    settings.DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
    client.force_login(superuser)
    big = upload("big.pdf", samples.pdf() + bytes(26_500_000))
    data = meeting_post(meeting) | rows("documents", [document_row(file=big)])

    response = client.post(change_url(meeting), data)

    assert inline_errors(response) == [{"file": ["The file is 25.3 MB; the limit is 20 MB."]}]
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_one_refused_document_among_good_ones_saves_none(client, superuser, meeting, media):
    client.force_login(superuser)
    data = meeting_post(meeting) | rows(
        "documents",
        [
            document_row(file=upload("a.pdf", samples.pdf())),
            document_row(title="Agenda", kind="agenda", file=upload("b.docx", samples.docx())),
            document_row(title="Bad", file=upload("c.pdf", samples.HTML)),
        ],
    )

    response = client.post(change_url(meeting), data)

    assert [sorted(errors) for errors in inline_errors(response)] == [[], [], ["file"]]
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_event_form_adds_a_document(client, superuser, event, media):
    client.force_login(superuser)
    data = event_post(event) | rows(
        "documents",
        [document_row(kind="agenda", title="Programme", file=upload("p.xlsx", samples.xlsx()))],
    )

    response = client.post(change_url(event), data)

    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.event, document.meeting, document.filename, document.content_type) == (
        event,
        None,
        "programme.xlsx",
        documents.XLSX.content_type,
    )
    assert stored_files(media) == [document.file.name]


def test_new_file_replaces_the_old_one_which_goes_after_commit(
    client, superuser, meeting, media, django_capture_on_commit_callbacks
):
    document = make_document(content=samples.pdf(), meeting=meeting)
    old = document.file.name
    client.force_login(superuser)
    row = document_row(id=document.pk, meeting=meeting.pk, file=upload("new.docx", samples.docx()))
    data = meeting_post(meeting) | rows("documents", [row], initial=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(meeting), data)

    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.filename, document.content_type) == (
        "joint-communique-of-the-55th-amm.docx",
        documents.DOCX.content_type,
    )
    assert stored_files(media) == [document.file.name]
    assert document.file.name != old


def test_renamed_document_downloads_under_its_new_title(client, superuser, meeting):
    document = make_document(content=samples.pdf(), meeting=meeting)
    client.force_login(superuser)
    row = document_row(id=document.pk, meeting=meeting.pk, title="Final Joint Communiqué")
    data = meeting_post(meeting) | rows("documents", [row], initial=1)

    assert client.post(change_url(meeting), data).status_code == 302

    document.refresh_from_db()
    assert document.filename == "final-joint-communique.pdf"


def test_deleted_document_takes_its_file_with_it(
    client, superuser, meeting, media, django_capture_on_commit_callbacks
):
    document = make_document(content=samples.pdf(), meeting=meeting)
    client.force_login(superuser)
    row = document_row(id=document.pk, meeting=meeting.pk, DELETE="on")
    data = meeting_post(meeting) | rows("documents", [row], initial=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(change_url(meeting), data).status_code == 302

    assert (Document.objects.count(), stored_files(media)) == (0, [])
    assert Document.history.first().history_user == superuser


def test_files_stored_in_a_transaction_that_rolls_back_are_deleted(meeting, media):
    class Failed(Exception):
        pass

    def save_then_fail() -> None:
        with transaction.atomic():
            make_document(content=samples.pdf(), meeting=meeting)
            assert len(stored_files(media)) == 1
            raise Failed

    with documents.stored_files_undone_on_rollback(), pytest.raises(Failed):
        save_then_fail()

    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_files_of_a_committed_save_are_kept(meeting, media):
    with documents.stored_files_undone_on_rollback():
        document = make_document(content=samples.pdf(), meeting=meeting)

    assert stored_files(media) == [document.file.name]


def test_change_form_shows_the_file_by_its_download_name(client, superuser, meeting):
    document = make_document(content=samples.pdf(), meeting=meeting)
    client.force_login(superuser)

    response = client.get(change_url(meeting))

    download = f"/documents/{document.pk}/joint-communique-of-the-55th-amm.pdf"
    assert f'<a href="{download}">joint-communique-of-the-55th-amm.pdf</a>' in (
        response.content.decode()
    )


def document_admin_post(**values: object) -> dict:
    return {
        "meeting": "",
        "event": "",
        "kind": "press_release",
        "title": "Press release",
        "language": "en",
        "published_on": "2022-08-05",
        "url": "https://asean.org/press-release/",
        "published": "on",
        "_save": "Save",
    } | values


@pytest.mark.parametrize(
    ("parents", "errors"),
    [
        ((), {"meeting": ["Choose the meeting or the umbrella event it belongs to."]}),
        (
            ("meeting", "event"),
            {
                "event": [
                    "A document belongs to a meeting or to an umbrella event, not both: "
                    "empty one of them."
                ]
            },
        ),
    ],
)
def test_document_admin_needs_exactly_one_meeting_or_event(
    client, superuser, meeting, event, parents, errors
):
    client.force_login(superuser)
    values = {"meeting": str(meeting.pk), "event": str(event.pk)}
    data = document_admin_post(**{name: values[name] for name in parents})

    response = client.post(reverse("admin:meetings_document_add"), data)

    assert (response.status_code, response.context["adminform"].form.errors) == (200, errors)
    assert Document.objects.count() == 0


def test_document_admin_adds_a_file(client, superuser, event, media):
    client.force_login(superuser)
    data = document_admin_post(
        event=str(event.pk), url="", file=upload("release.pdf", samples.pdf())
    )

    response = client.post(reverse("admin:meetings_document_add"), data)

    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.event, document.filename, stored_files(media)) == (
        event,
        "press-release.pdf",
        [document.file.name],
    )


def test_document_admin_refuses_a_file_naming_the_field(client, superuser, event, media):
    client.force_login(superuser)
    data = document_admin_post(event=str(event.pk), url="", file=upload("r.pdf", samples.SVG))

    response = client.post(reverse("admin:meetings_document_add"), data)

    assert response.context["adminform"].form.errors == {
        "file": [f"This file is an SVG image; {ACCEPTED}"]
    }
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_document_admin_lists_documents(client, superuser, meeting, event):
    make_document(content=samples.pdf(), meeting=meeting)
    make_document(url="https://asean.org/p/", event=event, title="Programme", kind="agenda")
    client.force_login(superuser)

    response = client.get(reverse("admin:meetings_document_changelist"), {"q": "programme"})

    assert response.status_code == 200
    assert [str(d) for d in response.context["cl"].result_list] == ["Programme"]


# The download -----------------------------------------------------------------------------


def download(client, document: Document, name: str | None = None, **headers):
    url = reverse(
        "meetings:document-file",
        kwargs={"pk": document.pk, "name": name or document.filename},
    )
    return client.get(url, **headers)


def test_download_is_an_attachment_that_runs_nothing(client, meeting):
    content = samples.pdf(b"<script>alert(1)</script>")
    document = make_document(content=content, meeting=meeting)

    response = download(client, document)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert {
        name: response[name]
        for name in (
            "Content-Type",
            "Content-Length",
            "Content-Disposition",
            "X-Content-Type-Options",
            "Content-Security-Policy",
            "Cache-Control",
            "X-Frame-Options",
        )
    } == {
        "Content-Type": "application/pdf",
        "Content-Length": str(len(content)),
        "Content-Disposition": 'attachment; filename="joint-communique-of-the-55th-amm.pdf"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "public, max-age=300",
        "X-Frame-Options": "DENY",
    }
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    assert response["Last-Modified"].endswith(" GMT")


def test_download_answers_304_when_the_reader_has_it(client, meeting):
    document = make_document(content=samples.pdf(), meeting=meeting)
    etag = download(client, document)["ETag"]

    response = download(client, document, HTTP_IF_NONE_MATCH=etag)

    assert (response.status_code, response["ETag"], response["Content-Security-Policy"]) == (
        304,
        etag,
        "default-src 'none'; sandbox",
    )


def test_download_under_another_name_is_not_found(client, meeting):
    document = make_document(content=samples.pdf(), meeting=meeting)

    assert download(client, document, name="document.pdf").status_code == 404
    assert (
        download(client, document, name="joint-communique-of-the-55th-amm.html").status_code == 404
    )


def test_link_has_no_download(client, meeting):
    document = make_document(url="https://asean.org/c.pdf", meeting=meeting)

    response = client.get(f"/documents/{document.pk}/c.pdf")

    assert response.status_code == 404


@pytest.mark.parametrize("unpublished", ["document", "meeting"])
def test_unpublished_document_is_not_found_but_for_staff(client, superuser, unpublished):
    meeting = MeetingFactory(published=unpublished != "meeting")
    document = make_document(
        content=samples.pdf(), meeting=meeting, published=unpublished != "document"
    )

    anonymous = download(client, document)
    client.force_login(superuser)
    staff = download(client, document)

    assert (anonymous.status_code, staff.status_code, staff["Cache-Control"]) == (
        404,
        200,
        "private, no-store",
    )


def test_document_of_an_unpublished_event_is_not_found(client, event):
    event.published = False
    event.save()
    document = make_document(content=samples.pdf(), event=event)

    assert download(client, document).status_code == 404


def test_document_whose_file_is_missing_is_not_found(client, meeting, media):
    document = make_document(content=samples.pdf(), meeting=meeting)
    (media / document.file.name).unlink()

    assert download(client, document).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/documents/99999999999999999999999/a.pdf", "/documents/0/a.pdf", "/documents/1/a%00.pdf"],
)
def test_download_of_no_such_document_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_download_refuses_writes(client, meeting):
    document = make_document(content=samples.pdf(), meeting=meeting)
    url = reverse("meetings:document-file", kwargs={"pk": document.pk, "name": document.filename})

    assert client.post(url).status_code == 405


# The pages --------------------------------------------------------------------------------


def documents_section(response) -> list[list[str]]:
    """Each listed document's paragraphs, as text."""
    html = response.content.decode()
    items = re.findall(r"<li>(.*?)</li>", html[html.index('id="documents-heading"') :], re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", p).split())
            for p in re.findall(r"<p[^>]*>(.*?)</p>", item, re.S)
        ]
        for item in items
    ]


def test_meeting_page_lists_its_published_documents(client, meeting):
    pdf = make_document(content=samples.pdf(), meeting=meeting)
    make_document(
        url="https://asean.org/statement/",
        meeting=meeting,
        kind=DocumentKind.CHAIRMANS_STATEMENT,
        title="Chairman's Statement",
        language="zh-Hans",
        published_on=dt.date(2022, 8, 6),
    )
    make_document(content=samples.pdf(), meeting=meeting, title="Draft", published=False)

    response = client.get(meeting.get_absolute_url())

    assert documents_section(response) == [
        [
            "Chairman&#x27;s statement",
            "Chairman&#x27;s Statement",
            "Simplified Chinese Published Saturday 6 August 2022 Link to another site",
        ],
        [
            "Joint communiqué",
            "Joint Communiqué of the 55th AMM",
            f"English Published Friday 5 August 2022 PDF, {len(samples.pdf())} bytes",
        ],
    ]
    html = response.content.decode()
    assert (
        f'<a href="/documents/{pdf.pk}/joint-communique-of-the-55th-amm.pdf" hreflang="en">' in html
    )
    assert (
        '<a href="https://asean.org/statement/" hreflang="zh-Hans" rel="external noopener">' in html
    )
    assert '<time datetime="2022-08-05">Friday 5 August 2022</time>' in html


def test_event_page_lists_its_documents(client, event):
    make_document(
        content=samples.pdf() + bytes(1_250_000), event=event, title="Programme", kind="agenda"
    )

    response = client.get(event.get_absolute_url())

    assert documents_section(response) == [
        ["Agenda", "Programme", "English Published Friday 5 August 2022 PDF, 1.2 MB"]
    ]


def test_page_without_documents_has_no_documents_section(client, meeting):
    make_document(content=samples.pdf(), meeting=meeting, published=False)

    response = client.get(meeting.get_absolute_url())

    assert 'id="documents-heading"' not in response.content.decode()


@pytest.mark.parametrize("count", [1, 20])
def test_public_documents_take_one_query(django_assert_num_queries, meeting, count):
    for n in range(count):
        make_document(url=f"https://asean.org/{n}/", meeting=meeting)

    with django_assert_num_queries(1):
        found = documents.public_documents(meeting=meeting)

    assert len(found) == count


def test_public_documents_of_an_unpublished_meeting_are_none(django_assert_num_queries):
    meeting = MeetingFactory(published=False)
    make_document(url="https://asean.org/", meeting=meeting)

    with django_assert_num_queries(0):
        assert documents.public_documents(meeting=meeting) == []


def test_published_documents_are_those_of_published_parents(meeting, event):
    shown = make_document(url="https://asean.org/1/", meeting=meeting)
    make_document(url="https://asean.org/2/", meeting=MeetingFactory(published=False))
    event.published = False
    event.save()
    make_document(url="https://asean.org/3/", event=event)
    make_document(url="https://asean.org/4/", meeting=meeting, published=False)

    assert list(documents.published_documents()) == [shown]


def test_deleting_a_meeting_deletes_its_documents_files_and_records_who(
    db, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    meeting = MeetingFactory()
    document = Document.objects.create(
        meeting=meeting,
        kind=DocumentKind.AGENDA,
        title="Agenda",
        published_on=dt.date(2026, 1, 5),
        file=SimpleUploadedFile("agenda.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    stored = tmp_path / document.file.name
    user = UserFactory(username="clerk")
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_delete(meeting=meeting, by=user, reason="Entered twice")
    last = Document.history.filter(id=document.pk).latest("history_date")
    assert (
        Document.objects.filter(pk=document.pk).exists(),
        stored.exists(),
        last.history_type,
        last.history_user,
        last.history_change_reason,
    ) == (False, False, "-", user, "Entered twice")
