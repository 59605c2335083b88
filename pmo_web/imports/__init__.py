"""Importing an existing tracker from CSV or XLSX: upload, map the columns, preview with a
row-by-row error report, then import everything or nothing (PMO and admins only)."""
from . import routes  # noqa: F401  (views register on bp)
from .blueprint import bp

__all__ = ["bp"]
