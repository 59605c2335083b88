"""The audit trail's integrity: append-only in the database, tamper-evident by a hash chain.

Append-only: triggers refuse UPDATE and DELETE on audit_events (and TRUNCATE on
PostgreSQL), so not even a bug or a hand-typed SQL statement can rewrite history
without first removing the guard. The DDL is defined once here; the schema built by
create_all (tests) and the Alembic migration both install it from these strings.

Tamper-evident: each row stores `hash` = sha256(prev_hash + canonical JSON of its
content) and `prev_hash`, the hash of the row before it in id order (64 zeros for the
first). Changing, removing or reordering a row breaks the chain at that row, which
`flask --app pmo_web audit-verify` finds. Removing the newest rows leaves a shorter
chain that still verifies; the row count reported by the check is the witness for that.

Concurrency: two workers appending at once must not both link to the same head. On
PostgreSQL the append takes a transaction-level advisory lock before reading the head,
so appends are serialised until commit (READ COMMITTED gives the statement after the
lock a fresh snapshot). SQLite serialises writers with its database lock, and a
transaction that read an older head cannot commit a write on top of it (SQLITE_BUSY
rather than a fork). A unique constraint on prev_hash backs both: a fork is refused
by the database even if the lock were bypassed.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DDL, event, inspect, select, text
from sqlalchemy.orm import Session, object_session

GENESIS = "0" * 64
# Any constant will do: it only has to be the same in every worker. ("audit" in ASCII.)
ADVISORY_LOCK_KEY = 0x6175646974
APPEND_ONLY_MESSAGE = "audit_events is append-only"
# The content a hash covers, in this order; the id is left out so the chain describes
# what happened, not how the database numbered it.
HASHED_FIELDS = ("initiative_id", "gate_review_id", "kind", "trigger", "from_state", "to_state",
                 "actor_id", "reason", "detail", "created_at", "subject_kind", "subject_id")
# Fields added after rows were first chained: in the content only when set. Every row
# written before them keeps the hash it was given (no migration rewrites history, and a
# head kept by an operator stays valid), while setting one on an old row, or clearing
# it on a new one, still changes the content and breaks the chain.
LATER_FIELDS = ("subject_kind", "subject_id")
_HEAD_KEY = "audit_chain_head"

# --------------------------------------------------------------------------- guard DDL
# One statement per string (drivers differ on several per execute). No "%" or ":" in
# them: DDL() applies %-formatting and text() would read ":name" as a bind parameter.
GUARD_TRIGGERS = {
    "sqlite": ("audit_events_no_update", "audit_events_no_delete"),
    "postgresql": ("audit_events_append_only", "audit_events_no_truncate"),
}
GUARD_DDL = {
    "sqlite": (
        ("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
         f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"),
        ("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
         f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"),
    ),
    "postgresql": (
        # restrict_violation (SQLSTATE 23001) is an integrity error, as SQLite's ABORT is,
        # so callers see the same exception class on both databases.
        ("CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger "
         "LANGUAGE plpgsql AS $$ BEGIN "
         f"RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation'; "
         "END $$"),
        ("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
         "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()"),
        ("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
         "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()"),
    ),
}
DROP_GUARD_DDL = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS audit_events_no_update",
        "DROP TRIGGER IF EXISTS audit_events_no_delete",
    ),
    "postgresql": (
        "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
        "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
        "DROP FUNCTION IF EXISTS audit_events_refuse_change()",
    ),
}


# --------------------------------------------------------------------------- the chain


def canonical(fields) -> str:
    """The row's content as one JSON text that is the same whenever it is rebuilt.

    `fields` is anything with the HASHED_FIELDS as attributes (a model or a result row);
    the LATER_FIELDS may be missing (rows read in the schema of an older revision).
    Timestamps are taken as UTC (naive ones are UTC already, as UTCDateTime stores them)."""
    content = {name: getattr(fields, name) for name in HASHED_FIELDS if name not in LATER_FIELDS}
    for name in LATER_FIELDS:
        if getattr(fields, name, None) is not None:
            content[name] = getattr(fields, name)
    content["created_at"] = _utc_iso(content["created_at"])
    content["reason"] = content["reason"] or ""
    content["detail"] = content["detail"] or {}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, fields) -> str:
    """sha256 hex of the previous hash followed by this row's canonical content."""
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()


def _utc_iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def head_hash(connection) -> str:
    """The newest row's hash, or the genesis value for an empty trail."""
    latest = connection.execute(text("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1")).scalar()
    return latest or GENESIS


