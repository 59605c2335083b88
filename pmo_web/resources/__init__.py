"""Resources: people, skills, allocations to initiatives, demand and the gaps between them."""
from flask import Blueprint

bp = Blueprint("resources", __name__)

from . import routes  # noqa: E402,F401  (views register on bp)
