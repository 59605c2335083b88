"""Reading the first sheet of an XLSX workbook, within limits checked before openpyxl reads it.

An XLSX file is a zip of XML parts, and a small upload can unpack into an enormous one (a
118 KB file held a row of 30 million empty cells, which openpyxl read cell by cell for
100 seconds). So nothing of a workbook reaches openpyxl unchecked:

1. The zip entry of each part read must be stored or deflated (not encrypted) and at most
   MAX_PART_BYTES once unzipped, by its header.
2. Each part read (the package's index of parts, the workbook and its relationships, to find
   the first sheet; then its styles, its shared strings and the sheet itself) is unzipped as
   a stream, in chunks, into lxml, with no DTD, entities or network, and a parser target that
   builds nothing but counts as lxml goes: bytes, elements, attributes and characters, and in
   the sheet its rows, cells and where its values are. The first count over its limit stops
   the reading, and the file is refused with the reason. A document type declaration (where
   XML entity bombs live) is refused outright.
3. Only then does openpyxl read those parts: the styles (for dates), and the sheet up to the
   last row and column that hold a value (the shared strings are read by their check), so a sheet that claims a million
   rows (in its dimension, or by a row numbered 1,048,576) costs what its values cost. Nothing
   else in the upload is parsed: no other sheets, macros, links or drawings.

openpyxl does the reading proper (cells, dates from number formats, the 1904 calendar); the
checks make sure that what it is given is bounded. openpyxl's own workbook
loader is not used: it parses every part it knows of, and its read-only sheet parses a sheet
with no <dimension> (as openpyxl's own write-only mode saves them) once more just to look for
one. The sheet check knows where every value is, so it is also where a later report of
formula cells belongs.
"""
from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass

from lxml import etree
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

# The parser openpyxl's read-only sheets use; openpyxl is pinned, and the tests read real
# workbooks (dates, numbers, shared and inline strings, the 1904 calendar) through it.
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import (
    CONTYPES_NS,
    PKG_REL_NS,
    REL_NS,
    SHARED_STRINGS,
    SHEET_MAIN_NS,
    XLSM,
    XLSX,
    XLTM,
    XLTX,
)

from .limits import (
    MAX_CELLS,
    MAX_CHARACTERS,
    MAX_COLUMNS,
    MAX_LINES,
    MAX_ROW_CELLS,
    UnreadableFile,
    row_too_wide,
    too_many_cells,
    too_many_lines,
)

# Unzipped size of one part. The largest tracker imported, 5,000 rows of 100 columns of text
# written as inline strings, is a sheet of about 30 MB.
MAX_PART_BYTES = 50 * 1024 * 1024
MAX_PARTS = 10_000  # entries in the zip
# Parts other than the sheet and its shared strings (styles, the package's index, the
# workbook, relationships) and, in the sheet, everything outside its rows: openpyxl builds an
# object for each element of these, so they are held to what real workbooks have. The same
# limit holds for the formatting runs of rich text in cells and shared strings.
ORDINARY_ELEMENTS = 40_000
ORDINARY_CHARACTERS = 1_000_000
# The sheet and the shared strings: two elements a cell on average (<c><v>, <si><t>); the
# largest tracker, its text in inline strings (<c><is><t>), has about 1.3 million.
MAX_ELEMENTS = 2 * MAX_CELLS
MAX_ATTRIBUTES = 64  # on one element; real ones have a handful
# Elements inside one cell that are plain (<v>, <f>, <is><t>); any further ones are rich
# text runs or worse, and count as ordinary elements.
CELL_ELEMENTS = 4
CHUNK_BYTES = 64 * 1024

CONTENT_TYPES = "[Content_Types].xml"
STYLES = "xl/styles.xml"  # where openpyxl, and Excel, keep them
WORKBOOK_TYPES = (XLTM, XLTX, XLSM, XLSX)  # openpyxl's order of preference
ROW, SHEET_DATA, STRING, TEXT, RUN = (f"{{{SHEET_MAIN_NS}}}{name}" for name in ("row", "sheetData", "si", "t", "r"))
# A cell holds a value when it has one of these (a formula too: with data_only it reads as
# its cached value, or as nothing).
VALUE_TAGS = frozenset(f"{{{SHEET_MAIN_NS}}}{name}" for name in ("v", "is", "f"))
EXCEL_LAST_COLUMN = 16_384  # XFD

UNREADABLE = "The file could not be read as an Excel workbook"
# What openpyxl and zipfile raise on a damaged package; XML syntax errors (lxml's and
# ElementTree's) are SyntaxErrors.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError, ValueError, TypeError, OSError,
           SyntaxError)


