"""Online backup and restore of the SQLite database, each verified before it is trusted.

The copy is made with SQLite's own backup API, from one read transaction: it is a
consistent snapshot even while the app keeps writing (WAL mode lets readers and the writer
work at once), which copying the file would not be. A backup is checked before it is
reported: `PRAGMA integrity_check` is "ok", every table has the same number of rows as the
database had at the moment of the copy, and the Alembic revision is the same.

Restoring writes the backup into the live file through the same API (so SQLite's WAL and
lock files stay consistent), after checking the backup, and checks the result again.
PostgreSQL is backed up with pg_dump (see the README), never with these functions.
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup or restore was refused or failed its checks; nothing was replaced."""


@dataclass
class Snapshot:
    """What a verified copy holds: its integrity, row counts by table, and schema revision."""

    path: str
    row_counts: dict[str, int]
    revision: str | None

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def sqlite_path(database_uri: str) -> str:
    """The file behind a SQLite URL; refuses other databases and in-memory SQLite."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"The database is {url.get_backend_name()}, not SQLite: back it up with pg_dump and "
            "restore it with pg_restore, as the README's 'Security and reliability' section describes.")
    if url.database in (None, "", ":memory:"):
        raise BackupError("The database is in memory: there is no file to back up.")
    return url.database


def backup(database_uri: str, destination: str) -> Snapshot:
    """Copy the live database to `destination` (which must not exist) and verify the copy."""
    source_path = sqlite_path(database_uri)
    if not os.path.exists(source_path):
        raise BackupError(f"There is no database at {source_path}.")
    if os.path.exists(destination):
        raise BackupError(f"{destination} already exists; choose a new file name so no backup is overwritten.")
    partial = destination + ".partial"
    try:
        with closing(sqlite3.connect(source_path, timeout=30)) as source, \
                closing(sqlite3.connect(partial)) as copy:
            # One read transaction for the counts and the copy, so both see the same moment.
            source.execute("BEGIN")
            expected = _row_counts(source)
            revision = _revision(source)
            source.backup(copy)  # all pages in one step: no restart when the app writes meanwhile
            source.execute("COMMIT")
            # A backup is one self-contained file: no -wal file beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        snapshot = verify(partial)
        if snapshot.row_counts != expected or snapshot.revision != revision:
            raise BackupError(f"The copy does not match the database: rows {snapshot.row_counts} against "
                              f"{expected}, revision {snapshot.revision} against {revision}.")
        os.replace(partial, destination)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    snapshot.path = destination
    return snapshot


def verify(path: str) -> Snapshot:
    """Check a backup file: integrity "ok" and readable tables. Returns what it holds."""
    if not os.path.isfile(path):
        raise BackupError(f"There is no backup at {path}.")
    try:
        # Read only, so checking a backup can never change it.
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
            result = copy.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                raise BackupError(f"{path} failed SQLite's integrity check: {result[:5]}")
            counts = _row_counts(copy)
            revision = _revision(copy)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}") from error
    if "users" not in counts or "initiatives" not in counts:
        raise BackupError(f"{path} is a SQLite database, but not one of PMO Web (no users or initiatives table).")
    return Snapshot(path=path, row_counts=counts, revision=revision)


def restore(database_uri: str, backup_path: str) -> Snapshot:
    """Replace the live database's contents with a verified backup, and check the result.

    Run with the app stopped: a running app would keep working on what it had cached.
    """
    target_path = sqlite_path(database_uri)
    snapshot = verify(backup_path)
    with closing(sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)) as source, \
            closing(sqlite3.connect(target_path, timeout=30)) as target:
        source.backup(target)
    restored = verify(target_path)
    if restored.row_counts != snapshot.row_counts or restored.revision != snapshot.revision:
        raise BackupError(f"The restored database does not match the backup: rows {restored.row_counts} "
                          f"against {snapshot.row_counts}.")
    return restored


def _row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows in every table (SQLite's own tables aside)."""
    tables = [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    # Table names come from sqlite_master itself, quoted: nothing from outside reaches the SQL.
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}


def _revision(connection: sqlite3.Connection) -> str | None:
    """The Alembic revision the schema is at; None for a schema not built by migrations."""
    has_table = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
    if not has_table:
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None
