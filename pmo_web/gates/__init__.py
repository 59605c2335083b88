"""Gate reviews, approvers' decisions and the awaiting-my-decision queue."""
from flask import Blueprint

bp = Blueprint("gates", __name__)

from . import condition_routes, routes  # noqa: E402,F401  (routes register themselves on bp)
