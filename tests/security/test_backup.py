"""`flask --app pmo_web backup PATH` and `restore PATH --yes`: an online copy of SQLite that
is verified, taken while another connection writes, and restored into a fresh instance."""
from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import pytest

from pmo_web import backup, create_app
from pmo_web.extensions import db
from pmo_web.models import Initiative
from tests import factories


def file_app(path):
    """An app on a SQLite file (WAL mode, as in production), its schema created."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def source(tmp_path):
    """A live database with a small portfolio in it."""
    app = file_app(tmp_path / "live.sqlite")
    with app.app_context():
        pmo = factories.make_user(roles=("pmo",))
        for state in ("draft", "submitted", "delivery"):
            initiative = factories.make_initiative(state=state)
            factories.make_milestone(initiative)
            factories.make_score(initiative, pmo)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def table_rows(path) -> dict[str, list[tuple]]:
    """Every row of every table, in rowid order: what "the data is equal" compares."""
    with closing(sqlite3.connect(path)) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {name: _rows_in_order(connection, name) for name in tables}


def _rows_in_order(connection, table: str) -> list[tuple]:
    """A table's rows in rowid order; a WITHOUT ROWID table (the lessons search index keeps
    some) in the order of its values."""
    try:
        return connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
    except sqlite3.OperationalError:
        return sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)


class Writer(threading.Thread):
    """Another connection adding departments, one committed row at a time, until stopped."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.written, self.stop = path, 0, threading.Event()
        self.started_writing = threading.Event()

    def run(self):
        with closing(sqlite3.connect(self.path, timeout=30)) as connection:
            while not self.stop.is_set():
                connection.execute("INSERT INTO departments (name, active) VALUES (?, 1)",
                                   (f"Written meanwhile {self.written}",))
                connection.commit()
                self.written += 1
                if self.written == 20:
                    self.started_writing.set()


def test_backup_while_writing_then_restore_into_a_fresh_instance(source, tmp_path):
    live = tmp_path / "live.sqlite"
    copy = tmp_path / "backup.sqlite"
    writer = Writer(live)
    writer.start()
    assert writer.started_writing.wait(10)
    written_before = writer.written
    result = source.test_cli_runner().invoke(args=["backup", str(copy)])
    written_after = writer.written
    writer.stop.set()
    writer.join(10)

    assert result.exit_code == 0, result.output
    assert f"Backup written to {copy} and verified: integrity ok" in result.output
    assert written_after > written_before  # the copy really was taken while the other connection wrote
    with closing(sqlite3.connect(copy)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
        copied_departments = connection.execute("SELECT count(*) FROM departments").fetchone()[0]
    live_rows, copied_rows = table_rows(live), table_rows(copy)
    # The copy is the database as it was at one moment: everything but the rows written later.
    assert copied_departments < len(live_rows["departments"])
    assert copied_rows["departments"] == live_rows["departments"][:copied_departments]
    assert {t: r for t, r in copied_rows.items() if t != "departments"} == \
           {t: r for t, r in live_rows.items() if t != "departments"}

    fresh = file_app(tmp_path / "fresh.sqlite")
    result = fresh.test_cli_runner().invoke(args=["restore", str(copy), "--yes"])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert table_rows(tmp_path / "fresh.sqlite") == copied_rows
    with fresh.app_context():
        assert sorted(i.state for i in db.session.scalars(db.select(Initiative))) == ["delivery", "draft", "submitted"]
        db.engine.dispose()


def test_restore_needs_yes_and_changes_nothing_without_it(source, tmp_path):
    copy = tmp_path / "backup.sqlite"
    assert source.test_cli_runner().invoke(args=["backup", str(copy)]).exit_code == 0
    fresh = file_app(tmp_path / "fresh.sqlite")
    before = table_rows(tmp_path / "fresh.sqlite")
    result = fresh.test_cli_runner().invoke(args=["restore", str(copy)])
    assert result.exit_code != 0
    assert "run this again with --yes" in result.output
    assert table_rows(tmp_path / "fresh.sqlite") == before
    with fresh.app_context():
        db.engine.dispose()


def test_a_damaged_backup_is_refused_and_nothing_is_replaced(source, tmp_path):
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)
    live_before = table_rows(tmp_path / "live.sqlite")
    result = source.test_cli_runner().invoke(args=["restore", str(damaged), "--yes"])
    assert result.exit_code != 0
    assert "not a readable SQLite database" in result.output or "integrity check" in result.output
    assert table_rows(tmp_path / "live.sqlite") == live_before


def test_backup_never_overwrites_an_existing_file(source, tmp_path):
    existing = tmp_path / "existing.sqlite"
    existing.write_bytes(b"an earlier backup")
    result = source.test_cli_runner().invoke(args=["backup", str(existing)])
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert existing.read_bytes() == b"an earlier backup"


def test_a_copy_that_does_not_match_is_not_reported_as_a_backup(source, tmp_path, monkeypatch):
    """The verification is real: a copy missing rows fails it and no file is left behind."""
    real_verify = backup.verify

    def lose_a_row(path):
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("DELETE FROM milestones WHERE id = (SELECT min(id) FROM milestones)")
            connection.commit()
        return real_verify(path)

    monkeypatch.setattr(backup, "verify", lose_a_row)
    copy = tmp_path / "backup.sqlite"
    result = source.test_cli_runner().invoke(args=["backup", str(copy)])
    assert result.exit_code != 0
    assert "does not match the database" in result.output
    assert not copy.exists()


def test_postgresql_is_refused_with_a_pointer_to_pg_dump(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none"})
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup.sqlite")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not (tmp_path / "backup.sqlite").exists()
