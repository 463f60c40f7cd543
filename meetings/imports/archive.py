"""What an .xlsx workbook unpacks to, checked before any of it is parsed.

A workbook is a zip archive of XML parts, and XML of empty rows or strings compresses
a thousand times over: a file well under the upload limit can unpack to gigabytes. The
sizes an archive declares are binding (Python's zipfile stops reading a part at its
declared size, and a part cut short is a damaged file), so they are checked here
against limits a real import never reaches (20,000 full rows of 21 columns unpack to
about 43 MB), and the shared strings, which openpyxl holds in memory, are counted.
"""

import io
import zipfile
import zlib

from meetings.imports.results import ImportFileError

MB = 1024 * 1024
MAX_UNPACKED = 64 * MB  # all parts together
MAX_SHARED_STRINGS = 32 * MB  # xl/sharedStrings.xml, read whole into memory
MAX_OTHER_PART = 8 * MB  # styles, workbook, themes: small in any real workbook
MAX_PARTS = 1000
SHEETS = "xl/worksheets/"
SHARED_STRINGS = "xl/sharedStrings.xml"
DAMAGED = "The file is not an Excel (.xlsx) workbook, or it is damaged"


def _limit(name: str) -> int:
    if name.startswith(SHEETS):
        return MAX_UNPACKED
    if name == SHARED_STRINGS:
        return MAX_SHARED_STRINGS
    return MAX_OTHER_PART


def _too_large(what: str, limit: int) -> ImportFileError:
    return ImportFileError(
        f"The workbook is too large once unpacked: {what} would take more than "
        f"{limit // MB} MB. Save only the rows to import, as values, in a new workbook."
    )


def count_strings(archive: zipfile.ZipFile, limit: int) -> int:
    """The number of shared strings (<si> elements), stopping past `limit`.

    Read in chunks, never whole: the tag is looked for across chunk boundaries.
    """
    count, tail = 0, b""
    with archive.open(SHARED_STRINGS) as part:
        while chunk := part.read(MB):
            text = tail + chunk
            count += text.count(b"<si>") + text.count(b"<si ")
            # Three bytes, shorter than a tag: one cut by the boundary is counted with
            # the next chunk, and none is counted twice.
            tail = text[-3:]
            if count > limit:
                break
    return count


def check_workbook(data: bytes, *, max_strings: int) -> None:
    """Raise ImportFileError if the archive is not one, or unpacks beyond the limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(f"{DAMAGED}: {exc}") from exc
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise ImportFileError(f"{DAMAGED}: it holds more than {MAX_PARTS} parts.")
        total = 0
        for part in parts:
            limit = _limit(part.filename)
            if part.file_size > limit:
                raise _too_large(part.filename, limit)
            total += part.file_size
            if total > MAX_UNPACKED:
                raise _too_large("all its parts", MAX_UNPACKED)
        if SHARED_STRINGS in archive.namelist():
            try:
                strings = count_strings(archive, max_strings)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise ImportFileError(f"{DAMAGED}: {exc}") from exc
            if strings > max_strings:
                raise ImportFileError(
                    f"The workbook holds more than {max_strings:,} different texts. "
                    "Save only the rows to import, as values, in a new workbook."
                )
