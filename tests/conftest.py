"""Shared fixtures: app, client, runner, auth helper, and a user per role.

Tests use SQLite in memory by default; set PMO_TEST_DATABASE_URL (e.g.
postgresql://postgres@127.0.0.1:5432/test) to run the same suite on PostgreSQL.
Tests build the schema with create_all for speed; migrations are checked separately.
"""
from __future__ import annotations

import copy
import os
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import time_machine
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


# Every run is on the same calendar: the clock reads TEST_NOW when the test process starts
# (before any test module is imported, so constants such as `TODAY = date.today()` agree
# with the app) and runs on from there. A test that passed only on some days of the month
# (a day written "7" where the page writes "07") now passes or fails every day alike. The
# day has one digit and falls in British Summer Time on purpose. A run would have to last
# fourteen hours to reach the next day. The clock is never turned back between tests: state
# kept for a whole module (a browser's signed-in session) would be dated in the future.
# Tests that need another moment move there with `test_clock` or time_machine.travel.
TEST_NOW = datetime(2026, 6, 9, 9, 30, tzinfo=UTC)
_session_clock = time_machine.travel(TEST_NOW, tick=True)


@pytest.fixture
def test_clock():
    """A clock this test may move (`test_clock.move_to(...)`, `.shift(...)`); it starts at
    the run's current time and is put back when the test ends."""
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        yield traveller


def pytest_configure(config):
    # Known to pytest-xdist; declared for runs without it (-p no:xdist) too.
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")
    _session_clock.start()
    _give_this_worker_its_own_database()


def _give_this_worker_its_own_database() -> None:
    """Under pytest-xdist the workers run tests at the same moment. SQLite in memory is
    private to each test already; on a database server each worker gets a database of its
    own (`test` becomes `test_gw0`, `test_gw1` ...), created if missing, and
    PMO_TEST_DATABASE_URL is pointed at it for everything in this process: the fixtures,
    tests that build their own app, and the servers they start."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("PMO_TEST_DATABASE_URL", "")
    if not worker or not url or url.startswith("sqlite"):
        return
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url)
    name = f"{target.database}_{worker}"
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    os.environ["PMO_TEST_DATABASE_URL"] = target.set(database=name).render_as_string(hide_password=False)


def pytest_unconfigure(config):
    _session_clock.stop()


# The settings of the app most tests share (tests that need others build their own app).
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "SERVER_NAME": "localhost",
    # Real scrypt costs ~0.1 s a hash: far too slow for thousands of test logins.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    # Fixtures sign approvers and admins in with a password; enforcement is tested in tests/web/auth.
    "MFA_REQUIRED_ROLES": "",
}


def test_database_url() -> str:
    """The database the tests run on: SQLite in memory, or PMO_TEST_DATABASE_URL."""
    return os.environ.get("PMO_TEST_DATABASE_URL", "sqlite://")


@pytest.fixture(scope="session")
def shared_app():
    """One app per test process, reused by every test that takes `app`.

    Building an app costs about 40 ms (most of it compiling the URL map), and each new app
    brings a new database engine whose compiled-statement cache starts empty; together they
    were about half the time of a typical test. Each test still starts from a pristine state:
    `app` empties the database and restores the settings (see there). A test that adds routes
    or needs other settings at start-up builds its own app with create_app.
    """
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": test_database_url()})
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
    pristine = copy.deepcopy(dict(app.config))
    app.config["PMO_TEST_START_EXTENSIONS"] = frozenset(app.extensions)
    pristine["PMO_TEST_START_EXTENSIONS"] = frozenset(app.extensions)
    yield app, pristine
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(shared_app):
    """The app, with an empty database of the current schema and the test settings.

    The database is emptied before the test (see _fresh_database), so no test sees another's
    rows, and the settings a test changed are put back after it.
    """
    app, pristine = shared_app
    app.config.clear()
    app.config.update(copy.deepcopy(pristine))
    # What views keep in app.extensions beside the extensions themselves (the similarity
    # index) was worked out from another test's rows: drop it.
    for name in set(app.extensions) - pristine["PMO_TEST_START_EXTENSIONS"]:
        del app.extensions[name]
    # Some tests give the app a client class of their own (each request in its own context).
    app.test_client_class = None
    try:
        with app.app_context(), _fresh_database():
            yield app
    finally:
        app.config.clear()
        app.config.update(copy.deepcopy(pristine))


@pytest.fixture
def own_app():
    """An app of the test's own, for the few tests that add routes to it: an app that has
    served a request refuses new routes, so the shared one cannot take them. A module uses
    it by overriding `app`: `@pytest.fixture def app(own_app): return own_app`."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": test_database_url()})
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
    with app.app_context():
        with _fresh_database():
            yield app
        # Close this app's pooled connections rather than leave them to the garbage
        # collector (psycopg warns, and warnings are errors here).
        db.engine.dispose()


