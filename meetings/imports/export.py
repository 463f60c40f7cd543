"""CSV and XLSX export of meetings, in the columns the import reads.

Days and times are the venue's wall-clock time, with the IANA zone and the
offset beside them, so a secretariat reads them as it plans them and an export
imports back with no change.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from meetings.formatting import offset_label
from meetings.imports.cells import FORMULA_STARTS
from meetings.imports.columns import COLUMNS
from meetings.models import Meeting

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
COLUMN_WIDTHS = {"title": 48, "description": 48, "status_note": 30, "venue": 24, "slug": 28}


def export_meetings(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """The meetings to export, with what the columns read, in calendar order."""
    return meetings.select_related("format", "counterpart", "event", "venue", "host").order_by(
        "start", "format__code", "number", "pk"
    )


def _whole_minute(moment: dt.datetime) -> bool:
    return not (moment.second or moment.microsecond)


def _wall_time(moment: dt.datetime) -> dt.time | str:
    # Whole minutes as time values; anything finer as text, which keeps every digit.
    return moment.time() if _whole_minute(moment) else moment.time().isoformat()


def meeting_row(meeting: Meeting) -> dict[str, Any]:
    """A meeting's values by column, as Python values (dates, times, text)."""
    local_start, local_end = meeting.local_start, meeting.local_end
    deadline = meeting.confirmation_deadline
    local_deadline = deadline.astimezone(meeting.tz).replace(tzinfo=None) if deadline else None
    return {
        "slug": meeting.slug,
        "format": meeting.format.code,
        "number": meeting.number,
        "counterpart": meeting.counterpart.code if meeting.counterpart else "",
        "title": meeting.title,
        "event": meeting.event.slug if meeting.event else "",
        "venue": meeting.venue.name if meeting.venue else "",
        "venue_city": meeting.venue.city if meeting.venue else "",
        "host": meeting.host.code if meeting.host else "",
        "first_day": meeting.first_day,
        "start_time": "" if meeting.all_day else _wall_time(local_start),
        "last_day": meeting.last_day,
        "end_time": "" if meeting.all_day else _wall_time(local_end),
        "timezone": meeting.timezone,
        "utc_offset": offset_label(local_start),
        "status": meeting.status,
        "status_note": meeting.status_note,
        "mode": meeting.mode,
        "published": "yes" if meeting.published else "no",
        "description": meeting.description,
        "confirmation_deadline": local_deadline,
    }


def _text(value: Any) -> str:
    """A value as CSV text: ISO dates and times, text quoted against formulas."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes" if _whole_minute(value) else "auto")
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    # A spreadsheet would run “=...” as a formula; the import drops the apostrophe.
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def rows(meetings: Iterable[Meeting]) -> Iterator[dict[str, Any]]:
    """Each meeting's values by column."""
    for meeting in meetings:
        yield meeting_row(meeting)


def meetings_csv(meetings: QuerySet[Meeting]) -> bytes:
    """UTF-8 CSV with a byte-order mark, which spreadsheet programs need to read Khmer or Thai."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows(export_meetings(meetings).iterator(chunk_size=1000)):
        writer.writerow([_text(row[name]) for name in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def meetings_xlsx(meetings: QuerySet[Meeting]) -> bytes:
    """An Excel workbook of one sheet: real date and time cells, text kept as text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Meetings")
    for index, name in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(name, 14)
    sheet.freeze_panes = "A2"
    sheet.append(list(COLUMNS))
    for row in rows(export_meetings(meetings).iterator(chunk_size=1000)):
        sheet.append([_cell(sheet, name, row[name]) for name in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: WriteOnlyWorksheet, name: str, value: Any) -> Cell:
    """A typed cell: dates and times shown as such, text never read as a formula."""
    if isinstance(value, dt.datetime) and not _whole_minute(value):
        value = value.isoformat(sep=" ")
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, dt.time):
        cell.number_format = "hh:mm"
    elif isinstance(value, str):
        # openpyxl stores text starting with “=” as a formula unless told otherwise.
        cell.data_type = "s"
    return cell
