"""Delivery: manager, programme, budget, milestones and delivery confidence."""
from flask import Blueprint

bp = Blueprint("delivery", __name__)

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
