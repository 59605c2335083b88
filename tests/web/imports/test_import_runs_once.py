"""An upload is imported once, however many times and however simultaneously it is run.

A double click, or two tabs, sends several POSTs to /import/<id>/run. Each checks that the
upload is not imported yet, then imports it: without a lock, all of them pass the check
before any commits, and each imports every row. The import claims the upload with a
conditional UPDATE in its own transaction, so the others wait, find it claimed and are sent
to the summary.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, update

from pmo_web.extensions import db
from pmo_web.imports import service
from pmo_web.models import AuditEvent, ImportUpload, Initiative
from pmo_web.models.base import utcnow
from tests import factories
from tests.web.imports.test_imports import csv_bytes, good_rows, map_columns, mapping_page_choices, upload, upload_id

ROWS = 3
RUNS = 3


@pytest.fixture
def mapped_upload(app, client, auth, users) -> int:
    """The PMO officer's upload of ROWS good rows, mapped and ready to import."""
    auth.login(users["pmo"])
    uid = upload_id(upload(client, csv_bytes(good_rows(ROWS))))
    assert map_columns(client, uid, mapping_page_choices(client, uid)).status_code == 303
    return uid


def test_an_upload_imported_meanwhile_is_not_imported_again(client, mapped_upload, monkeypatch):
    """Another request imports the upload between this one's check and its import: this one
    imports nothing and shows the summary."""
    check = service.check_upload

    def check_while_another_request_imports(upload):
        checked = check(upload)
        # What the other request committed; this request's copy of the upload still says "not imported".
        db.session.execute(update(ImportUpload).where(ImportUpload.id == upload.id).values(imported_at=utcnow())
                           .execution_options(synchronize_session=False))
        return checked

    monkeypatch.setattr(service, "check_upload", check_while_another_request_imports)
    response = client.post(f"/import/{mapped_upload}/run")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/import/{mapped_upload}/done")
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0


def test_simultaneous_runs_of_one_upload_import_it_once(app, runner, users, mapped_upload, monkeypatch):
    """RUNS requests, each with its own app context, session and transaction, all past the
    "not imported yet" check before any of them imports: exactly one imports."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time, and the in-memory test database has a single "
                    "connection, so simultaneous imports cannot happen there; this runs in the PostgreSQL pass")
    db.session.commit()
    clients = []
    for _run in range(RUNS):
        browser = app.test_client()
        assert browser.post("/login", data={"email": users["pmo"].email,
                                            "password": factories.PASSWORD}).status_code == 302
        clients.append(browser)
    all_checked = threading.Barrier(RUNS, timeout=20)
    check = service.check_upload

    def check_then_wait_for_the_others(upload):
        checked = check(upload)
        all_checked.wait()  # every run has read the upload as not imported, and checked its rows
        return checked

    monkeypatch.setattr(service, "check_upload", check_then_wait_for_the_others)
    responses: list = []
    errors: list = []

    def run(browser) -> None:
        try:
            responses.append(browser.post(f"/import/{mapped_upload}/run"))
        except Exception as error:  # noqa: BLE001 (any failure in a thread is reported to the test)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(browser,)) for browser in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [(r.status_code, r.headers["Location"].rsplit("/import/", 1)[-1]) for r in responses] == [
        (303, f"{mapped_upload}/done")] * RUNS
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == ROWS
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == ROWS
    assert len(db.session.get(ImportUpload, mapped_upload).imported_ids) == ROWS
    assert runner.invoke(args=["audit-verify"]).exit_code == 0
