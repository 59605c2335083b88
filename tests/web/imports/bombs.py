"""Files built to exhaust whoever reads them: XLSX workbooks whose parts unpack to far more
than they weigh, XML with entity declarations, CSV of blank lines. Each is made in well under
two seconds by writing one repeated chunk into a zip entry, never holding the unpacked part.

`workbook` makes a package openpyxl itself opens (index, workbook, relationships, styles and
the first sheet), so a refusal is for the bomb, not for a broken package.
"""
from __future__ import annotations

import functools
import io
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# The namespace of relationship types, and the prefix of a spreadsheet part's content type.
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SHEET_OPEN = f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}">'.encode()
CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEET}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SPREADSHEET}.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="{SPREADSHEET}.styles+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="{SPREADSHEET}.sharedStrings+xml"/>
</Types>""".encode()
ROOT_RELATIONSHIPS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>""".encode()
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">
<sheets><sheet name="Tracker" sheetId="1" r:id="rId1"/></sheets></workbook>""".encode()
WORKBOOK_RELATIONSHIPS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>
<Relationship Id="rId3" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>""".encode()
STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill/></fill></fills><borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="1"><xf xfId="0"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>""".encode()
STRINGS = f'<sst xmlns="{MAIN}"><si><t>Title</t></si><si><t>Van</t></si></sst>'.encode()
# Two rows any sheet can start with: a heading and a value, as shared strings 0 and 1.
TABLE = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'
CHUNK = 1024 * 1024


def repeated(unit: bytes, times: int):
    """`unit` `times` times over, in chunks of about a megabyte."""
    per_chunk = max(1, CHUNK // len(unit))
    whole, rest = divmod(times, per_chunk)
    chunk = unit * per_chunk
    for _ in range(whole):
        yield chunk
    if rest:
        yield unit * rest


def workbook(sheet=(SHEET_OPEN, b"<sheetData>", TABLE, b"</sheetData></worksheet>"), strings=(STRINGS,),
             styles=(STYLES,)) -> bytes:
    """An XLSX package whose sheet, shared strings and styles are the given chunks, streamed
    into the zip (compressed hard, as an attacker would)."""
    parts = {"[Content_Types].xml": (CONTENT_TYPES,), "_rels/.rels": (ROOT_RELATIONSHIPS,),
             "xl/workbook.xml": (WORKBOOK,), "xl/_rels/workbook.xml.rels": (WORKBOOK_RELATIONSHIPS,),
             "xl/styles.xml": styles, "xl/sharedStrings.xml": strings, "xl/worksheets/sheet1.xml": sheet}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for name, chunks in parts.items():
            with package.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
    return buffer.getvalue()


def with_parts(parts: dict[str, bytes]) -> bytes:
    """The plain workbook with the given parts replaced, or added."""
    parts = dict(parts)
    replaced = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook())) as source, \
            zipfile.ZipFile(replaced, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, parts.pop(item.filename, None) or source.read(item.filename))
        for name, content in parts.items():
            target.writestr(name, content)
    return replaced.getvalue()


def sheet(*middle: bytes | object, before_data: bytes = b"") -> tuple:
    """A sheet's chunks: the usual heading and value rows, then `middle` (bytes or iterables
    of bytes) inside its data."""
    chunks = [SHEET_OPEN, before_data, b"<sheetData>", TABLE]
    for piece in middle:
        chunks.extend([piece] if isinstance(piece, bytes) else piece)
    chunks.append(b"</sheetData></worksheet>")
    return tuple(chunks)


@functools.cache
def row_of_empty_cells(count: int) -> bytes:
    """The attack as found: one row of `count` empty cells (30 million: 120 MB in ~120 KB)."""
    return workbook(sheet(b'<row r="3">', repeated(b"<c/>", count), b"</row>"))


@functools.cache
def empty_rows(count: int) -> bytes:
    """`count` empty rows (50 million: 300 MB unpacked)."""
    return workbook(sheet(repeated(b"<row/>", count)))


# Entities that expand tenfold at each of nine levels: "lol" a thousand million times.
LAUGHS = "".join(['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)])


@functools.cache
def billion_laughs() -> bytes:
    """A sheet declaring the laughs, and a cell holding the last."""
    declaration = f'<?xml version="1.0"?>\n<!DOCTYPE worksheet [{LAUGHS}]>'.encode()
    return workbook((declaration, f'<worksheet xmlns="{MAIN}"><sheetData><row><c t="inlineStr"><is><t>'.encode(),
                     b"&lol9;</t></is></c></row></sheetData></worksheet>"))


def entity_declarations(root: str) -> bytes:
    """A document of one element `root` holding the last of the laughs."""
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [{LAUGHS}]><{root}>&lol9;</{root}>'.encode()


@functools.cache
def external_entity() -> bytes:
    """Shared strings that would read a file of the server's into a cell."""
    strings = (f'<?xml version="1.0"?>\n<!DOCTYPE sst [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
               f'<sst xmlns="{MAIN}"><si><t>Title</t></si><si><t>&secret;</t></si></sst>')
    return workbook(strings=(strings.encode(),))


