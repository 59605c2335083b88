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
