"""A table as an Excel workbook that opens with nothing to fix.

Typed cells (numbers as numbers, dates as dates shown dd.mm.yyyy; Excel shows the decimal
separator of the reader's own settings, a comma in Norwegian), a bold header row that stays
in view, a filter over the data, column widths that fit, a sheet title and document properties.

openpyxl's write-only mode writes each row to a temporary file as it comes, so memory does not
grow with the rows. Its one limit shapes the code: column widths must be set before the first
row, so they are measured on the header and the first `WIDTH_SAMPLE_ROWS` rows (and the footer).
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from itertools import chain, islice
from typing import IO

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from leanprogram.exports.tables import Kind, Table
from pilots.calendar import OSLO
from pilots.cells import csv_value, is_formula_like

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WIDTH_SAMPLE_ROWS = 500
MIN_WIDTH = 6
MAX_WIDTH = 60
# Excel's sheet names: at most 31 characters, none of these.
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))

NUMBER_FORMATS = {
    Kind.INTEGER: "0",
    # At least one decimal and at most two: 2,5 and 1,25 as typed, 4 as 4,0.
    Kind.HOURS: "#,##0.0#",
    Kind.FTE: "#,##0.0",
    Kind.DATE: "dd.mm.yyyy",
    Kind.TIME: "hh:mm",
    Kind.DATETIME: "dd.mm.yyyy hh:mm",
}
_BOLD = Font(bold=True)


def _width(value) -> int:
    """Characters a value takes in a column: the longest line of a text, a number as written."""
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    return len(csv_value(value))


def column_widths(table: Table, sample: list[tuple]) -> list[float]:
    widths = [len(column.label) for column in table.columns]
    for row in chain(sample, table.footer):
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _width(value))
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def _cell(sheet: WriteOnlyWorksheet, value, kind: Kind, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        # Excel has no time zones: the time as read in Norway.
        value = timezone.make_naive(value, OSLO)
    if isinstance(value, str | Promise):
        # A plain str: a translated label may be lazy, and openpyxl knows str only.
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and is_formula_like(value):
        # openpyxl takes a text starting with "=" for a formula. Stored as text with Excel's
        # quote prefix it shows as typed and stays text even when someone edits it.
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, int | float | Decimal | dt.date | dt.time) and kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]
    if bold:
        cell.font = _BOLD
    return cell


def sheet_title(title: str) -> str:
    return title.translate(_SHEET_TITLE_FORBIDDEN)[:31] or "Sheet"


def xlsx_write(table: Table, target: IO[bytes], *, subject: str = "", creator: str = "") -> None:
    """Write the table as a workbook of one sheet to `target` (a file opened for binary)."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = table.title
    workbook.properties.subject = subject
    workbook.properties.creator = creator
    workbook.properties.language = "nb-NO"
    sheet = workbook.create_sheet(sheet_title(table.title))

    rows = iter(table.rows)
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    for index, width in enumerate(column_widths(table, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    kinds = [column.kind for column in table.columns]
    sheet.append([_cell(sheet, column.label, Kind.TEXT, bold=True) for column in table.columns])
    count = _append_rows(sheet, chain(sample, rows), kinds)
    last_column = get_column_letter(len(table.columns))
    sheet.auto_filter.ref = f"A1:{last_column}{count + 1}"
    _append_rows(sheet, table.footer, kinds, bold=True)
    workbook.save(target)


def _append_rows(
    sheet: WriteOnlyWorksheet, rows: Iterable[tuple], kinds: list[Kind], *, bold: bool = False
) -> int:
    count = 0
    for row in rows:
        sheet.append(
            [_cell(sheet, value, kind, bold=bold) for value, kind in zip(row, kinds, strict=True)]
        )
        count += 1
    return count
