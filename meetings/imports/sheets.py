"""openpyxl's read-only worksheet, without its full read of a sheet lacking <dimension>.

ReadOnlyWorksheet looks for the sheet's <dimension> element on "end" events, which for a
sheet without one (it is optional) come only once the whole <sheetData> has been parsed,
every row kept in memory as it goes: 60 MB of empty rows took a minute and 170 MB before
the first row was read. Here the search stops at the start of <sheetData>, so a sheet is
read once, row by row, and the importer's row limit stops it early.

openpyxl's reader names the class it builds in its own module: `use_lazy_sizing()` points
that name at the subclass (read.py calls it once, at import).
"""

from typing import Any

import openpyxl.reader.excel
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.functions import iterparse  # openpyxl's own parser: defusedxml's


class LazilySizedWorksheet(ReadOnlyWorksheet):
    """A read-only worksheet that reads only as far as <sheetData> to find its size."""

    def _get_size(self) -> None:
        sheet: Any = self  # openpyxl's private attributes are not in its type stubs
        with sheet._get_source() as source:
            for _event, element in iterparse(source, events=("start",)):
                if element.tag == DIMENSION_TAG:
                    dimension = SheetDimension.from_tree(element)
                    boundaries = dimension.boundaries if dimension is not None else None
                    if boundaries is not None:
                        (sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row) = (
                            boundaries
                        )
                    return
                if element.tag == DATA_TAG:
                    return  # no <dimension>: rows are counted as they are read


def use_lazy_sizing() -> None:
    reader: Any = openpyxl.reader.excel
    reader.ReadOnlyWorksheet = LazilySizedWorksheet
