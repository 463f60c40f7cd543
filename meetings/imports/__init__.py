"""Bulk import of meetings from CSV, XLSX or ICS, all or nothing, and CSV/XLSX export.

The file is read into records (read), each record's cells are parsed by the parser of
its column (columns, cells) and checked into the plan of what the row changes (check,
when; ics for calendar events), and only a file without a bad row is applied, in one
transaction, through meetings.services (apply). A row names its meeting by a stable key,
so importing the same file again changes nothing, and an export (export) imports back
with no change. The admin's pages are admin_views; the progress files of its uploads,
jobs; a large confirmed import runs as the Celery task in tasks.
"""

from meetings.imports.apply import import_calendar
from meetings.imports.cells import FORMULA_STARTS
from meetings.imports.columns import COLUMNS
from meetings.imports.export import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    meetings_csv,
    meetings_xlsx,
)
from meetings.imports.read import KINDS, MAX_BYTES, MAX_ROWS, file_kind
from meetings.imports.results import ImportFileError, ImportResult, RowError, RowPlan

__all__ = [
    "COLUMNS",
    "CSV_CONTENT_TYPE",
    "FORMULA_STARTS",
    "KINDS",
    "MAX_BYTES",
    "MAX_ROWS",
    "XLSX_CONTENT_TYPE",
    "ImportFileError",
    "ImportResult",
    "RowError",
    "RowPlan",
    "file_kind",
    "import_calendar",
    "meetings_csv",
    "meetings_xlsx",
]