def unreadable(reason: str | None = None) -> UnreadableFile:
    """The refusal of a file that is not a workbook the import can read."""
    return UnreadableFile(f"{UNREADABLE} ({reason})" if reason else UNREADABLE)


def too_big(part: str) -> UnreadableFile:
    """The refusal of a workbook one of whose parts is over its limits."""
    return UnreadableFile(f"The workbook is too big to import: its part {part} holds more than any tracker "
                          "would. Save the sheet as CSV, or copy the table into a new workbook, and upload that")


def rows(data: bytes):
    """The first sheet's rows as tuples of values (dates as datetimes, numbers as numbers),
    all as wide as the last column holding a value and no further than the last such row.
    Raises UnreadableFile with the reason as soon as any limit is passed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            yield from _Upload(archive).first_sheet_rows()
    except UnreadableFile:
        raise
    except DAMAGED as error:
        raise unreadable() from error


@dataclass
class Extent:
    """The last row and column of a sheet that hold a value (0 when none does)."""

    rows: int = 0
    columns: int = 0


class _Upload:
    """The uploaded zip, each part read checked first."""

    def __init__(self, archive: zipfile.ZipFile):
        if len(archive.infolist()) > MAX_PARTS:
            raise UnreadableFile(f"The workbook has more than {MAX_PARTS:,} parts: it is not a tracker")
        self.archive = archive
        self.names = set(archive.namelist())

    def first_sheet_rows(self):
        """The rows of the first sheet, every part it needs checked before openpyxl reads it."""
        index = self.document(CONTENT_TYPES)
        overrides = [(item.get("PartName", "").lstrip("/"), item.get("ContentType"))
                     for item in index.iter(f"{{{CONTYPES_NS}}}Override")]
        sheet_name, epoch = self.first_sheet(_workbook_part(overrides))
        styles = Stylesheet.from_tree(self.document(STYLES)) if STYLES in self.names else Stylesheet()
        strings_name = next((name for name, kind in overrides if kind == SHARED_STRINGS), None)
        strings = _StringsCheck(strings_name or "")
        if strings_name in self.names:
            self.stream(strings_name, strings)
        sheet = _SheetCheck(sheet_name)
        self.stream(sheet_name, sheet)
        extent = sheet.extent
        if not extent.rows:
            return  # no values at all: the caller says the file has no headings
        with self.archive.open(sheet_name) as part:
            parser = WorkSheetParser(part, strings.strings, data_only=True, epoch=epoch,
                                     date_formats=styles.date_formats, timedelta_formats=styles.timedelta_formats)
            # As openpyxl's read-only sheet pads them: blank rows between, every row as wide as the extent.
            expected = 1
            for number, cells in parser.parse():
                if number > extent.rows:
                    break
                if number < expected:
                    continue  # numbered before a row already read: openpyxl passes over it too
                for _blank in range(expected, number):
                    yield (None,) * extent.columns
                values = [None] * extent.columns
                for cell in cells:
                    if 1 <= cell["column"] <= extent.columns:
                        values[cell["column"] - 1] = cell["value"]
                yield tuple(values)
                expected = number + 1

    def first_sheet(self, workbook_name: str):
        """(part of the first worksheet, the date the workbook counts days from), as openpyxl
        finds them: the first sheet listed in the workbook whose relationship names a part of
        the package that is not a chart sheet; the 1904 calendar if the workbook says so."""
        workbook = self.document(workbook_name)
        folder, name = posixpath.split(workbook_name)
        targets = {}
        for relationship in self.document(posixpath.join(folder, "_rels", f"{name}.rels")).iter(
                f"{{{PKG_REL_NS}}}Relationship"):
            target = relationship.get("Target", "")
            # Resolved as openpyxl.packaging.relationship.get_dependents does.
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            targets[relationship.get("Id")] = (target, relationship.get("Type", ""))
        properties = workbook.find(f"{{{SHEET_MAIN_NS}}}workbookPr")
        date1904 = properties is not None and properties.get("date1904", "false") not in ("false", "f", "0")
        for sheet in workbook.iter(f"{{{SHEET_MAIN_NS}}}sheet"):
            target, kind = targets.get(sheet.get(f"{{{REL_NS}}}id"), ("", ""))
            if target in self.names and "chartsheet" not in kind:
                return target, CALENDAR_MAC_1904 if date1904 else WINDOWS_EPOCH
        raise UnreadableFile("The workbook has no sheets")

    def document(self, name: str):
        """A small part (the index, the workbook, relationships, styles), checked, then parsed whole."""
        chunks: list[bytes] = []
        self.stream(name, _PartCheck(name), chunks.append)
        return etree.fromstring(b"".join(chunks), _PARSER)

    def stream(self, name: str, check: _PartCheck, keep=None) -> None:
        """Unzip part `name` chunk by chunk into lxml with `check` as its target (handing each
        chunk on to `keep`, if given); the first limit passed (by the zip's header, by the
        bytes counted, or by the check) stops it."""
        if name not in self.names:
            raise unreadable(f"it has no part {name}")
        info = self.archive.getinfo(name)
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise unreadable("it is encrypted, or compressed in a way Excel does not use")
        if info.file_size > MAX_PART_BYTES:
            raise too_big(name)
        parser = etree.XMLParser(target=check, resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False)
        unzipped = 0
        try:
            with self.archive.open(info) as part:
                while chunk := part.read(CHUNK_BYTES):
                    unzipped += len(chunk)  # zipfile stops at the header's size; counted all the same
                    if unzipped > MAX_PART_BYTES:
                        raise too_big(name)
                    parser.feed(chunk)
                    if keep:
                        keep(chunk)
            parser.close()
        except etree.XMLSyntaxError as error:
            raise unreadable(f"{name} is not well-formed XML") from error


def _workbook_part(overrides: list[tuple[str, str]]) -> str:
    """The workbook part, found as openpyxl finds it: the first declared with the most
    preferred of the workbook types."""
    for kind in WORKBOOK_TYPES:
        for name, declared in overrides:
            if declared == kind:
                return name
    return "xl/workbook.xml"


class _PartCheck:
    """An lxml parser target that builds nothing and counts one part as it is parsed:
    elements, the attributes of each, characters (of attribute values, text and comments).
    A document type declaration is refused outright."""

    elements_allowed = ORDINARY_ELEMENTS
    characters_allowed = ORDINARY_CHARACTERS

    def __init__(self, name: str):
        self.name = name
        self.depth = self.elements = self.characters = self.others = 0

    def start(self, tag: str, attrib: dict) -> None:
        self.enter(attrib)
        if attrib:  # openpyxl keeps every element of these parts, attributes and all
            self.count(sum(map(len, attrib.values())))

    def end(self, tag: str) -> None:
        self.depth -= 1

    def data(self, text: str) -> None:
        self.count(len(text))

    def comment(self, text: str) -> None:
        self.count(len(text))

    def pi(self, target: str, data: str | None = None) -> None:
        self.count(len(target) + len(data or ""))

    def doctype(self, *_declaration) -> None:
        # Workbooks never have one; it is where entities (billion laughs, external files) are declared.
        raise unreadable(f"{self.name} declares a document type, which workbooks never do")

    def close(self) -> None:
        return None

    def enter(self, attrib: dict) -> int:
        """Go into one more element (only so many, with only so many attributes); the depth
        it is at."""
        self.elements += 1
        if self.elements > self.elements_allowed:
            raise too_big(self.name)
        if len(attrib) > MAX_ATTRIBUTES:
            raise unreadable(f"{self.name} has an element with {len(attrib):,} attributes")
        self.depth += 1
        return self.depth - 1

    def other(self) -> None:
        """One more element of a sheet or its strings that openpyxl will keep, or make an
        object of, rather than read as a cell's value: only as many as an ordinary part."""
        self.others += 1
        if self.others > ORDINARY_ELEMENTS:
            raise too_big(self.name)

    def count(self, characters: int) -> None:
        self.characters += characters
        if self.characters > self.characters_allowed:
            raise too_big(self.name)


