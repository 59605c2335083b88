"""Benefits: the portfolio-wide benefits register, planned against actual."""
from flask import Blueprint

bp = Blueprint("benefits", __name__)

from . import routes  # noqa: E402,F401  (views register on bp)
