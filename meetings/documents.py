"""Documents attached to meetings and events: which the public sees, what an upload is, and
saving them.

An upload is judged by its content, never by its name or the type the browser claims: a
PDF starts with `%PDF-` and ends with `%%EOF`; Word (.docx) and Excel (.xlsx) files are
zip archives holding `[Content_Types].xml` and `word/document.xml` or `xl/workbook.xml`;
PNG, JPEG and WebP images start with their signatures. Anything else is refused, SVG and
HTML included (a browser would run their scripts), with a message saying what the file
was found to be. The stored name and the downloaded name carry the extension of the type
found, so a page named .pdf that is HTML can never be served as anything.

Archives are checked as `meetings.imports.archive` checks workbooks: the sizes an
archive declares are binding (Python's zipfile stops reading a part there, and a part
that holds more fails its checksum), so they are compared with limits before any byte is
unpacked; then every part is read through once, in chunks, so that a damaged or
truncated archive is refused here rather than handed to journalists.
"""

import codecs
import contextlib
import contextvars
import functools
import math
import os
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.db import DatabaseError, transaction
from django.db.models import Q, QuerySet
from django.utils.text import slugify
from django.utils.translation import get_language_info

from meetings import ical
from meetings.enums import DocumentKind
from meetings.imports.archive import MAX_PARTS, MB
from meetings.models import Document, Event, Meeting

KB = 1024
DEFAULT_MAX_BYTES = 20 * MB
# What a real .docx or .xlsx of at most DEFAULT_MAX_BYTES unpacks to stays well below this
# (images barely compress; text compresses some ten times): beyond it, a bomb.
MAX_UNPACKED = 256 * MB
HEAD_BYTES = 4096  # what the signatures and the markup sniffing read
PDF_TAIL_BYTES = 16 * KB  # where a complete PDF's %%EOF marker is, with trailing blanks
ACCEPTED = "upload a PDF, Word (.docx), Excel (.xlsx), PNG, JPEG or WebP file"
MAX_STEM = 80  # characters of the title kept in a download name
# Names Windows will not save a file under, whatever the extension.
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{n}" for n in range(10)} | {f"lpt{n}" for n in range(10)}
)


@dataclass(frozen=True)
class FileType:
    """A kind of file the site takes: how pages name it, its extension and media type."""

    label: str
    extension: str
    content_type: str