class _StringsCheck(_PartCheck):
    """The shared strings, checked (at most one a cell, each a text or a few runs of rich
    text) and read on the way: a string's text is its <t>'s text and then its runs' <t>s', as
    openpyxl's reader.strings.read_string_table reads it, but without building an object of
    every string (which costs that reader six microseconds a string)."""

    elements_allowed = MAX_ELEMENTS
    characters_allowed = MAX_CHARACTERS

    def __init__(self, name: str):
        super().__init__(name)
        self.strings: list[str] = []
        self.in_string = 0
        self.within_string = self.within_run = False
        self.plain: list[str] | None = None
        self.runs: list[list[str] | None] = []
        self.text: list[str] | None = None  # the text being read, while one is

    def start(self, tag: str, attrib: dict) -> None:
        depth = self.enter(attrib)  # attribute values are not counted: openpyxl keeps only a string's text
        self.text = None  # an element's text is what comes before its first child
        if depth == 1:
            self.within_string = tag == STRING
            if self.within_string:
                if len(self.strings) == MAX_CELLS:
                    raise too_many_cells()
                self.in_string, self.plain, self.runs = 0, None, []
                return
        elif depth > 1 and self.within_string:
            self.in_string += 1
            if depth == 2:
                self.within_run = tag == RUN
                if self.within_run:
                    self.runs.append(None)
                elif tag == TEXT:
                    self.plain = self.text = []
            elif depth == 3 and tag == TEXT and self.within_run:
                self.runs[-1] = self.text = []
            if self.in_string == 1 and tag == TEXT:
                return
        self.other()  # openpyxl keeps every element outside the strings, and makes an object of each run

    def end(self, tag: str) -> None:
        self.depth -= 1
        self.text = None
        if self.depth == 1 and self.within_string:
            pieces = [*(self.plain or ()), *(piece for run in self.runs if run for piece in run)]
            self.strings.append("".join(pieces).replace("x005F_", ""))  # as read_string_table does

    def data(self, text: str) -> None:
        self.count(len(text))
        if self.text is not None:
            self.text.append(text)


