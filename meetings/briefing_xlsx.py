"""A briefing (meetings.briefing) as an Excel workbook, to print or forward.

A summary sheet lists the meetings with their answers counted; then each meeting has a
sheet of its own, which prints on its own pages: landscape, as wide as the paper, the
column headings repeated on every page. Every value is text, dates and times included:
they read in the venue's local time as the page writes them, never as an Excel serial
that a spreadsheet would show in another zone. Text that a spreadsheet would run as a
formula is quoted by the export's own guard (meetings.imports.export).
"""

import io
import re
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from meetings.briefing import Briefing, DelegationLine, MeetingBrief
from meetings.imports.export import XLSX_CONTENT_TYPE
from meetings.imports.export import _text as export_text

__all__ = ["XLSX_CONTENT_TYPE", "briefing_filename", "briefing_xlsx", "sheet_names"]

SUMMARY = "Summary"
SHEET_NAME_MAX = 31
NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
# (heading, width in characters) of each sheet's table.
SUMMARY_COLUMNS = [
    ("Meeting", 40),
    ("When", 44),
    ("Where", 24),
    ("Mode", 12),
    ("Status", 24),
    ("Confirmed", 11),
    ("Declined", 10),
    ("No answer yet", 14),
]
DELEGATION_COLUMNS = [
    ("Participant", 26),
    ("Answer", 15),
    ("Answered on", 16),
    ("Head of delegation", 28),
    ("Head's title", 44),
    ("Level", 26),
]
# The facts above a meeting's table; the table's headings follow a blank row.
FACTS = ["When", "Where", "Mode", "Status", "Answers"]
FACTS_ROW = 5  # after the title, the as of, the meeting and a blank row
MEETING_HEADER_ROW = FACTS_ROW + len(FACTS) + 1
SUMMARY_HEADER_ROW = 4  # title, as of, blank
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")


def briefing_filename(briefing: Briefing) -> str:
    return f"briefing-{briefing.slug}.xlsx"


def sheet_names(meetings: Sequence[MeetingBrief]) -> list[str]:
    """A tab name for each meeting: its short name without the characters Excel refuses,
    at most 31 characters, unique (Excel compares them regardless of case)."""
    taken = {SUMMARY.casefold()}
    names = []
    for meeting in meetings:
        base = NOT_IN_SHEET_NAMES.sub("-", meeting.short_name).strip("' ") or "Meeting"
        name, copy = base[:SHEET_NAME_MAX], 1
        while name.casefold() in taken:
            copy += 1
            suffix = f" ({copy})"
            name = base[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _text_cell(sheet: Worksheet, row: int, column: int, value: str | int) -> Cell:
    """A cell holding text (never read as a formula) or a whole number."""
    cell = sheet.cell(row=row, column=column)
    assert isinstance(cell, Cell)  # no cell of a briefing is merged
    if isinstance(value, int):
        cell.value = value
        return cell
    # The export's guard quotes text a spreadsheet would run (“=HYPERLINK(...)”); the
    # explicit type keeps openpyxl from storing any other text as a formula.
    cell.value = export_text(value)
    cell.data_type = "s"
    return cell


def _heading(sheet: Worksheet, briefing: Briefing) -> None:
    _text_cell(sheet, 1, 1, f"Briefing: {briefing.title}").font = TITLE
    _text_cell(sheet, 2, 1, f"As of {briefing.as_of}")


def _table(
    sheet: Worksheet,
    header_row: int,
    columns: list[tuple[str, int]],
    rows: list[list[str | int]],
) -> None:
    """Headings in bold, frozen below them and repeated on each printed page; the rows."""
    for index, (heading, width) in enumerate(columns, 1):
        _text_cell(sheet, header_row, index, heading).font = BOLD
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset, values in enumerate(rows, 1):
        for index, value in enumerate(values, 1):
            _text_cell(sheet, header_row + offset, index, value).alignment = WRAP
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _status(meeting: MeetingBrief) -> str:
    return f"{meeting.status}: {meeting.status_note}" if meeting.status_note else meeting.status


def _summary(sheet: Worksheet, briefing: Briefing) -> None:
    _heading(sheet, briefing)
    rows: list[list[str | int]] = [
        [
            meeting.title,
            meeting.when,
            meeting.where,
            meeting.mode,
            _status(meeting),
            meeting.counts.confirmed,
            meeting.counts.declined,
            meeting.counts.no_answer,
        ]
        for meeting in briefing.meetings
    ]
    _table(sheet, SUMMARY_HEADER_ROW, SUMMARY_COLUMNS, rows or [["No meetings."]])


def _delegation_row(line: DelegationLine) -> list[str | int]:
    return [
        line.participant,
        line.answer,
        line.answered_on,
        line.head_name,
        line.head_title,
        line.level,
    ]


def _meeting_sheet(sheet: Worksheet, briefing: Briefing, meeting: MeetingBrief) -> None:
    _heading(sheet, briefing)
    _text_cell(sheet, 3, 1, meeting.title).font = BOLD
    facts = [meeting.when, meeting.where, meeting.mode, _status(meeting), meeting.counts.text]
    for row, (label, value) in enumerate(zip(FACTS, facts, strict=True), FACTS_ROW):
        _text_cell(sheet, row, 1, label).font = BOLD
        _text_cell(sheet, row, 2, value)
    rows = [_delegation_row(line) for line in meeting.delegations]
    _table(sheet, MEETING_HEADER_ROW, DELEGATION_COLUMNS, rows or [["No delegations."]])


def briefing_xlsx(briefing: Briefing) -> bytes:
    """The workbook: a summary sheet, then one sheet per meeting in date order."""
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook has one sheet
    summary.title = SUMMARY
    _summary(summary, briefing)
    for meeting, name in zip(briefing.meetings, sheet_names(briefing.meetings), strict=True):
        _meeting_sheet(book.create_sheet(name), briefing, meeting)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
