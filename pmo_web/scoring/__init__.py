"""Prioritisation scoring and the ranked backlog."""
from flask import Blueprint

bp = Blueprint("scoring", __name__)

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