class _SheetCheck(_PartCheck):
    """The first sheet, counted as openpyxl will read it: rows (numbered by their r, or one
    after the last), cells (every element in a row, placed by its r, or one after the last),
    and the last row and column that hold a value. Rows must be where Excel puts them, in
    the sheet's data: openpyxl would read a row anywhere as a row."""

    elements_allowed = MAX_ELEMENTS
    # Text is not counted here: openpyxl keeps a row's text only while it reads the row, the
    # part's size bounds it, and reading.py counts the text of the cells it is given.
    data = comment = pi = None

    def __init__(self, name: str):
        super().__init__(name)
        self.extent = Extent()
        self.rows = self.cells = 0
        self.row_number = self.column = self.row_cells = self.in_cell = 0
        self.within_data = self.within_row = False

    def start(self, tag: str, attrib: dict) -> None:
        depth = self.enter(attrib)  # attribute values are not counted: a row's are freed with the row
        if tag == ROW:
            self._row(attrib, depth)
        elif depth > 2 and self.within_row:
            if depth == 3:
                self._cell(attrib)
            else:
                self.in_cell += 1
                if self.in_cell > CELL_ELEMENTS:
                    self.other()  # rich text runs, or worse
                if depth == 4 and tag in VALUE_TAGS:
                    self._value()
        else:
            if depth == 1:
                self.within_data = tag == SHEET_DATA
            elif depth == 2:
                self.within_row = False
            self.other()  # openpyxl keeps what is outside rows, or makes objects of it

    def _row(self, attrib: dict, depth: int) -> None:
        if depth != 2 or not self.within_data:
            raise unreadable(f"{self.name} has a row outside the sheet's data")
        self.rows += 1
        if self.rows > MAX_LINES:
            raise too_many_lines()
        self.row_number = _row_number(attrib["r"]) if "r" in attrib else self.row_number + 1
        self.within_row, self.column, self.row_cells = True, 0, 0

    def _cell(self, attrib: dict) -> None:
        self.cells += 1
        self.row_cells += 1
        self.in_cell = 0
        if self.cells > MAX_CELLS:
            raise too_many_cells()
        if self.row_cells > MAX_ROW_CELLS:
            raise row_too_wide(self.row_number)
        coordinate = attrib.get("r")
        self.column = _column(coordinate) if coordinate else self.column + 1
        if not 1 <= self.column <= EXCEL_LAST_COLUMN:
            raise unreadable(f"row {self.row_number:,} has a cell outside Excel's columns")

    def _value(self) -> None:
        if self.row_number < 1:
            return  # openpyxl passes over rows numbered 0 or less
        if self.column > MAX_COLUMNS:
            raise UnreadableFile(f"The sheet has a value in cell {get_column_letter(self.column)}{self.row_number}: "
                                 f"a file may have at most {MAX_COLUMNS} columns")
        if self.row_number > MAX_LINES:
            raise UnreadableFile(f"The sheet has a value in row {self.row_number:,}: a file may have at most "
                                 f"{MAX_LINES:,} rows, counting blank ones")
        self.extent.rows = max(self.extent.rows, self.row_number)
        self.extent.columns = max(self.extent.columns, self.column)


_COLUMNS = {get_column_letter(number): number for number in range(1, EXCEL_LAST_COLUMN + 1)}


def _column(coordinate: str) -> int:
    """The column of a cell's r, as openpyxl reads it (quickly for the usual "AB12")."""
    letters = coordinate.rstrip("0123456789")
    if letters != coordinate and letters in _COLUMNS:
        return _COLUMNS[letters]
    try:
        return coordinate_to_tuple(coordinate)[1]
    except ValueError as error:
        raise unreadable(f"a cell is at \"{coordinate[:20]}\"") from error


def _row_number(text: str) -> int:
    """A row's r as openpyxl reads it: a whole number, also written as a float."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = 0.5
    if not number.is_integer():
        raise unreadable(f"a row is numbered \"{text[:20]}\"")
    return int(number)


# Small parts are parsed whole once checked, by a parser that fetches and expands nothing.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)