PDF = FileType("PDF", ".pdf", "application/pdf")
DOCX = FileType(
    "Word",
    ".docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
XLSX = FileType(
    "Excel", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)
PNG = FileType("PNG image", ".png", "image/png")
JPEG = FileType("JPEG image", ".jpg", "image/jpeg")
WEBP = FileType("WebP image", ".webp", "image/webp")
FILE_TYPES = {kind.content_type: kind for kind in (PDF, DOCX, XLSX, PNG, JPEG, WEBP)}

CONTENT_TYPES = "[Content_Types].xml"
WORD_MAIN = "word/document.xml"
EXCEL_MAIN = "xl/workbook.xml"
POWERPOINT_MAIN = "ppt/presentation.xml"
MACROS = "vbaProject.bin"


# Reads ------------------------------------------------------------------------------------


def published_documents() -> QuerySet[Document]:
    """Published documents whose meeting or umbrella event is published, newest first."""
    return Document.objects.filter(published=True).filter(
        Q(meeting__published=True) | Q(event__published=True)
    )


def public_documents(
    *, meeting: Meeting | None = None, event: Event | None = None
) -> list[Document]:
    """The published documents of a published meeting or event, newest first."""
    if meeting is not None and event is None:
        rows = Document.objects.filter(meeting=meeting) if meeting.published else None
    elif event is not None and meeting is None:
        rows = Document.objects.filter(event=event) if event.published else None
    else:
        raise TypeError("public_documents takes a meeting or an event.")
    return [] if rows is None else list(rows.filter(published=True))


def download_name(document: Document) -> str:
    """The last segment of a stored file's address (`ical.document_file_name`)."""
    return ical.document_file_name(file=document.file.name or "", filename=document.filename)


def document_link(document: Document) -> str:
    """Where a document is read: this site's download address for a file, else its link
    (https only; `ical.document_address`, the one rule)."""
    return ical.document_address(
        pk=document.pk, file=document.file.name or "", filename=document.filename, url=document.url
    )


def downloadable(document: Document, user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Whether `user` may download the document's file: anyone when it and its meeting or
    event are published; else only users allowed to view what is unpublished (as the admin
    and the API let them)."""

    def sees(published: bool, model: str) -> bool:
        return published or (
            isinstance(user, PermissionsMixin)
            and user.is_authenticated
            and user.has_perm(f"meetings.view_{model}")
        )

    return (
        sees(document.published, "document")
        and (document.meeting is None or sees(document.meeting.published, "meeting"))
        and (document.event is None or sees(document.event.published, "event"))
    )


def is_public(document: Document) -> bool:
    """Whether anyone may download the document (it and its meeting or event published)."""
    return downloadable(document, None)


def type_label(content_type: str) -> str:
    """How pages name a stored file's type: “PDF”, “Word”, “PNG image”."""
    kind = FILE_TYPES.get(content_type)
    return kind.label if kind else "File"


def file_facts(document: Document) -> str:
    """A stored file's type and size as pages show them, “PDF, 1.2 MB”; "" for a link."""
    if not document.file:
        return ""
    label = type_label(document.content_type)
    return f"{label}, {size_text(document.size)}" if document.size else label


def size_text(size: int, *, round_up: bool = False) -> str:
    """A size as people read it: “812 bytes”, “34 KB”, “1.2 MB”, “20 MB” (1 MB = 1024 KB).

    `round_up` for a size compared with a limit: just past 20 MB reads “20.1 MB”, never
    “20 MB”.
    """
    if size < KB:
        return f"{size} byte{'' if size == 1 else 's'}"
    rounding = math.ceil if round_up else round
    kilobytes = rounding(size / KB)
    if kilobytes < KB:
        return f"{kilobytes} KB"
    tenths = rounding(size * 10 / MB)
    whole, tenth = divmod(tenths, 10)
    return f"{whole} MB" if tenth == 0 else f"{whole}.{tenth} MB"


def language_label(tag: str) -> str:
    """A language tag as people read it: “English”, “Simplified Chinese”, else the tag."""
    for candidate in (tag.lower(), tag.split("-", 1)[0].lower()):
        try:
            return str(get_language_info(candidate)["name"])
        except KeyError:
            continue
    return tag


# Uploads ----------------------------------------------------------------------------------


def max_bytes() -> int:
    return getattr(settings, "DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _refused(what: str) -> ValidationError:
    return ValidationError(
        "This file is %(what)s; %(accepted)s.",
        code="file_type",
        params={"what": what, "accepted": ACCEPTED},
    )


def check_upload(upload: File) -> FileType:
    """The type of an uploaded file, found from its content; ValidationError if it is too
    large or not one of the types the site takes (the message says which it was found to be).
    """
    size = upload.size or 0
    limit = max_bytes()
    if size > limit:
        raise ValidationError(
            "The file is %(size)s; the limit is %(limit)s.",
            code="file_size",
            params={"size": size_text(size, round_up=True), "limit": size_text(limit)},
        )
    if size == 0:
        raise _refused("empty")
    upload.seek(0)
    try:
        return _detect(upload, size)
    finally:
        upload.seek(0)


def _detect(upload: File, size: int) -> FileType:
    head = upload.read(HEAD_BYTES)
    if head.startswith(b"%PDF-"):
        upload.seek(max(0, size - PDF_TAIL_BYTES))
        if b"%%EOF" not in upload.read(PDF_TAIL_BYTES):
            raise _refused("a damaged or incomplete PDF (it has no end-of-file marker)")
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and head[12:15] == b"VP8":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        return _office_type(upload.file or upload)
    raise _refused(_what_else(head))


def _office_type(stream: Any) -> FileType:
    """A .docx or .xlsx, checked through as an archive; ValidationError for anything else."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise _refused("a damaged or incomplete zip archive") from exc
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise _refused(f"an archive of more than {MAX_PARTS:,} parts, as no office file is")
        names = [part.filename for part in parts]
        if len(set(names)) != len(names):
            raise _refused("an archive holding two parts of the same name")
        if sum(part.file_size for part in parts) > MAX_UNPACKED:
            raise _refused(
                f"an archive that unpacks to more than {MAX_UNPACKED // MB} MB, "
                "as no real Word or Excel file does"
            )
        kind = _office_kind(set(names))
        try:
            for part in parts:
                with archive.open(part) as content:
                    while content.read(MB):
                        pass
        except RuntimeError as exc:  # zipfile's word for a part that needs a password
            raise _refused("an encrypted (password-protected) archive") from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise _refused("a damaged or incomplete zip archive") from exc
        except NotImplementedError as exc:
            raise _refused("an archive compressed in a way Word and Excel do not use") from exc
    return kind


def _office_kind(names: set[str]) -> FileType:
    word, excel = WORD_MAIN in names, EXCEL_MAIN in names
    if CONTENT_TYPES in names and word != excel:
        with_macros = any(posixpath.basename(name) == MACROS for name in names)
        if word:
            if with_macros:
                raise _refused("a Word document with macros (.docm)")
            return DOCX
        if with_macros:
            raise _refused("an Excel workbook with macros (.xlsm)")
        return XLSX
    if CONTENT_TYPES in names and POWERPOINT_MAIN in names:
        raise _refused("a PowerPoint presentation (.pptx)")
    if "mimetype" in names:
        raise _refused("an OpenDocument file (.odt, .ods, .odp)")
    raise _refused("a zip archive")


# Signatures of files people upload by mistake, so the refusal can say what it was.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-format or password-protected Office file"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK", "a zip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"%!PS", "a PostScript file"),
    (b"\x1aE\xdf\xa3", "a video (WebM or Matroska)"),
    (b"ID3", "a sound file (MP3)"),
    (b"OggS", "a sound or video file (Ogg)"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"#!", "a script"),
)
MARKUP = ("<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<meta", "<!--")


def _what_else(head: bytes) -> str:
    """What a refused file looks like, for the message: “an HTML page”, “a GIF image”, ..."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1"):
            return "a HEIC image"
        if brand in (b"avif", b"avis"):
            return "an AVIF image"
        return "a video (MP4 or QuickTime)"
    if head[:4] == b"RIFF":
        return {b"AVI ": "a video (AVI)", b"WAVE": "a sound file (WAV)"}.get(
            head[8:12], "a RIFF file"
        )
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            return what
    text, plain = _as_text(head)
    start = text.lstrip(" \t\r\n\f\ufeff").lower()
    # Markup is named whatever follows it: a browser renders a page with a zip behind it.
    if start.startswith(MARKUP):
        return "an HTML page"
    if start.startswith("<") and "<svg" in start:
        return "an SVG image"
    if start.startswith("<?xml"):
        return "an XML file"
    if not plain:
        return "of a type this site does not take"
    if "<script" in start or "<html" in start:
        return "an HTML page"
    return "a text file"


def _as_text(head: bytes) -> tuple[str, bool]:
    """The start of a file as text (UTF-8, or UTF-16 after its BOM), and whether all of it
    reads as text: no bytes that are not UTF-8, no control characters."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            sample = head[len(bom) :].decode(encoding, "replace")
            break
    else:
        # Not final: a character cut at the end of the sample is no reason to call it binary.
        sample = codecs.getincrementaldecoder("utf-8")("replace").decode(head, final=False)
    plain = "\ufffd" not in sample and not any(
        char < " " and char not in "\t\r\n\f" for char in sample
    )
    return sample, plain


def file_name(*, title: str, kind: str, extension: str) -> str:
    """The name a file downloads as: ASCII words of the title (else of its kind), then the
    extension of the type its content was found to be: “joint-communique.pdf”."""
    stem = slugify(title)[:MAX_STEM].strip("-_")
    if not stem:
        label = DocumentKind(kind).label if kind in DocumentKind.values else ""
        stem = slugify(label) or "document"
    if stem in WINDOWS_RESERVED:
        stem = f"{stem}-document"
    return stem + extension


def stored_extension(document: Document) -> str:
    """The extension of the type a stored file was found to be."""
    kind = FILE_TYPES.get(document.content_type)
    if kind is not None:
        return kind.extension
    return os.path.splitext(document.filename or document.file.name or "")[1].lower()


# Writes -----------------------------------------------------------------------------------

# Files stored within `stored_files_undone_on_rollback`: (storage, name).
_stored: contextvars.ContextVar[list[tuple[Storage, str]] | None] = contextvars.ContextVar(
    "documents_stored", default=None
)


@contextlib.contextmanager
def stored_files_undone_on_rollback() -> Iterator[None]:
    """Delete again, when the block ends, each file `document_save` stored in it whose row
    is not in the database by then: its transaction rolled back (an admin form whose
    later part failed), so nothing refers to it."""
    stored: list[tuple[Storage, str]] = []
    token = _stored.set(stored)
    try:
        yield
    finally:
        _stored.reset(token)
        if stored:
            _forget_unsaved(stored)


def _forget_unsaved(stored: list[tuple[Storage, str]]) -> None:
    try:
        kept = set(
            Document.objects.filter(file__in=[name for _, name in stored]).values_list(
                "file", flat=True
            )
        )
    except DatabaseError:
        return  # not knowing, keep them: an unused file is better than a missing one
    for storage, name in stored:
        if name not in kept:
            storage.delete(name)


def _committed(document: Document) -> bool:
    """Whether the document's file is in storage (FieldFile's own flag: false for an upload
    assigned but not yet saved)."""
    return bool(getattr(document.file, "_committed", True))


def _mark_history(document: Any, *, by: AbstractBaseUser | None, reason: str) -> None:
    # simple_history reads these two attributes when it writes the history row.
    document._history_user = by if by is not None and by.is_authenticated else None
    document._change_reason = reason[:500] if reason else None


@transaction.atomic
def document_save(*, document: Document, by: AbstractBaseUser | None, reason: str = "") -> Document:
    """Validate and save a document, a new file stored through the storage API; the file
    it replaces is deleted once the change is committed."""
    document.full_clean()
    before = (
        Document.objects.filter(pk=document.pk).values_list("file", flat=True).first()
        if document.pk
        else None
    )
    new_file = bool(document.file) and not _committed(document)
    _mark_history(document, by=by, reason=reason or ("Updated" if before is not None else "Added"))
    try:
        document.save()
    except BaseException:
        if new_file and _committed(document):  # stored, but its row was not saved
            document.file.storage.delete(document.file.name or "")
        raise
    storage = document.file.storage
    stored = _stored.get()
    if new_file and stored is not None:
        stored.append((storage, document.file.name or ""))
    if before and before != document.file.name:
        transaction.on_commit(functools.partial(storage.delete, before), robust=True)
    return document


@transaction.atomic
def document_delete(
    *, document: Document, by: AbstractBaseUser | None, reason: str = ""
) -> Document:
    """Delete a document, and its file once the deletion is committed; its history keeps
    who deleted it."""
    name, storage = document.file.name, document.file.storage
    _mark_history(document, by=by, reason=reason or "Deleted")
    document.delete()
    if name:
        transaction.on_commit(functools.partial(storage.delete, name), robust=True)
    return document
