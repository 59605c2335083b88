"""Files built to exhaust the reader are refused fast, with little memory, and with a reason;
files at the limits are read.

Each hostile file is read in a process of its own, which measures what the read costs it:
CPU seconds (user and system, so the measure does not depend on what else the machine is
doing), and the peak resident memory after the read (the process's VmHWM, which sees lxml's
and zlib's memory too) less the resident memory just before it: an upper bound on what the
read added. Not ru_maxrss: Linux carries it over from the parent across fork and exec, so a
child of a large test worker would report the worker's size. The process is also capped
(CPU time and address space), so a reader that does blow up fails the test rather than the
machine.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from pmo_web.extensions import db
from pmo_web.imports import limits, reading
from pmo_web.models import ImportUpload, Initiative
from tests.web.imports import bombs
from tests.web.imports.test_imports import csv_bytes, map_columns, upload, upload_id

# The costliest refusals (a million shared strings, 20 million characters) take 1.3 s of CPU
# on a quiet machine and up to 2.1 s while the rest of the suite runs on both cores (shared
# caches): CPU time grows with contention too. The budget holds them to a few seconds, far
# from the 100 s that a bomb took before the limits, without failing with the machine's load.
CPU_SECONDS = 3.0
EXTRA_MEGABYTES = 200
REPOSITORY = Path(__file__).resolve().parents[3]

# Run in the child: read one file, print what it cost and what came of it.
MEASURE = """
import json, resource, sys, time

resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
resource.setrlimit(resource.RLIMIT_AS, (4 * 1024 ** 3, 4 * 1024 ** 3))
from pmo_web.imports import reading

name, path = sys.argv[1], sys.argv[2]
with open(path, "rb") as file:
    data = file.read()

def status_mb(field):
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


resident_before = status_mb("VmRSS")
before = resource.getrusage(resource.RUSAGE_SELF)
began = time.perf_counter()
try:
    headings, rows = reading.read(name, data)
    outcome = {"headings": headings, "rows": rows}
except reading.UnreadableFile as refusal:
    outcome = {"refused": str(refusal)}
