"""Importing an existing tracker from CSV or XLSX: upload, map the columns, preview with a
row-by-row error report, then import everything or nothing (PMO and admins only)."""
from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/import")

from . import routes  # noqa: E402,F401  (views register on bp)
