"""Reading an uploaded tracker file into headings and rows of text.

A file is judged by its content, never by the type the browser claims: an XLSX workbook is
a zip (it starts "PK"), anything else must be UTF-8 text (with or without a byte-order
mark, as Excel's "CSV UTF-8" writes it) separated by commas or semicolons (Excel in much of
Europe writes semicolons). The name must end .csv or .xlsx and agree with the content.

Every cell comes back as stripped text without control characters or NULs (a cell is
shown on the preview and stored as text; a formula in it is just text here, so nothing is
"neutralised", but the apostrophe the CSV export puts before formula-shaped text is taken
off again so that an exported file round-trips). XLSX dates become ISO dates and whole
numbers lose Excel's ".0".

What a file may hold is limited (pmo_web/imports/limits.py), and counted while it is read:
a workbook's parts as they are unzipped (pmo_web/imports/xlsx.py), then the rows of either
kind of file as they come (`_within_limits`), so a file over a limit is refused at the
first row or cell too many, not after it has all been read.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import date, datetime

from ..exports.files import FORMULA_STARTS
from . import xlsx
from .limits import (
    MAX_BYTES,
    MAX_CELL,
    MAX_CELLS,
    MAX_CHARACTERS,
    MAX_COLUMNS,
    MAX_LINES,
    MAX_ROW_CELLS,
    MAX_ROWS,
    UnreadableFile,
    row_too_wide,
    too_many_cells,
    too_many_lines,
    too_much_text,
)

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
XLSX_SIGNATURE = b"PK\x03\x04"
OLD_EXCEL_SIGNATURE = b"\xd0\xcf\x11\xe0"


def clean(value) -> str:
    """One cell as text: control characters and NULs removed, spaces trimmed, the export's
    formula guard (a leading apostrophe before = + - @) undone, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = CONTROL.sub("", str(value)).strip()
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]
    return text[:MAX_CELL]


def size_limit() -> str:
    """The size limit as people read it: "5 MB"."""
    return f"{MAX_BYTES // (1024 * 1024)} MB" if MAX_BYTES >= 1024 * 1024 else f"{MAX_BYTES // 1024} KB"


def base_name(file_name: str | None) -> str:
    """The name a file had on the user's computer, without any folders a browser sent with it."""
    name = clean(re.split(r"[\\/]", file_name or "")[-1])
    return name or "tracker"


def normalise(heading: str) -> str:
    """A heading as compared: lower case, single spaces ("Rough  Cost " is "rough cost")."""
    return " ".join(heading.lower().split())


def header_key(headings: list[str]) -> str:
    """The key of a set of headings: the same set in any order gives the same key."""
    return hashlib.sha256(json.dumps(sorted(normalise(h) for h in headings)).encode()).hexdigest()


def read(file_name: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """(headings, data rows) of an uploaded file; raises UnreadableFile with the reason."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(f"The file must be smaller than {size_limit()}")
    if not data:
        raise UnreadableFile("The selected file is empty")
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if data.startswith(OLD_EXCEL_SIGNATURE):
        raise UnreadableFile("The file is in the old Excel format (.xls): save it as .xlsx or CSV and upload it again")
    if extension == "xlsx":
        if not data.startswith(XLSX_SIGNATURE):
            raise UnreadableFile("The file is not an Excel workbook, although its name ends .xlsx")
        rows = xlsx.rows(data)
    elif extension == "csv":
        if data.startswith(XLSX_SIGNATURE):
            raise UnreadableFile("The file is an Excel workbook, although its name ends .csv: upload it as .xlsx")
        rows = _csv_rows(data)
    else:
        raise UnreadableFile("The selected file must be a CSV or XLSX file")
    return _table(_within_limits(rows))


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile('The file is not UTF-8 text: in Excel, save it as "CSV UTF-8" '
                             "and upload it again") from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise UnreadableFile(f"The CSV file is damaged ({error})") from None


def _within_limits(rows):
    """The rows of a file as they come, refused at the first one over a limit: more rows
    than MAX_LINES (blank ones too), a row wider than MAX_ROW_CELLS, more cells than
    MAX_CELLS (empty ones too), or more text than MAX_CHARACTERS (so cleaning the cells,
    which reads all their text, has a bound)."""
    cells = characters = 0
    for number, row in enumerate(rows, 1):
        if number > MAX_LINES:
            raise too_many_lines()
        if len(row) > MAX_ROW_CELLS:
            raise row_too_wide(number)
        cells += len(row)
        if cells > MAX_CELLS:
            raise too_many_cells()
        characters += sum(len(value) for value in row if isinstance(value, str))
        if characters > MAX_CHARACTERS:
            raise too_much_text()
        yield row


def _table(rows) -> tuple[list[str], list[list]]:
    """Headings from the first row that has any, then the data rows as [row number, cells]
    (the number a spreadsheet shows for the row, so the error report points at it)."""
    numbered = enumerate(rows, 1)
    headings: list[str] = []
    for _number, raw in numbered:
        headings = [clean(value) for value in raw]
        if any(headings):
            break
    while headings and not headings[-1]:
        headings.pop()  # spreadsheets often carry empty columns after the last one
    if not headings:
        raise UnreadableFile("The file has no headings: its first row must name the columns")
    if len(headings) > MAX_COLUMNS:
        raise UnreadableFile(f"The file has {len(headings)} columns: it may have at most {MAX_COLUMNS}")
    headings = [heading or f"Column {index}" for index, heading in enumerate(headings, 1)]
    seen: set[str] = set()
    for heading in headings:
        if normalise(heading) in seen:
            raise UnreadableFile(f"The heading \"{heading}\" appears twice: every column needs a heading of its own")
        seen.add(normalise(heading))
    width = len(headings)
    table = []
    for number, raw in numbered:
        cells = [clean(value) for value in raw]
        if not any(cells):
            continue  # blank lines
        if any(cells[width:]):
            raise UnreadableFile(f"Row {number} has more cells than there are headings")
        if len(table) == MAX_ROWS:
            raise UnreadableFile(f"The file has more than {MAX_ROWS:,} rows: split it into smaller files")
        table.append([number, (cells + [""] * width)[:width]])
    if not table:
        raise UnreadableFile("The file has headings but no rows to import")
    return headings, table
