"""PMO Web: the Flask application factory."""
from __future__ import annotations

import os

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.routing import IntegerConverter

from . import config
from .extensions import csrf, db, login_manager, migrate
from .htmx import htmx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One blueprint per area; see the README's map of the code.
AREAS = (
    "auth", "intake", "initiatives", "triage", "scoring", "cases", "gates",
    "delivery", "review", "raid", "lessons", "reports", "benefits", "resources", "admin",
    "exports", "api", "imports", "governance", "dashboard", "notifications", "registers",
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. `test_config` replaces the environment-derived settings in tests."""
    app = Flask(
        __name__,
        instance_path=os.path.join(ROOT, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    app.config.from_mapping(config.DEFAULTS)
    if test_config is None:
        app.config.from_mapping(config.from_environment(app.instance_path))
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.setdefault("ORGANISATION_NAME", "Northshire Police")
        app.config.setdefault("SECURITY_MARKING", "OFFICIAL")
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    # JSON-lines logs with a request id, and never a secret (pmo_web/logs.py).
    from . import logs
    logs.configure(app)
    # Before anything else is bound: unsafe settings stop the app here (RuntimeError).
    from . import security
    security.register(app)

    # GOV.UK Frontend's Jinja macros live in their package, under a prefix.
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(app.template_folder),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        PrefixLoader({"govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf")}),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    db.init_app(app)
    # Batch mode lets migrations alter tables on SQLite, which cannot ALTER most things.
    from .search import kept_out_of_migrations
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True,
                     include_object=kept_out_of_migrations)
    with app.app_context():
        _tune_sqlite(db.engine)
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)

    from govuk_frontend_wtf.main import WTFormsHelpers
    WTFormsHelpers(app)

    from . import errors, templating
    errors.register(app)
    templating.register(app)
    # Everything saving a row sets off (audit chain, history, locking, notifications).
    from . import wiring
    wiring.wire(app)

    app.url_map.converters["int"] = RowIdConverter
    import importlib
    for area in AREAS:
        module = importlib.import_module(f"{__name__}.{area}")
        app.register_blueprint(module.bp)

    from .cli import register as register_cli
    register_cli(app)

    @app.get("/health")
    def health():
        """Liveness probe for load balancers: no login, no database work."""
        return {"status": "ok"}

    return app


class RowIdConverter(IntegerConverter):
    """`<int:...>` in URLs: the digits 0 to 9 only, no larger than the integer columns hold.

    Anything else is no row (404): werkzeug's `\\d+` also matches other scripts' digits
    (`/initiatives/١٢` would be initiative 12), and a bigger number would make the
    database fail (a 500)."""

    regex = r"[0-9]+"
    signed_regex = r"-?[0-9]+"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _tune_sqlite(engine) -> None:
    """SQLite: enforce foreign keys; WAL and a busy timeout so readers never block writers;
    and, for a database file, every transaction that may write begins IMMEDIATE.

    Several gunicorn workers share one file. A default (deferred) transaction starts as a
    reader and upgrades to a writer at its first INSERT or UPDATE; if another worker has
    written in between, SQLite cannot wait its way out of that and fails at once with
    "database is locked", whatever the busy timeout. Taking the write lock at BEGIN makes
    writers queue on the busy timeout instead (SQLAlchemy's documented pysqlite recipe:
    the driver's own transaction handling is switched off and we emit BEGIN ourselves).
    Transactions of safe requests (GET, HEAD), which only read, begin DEFERRED: in WAL mode
    readers never wait for the writer or for each other. Their rare bookkeeping writes say
    so first (extensions.writing) and take the write lock like any other write.
    An in-memory database belongs to one connection, so it keeps the driver's defaults.
    """
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    from .extensions import reads_only

    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if not in_memory:
            # pysqlite would otherwise issue its own deferred BEGIN before the first write.
            dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Every transaction queues for the one write lock, so a worker may wait behind the
        # other workers' whole requests; wait as long as a request may take, not 5 s.
        cursor.execute("PRAGMA busy_timeout=30000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    if not in_memory:
        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            connection.exec_driver_sql("BEGIN DEFERRED" if reads_only() else "BEGIN IMMEDIATE")
