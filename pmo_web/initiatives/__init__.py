"""The initiative page, its lifecycle buttons and timeline, and the portfolio list."""
from flask import Blueprint

bp = Blueprint("initiatives", __name__)

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