@functools.cache
def claimed_dimension(rows: int) -> bytes:
    """The two rows, then `rows` more rows of one value, each after a blank one, in a sheet
    that claims to fill every cell Excel has (A1:XFD1048576): openpyxl's read-only sheet pads
    every row, blank ones too, to the claimed width."""
    return workbook(sheet(repeated(b'<row><c t="s"><v>1</v></c></row><row/>', rows),
                          before_data=b'<dimension ref="A1:XFD1048576"/>'))


@functools.cache
def last_row_numbered(value: bool) -> bytes:
    """The two rows, then row 1,048,576 (Excel's last) with a formatted empty cell in column
    CV, the last a tracker may use, as Excel writes a sheet formatted that far (its dimension
    A1:CV1048576, every row of which openpyxl's read-only sheet pads to); or with a value."""
    cell = b'<c r="A1048576" t="s"><v>1</v></c>' if value else b'<c r="CV1048576" s="0"/>'
    return workbook(sheet(b'<row r="1048576">' + cell + b"</row>", before_data=b'<dimension ref="A1:CV1048576"/>'))


@functools.cache
def tiny_styles(count: int) -> bytes:
    """A stylesheet of `count` cell formats (openpyxl makes an object of each)."""
    return workbook(styles=(f'<styleSheet xmlns="{MAIN}"><cellXfs>'.encode(), *repeated(b"<xf/>", count),
                            b"</cellXfs></styleSheet>"))


@functools.cache
def tiny_strings(count: int) -> bytes:
    """`count` empty shared strings."""
    return workbook(strings=(f'<sst xmlns="{MAIN}"><si><t>Title</t></si><si><t>Van</t></si>'.encode(),
                             *repeated(b"<si/>", count), b"</sst>"))


@functools.cache
def one_long_text(megabytes: int) -> bytes:
    """A shared string of `megabytes` million characters, in one text node."""
    return workbook(strings=(f'<sst xmlns="{MAIN}"><si><t>Title</t></si><si><t>'.encode(),
                             *repeated(b"x" * 1000, megabytes * 1000), b"</t></si></sst>"))


@functools.cache
def cells_repeating_a_long_text(rows: int) -> bytes:
    """100 headings, then `rows` rows of 100 cells that all show one 10,000-character shared
    string: a few bytes each in the sheet, 10,000 characters each once read."""
    strings = (f'<sst xmlns="{MAIN}"><si><t>'.encode(), b"y" * 10_000, b"</t></si></sst>")
    headings = b"".join(b'<c t="inlineStr"><is><t>Heading %d</t></is></c>' % n for n in range(100))
    headings = b"<row>" + headings + b"</row>"
    row = b"<row>" + b'<c t="s"><v>0</v></c>' * 100 + b"</row>"
    return workbook((SHEET_OPEN, b"<sheetData>", headings, *repeated(row, rows), b"</sheetData></worksheet>"),
                    strings=strings)


def blank_lines(count: int) -> bytes:
    """A CSV of a heading, a row, then `count` blank lines."""
    return b"Title\nVan\n" + b"\n" * count


def wide_line(cells: int) -> bytes:
    """A CSV whose second line has `cells` empty cells."""
    return b"Title\r\nVan" + b"," * (cells - 1) + b"\r\n"
