"""Downloads: every register and list as CSV or XLSX (files.py writes them, routes.py serves
them). The columns come from pmo_web/tabular.py, which the API reads too."""
from flask import Blueprint

bp = Blueprint("exports", __name__)

from . import routes  # noqa: E402,F401  (views register on bp)
