"""Reading a calendar file: CSV and XLSX into a header and records, ICS into its events."""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

import icalendar
import openpyxl

from meetings.imports.archive import DAMAGED, check_workbook
from meetings.imports.columns import COLUMNS, REQUIRED_COLUMNS
from meetings.imports.results import ImportFileError, Record, RowError
from meetings.imports.sheets import use_lazy_sizing

MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024 * 1024
# Columns read from a spreadsheet: the known ones, and room for unnamed or misspelt ones
# (a sheet's row can claim 16,384 cells; those past this are never looked at).
MAX_COLUMNS = 64
TOO_MANY_ROWS = f"More than {MAX_ROWS:,} rows (blank rows count too); split the file."
KINDS = ("csv", "xlsx", "ics")
use_lazy_sizing()
HEADER_SPACES = re.compile(r"[\s-]+")

# A spreadsheet: its header (column names, "" for an unnamed column), its records, and
# the header's problems.
Table = tuple[list[str], list[Record], list[RowError]]


def file_kind(name: str, data: bytes) -> str:
    """csv, xlsx or ics, from the name's extension or else the first bytes."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in KINDS:
        return suffix
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.lstrip(b"\xef\xbb\xbf \r\n\t").upper().startswith(b"BEGIN:VCALENDAR"):
        return "ics"
    return "csv"


def header(raw: Iterable[Any]) -> tuple[list[str], list[RowError]]:
    """The column names of the first row, and what is wrong with them (on line 1)."""
    names: list[str] = []
    errors: list[RowError] = []
    for cell in raw:
        name = HEADER_SPACES.sub("_", str(cell or "").strip().lower())
        if name and name not in COLUMNS:
            errors.append(RowError(1, f"unknown column “{name}”."))
        elif name and name in names:
            errors.append(RowError(1, f"column “{name}” appears twice."))
        names.append(name)
    present = set(names)
    for name in REQUIRED_COLUMNS:
        if name not in present:
            errors.append(RowError(1, f"the column “{name}” is missing."))
    if not present & {"slug", "number"}:
        errors.append(RowError(1, "a “slug” or a “number” column is needed to find meetings."))
    return names, errors


def _blank(value: Any) -> bool:
    return value is None or str(value).strip() == ""


def limited(rows: Iterable[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """The rows, refused past the header and MAX_ROWS: counted as parsed, blank or not,
    so that a file of empty rows costs no more to refuse than a full one."""
    for count, row in enumerate(rows):
        if count > MAX_ROWS:
            raise ImportFileError(TOO_MANY_ROWS)
        yield row


def records(names: list[str], rows: Iterable[tuple[int, list[Any]]]) -> Iterator[Record]:
    """The rows with a value in a named column, as records (blank rows are skipped)."""
    for line, values in rows:
        cells = {name: value for name, value in zip(names, values, strict=False) if name}
        if not all(_blank(value) for value in cells.values()):
            yield Record(line, cells)


def _csv_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"line {line}: the file is not UTF-8 text. Save it as “CSV UTF-8”."
        ) from exc


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it starts on; a malformed row ends the file with its line."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(f"line {line}: {exc}.") from exc
        yield line, values


def read_csv(data: bytes) -> Table:
    """Rows of a UTF-8 CSV file (comma, semicolon or tab separated)."""
    rows = limited(_csv_rows(_csv_text(data)))
    first = next(rows, None)
    if first is None:
        raise ImportFileError("The file is empty.")
    names, errors = header(first[1])
    return names, list(records(names, rows)), errors


def read_xlsx(data: bytes) -> Table:
    """Rows of the first sheet of an Excel workbook (values, not formulas).

    The archive is checked before it is parsed (meetings.imports.archive); the sheet is
    then streamed, and reading stops with an error one row past MAX_ROWS.
    """
    check_workbook(data, max_strings=(MAX_ROWS + 1) * MAX_COLUMNS)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError(f"{DAMAGED}: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        cells = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        rows = limited((n, list(values)) for n, values in enumerate(cells, 1))
        first = next(rows, None)
        if first is None:
            raise ImportFileError("The workbook's first sheet is empty.")
        names, errors = header(first[1])
        return names, list(records(names, rows)), errors
    except ImportFileError:
        raise
    except Exception as exc:  # a part cut short or not XML: the parser's own error
        raise ImportFileError(f"{DAMAGED}: {exc}") from exc
    finally:
        book.close()


def read_ics(data: bytes) -> tuple[icalendar.Calendar, list[int]]:
    """The calendar and the line each VEVENT begins on."""
    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise ImportFileError(f"The file is not an iCalendar (.ics) file: {exc}") from exc
    lines = [
        n
        for n, text in enumerate(data.decode("utf-8", "replace").splitlines(), 1)
        if text.strip().upper() == "BEGIN:VEVENT"
    ]
    return cal, lines
