"""Shared fixtures: app, client, runner, auth helper, and a user per role.

Tests use SQLite in memory by default; set PMO_TEST_DATABASE_URL (e.g.
postgresql://postgres@127.0.0.1:5432/test) to run the same suite on PostgreSQL.
Tests build the schema with create_all for speed; migrations are checked separately.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import settings
from jinja2 import BytecodeCache
from pmo_web import create_app
from pmo_web.extensions import db
from tests import factories

# CI replays the same examples every run, so a red run is reproducible; locally the
# examples vary and the failures Hypothesis finds are kept in .hypothesis/.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def app():
    url = os.environ.get("PMO_TEST_DATABASE_URL", "sqlite://")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
        # Real scrypt costs ~0.1 s a hash: far too slow for thousands of test logins.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "MFA_REQUIRED_ROLES": "",  # fixtures sign approvers/admins in with a password; enforcement is tested in tests/web/auth
    })
    # Every test builds its own app, and so its own Jinja environment: share the compiled
    # templates between them, or each test spends most of its time compiling them again.
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
    with app.app_context():
        if url == "sqlite://":
            _copy_sqlite_schema()
        elif url.startswith("sqlite"):
            db.drop_all()
            db.create_all()
        else:
            _ensure_server_schema()
        yield app
        db.session.remove()
        if url.startswith("sqlite") and url != "sqlite://":
            db.drop_all()
        elif not url.startswith("sqlite"):
            _empty_server_tables()
        # Each test builds its own engine; close its pooled connections rather than leave
        # them to the garbage collector (psycopg warns, and warnings are errors here).
        db.engine.dispose()


class _SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for the whole run (Jinja checks each template's
    source checksum, so an edited template is compiled again)."""

    def __init__(self):
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CACHE = _SharedBytecodeCache()
_sqlite_template = None


def _copy_sqlite_schema() -> None:
    """Give this test's in-memory database the schema (tables, search index, triggers) by
    copying a template built once with create_all: a page copy takes well under a
    millisecond, create_all about thirty. The database vanishes with its connection when
    the engine is disposed at teardown, so nothing needs dropping."""
    global _sqlite_template
    import sqlite3

    connection = db.engine.raw_connection()  # in-memory SQLite: the engine's one connection
    try:
        if _sqlite_template is None:
            db.create_all()
            _sqlite_template = sqlite3.connect(":memory:", check_same_thread=False)
            connection.driver_connection.backup(_sqlite_template)
        else:
            _sqlite_template.backup(connection.driver_connection)
    finally:
        connection.close()


def _ensure_server_schema() -> None:
    """On a database server, build the schema once and reuse it: DDL for every test costs
    more than the test. Rebuilt whenever a test (the migration check) has removed it."""
    global _server_columns_checked
    from sqlalchemy import inspect

    inspector = inspect(db.engine)
    stale = bool(set(db.metadata.tables) - set(inspector.get_table_names()))
    if not stale and not _server_columns_checked:
        # Once per run, also compare columns: a schema left by an older checkout of the
        # code has the tables but not a column added since.
        stale = any({c.name for c in table.columns} - {c["name"] for c in inspector.get_columns(name)}
                    for name, table in db.metadata.tables.items())
    _server_columns_checked = True
    if stale:
        db.drop_all()
        db.create_all()
    else:
        _empty_server_tables()


_server_columns_checked = False


def _empty_server_tables() -> None:
    """Empty every table and restart its id sequence, in one round trip (a DO block).
    Replica mode skips user triggers (so the audit trail's append-only guard does not block
    the test's own clean-up) and foreign-key checks. DELETE on the few small tables a test
    fills is far cheaper than TRUNCATE, whose cost is per table (about seventy of them)
    whether empty or not."""
    from sqlalchemy import text

    tables = ", ".join(f"'{table.name}'" for table in reversed(db.metadata.sorted_tables))
    sequences = ", ".join(f"'{table.name}'" for table in db.metadata.sorted_tables if "id" in table.c)
    block = f"""
        DO $$
        DECLARE name text; sequence text;
        BEGIN
            SET LOCAL session_replication_role = replica;
            FOREACH name IN ARRAY ARRAY[{tables}]::text[] LOOP
                EXECUTE format('DELETE FROM %I', name);
            END LOOP;
            FOREACH name IN ARRAY ARRAY[{sequences}]::text[] LOOP
                sequence := pg_get_serial_sequence(quote_ident(name), 'id');
                IF sequence IS NOT NULL THEN
                    PERFORM setval(sequence, 1, false);
                END IF;
            END LOOP;
        END $$"""
    with db.engine.begin() as connection:
        connection.execute(text(block))

@pytest.fixture(autouse=True)
def reserved_test_domain_allowed(monkeypatch):
    """Test users live at example.test, a reserved domain that email_validator (used by
    the admin's user form) refuses unless told it runs under test."""
    import email_validator

    monkeypatch.setattr(email_validator, "TEST_ENVIRONMENT", True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign a test client in and out as a given user."""

    def __init__(self, client):
        self._client = client

    def login(self, user, password: str = factories.PASSWORD):
        return self._client.post("/login", data={"email": user.email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def department(app):
    return factories.make_department("Contact Management")


@pytest.fixture
def users(app, department):
    """One user per role, all in the same department, committed."""
    made = {role: factories.make_user(roles=(role,), email=f"{role}@example.test", department=department)
            for role in ("requester", "pmo", "approver", "viewer", "admin")}
    db.session.commit()
    return made


def pytest_ignore_collect(collection_path, config):
    """Leave out the browser tests on a machine without Chromium, unless CI requires them."""
    if collection_path.name == "browser" and collection_path.is_dir():
        from tests.browser.conftest import chromium_available

        if not chromium_available() and not os.environ.get("PMO_REQUIRE_BROWSER"):
            return True
    return None


@pytest.fixture
def outsider(app):
    """A requester of another department: may not even learn an initiative exists."""
    user = factories.make_user(roles=("requester",), email="outsider@example.test")
    db.session.commit()
    return user
