"""The load test in its short form, as part of `make test`: gunicorn, 4 workers, one SQLite file.

10 simulated staff for 15 seconds, with short pauses so that even a slow CI machine sees
plenty of writes (the full run is 50 for 60: see tests/load/loadtest.py).
Several worker processes writing to one SQLite file is where "database is locked" and
lost writes would show; this fails on either, on any 5xx or dropped connection, on a RAID
save or gate decision that was acknowledged but not kept, and on a gate review decided
beyond its quorum. The same run on PostgreSQL is a command-line run (README "Load test").
"""
from __future__ import annotations

from tests.load import loadtest


def test_short_load_has_no_errors_and_no_lost_writes():
    summary = loadtest.run(users=10, seconds=15, workers=4, think=0.5)
    print(summary.report())  # shown by pytest when the test fails (or with -s)
    assert summary.requests > 0
    assert summary.errors == []
    assert summary.server_log_problems == []
    assert summary.lost_writes == {}
    assert summary.problems == []
    # The run did write: otherwise "no lost writes" would prove nothing.
    expected = summary.writes_expected
    assert expected["requests created"] + expected["moves into triage"] + expected["scores"] > 0
    assert expected["RAID saves"] + expected["gate decisions"] > 0


def test_a_transaction_that_reads_then_writes_queues_instead_of_failing(tmp_path):
    """The failure the load test guards against, made deterministic with two connections.

    Worker A starts a transaction and reads; worker B writes and commits; A then writes.
    With SQLite's default deferred BEGIN, B commits at once and A's write fails with
    "database is locked" (its snapshot is stale, so no busy timeout can help). With BEGIN
    IMMEDIATE, A holds the write lock from the start: B waits its turn and both writes land.
    """
    import threading

    from sqlalchemy import text

    from pmo_web import create_app
    from pmo_web.extensions import db

    app = create_app({"TESTING": True, "SECRET_KEY": "test",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'workers.sqlite'}"})
    with app.app_context():
        engine = db.engine
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE entries (id INTEGER PRIMARY KEY, writer TEXT)"))
        setup.execute(text("INSERT INTO entries (writer) VALUES ('setup')"))

    outcome = {}

    def worker_b():
        try:
            with engine.begin() as b:
                b.execute(text("INSERT INTO entries (writer) VALUES ('B')"))
            outcome["B"] = "committed"
        except Exception as failure:  # noqa: BLE001 - the failure is the finding
            outcome["B"] = repr(failure)

    try:
        with engine.connect() as a:
            assert a.execute(text("SELECT count(*) FROM entries")).scalar() == 1
            b = threading.Thread(target=worker_b)
            b.start()
            b.join(timeout=0.5)
            assert b.is_alive(), f"B did not wait for A's transaction: {outcome}"
            a.execute(text("INSERT INTO entries (writer) VALUES ('A')"))
            a.commit()
        b.join(timeout=10)
        assert outcome == {"B": "committed"}
        with engine.connect() as check:
            assert sorted(check.execute(text("SELECT writer FROM entries")).scalars()) == ["A", "B", "setup"]
    finally:
        engine.dispose()
