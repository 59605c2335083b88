"""The audit trail is append-only in the database and tamper-evident by its hash chain.

Runs on whichever database the suite is pointed at (SQLite by default, PostgreSQL when
PMO_TEST_DATABASE_URL is set), so the triggers of both are exercised in CI.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask import url_for
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from pmo_web import audit, create_app
from pmo_web.extensions import db
from pmo_web.gates import service as gates
from pmo_web.models import AuditEvent, Board, Initiative
from tests import factories

BLANK_CONDITIONS = {f"conditions-{n}-{part}": "" for n in range(3) for part in ("text", "owner")} | {
    f"conditions-{n}-due": ["", "", ""] for n in range(3)}


def dialect() -> str:
    return db.engine.dialect.name


def record(initiative, trigger: str, reason: str = "", **detail) -> AuditEvent:
    """Add one audit row the way the app does: to the session, linked at flush."""
    event_row = AuditEvent(initiative_id=initiative.id, kind="transition", trigger=trigger,
                           from_state="triage", to_state="triage", reason=reason, detail=detail)
    db.session.add(event_row)
    return event_row


@pytest.fixture
def trail(users):
    """Five committed audit rows on one initiative; returns their ids in order."""
    initiative = factories.make_initiative(owner=users["requester"], state="triage")
    rows = [record(initiative, "request_info", reason=f"Question {n}", round=n) for n in range(5)]
    db.session.flush()
    ids = [row.id for row in rows]
    db.session.commit()
    return ids


def run_unguarded(statement: str, **params) -> None:
    """Tamper as someone with direct database access would: lift the guard, change, restore."""
    off, on = {
        "sqlite": (audit.DROP_GUARD_DDL["sqlite"], audit.GUARD_DDL["sqlite"]),
        "postgresql": (["ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"],
                       ["ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"]),
    }[dialect()]
    # End the session's transaction first: on PostgreSQL its read lock would make
    # ALTER TABLE wait for ever.
    db.session.commit()
    with db.engine.begin() as connection:
        for ddl in off:
            connection.execute(text(ddl))
        connection.execute(text(statement), params)
        for ddl in on:
            connection.execute(text(ddl))


def verify_cli(runner):
    return runner.invoke(args=["audit-verify"])


# ------------------------------------------------------------------ append-only


def refused_statements() -> list[str]:
    statements = ["UPDATE audit_events SET reason = 'rewritten'", "DELETE FROM audit_events"]
    if dialect() == "postgresql":
        statements.append("TRUNCATE audit_events")
    return statements


def test_the_database_refuses_to_change_or_remove_audit_rows(trail):
    statements = refused_statements()
    db.session.commit()  # no open read in the session to make TRUNCATE wait for its lock
    for statement in statements:
        with pytest.raises(IntegrityError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == len(trail)
    assert "rewritten" not in db.session.scalars(select(AuditEvent.reason)).all()
    assert len(statements) == (3 if dialect() == "postgresql" else 2)


def test_the_orm_cannot_edit_or_delete_an_audit_row_either(trail):
    row = db.session.get(AuditEvent, trail[0])
    row.reason = "rewritten"
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, trail[1]))
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, trail[0]).reason == "Question 0"
    assert db.session.get(AuditEvent, trail[1]) is not None


def test_inserting_still_works_and_dropping_the_table_is_allowed(app, trail):
    # The suite's teardown drops every table; only UPDATE, DELETE and TRUNCATE are blocked.
    assert audit.missing_guards(db.session.connection()) == []
    db.session.commit()
    db.drop_all()
    db.create_all()
    assert audit.missing_guards(db.session.connection()) == []


# ------------------------------------------------------------------ the chain


def test_each_row_links_to_the_one_before_in_id_order(trail):
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [row.id for row in rows] == trail
    assert rows[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    for row in rows:
        assert len(row.hash) == 64 and row.hash == audit.chain_hash(row.prev_hash, row)
    assert len({row.hash for row in rows}) == len(rows)


def test_the_hash_covers_every_content_field_but_not_the_id(trail):
    row = db.session.get(AuditEvent, trail[2])
    original = audit.chain_hash(row.prev_hash, row)
    changes = {"initiative_id": row.initiative_id + 1, "gate_review_id": 7, "kind": "gate_decision",
               "trigger": "reject", "from_state": "scoring", "to_state": "rejected", "actor_id": 99,
               "reason": "Other", "detail": {"round": 3}, "created_at": row.created_at.replace(year=2020),
               "subject_kind": "meeting", "subject_id": 4}
    assert set(changes) == set(audit.HASHED_FIELDS)
    for name, value in changes.items():
        altered = type("Row", (), {**{f: getattr(row, f) for f in audit.HASHED_FIELDS}, name: value})
        assert audit.chain_hash(row.prev_hash, altered) != original, name
    assert audit.chain_hash(audit.GENESIS, row) != original  # and the link to the row before


def test_a_row_from_before_the_subject_columns_keeps_its_hash():
    """Rows chained before events had a subject hash exactly as they did then (the value is
    what the code of that time computed), so no migration rewrites them."""
    row = SimpleNamespace(initiative_id=42, gate_review_id=None, kind="transition", trigger="submit",
                          from_state="draft", to_state="submitted", actor_id=7, reason="Ready", detail={"n": 1},
                          created_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC))
    before = "362fbc80e7a05bd8301d8ed9103d886fc248d58743311235376a6c4feecac0d0"
    assert audit.chain_hash(audit.GENESIS, row) == before
    assert audit.chain_hash(audit.GENESIS, SimpleNamespace(**vars(row), subject_kind=None, subject_id=None)) == before
    # Giving an old row a subject, or taking part of a new row's subject away, breaks its hash.
    about_a_board = audit.chain_hash(audit.GENESIS, SimpleNamespace(**vars(row), subject_kind="board", subject_id=3))
    kind_only = audit.chain_hash(audit.GENESIS, SimpleNamespace(**vars(row), subject_kind="board", subject_id=None))
    assert len({before, about_a_board, kind_only}) == 3


def test_a_whole_journey_leaves_a_valid_chain(client, auth, users, runner):
    """Submit, triage, accept, score, request Gate 1, approve: every event chained."""
    initiative = factories.make_initiative(owner=users["requester"], state="draft")
    db.session.commit()
    auth.login(users["requester"])
    assert client.post(f"/initiatives/{initiative.id}/transitions/submit").status_code == 303
    auth.logout()
    auth.login(users["pmo"])
    for trigger in ("start_triage", "accept"):
        assert client.post(f"/initiatives/{initiative.id}/transitions/{trigger}").status_code == 303
    db.session.expire_all()
    initiative = db.session.get(Initiative, initiative.id)
    assert initiative.state == "scoring"
    factories.make_score(initiative, users["pmo"])
    review = gates.request_review(initiative, users["pmo"])
    db.session.commit()
    auth.logout()
    auth.login(users["approver"])
    response = client.post(url_for("gates.decide", review_id=review.id),
                           data={"decision": "approve", "comment": "", "defer_until": ["", "", ""],
                                 **BLANK_CONDITIONS})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).state == "business_case"

    kinds = db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)).all()
    assert kinds == ["transition"] * 3 + ["gate_requested", "gate_decision", "transition"]
    verdict = audit.verify(db.engine)
    assert verdict.ok and verdict.checked == 6
    result = verify_cli(runner)
    assert result.exit_code == 0, result.output
    assert "Audit trail OK: 6 events" in result.output


def test_one_head_lookup_per_flush_however_many_rows(users):
    initiative = factories.make_initiative(owner=users["requester"], state="triage")
    db.session.commit()
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        for n in range(4):
            record(initiative, "request_info", reason=f"Q{n}")
        db.session.flush()
        record(initiative, "resubmit")
        db.session.flush()
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    head_reads = [s for s in statements if s.startswith("SELECT hash FROM audit_events")]
    assert len(head_reads) == 2
    assert audit.verify(db.engine).checked == 5


def test_a_fork_is_refused_by_the_database(trail):
    first = db.session.get(AuditEvent, trail[0])
    fork = {f: getattr(first, f) for f in audit.HASHED_FIELDS}
    # Written with Core, so the ORM hook does not link it: as a racing worker would.
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(insert(AuditEvent.__table__).values(
            **fork, prev_hash=first.prev_hash, hash=audit.chain_hash(first.prev_hash, first)))


def test_concurrent_appends_from_several_workers_keep_one_chain(tmp_path):
    """Threads with their own connections stand in for gunicorn workers."""
    url = os.environ.get("PMO_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'race.sqlite'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    workers, appends = 4, 10
    with app.app_context():
        db.drop_all()
        db.create_all()
        initiative_id = factories.make_initiative(state="triage").id
        db.session.commit()
        start = threading.Barrier(workers)
        failures = []

        def worker(n: int) -> None:
            with app.app_context():
                try:
                    start.wait()
                    for k in range(appends):
                        initiative = db.session.get(Initiative, initiative_id)
                        record(initiative, "request_info", reason=f"worker {n} append {k}")
                        db.session.commit()
                except Exception as error:  # noqa: BLE001 - reported below; a thread cannot fail the test
                    failures.append(error)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        try:
            assert failures == []
            verdict = audit.verify(db.engine)
            assert verdict.ok, verdict
            assert verdict.checked == workers * appends
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


# ------------------------------------------------------------------ audit-verify


def test_verify_names_the_row_whose_content_was_changed(trail, runner):
    run_unguarded("UPDATE audit_events SET reason = 'Nothing to see' WHERE id = :id", id=trail[2])
    assert audit.missing_guards(db.session.connection()) == []  # restored: only the chain tells
    verdict = audit.verify(db.engine)
    assert (verdict.broken_id, verdict.checked) == (trail[2], 2)
    assert verdict.problem.startswith("hash mismatch")
    result = verify_cli(runner)
    assert result.exit_code == 1
    assert f"BROKEN at event id {trail[2]}: hash mismatch" in result.output


def test_verify_names_the_row_after_a_removed_one(trail, runner):
    run_unguarded("DELETE FROM audit_events WHERE id = :id", id=trail[2])
    verdict = audit.verify(db.engine)
    assert (verdict.broken_id, verdict.checked) == (trail[3], 2)
    assert verdict.problem.startswith("broken link")
    result = verify_cli(runner)
    assert result.exit_code == 1
    assert f"BROKEN at event id {trail[3]}: broken link" in result.output


def test_verify_catches_a_row_rewritten_with_a_fresh_hash_of_its_own(trail):
    # Recomputing the tampered row's own hash does not help: the next row still points
    # at the old one.
    row = db.session.get(AuditEvent, trail[1])
    forged = type("Row", (), {**{f: getattr(row, f) for f in audit.HASHED_FIELDS}, "reason": "Forged"})
    run_unguarded("UPDATE audit_events SET reason = 'Forged', hash = :hash WHERE id = :id",
                  hash=audit.chain_hash(row.prev_hash, forged), id=trail[1])
    verdict = audit.verify(db.engine)
    assert (verdict.broken_id, verdict.problem[:11]) == (trail[2], "broken link")


def test_verify_reads_a_long_trail_in_batches(trail):
    verdict = audit.verify(db.engine, batch_size=2)
    assert verdict.ok and verdict.checked == len(trail)
    run_unguarded("UPDATE audit_events SET reason = 'x' WHERE id = :id", id=trail[4])
    assert audit.verify(db.engine, batch_size=2).broken_id == trail[4]


def test_verify_fails_when_a_guard_is_missing(trail, runner):
    lift, restore = {
        "sqlite": ("DROP TRIGGER audit_events_no_delete", audit.GUARD_DDL["sqlite"][1]),
        "postgresql": ("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
                       "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"),
    }[dialect()]
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(text(lift))
    try:
        result = verify_cli(runner)
    finally:
        # On PostgreSQL the suite keeps the schema between tests.
        with db.engine.begin() as connection:
            connection.execute(text(restore))
    assert result.exit_code == 1
    assert "Audit trail OK: 5 events" in result.output
    missing = "audit_events_no_delete" if dialect() == "sqlite" else "audit_events_append_only"
    assert f"guard missing or disabled: {missing}" in result.output


# ------------------------------------------------------------------ anchoring the head


def kept_head(runner) -> str:
    """What an operator does after a check: copy the printed head hash somewhere safe."""
    result = verify_cli(runner)
    assert result.exit_code == 0, result.output
    found = re.search(r"^Head: ([0-9a-f]{64}) \((\d+) events\)", result.output, re.MULTILINE)
    assert found, result.output
    return found.group(1)


def append_events(count: int) -> None:
    initiative = db.session.scalars(select(Initiative)).first()
    for n in range(count):
        record(initiative, "resubmit", reason=f"Later {n}")
    db.session.commit()


def truncate_newest(count: int) -> None:
    newest = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(count)).all()
    run_unguarded("DELETE FROM audit_events WHERE id >= :id", id=min(newest))


# What happens to the trail after the operator kept its head, whether the plain check
# still passes, whether the check against the kept head passes, and what it says.
AFTER_THE_HEAD_WAS_KEPT = [
    ("nothing", lambda: None, 0, 0, "Expected head found: it is still the head."),
    ("two events appended", lambda: append_events(2), 0, 0, "Expected head found at event 5: 2 events added since."),
    ("the newest two rows deleted", lambda: truncate_newest(2), 0, 1, "is NOT in the chain"),
    ("the newest row deleted, then events appended",
     lambda: (truncate_newest(1), append_events(3)), 0, 1, "is NOT in the chain"),
    ("every row deleted", lambda: truncate_newest(5), 0, 1, "is NOT in the chain"),
]


@pytest.mark.parametrize("_what, change, plain_exit, anchored_exit, says", AFTER_THE_HEAD_WAS_KEPT,
                         ids=[case[0] for case in AFTER_THE_HEAD_WAS_KEPT])
def test_the_kept_head_catches_a_truncated_trail(trail, runner, _what, change, plain_exit, anchored_exit, says):
    head = kept_head(runner)
    assert head == db.session.get(AuditEvent, trail[-1]).hash
    change()
    assert verify_cli(runner).exit_code == plain_exit  # a shorter chain verifies on its own
    result = runner.invoke(args=["audit-verify", "--expect-head", head.upper()])
    assert result.exit_code == anchored_exit, result.output
    assert says in result.output
    if anchored_exit == 0:  # the new head is printed, to keep in place of the old one
        now = audit.verify(db.engine)
        assert f"Head: {now.head} ({now.checked} events)" in result.output


def test_a_head_rewritten_with_a_recomputed_chain_is_not_the_kept_one(trail, runner):
    """Rewriting a row and every hash after it yields a chain that verifies, but a new head."""
    head = kept_head(runner)
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    prev = audit.GENESIS
    db.session.commit()
    statements = []
    for row in rows:
        fields = {f: getattr(row, f) for f in audit.HASHED_FIELDS} | (
            {"reason": "Rewritten"} if row.id == trail[1] else {})
        new_hash = audit.chain_hash(prev, type("Row", (), fields))
        statements.append({"id": row.id, "prev": prev, "hash": new_hash, "reason": fields["reason"]})
        prev = new_hash
    # Clear the old links first: prev_hash is unique, and the new ones reuse no old value.
    run_unguarded("UPDATE audit_events SET prev_hash = 'x' || id, hash = 'x' || id")
    for values in statements:
        run_unguarded("UPDATE audit_events SET prev_hash = :prev, hash = :hash, reason = :reason WHERE id = :id",
                      **values)
    assert verify_cli(runner).exit_code == 0
    result = runner.invoke(args=["audit-verify", "--expect-head", head])
    assert result.exit_code == 1 and "is NOT in the chain" in result.output


@pytest.mark.parametrize("given, exit_code, says", [
    pytest.param("ab" * 32, 1, "is NOT in the chain", id="a well-formed hash of no row"),
    pytest.param(audit.GENESIS, 0, "Expected head found at event 0: 5 events added since.",
                 id="the head kept while the trail was empty"),
    pytest.param("not-a-hash", 2, "64 hexadecimal digits", id="not hexadecimal"),
    pytest.param("ab" * 31, 2, "64 hexadecimal digits", id="too short"),
])
def test_a_wrong_or_malformed_head_fails(trail, runner, given, exit_code, says):
    result = runner.invoke(args=["audit-verify", "--expect-head", given])
    assert result.exit_code == exit_code, result.output
    assert says in result.output


def test_an_empty_trail_verifies(app, runner):
    result = verify_cli(runner)
    assert result.exit_code == 0, result.output
    assert "Audit trail OK: 0 events" in result.output


# ------------------------------------------------------------------ the migration


@contextmanager
def unmigrated_database(tmp_path):
    """An app on an empty database (PostgreSQL in the PostgreSQL pass) for migrations to build;
    emptied again afterwards, whatever revision the test left it at."""
    url = os.environ.get("PMO_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'migrate.sqlite'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        try:
            yield app
        finally:
            db.session.remove()
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.engine.dispose()


def test_the_migration_chains_rows_recorded_before_it_and_installs_the_guards(tmp_path):
    """Rows written before the chain existed are linked in id order by the upgrade."""
    with unmigrated_database(tmp_path):
        upgrade(revision="b6390782c7aa")
        with db.engine.begin() as connection:
            _old_rows(connection)
        upgrade(revision="c3a1")
        with db.engine.connect() as connection:
            assert audit.missing_guards(connection) == []
            with pytest.raises(IntegrityError, match="append-only"):
                connection.execute(text("DELETE FROM audit_events"))
        verdict = audit.verify(db.engine)
        assert verdict.ok and verdict.checked == 3
        downgrade(revision="b6390782c7aa")
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar() == 3
            connection.execute(text("DELETE FROM audit_events WHERE id = 1"))  # unguarded again
        upgrade(revision="c3a1")
        assert audit.verify(db.engine).checked == 2
        downgrade(revision="base")


def test_the_subject_migration_keeps_every_hash_and_the_guards(tmp_path):
    """Upgrading to events that may be about a governance record rewrites no row: the chain and
    a head kept before it still verify, the guards are back, and a governance event chains on.
    The downgrade is refused while events on no initiative exist (it would have to delete them)."""
    with unmigrated_database(tmp_path) as app:
        upgrade(revision="b6390782c7aa")
        with db.engine.begin() as connection:
            _old_rows(connection)
        upgrade(revision="93dd743811d7")
        kept = audit.verify(db.engine)
        assert kept.ok and kept.checked == 3
        with db.engine.begin() as connection:
            stored = connection.execute(text("SELECT id, hash FROM audit_events ORDER BY id")).all()
        upgrade()
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT id, hash FROM audit_events ORDER BY id")).all() == stored
            assert audit.missing_guards(connection) == []
        with pytest.raises(IntegrityError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events"))
        result = app.test_cli_runner().invoke(args=["audit-verify", "--expect-head", kept.head])
        assert result.exit_code == 0 and "it is still the head" in result.output, result.output

        if db.engine.dialect.name == "postgresql":  # the old rows were given their ids by hand
            with db.engine.begin() as connection:
                connection.execute(text("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), 3)"))
        db.session.add(Board(name="Chief Officer Group", level="executive"))
        db.session.commit()
        event_row = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event_row.initiative_id, event_row.subject_kind, event_row.prev_hash) == (None, "board", kept.head)
        db.session.remove()
        assert audit.verify(db.engine).checked == 4
        with pytest.raises(SystemExit):  # Flask-Migrate logs the refusal and exits 1
            downgrade(revision="93dd743811d7")
        assert audit.verify(db.engine).checked == 4


def _old_rows(connection) -> None:
    """A user, an initiative and three audit rows, in the schema of the first revision."""
    connection.execute(text(
        "INSERT INTO users (id, email, name, rank, password_hash, active) "
        "VALUES (1, 'old@example.test', 'Old', 'sergeant', 'x', true)"))
    connection.execute(text(
        "INSERT INTO initiatives (id, title, description, problem, sponsor, desired_outcome, "
        "deadline_driver, owner_id, state, info_question, info_answer, outcome_reason, "
        "confidence_justification, satisfaction_comment) "
        "VALUES (1, 'T', '', '', '', '', '', 1, 'triage', '', '', '', '', '')"))
    for n in (1, 2, 3):
        connection.execute(text(
            "INSERT INTO audit_events (id, initiative_id, kind, trigger, from_state, to_state, "
            "actor_id, reason, detail, created_at) VALUES (:id, 1, 'transition', 'submit', "
            "'draft', 'submitted', 1, :reason, :detail, :at)"),
            {"id": n, "reason": f"old {n}", "detail": json.dumps({"n": n}),
             "at": f"2025-01-0{n} 09:00:00"})
