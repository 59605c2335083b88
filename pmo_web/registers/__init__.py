"""Registers: one page listing the portfolio-wide registers the user may open."""
from flask import Blueprint

bp = Blueprint("registers", __name__)

from . import routes  # noqa: E402,F401  (views register on bp)
