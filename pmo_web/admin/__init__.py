"""Administration: users and roles, departments, priorities, weights, gates."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
