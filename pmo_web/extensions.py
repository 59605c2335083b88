"""Flask extensions, created once here and bound to the app in create_app()."""
from contextlib import contextmanager

from flask import g, has_request_context, request
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


# Requests that only read (HTTP says GET and HEAD change nothing; the test suite's crawl holds
# every page to it). On SQLite their transactions begin DEFERRED, so readers run side by side.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_only() -> bool:
    """True while a safe request runs and has not said it is about to write (see writing)."""
    return has_request_context() and request.method in SAFE_METHODS and not g.get("writing", False)


@contextmanager
def writing():
    """Around the rare bookkeeping write a safe request makes (a session's last-seen time,
    a token's last use): end the read transaction first, then let the next one take the
    write lock at its BEGIN. On SQLite, upgrading a reading transaction to a writing one
    fails at once if another worker wrote in between; a BEGIN IMMEDIATE waits its turn."""
    db.session.commit()
    g.writing = True
    try:
        yield
    finally:
        g.writing = False