after = resource.getrusage(resource.RUSAGE_SELF)
outcome["cpu"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
outcome["wall"] = time.perf_counter() - began
outcome["extra_mb"] = status_mb("VmHWM") - resident_before
print(json.dumps(outcome))
"""


def measured_read(tmp_path, name: str, data: bytes) -> dict:
    """reading.read(name, data) in a fresh process: its outcome, CPU seconds and extra MB."""
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", MEASURE, name, str(path)], cwd=REPOSITORY, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, f"the reader died ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


THE_TWO_ROWS = {"headings": ["Title"], "rows": [[2, ["Van"]]]}
# The two rows, then 4,999 more values each after a blank row: 10,000 rows, 5,000 to import.
VANS = {"headings": ["Title"], "rows": [[number, ["Van"]] for number in (2, *range(3, limits.MAX_LINES, 2))]}

# (file, how it is built, what comes of reading it: a refusal's words, or what is read)
HOSTILE = [
    ("row of 30 million empty cells.xlsx", lambda: bombs.row_of_empty_cells(30_000_000), "too big to import"),
    ("50 million empty rows.xlsx", lambda: bombs.empty_rows(50_000_000), "too big to import"),
    # Under the size limit, so only counting while reading stops them.
    ("row of 10 million empty cells.xlsx", lambda: bombs.row_of_empty_cells(10_000_000),
     "Row 3 has more than 16,384 cells"),
    ("5 million empty rows.xlsx", lambda: bombs.empty_rows(5_000_000), "more than 10,000 rows, counting blank ones"),
    ("billion laughs.xlsx", bombs.billion_laughs, "could not be read .*declares a document type"),
    ("external entity.xlsx", bombs.external_entity, "could not be read .*declares a document type"),
    ("dimension of every cell.xlsx", lambda: bombs.claimed_dimension(limits.MAX_ROWS - 1), VANS),
    ("formatted last row.xlsx", lambda: bombs.last_row_numbered(False), THE_TWO_ROWS),
    ("value in the last row.xlsx", lambda: bombs.last_row_numbered(True), "a value in row 1,048,576"),
    ("3 million styles.xlsx", lambda: bombs.tiny_styles(3_000_000), "too big to import: its part xl/styles.xml"),
    ("5 million shared strings.xlsx", lambda: bombs.tiny_strings(5_000_000), "more than 1,000,000 cells"),
    ("a text of 45 million characters.xlsx", lambda: bombs.one_long_text(45), "too big to import"),
    ("a long text in 500,000 cells.xlsx", lambda: bombs.cells_repeating_a_long_text(5_000),
     "more than 20,000,000 characters"),
    ("5 million blank lines.csv", lambda: bombs.blank_lines(5_000_000), "more than 10,000 rows, counting blank ones"),
    ("a line of 5 million cells.csv", lambda: bombs.wide_line(5_000_000), "Row 2 has more than 16,384 cells"),
]


@pytest.mark.parametrize("name, build, expected", HOSTILE, ids=[name for name, _build, _expected in HOSTILE])
def test_a_hostile_file_costs_seconds_not_minutes_and_under_200_mb(tmp_path, name, build, expected):
    data = build()
    assert len(data) < reading.MAX_BYTES  # it passes the upload's own limit
    result = measured_read(tmp_path, name, data)
    if isinstance(expected, str):
        assert "refused" in result, result
        assert re.search(expected, result["refused"]), result["refused"]
    else:
        assert {key: result.get(key) for key in expected} == expected
    assert result["cpu"] < CPU_SECONDS, result
    assert result["extra_mb"] < EXTRA_MEGABYTES, result


def test_a_bomb_uploaded_is_refused_on_the_page_in_under_two_seconds(client, auth, users):
    auth.login(users["pmo"])
    bomb = bombs.row_of_empty_cells(30_000_000)
    began = time.process_time()
    response = upload(client, bomb, "tracker.xlsx")
    spent = time.process_time() - began
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The workbook is too big to import" in page and "govuk-error-summary" in page
    assert spent < CPU_SECONDS
    assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 0


# ---------------------------------------------------------------------------- at the limits

def full_tracker(rows: int = limits.MAX_ROWS, columns: int = limits.MAX_COLUMNS) -> list[list]:
    """The largest tracker imported: a heading row and `rows` rows of `columns` columns, the
    first three a title, a state and a department, the rest short values."""
    headings = ["Title", "State", "Department"] + [f"Column {c}" for c in range(3, columns)]
    return [headings] + [[f"Initiative {r}", "Triage", "Contact Management"] + [f"{r}.{c}" for c in range(3, columns)]
                         for r in range(rows)]


def upload_in_memory(client, data: bytes, name: str):
    """Post a file to the upload page as a multipart body built in memory (the test client
    spools a body over 500 KB to a temporary file it never closes)."""
    boundary, body = encode_multipart({"tracker": FileStorage(io.BytesIO(data), filename=name)})
    return client.post("/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def full_xlsx(rows: list[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_tracker_of_5000_rows_of_100_columns_is_imported(client, auth, users, kind):
    auth.login(users["pmo"])
    rows = full_tracker()
    data = csv_bytes(rows) if kind == "csv" else full_xlsx(rows)
    assert len(data) < reading.MAX_BYTES
    uid = upload_id(upload_in_memory(client, data, f"tracker.{kind}"))
    kept = db.session.get(ImportUpload, uid)
    assert kept.headers == rows[0]
    assert len(kept.rows) == limits.MAX_ROWS and kept.rows[-1] == [limits.MAX_ROWS + 1, rows[-1]]
    assert map_columns(client, uid, ["title", "state", "department"] + [""] * 97).status_code == 303
    assert client.post(f"/import/{uid}/run").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == limits.MAX_ROWS


def xlsx_of_empty_rows(count: int) -> bytes:
    """The heading and value rows, then `count` empty rows."""
    return bombs.workbook(bombs.sheet(bombs.repeated(b"<row/>", count)))


# (file, how it is built, whether it is refused): two rows of a table, then blank rows or
# empty cells up to the limit, and one more.
def csv_of_cells(count: int) -> bytes:
    """The two rows, then lines of empty cells (16,000 a line) to `count` cells in all."""
    lines, rest = divmod(count - 2, 16_000)
    return b"Title\nVan\n" + b"\n".join([b"," * 15_999] * lines + [b"," * (rest - 1)]) + b"\n"


def xlsx_of_cells(count: int) -> bytes:
    """The two rows, then rows of empty cells (16,000 a row) to `count` cells in all."""
    lines, rest = divmod(count - 2, 16_000)
    return bombs.workbook(bombs.sheet(bombs.repeated(b"<row>" + b"<c/>" * 16_000 + b"</row>", lines),
                                      b"<row>" + b"<c/>" * rest + b"</row>"))


AT_THE_LIMITS = [
    ("blank lines.csv", lambda extra: bombs.blank_lines(limits.MAX_LINES - 2 + extra), "more than 10,000 rows"),
    ("empty rows.xlsx", lambda extra: xlsx_of_empty_rows(limits.MAX_LINES - 2 + extra), "more than 10,000 rows"),
    ("wide line.csv", lambda extra: bombs.wide_line(limits.MAX_ROW_CELLS + extra), "Row 2 has more than 16,384 cells"),
    ("wide row.xlsx", lambda extra: bombs.row_of_empty_cells(limits.MAX_ROW_CELLS + extra),
     "Row 3 has more than 16,384 cells"),
    ("many cells.csv", lambda extra: csv_of_cells(limits.MAX_CELLS + extra), "more than 1,000,000 cells"),
    ("many cells.xlsx", lambda extra: xlsx_of_cells(limits.MAX_CELLS + extra), "more than 1,000,000 cells"),
]


@pytest.mark.parametrize("name, build, refusal", AT_THE_LIMITS, ids=[name for name, *_rest in AT_THE_LIMITS])
def test_blank_rows_and_empty_cells_count_up_to_their_limits(name, build, refusal):
    assert reading.read(name, build(0)) == (["Title"], [[2, ["Van"]]])
    with pytest.raises(reading.UnreadableFile, match=refusal):
        reading.read(name, build(1))


@pytest.mark.parametrize("cell, refusal", [
    ("CV10000", None),
    ("CW1", "a value in cell CW1: a file may have at most 100 columns"),
    ("A10001", "a value in row 10,001: a file may have at most 10,000 rows"),
])
def test_values_in_a_workbook_may_be_as_far_as_column_100_and_row_10000(cell, refusal):
    rows = full_tracker(rows=1)
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.active[cell] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    if refusal is None:
        headings, read = reading.read("t.xlsx", buffer.getvalue())
        assert headings == rows[0] and read[0] == [2, rows[1]]
        assert read[-1] == [10_000, [""] * 99 + ["x"]]
    else:
        with pytest.raises(reading.UnreadableFile, match=refusal):
            reading.read("t.xlsx", buffer.getvalue())


def test_nothing_in_a_workbook_but_its_first_sheet_strings_and_styles_is_parsed():
    """A second sheet, a macro project, a drawing and an external link, each hostile, are never read."""
    workbook = bombs.WORKBOOK.replace(b"</sheets>", b'<sheet name="Lookups" sheetId="2" r:id="rId9"/></sheets>')
    relationships = bombs.WORKBOOK_RELATIONSHIPS.replace(b"</Relationships>", (
        b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'worksheet" Target="worksheets/sheet2.xml"/></Relationships>'))
    data = bombs.with_parts({"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": relationships,
                             "xl/worksheets/sheet2.xml": bombs.entity_declarations("worksheet"),
                             "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not a macro project",
                             "xl/drawings/drawing1.xml": bombs.entity_declarations("wsDr"),
                             "xl/externalLinks/externalLink1.xml": bombs.entity_declarations("externalLink")})
    assert reading.read("t.xlsx", data) == (["Title"], [[2, ["Van"]]])
