"""What an uploaded tracker may hold, and the refusal of a file that cannot be imported.

The 5 MB limit is on the upload as sent. An XLSX workbook is compressed, so 5 MB can unpack
to gigabytes (a 118 KB file held a row of 30 million empty cells), and even a CSV can be
5 million blank lines. So the file is also limited by what it holds, counted while it is
read, and refused at the first count over its limit: rows (blank ones too), cells (empty
ones too), cells in one row, and characters of text. The largest tracker the import takes,
5,000 rows of 100 columns, is well inside every one of them.
"""
from __future__ import annotations

MAX_BYTES = 5 * 1024 * 1024
# Rows imported (blank lines are not rows), columns named by the headings, characters kept of a cell.
MAX_ROWS = 5_000
MAX_COLUMNS = 100
MAX_CELL = 10_000
# Rows in the file counting blank ones, and so the last row a value may be in: twice the
# rows imported leaves room for blank lines and for lines above or below the table.
MAX_LINES = 2 * MAX_ROWS
# Excel's own widest row (column XFD). Spreadsheets write empty, formatted cells after the
# last column, so a row may be wider than its headings, but never wider than this.
MAX_ROW_CELLS = 16_384
# Cells counting empty ones: as many as MAX_LINES rows of MAX_COLUMNS.
MAX_CELLS = MAX_LINES * MAX_COLUMNS
# Characters of text in the cells read (a cell that repeats another's text counts again).
MAX_CHARACTERS = 20_000_000


class UnreadableFile(ValueError):
    """The file cannot be imported; the message says why, in words for the user."""


def too_many_lines() -> UnreadableFile:
    """The refusal of a file with more than MAX_LINES rows, however they are counted."""
    return UnreadableFile(f"The file has more than {MAX_LINES:,} rows, counting blank ones: delete the empty "
                          "rows below the table, or split it into smaller files")


def too_many_cells() -> UnreadableFile:
    """The refusal of a file with more than MAX_CELLS cells."""
    return UnreadableFile(f"The file has more than {MAX_CELLS:,} cells, counting empty ones: "
                          "split it into smaller files")


def row_too_wide(number: int) -> UnreadableFile:
    """The refusal of a file whose row `number` has more than MAX_ROW_CELLS cells."""
    return UnreadableFile(f"Row {number:,} has more than {MAX_ROW_CELLS:,} cells")


def too_much_text() -> UnreadableFile:
    """The refusal of a file holding more than MAX_CHARACTERS characters of text."""
    return UnreadableFile(f"The file holds more than {MAX_CHARACTERS:,} characters of text: "
                          "split it into smaller files")
