"""Dashboard: the live portfolio KPIs for everyone who may read the portfolio (docs/rules.md 2)."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from . import routes  # noqa: E402,F401  (views register on bp)
