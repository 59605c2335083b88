"""PMO Web: the Flask application factory."""
from __future__ import annotations

import os

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from . import config
from .extensions import csrf, db, login_manager, migrate
from .htmx import htmx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One blueprint per area; see the README's map of the code.
AREAS = (
    "auth", "intake", "initiatives", "triage", "scoring", "cases", "gates",
    "delivery", "review", "admin",
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
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
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


def _tune_sqlite(engine) -> None:
    """SQLite: enforce foreign keys; WAL and a busy timeout so readers never block writers."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
