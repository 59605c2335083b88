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
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
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
