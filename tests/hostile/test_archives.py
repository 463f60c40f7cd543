"""Hostile workbooks and oversized files through the admin's import page.

Decompression bombs (a sheet of empty rows, shared strings by the million), archives
cut short and sheets whose XML stops half-way: each is refused on the file field with a
400, in bounded time and memory (Python's allocations are traced while the upload is
handled), nothing is imported and no upload is left in VAR_DIR/imports.
"""

import io
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meetings.imports import archive
from meetings.imports.read import MAX_ROWS

from . import tally
from .posts import IMPORT_URL
from .state import calendar_state

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["format", "number", "venue", "first_day", "start_time", "timezone"]
# What handling one of these uploads may allocate in Python at its peak: a small
# multiple of the upload itself, far below what the bombs unpack to.
PEAK_LIMIT = 40 * 1024 * 1024


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "imports"


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def replaced(data: bytes, parts: dict[str, object]) -> bytes:
    """The workbook with parts replaced or added: bytes, or chunks streamed in."""
    source = zipfile.ZipFile(io.BytesIO(data))
    contents = {info.filename: source.read(info.filename) for info in source.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, content in (contents | parts).items():
            if isinstance(content, bytes):
                target.writestr(name, content)
                continue
            with target.open(name, "w", force_zip64=True) as part:
                for chunk in content:
                    part.write(chunk)
    return out.getvalue()


def empty_rows(count: int, *, cells: int = 0):
    """A sheet without <dimension>: the header, then `count` rows with no values (and no
    row numbers, which are optional: the rows compress a thousand times over)."""
    yield (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row><c t="inlineStr"><is><t>format</t></is></c></row>'
    )
    row = b"<row>" + b"<c/>" * cells + b"</row>"
    for start in range(0, count, 10_000):
        yield row * min(10_000, count - start)
    yield b"</sheetData></worksheet>"


def shared_strings(count: int, text: bytes = b""):
    yield (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    item = b"<si><t>" + text + b"</t></si>"
    for start in range(0, count, 10_000):
        yield item * min(10_000, count - start)
    yield b"</sst>"


def post(client, data: bytes, name: str = "plan.xlsx"):
    """The upload, with the peak of Python's allocations while it was handled."""
    upload = SimpleUploadedFile(name, data)
    tracemalloc.start()
    try:
        response = tally.send(
            "admin import archive", lambda: client.post(IMPORT_URL, {"file": upload})
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return response, peak


def refused(client, uploads, data: bytes, name: str = "plan.xlsx") -> list[str]:
    """Post a file that must be refused whole: its form errors, after the common checks."""
    before = calendar_state()

    response, peak = post(client, data, name)

    assert response.status_code == 400
    assert calendar_state() == before
    assert sorted(path.suffix for path in uploads.iterdir()) == [".job"]  # "failed", no upload
    assert peak < PEAK_LIMIT, f"{peak / 2**20:.0f} MB at the peak"
    return response.context["form"].errors["file"]


def test_sheet_unpacking_past_the_limit_is_refused_before_parsing(
    client, superuser, world, uploads_in_tmp
):
    client.force_login(superuser)
    # 2.6 million rows of 4 empty cells: 70 MB of XML in a 200 KB upload.
    data = replaced(workbook([]), {SHEET: empty_rows(2_600_000, cells=4)})
    assert len(data) < 250 * 1024

    assert refused(client, uploads_in_tmp, data) == [
        f"The workbook is too large once unpacked: {SHEET} would take more than 64 MB. "
        "Save only the rows to import, as values, in a new workbook."
    ]


def test_empty_rows_within_the_size_limit_count_towards_the_row_limit(
    client, superuser, world, uploads_in_tmp
):
    client.force_login(superuser)
    # 50 MB of blank rows, within the size limit: refused when row 20,002 is parsed,
    # not after the whole sheet (openpyxl alone parses it all to look for <dimension>).
    data = replaced(workbook([]), {SHEET: empty_rows(2_000_000, cells=4)})

    assert refused(client, uploads_in_tmp, data) == [
        f"More than {MAX_ROWS:,} rows (blank rows count too); split the file."
    ]


def test_shared_strings_past_the_size_limit_are_refused(client, superuser, world, uploads_in_tmp):
    client.force_login(superuser)
    data = replaced(workbook([]), {archive.SHARED_STRINGS: shared_strings(1_200_000, b"x" * 20)})

    assert refused(client, uploads_in_tmp, data) == [
        "The workbook is too large once unpacked: xl/sharedStrings.xml would take more than "
        "32 MB. Save only the rows to import, as values, in a new workbook."
    ]


def test_shared_strings_by_the_million_are_refused_before_openpyxl_reads_them(
    client, superuser, world, uploads_in_tmp
):
    client.force_login(superuser)
    # 16 bytes each: 2 million fit in 32 MB, far more than a sheet of 20,000 rows holds.
    data = replaced(workbook([]), {archive.SHARED_STRINGS: shared_strings(2_000_000)})

    assert refused(client, uploads_in_tmp, data) == [
        "The workbook holds more than 1,280,064 different texts. "
        "Save only the rows to import, as values, in a new workbook."
    ]


def test_sheet_xml_cut_short_is_a_form_error(client, superuser, world, uploads_in_tmp):
    client.force_login(superuser)
    good = workbook([["AMM", 56, "vientiane-ncc", "2023-07-11", "09:00", "Asia/Vientiane"]] * 50)
    sheet = zipfile.ZipFile(io.BytesIO(good)).read(SHEET)
    data = replaced(good, {SHEET: sheet[: len(sheet) // 2]})

    [error] = refused(client, uploads_in_tmp, data)

    assert error.startswith(f"{archive.DAMAGED}: ")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_archive_cut_short_is_a_form_error(client, superuser, world, uploads_in_tmp, keep):
    client.force_login(superuser)
    good = workbook([["AMM", 56, "vientiane-ncc", "2023-07-11", "09:00", "Asia/Vientiane"]] * 50)

    [error] = refused(client, uploads_in_tmp, good[: int(len(good) * keep)])

    assert error.startswith(f"{archive.DAMAGED}: ")


def test_part_declaring_less_than_it_holds_is_a_form_error(
    client, superuser, world, uploads_in_tmp
):
    """A part whose header understates its size is read only that far: a damaged file."""
    client.force_login(superuser)
    data = bytearray(replaced(workbook([]), {SHEET: b"".join(empty_rows(200_000))}))
    source = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = source.getinfo(SHEET)
    declared = info.file_size.to_bytes(4, "little")
    small = (1000).to_bytes(4, "little")
    # The uncompressed size, in the local header and in the central directory.
    assert data.count(declared) == 2
    data = bytearray(bytes(data).replace(declared, small))

    [error] = refused(client, uploads_in_tmp, bytes(data))

    assert error.startswith(f"{archive.DAMAGED}: ")


def test_csv_of_blank_lines_counts_towards_the_row_limit(client, superuser, world, uploads_in_tmp):
    client.force_login(superuser)
    data = b"format,number,venue,first_day,start_time,timezone\n" + b",,,,,\n" * (3 * MAX_ROWS)

    assert refused(client, uploads_in_tmp, data, name="plan.csv") == [
        f"More than {MAX_ROWS:,} rows (blank rows count too); split the file."
    ]


def test_a_real_workbook_of_the_largest_size_still_imports(
    client, superuser, world, uploads_in_tmp
):
    """The limits leave room: MAX_ROWS rows with every cell long are previewed (row errors
    for unknown formats, not a refusal of the file)."""
    client.force_login(superuser)
    row = ["NOPE", 1, "nowhere-" + "v" * 60, "2031-01-01", "09:00", "Asia/Jakarta"]
    data = workbook([row] * MAX_ROWS)

    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("plan.xlsx", data)})

    assert response.status_code == 400
    assert response.context["form"] is None or not response.context["form"].errors
    assert response.context["result"].rows == MAX_ROWS
