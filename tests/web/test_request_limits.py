"""How much a request may carry: the app-wide limit (413) and the length of typed text (422).

- A body over MAX_CONTENT_LENGTH is refused with 413 before it is read: with a declared
  length nothing is read at all; a chunked body is read no further than the limit.
- The 413 answer is a GOV.UK page naming the limit, or a fragment for htmx.
- A text part of a multipart form over MAX_FORM_MEMORY_SIZE, or more than MAX_FORM_PARTS
  parts, is refused with 413 too (Flask's defaults, set in pmo_web/config.py).
- A 5 MB description is refused with 422 and the GOV.UK message; nothing is saved.
- The largest file the import accepts (just under 5 MB) still gets through.
"""
from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.forms import TEXT_LENGTH
from pmo_web.imports import reading
from pmo_web.models import ImportUpload, Initiative

MB = 1024 * 1024


class EndlessBody(io.RawIOBase):
    """A request body of `size` bytes that are made as they are read, counting them."""

    def __init__(self, size: int):
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking to its end
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"a" * count
        self.position += count
        self.read_bytes += count
        return count


def multipart(fields: dict[str, str | tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body built by hand (the test client spools a large one to a
    temporary file it never closes, which warns)."""
    boundary = "pmo-test-boundary"
    parts = []
    for name, value in fields.items():
        if isinstance(value, tuple):
            filename, content = value
            head = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: text/csv'
        else:
            head, content = f'Content-Disposition: form-data; name="{name}"', value.encode()
        parts.append(f"--{boundary}\r\n{head}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def pmo(client, auth, users):
    auth.login(users["pmo"])
    return users["pmo"]


def test_the_limit_leaves_room_for_the_largest_import(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 6 * MB
    assert app.config["MAX_CONTENT_LENGTH"] > reading.MAX_BYTES + 512 * 1024


@pytest.mark.parametrize("htmx", [False, True])
def test_a_300_mb_upload_is_refused_before_a_byte_is_read(client, pmo, htmx):
    body = EndlessBody(300 * MB)
    response = client.post("/import", input_stream=body, content_type="multipart/form-data; boundary=x",
                           headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 413
    assert body.read_bytes == 0
    page = response.get_data(as_text=True)
    assert "What you sent is too large" in page and "up to 6 MB at a time" in page
    assert ("<html" in page) is not htmx  # htmx gets a fragment it can swap in
    assert "OFFICIAL" in page or htmx


def test_a_chunked_body_is_read_no_further_than_the_limit(app, client, pmo):
    body = EndlessBody(300 * MB)
    response = client.post("/requests/new", input_stream=body, content_type="application/x-www-form-urlencoded",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert body.read_bytes <= app.config["MAX_CONTENT_LENGTH"] + 64 * 1024


def test_one_long_text_part_of_a_multipart_form_is_refused(client, pmo):
    data, content_type = multipart({"title": "Long", "description": "x" * 600_000, "save_draft": "y"})
    response = client.post("/requests/new", input_stream=io.BytesIO(data), content_type=content_type)
    assert response.status_code == 413
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0


def test_a_multipart_form_of_more_than_1000_parts_is_refused(client, pmo):
    data, content_type = multipart({f"field{n}": "x" for n in range(1001)})
    response = client.post("/requests/new", input_stream=io.BytesIO(data), content_type=content_type)
    assert response.status_code == 413


@pytest.mark.parametrize("htmx", [False, True])
def test_a_5_mb_description_is_refused_and_nothing_saved(client, auth, users, htmx):
    auth.login(users["requester"])
    data = urlencode({"title": "Replace the custody system", "description": "x" * 5 * MB, "save_draft": "y"}).encode()
    response = client.post("/requests/new", input_stream=io.BytesIO(data),
                           content_type="application/x-www-form-urlencoded",
                           headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 422
    assert f"Description must be {TEXT_LENGTH:,} characters or fewer" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0


def test_the_largest_import_still_gets_through(client, pmo):
    heading = b"Title,Description\r\n"
    room = reading.MAX_BYTES - 100 - len(heading)  # just under the limit
    width = room // reading.MAX_ROWS  # each row: "Row 00001," a description, and CRLF
    rows = [f"Row {n:05d},".encode() + b"d" * (width - 12) + b"\r\n" for n in range(reading.MAX_ROWS)]
    rows[-1] = rows[-1][:-2] + b"d" * (room - width * reading.MAX_ROWS) + b"\r\n"
    tracker = heading + b"".join(rows)
    assert len(tracker) == reading.MAX_BYTES - 100
    data, content_type = multipart({"tracker": ("tracker.csv", tracker), "upload": "y"})
    response = client.post("/import", input_stream=io.BytesIO(data), content_type=content_type)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 1
