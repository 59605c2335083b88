"""Change requests: the request form, my requests and my department's requests."""
from flask import Blueprint

bp = Blueprint("intake", __name__)

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
