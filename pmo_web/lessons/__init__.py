"""Lessons: each initiative's lessons log and the portfolio-wide lessons library."""
from flask import Blueprint

bp = Blueprint("lessons", __name__)

from . import routes  # noqa: E402,F401  (views register on bp)
