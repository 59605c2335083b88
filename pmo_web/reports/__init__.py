"""Highlight and exception reports of initiatives in delivery, and the confidence scale."""
from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