def lock_chain(connection) -> None:
    """Serialise appends until this transaction ends (PostgreSQL; SQLite's writer lock does it)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})


def forget_head(session, *_flush_args) -> None:
    """Read the head afresh at the next append: an earlier flush may have been rolled back,
    or rows may have been appended outside the ORM (bulk loads)."""
    session.info.pop(_HEAD_KEY, None)


def _link(_mapper, connection, target) -> None:
    """Give a new audit row its place in the chain, just before it is inserted.

    The ORM calls this for the rows of one flush in the order it inserts them (which is
    the order their ids are issued), so the chain follows id order. The head is read
    once per flush and then carried forward in the session."""
    from .models.base import utcnow

    # Column defaults apply at INSERT, after this; the hash must cover the stored values.
    if target.created_at is None:
        target.created_at = utcnow()
    if target.reason is None:
        target.reason = ""
    if target.detail is None:
        target.detail = {}
    session = object_session(target)
    head = session.info.get(_HEAD_KEY) if session is not None else None
    if head is None:
        lock_chain(connection)
        head = head_hash(connection)
    target.prev_hash = head
    target.hash = chain_hash(head, target)
    if session is not None:
        session.info[_HEAD_KEY] = target.hash


def watch(model) -> None:
    """Chain every new row of `model` to the one before it (once per process)."""
    if event.contains(model, "before_insert", _link):
        return
    event.listen(model, "before_insert", _link)
    event.listen(Session, "before_flush", forget_head)


def install_schema_hooks(table) -> None:
    """Guard `table` (append-only triggers) whenever create_all builds it."""
    for dialect, statements in GUARD_DDL.items():
        for statement in statements:
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))


def install_guards(connection) -> None:
    """Create the append-only triggers on this connection's database (used by the migration)."""
    for statement in GUARD_DDL.get(connection.dialect.name, ()):
        connection.execute(text(statement))


def remove_guards(connection) -> None:
    """Drop the append-only triggers (the migration's downgrade)."""
    for statement in DROP_GUARD_DDL.get(connection.dialect.name, ()):
        connection.execute(text(statement))


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Verdict:
    """What a walk of the chain found: how many rows held, and the first that did not.

    `head` is the hash of the last row that held (GENESIS for an empty trail). When the
    walk was asked to look for an expected head, `anchor_at` is how many rows the chain
    had up to and including it, or None if no row of the chain has that hash."""

    checked: int
    broken_id: int | None = None
    problem: str = ""
    head: str = GENESIS
    anchor_at: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None

    @property
    def added_since_anchor(self) -> int | None:
        """Rows appended after the expected head (0: it is still the head)."""
        return None if self.anchor_at is None else self.checked - self.anchor_at


def verify(engine, batch_size: int = 1000, expect_head: str | None = None) -> Verdict:
    """Walk the chain in id order, recomputing every hash; stop at the first broken row.

    With `expect_head` (a head hash printed by an earlier check), also note where in the
    chain the row with that hash stands: a verified row's hash covers every row before
    it, so finding it proves nothing up to it was removed or changed since.

    Rows are read in batches, each in its own short transaction: a long trail is checked
    in constant memory without holding a lock that would keep the app waiting (SQLite
    transactions here begin IMMEDIATE, taking the write lock). Rows are only ever added,
    so continuing from the last id seen is consistent across batches."""
    from .models.audit import AuditEvent

    with engine.connect() as connection:
        # A database not yet upgraded lacks the later fields; its rows cannot have set them.
        present = {column["name"] for column in inspect(connection).get_columns("audit_events")}
    columns = [AuditEvent.__table__.c[name] for name in ("id", "prev_hash", "hash", *HASHED_FIELDS)
               if name in present or name not in LATER_FIELDS]
    expected_prev = GENESIS
    checked = 0
    anchor_at = 0 if expect_head == GENESIS else None
    last_id = None
    while True:
        query = select(*columns).order_by(AuditEvent.id).limit(batch_size)
        if last_id is not None:
            query = query.where(AuditEvent.id > last_id)
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            return Verdict(checked, head=expected_prev, anchor_at=anchor_at)
        for row in rows:
            if row.prev_hash != expected_prev:
                return Verdict(checked, row.id, "broken link: its prev_hash is not the hash of the "
                                                "row before it (a row was removed or reordered)",
                               head=expected_prev, anchor_at=anchor_at)
            if chain_hash(row.prev_hash, row) != row.hash:
                return Verdict(checked, row.id, "hash mismatch: its content was changed after it was written",
                               head=expected_prev, anchor_at=anchor_at)
            expected_prev = row.hash
            checked += 1
            if row.hash == expect_head:
                anchor_at = checked
        last_id = rows[-1].id


def missing_guards(connection) -> list[str]:
    """The append-only triggers that are absent (or, on PostgreSQL, disabled)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        present = set(connection.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'")).scalars())
    elif dialect == "postgresql":
        present = set(connection.execute(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass "
            "AND NOT tgisinternal AND tgenabled <> 'D'")).scalars())
    else:
        return []
    return [name for name in GUARD_TRIGGERS[dialect] if name not in present]
