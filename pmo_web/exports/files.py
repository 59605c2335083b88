"""Writing a dataset's rows as a CSV or an XLSX file, with the security marking in it.

Where the marking goes (docs/exports.md says the same for users):

- Both files: in the file name (``OFFICIAL-portfolio-2026-05-01.csv``) and in a last
  column, "Security marking", on every row, so the marking stays with any row copied or
  filtered out of the file. Nothing comes before the heading row: Excel, Power BI and the
  tracker import read the first row as the headings, and a marking line above them (or a
  comment line below the data) would arrive as a broken data row.
- XLSX also: the page header and footer of every printed page, the workbook's properties
  (title, keywords, category), and a second sheet, "About this export", saying what the
  file holds, who exported it and when.

Both files are built first, row by row from a database cursor into a spooled temporary
file (memory up to SPOOL_IN_MEMORY, disk beyond), and then streamed to the browser in
chunks. Building first means the database transaction ends before the download starts (on
SQLite every transaction holds the write lock), and a failure part-way gives an error page
rather than a file that silently stops short of the last rows.

Formula injection: a spreadsheet runs a cell that starts with = + - @ (or a tab or carriage
return before one of them) as a formula, so text taken from users could run one on the
reader's machine. In CSV such a cell gets a leading apostrophe, which Excel shows as plain
text. An XLSX cell is typed: text is always a string cell, never a formula, and a
formula-shaped one also gets Excel's "quote prefix", so the text is exact and is still not
evaluated if someone edits the cell.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..tabular import BOOLEAN, DATE, INTEGER, MONEY, TIMESTAMP, Dataset, as_utc

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows written between two chunks of a streamed CSV.
CSV_ROWS_PER_CHUNK = 500
# A file is built in memory up to this size, then in a temporary file on disk.
SPOOL_IN_MEMORY = 8 * 1024 * 1024
CHUNK = 64 * 1024
# Excel refuses a workbook with a longer cell.
EXCEL_CELL_LIMIT = 32_767
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {MONEY: "#,##0.00", DATE: "yyyy-mm-dd", TIMESTAMP: "yyyy-mm-dd hh:mm:ss"}
WIDTHS = {INTEGER: 10, MONEY: 16, DATE: 12, TIMESTAMP: 20, BOOLEAN: 10}


def neutralise(text: str) -> str:
    """A CSV cell that a spreadsheet would run as a formula, made plain text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value) -> str:
    """One value as CSV text: ISO dates, UTC timestamps without a zone suffix (the heading
    says UTC, and Excel reads "2026-05-01 14:30:00" as a date and time), TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (date, int, Decimal, float)):
        return str(value)
    return neutralise(str(value))


def csv_chunks(dataset: Dataset, rows: Iterable) -> Iterator[bytes]:
    """The CSV file in pieces, as the rows arrive: UTF-8 with a byte-order mark (so Excel
    reads the £ signs and accents right), RFC 4180 quoting and CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(dataset.headings)
    for count, row in enumerate(rows, 1):
        writer.writerow([csv_cell(value) for value in dataset.values(row)])
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def build_csv(dataset: Dataset, rows: Iterable):
    """The CSV written into a spooled temporary file (rewound), and its row count."""
    output = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    counted = _Counted(rows)
    for chunk in csv_chunks(dataset, counted):
        output.write(chunk)
    output.seek(0)
    return output, counted.count


def build_xlsx(dataset: Dataset, rows: Iterable, marking: str, about: dict[str, str]):
    """The workbook written into a spooled temporary file (rewound), and its row count.

    openpyxl's write-only mode keeps no rows in memory: each appended row goes to a
    temporary file, and saving zips those into the workbook. The zip cannot be sent before
    it is finished, so it is built first, in memory while small and on disk past
    SPOOL_IN_MEMORY, then streamed to the browser in chunks (see `file_chunks`).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(dataset.title.translate(SHEET_NAME_FORBIDDEN)[:31])
    _mark_sheet(sheet, marking)
    for index, column in enumerate(dataset.columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(column.kind, 24)
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.append([_heading(sheet, column.label) for column in dataset.columns])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, column.kind, value)
                      for column, value in zip(dataset.columns, dataset.values(row), strict=True)])
        count += 1
    _about_sheet(workbook, marking, {**about, "Rows": str(count)})
    workbook.properties.title = f"{dataset.title} ({marking})"
    workbook.properties.subject = dataset.description
    workbook.properties.keywords = marking
    workbook.properties.category = marking
    output = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    workbook.save(output)
    output.seek(0)
    return output, count


def file_chunks(output) -> Iterator[bytes]:
    """A built file in chunks, closed (and its disk copy removed) once sent or abandoned."""
    try:
        while chunk := output.read(CHUNK):
            yield chunk
    finally:
        output.close()


class _Counted:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterable):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _mark_sheet(sheet, marking: str) -> None:
    for header_footer in (sheet.oddHeader, sheet.oddFooter):
        header_footer.center.text = marking
        header_footer.center.font = "Arial,Bold"


def _heading(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


def _xlsx_cell(sheet, kind: str, value):
    """A typed cell: numbers, dates and timestamps as such; text always as a string."""
    if value is None:
        return None
    if kind in NUMBER_FORMATS and isinstance(value, (Decimal, date)):
        if isinstance(value, datetime):
            value = as_utc(value).replace(tzinfo=None)  # Excel has no time zones; headings say UTC
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = NUMBER_FORMATS[kind]
        return cell
    if isinstance(value, (bool, int, float, Decimal)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:EXCEL_CELL_LIMIT]
    if not text.startswith(FORMULA_STARTS):
        return text  # openpyxl writes it as a string cell; only text starting with = is taken for a formula
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    cell.quotePrefix = True
    return cell


def _about_sheet(workbook, marking: str, about: dict[str, str]) -> None:
    sheet = workbook.create_sheet("About this export")
    _mark_sheet(sheet, marking)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 80
    sheet.append([_heading(sheet, "Security marking"), _heading(sheet, marking)])
    for name, value in about.items():
        sheet.append([name, _xlsx_cell(sheet, "text", value)])
