"""RAID: each initiative's log of risks, assumptions, issues and dependencies (routes.py),
and the portfolio's views across all logs: risk heat map, escalations, dependencies
(portfolio.py)."""
from flask import Blueprint

bp = Blueprint("raid", __name__)

from . import portfolio, routes  # noqa: E402,F401  (views register on bp)
