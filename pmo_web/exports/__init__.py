"""Downloads: every register and list as CSV or XLSX (files.py writes them, routes.py serves
them). The columns come from pmo_web/tabular.py, which the API reads too."""
from . import routes  # noqa: F401  (views register on bp)
from .blueprint import bp

__all__ = ["bp"]
