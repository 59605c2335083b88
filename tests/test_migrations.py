"""The schema comes from migrations: they apply cleanly, reverse cleanly, and match the models.

Runs on the database the suite is pointed at (SQLite file by default, PostgreSQL when
PMO_TEST_DATABASE_URL is set), so CI checks both.
"""
from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from pmo_web import create_app, search
from pmo_web.extensions import db


@pytest.fixture
def migrated_app(tmp_path):
    url = os.environ.get("PMO_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _empty(db)
        yield app
        _empty(db)
        db.session.remove()
        db.engine.dispose()


def _empty(database) -> None:
    database.drop_all()
    with database.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _drift(database) -> list:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": search.kept_out_of_migrations})
        return compare_metadata(context, database.metadata)


def test_upgrade_downgrade_upgrade_and_no_drift(migrated_app):
    upgrade()
    assert _drift(db) == []
    downgrade(revision="base")
    remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade()
    assert _drift(db) == []
    assert "initiatives" in inspect(db.engine).get_table_names()


def test_conditions_and_deferrals_recorded_before_tracking_are_carried_over(migrated_app):
    """docs/rules.md 9 migration: a condition recorded as met becomes met, with evidence saying so,
    the others open; the latest review of an initiative still at its gate, if deferred, is
    open again as deferred with its date; an older deferral stays closed. And back again."""
    upgrade(revision="c4cc3bdf5ab4")
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO users (id, email, name, rank, password_hash, active) "
            "VALUES (1, 'old@example.test', 'Old', 'sergeant', 'x', true)",
            *(f"INSERT INTO initiatives (id, title, description, problem, sponsor, desired_outcome, "
              f"deadline_driver, owner_id, state, info_question, info_answer, outcome_reason, "
              f"confidence_justification, satisfaction_comment) "
              f"VALUES ({n}, 'T{n}', '', '', '', '', '', 1, '{state}', '', '', '', '', '')"
              for n, state in ((1, "delivery"), (2, "business_case"), (3, "business_case"), (4, "cancelled"))),
            # 1: G2 approved with two conditions, one met. 2: G2 deferred, the latest review.
            # 3: G2 deferred, then requested again. 4: G2 deferred, then the initiative was cancelled.
            *(f"INSERT INTO gate_reviews (id, initiative_id, gate, state, outcome, approver_role, quorum, "
              f"requested_by_id, note) VALUES ({n}, {initiative}, 'G2', '{state}', {outcome}, 'approver', 1, 1, '')"
              for n, initiative, state, outcome in ((1, 1, "decided", "'approved'"), (2, 2, "decided", "'deferred'"),
                                                    (3, 3, "decided", "'deferred'"), (4, 3, "requested", "NULL"),
                                                    (5, 4, "decided", "'deferred'"))),
            *(f"INSERT INTO gate_decisions (id, review_id, approver_id, decision, comment, defer_until) "
              f"VALUES ({n}, {n}, 1, '{decision}', 'c', {until})"
              for n, decision, until in ((1, "approve_with_conditions", "NULL"), (2, "defer", "'2026-09-01'"),
                                         (3, "defer", "'2026-08-01'"), (5, "defer", "'2026-08-01'"))),
            "INSERT INTO gate_conditions (id, decision_id, text, owner, due, met) VALUES "
            "(1, 1, 'Revise the costs', 'Head of Finance', '2026-07-01', true), "
            "(2, 1, 'Name a benefits owner', 'Sponsor', '2026-08-01', false)",
            # Funding: 2's current case (version 2) has a capital cost, 3's only an older one.
            "UPDATE initiatives SET funding_type = 'revenue' WHERE id = 2",
            "UPDATE initiatives SET funding_type = 'capital' WHERE id IN (3, 4)",
            *(f"INSERT INTO business_cases (id, initiative_id, version, author_id, strategic_case, economic_case, "
              f"commercial_case, financial_case, management_case) VALUES ({n}, {initiative}, {version}, 1, "
              f"'', '', '', '', '')" for n, initiative, version in ((1, 2, 1), (2, 2, 2), (3, 3, 1), (4, 3, 2))),
            "INSERT INTO case_costs (id, case_id, description, category, nature, amount) VALUES "
            "(1, 2, 'Hardware', 'capital', 'one_off', 180000), (2, 3, 'Hardware', 'capital', 'one_off', 5000), "
            "(3, 4, 'Licences', 'revenue', 'recurring', 25000)",
        ):
            connection.execute(text(statement))
    upgrade()
    with db.engine.begin() as connection:
        conditions = connection.execute(text(
            "SELECT id, initiative_id, gate, state, evidence, owner_id FROM gate_conditions ORDER BY id")).all()
        reviews = connection.execute(text(
            "SELECT id, state, outcome, defer_until FROM gate_reviews ORDER BY id")).all()
    with db.engine.begin() as connection:
        funding = connection.execute(text("SELECT id, funding_type FROM initiatives ORDER BY id")).all()
    # From the current case where there is one; 4 has none and keeps its own.
    assert [tuple(row) for row in funding] == [(1, None), (2, "capital"), (3, "revenue"), (4, "capital")]
    assert [tuple(row) for row in conditions] == [
        (1, 1, "G2", "met", "Recorded as met before tracking", None),
        (2, 1, "G2", "open", "", None),
    ]
    assert [(row[0], row[1], row[2], str(row[3]) if row[3] else None) for row in reviews] == [
        (1, "decided", "approved", None),
        (2, "deferred", "deferred", "2026-09-01"),
        (3, "decided", "deferred", "2026-08-01"),
        (4, "requested", None, None),
        (5, "decided", "deferred", "2026-08-01"),
    ]
    downgrade(revision="c4cc3bdf5ab4")
    with db.engine.begin() as connection:
        assert connection.execute(text("SELECT id, met FROM gate_conditions ORDER BY id")).all() == [
            (1, True), (2, False)]
        assert connection.execute(text("SELECT state FROM gate_reviews WHERE id = 2")).scalar() == "decided"
