"""Small real files of each type the site takes, and the shapes people upload by mistake."""

import io
import struct
import zipfile
import zlib

import openpyxl

CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def pdf(body: bytes = b"") -> bytes:
    """A one-page PDF (the minimum readers accept), with `body` inside a comment."""
    return (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
        + (b"% " + body + b"\n" if body else b"")
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def archive(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def docx(**extra: bytes) -> bytes:
    """A Word document: the package's content types and its main part."""
    return archive(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>",
            **extra,
        }
    )


def xlsx() -> bytes:
    """A workbook as Excel's own library writes it."""
    book = openpyxl.Workbook()
    book.active.append(["Meeting", "Day"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png() -> bytes:
    """One grey pixel."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + _chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def webp() -> bytes:
    """One pixel, lossless."""
    image = b"VP8L" + struct.pack("<I", 10) + b"\x2f\x00\x00\x00\x00\x07\x10\x11\x11\x88"
    return b"RIFF" + struct.pack("<I", 4 + len(image)) + b"WEBP" + image


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(1)</script></svg>"
)
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