@contextmanager
def _fresh_database():
    """In the current app context: an empty database of the current schema for the
    duration. SQLite in memory gets the schema copied from a template; a SQLite file is
    rebuilt; a database server keeps its schema and has every table emptied."""
    url = test_database_url()
    if url == "sqlite://":
        _copy_sqlite_schema()
    elif url.startswith("sqlite"):
        db.drop_all()
        db.create_all()
    else:
        _ensure_server_schema()
    try:
        yield
    finally:
        db.session.remove()
        if url.startswith("sqlite") and url != "sqlite://":
            db.drop_all()


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
    millisecond, create_all about thirty. The copy replaces every page of the database, so
    whatever the previous test left (rows, and tables it created) is gone."""
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


BROWSER_TESTS = "tests/browser/"


def pytest_collection_modifyitems(config, items):
    """On a machine without Chromium the browser tests are skipped, each saying why, unless
    PMO_REQUIRE_BROWSER is set (CI sets it), in which case they run and fail. They are never
    left out silently: the summary at the end of the run counts them (see below)."""
    _keep_module_fixtures_on_one_worker(items)
    from tests.browser.conftest import chromium_available

    if chromium_available() or os.environ.get("PMO_REQUIRE_BROWSER"):
        return
    missing = pytest.mark.skip(reason="Chromium is not installed: apt-get install -y chromium")
    for item in items:
        if item.nodeid.startswith(BROWSER_TESTS):
            item.add_marker(missing)


def _keep_module_fixtures_on_one_worker(items) -> None:
    """Under pytest-xdist (`--dist loadgroup`), the tests of a module that share a fixture
    built once per module (a served app, a browser, seeded demo data) go to one worker, so
    it is built once; every other test goes wherever a worker is free."""
    for item in items:
        fixture_info = getattr(item, "_fixtureinfo", None)
        if fixture_info is None:
            continue
        if any(definition.scope == "module"
               for definitions in fixture_info.name2fixturedefs.values() for definition in definitions):
            item.add_marker(pytest.mark.xdist_group(name=item.module.__name__))


def pytest_terminal_summary(terminalreporter):
    """Say how many browser tests ran, so a green run that ran none of them is visible."""

    def browser_reports(outcome, when=None):
        return sum(1 for report in terminalreporter.stats.get(outcome, [])
                   if getattr(report, "nodeid", "").startswith(BROWSER_TESTS) and (when is None or report.when == when))

    passed = browser_reports("passed", "call")
    failed = browser_reports("failed") + browser_reports("error")
    skipped = browser_reports("skipped")
    if not passed + failed + skipped:
        return  # a run of other tests (make check, one file)
    healthy = passed and not failed and not skipped
    terminalreporter.write_sep("=", f"browser tests: {passed + failed} ran ({passed} passed, {failed} failed), "
                                    f"{skipped} skipped", green=bool(healthy), red=not healthy)


@pytest.fixture
def outsider(app):
    """A requester of another department: may not even learn an initiative exists."""
    user = factories.make_user(roles=("requester",), email="outsider@example.test")
    db.session.commit()
    return user
