"""RAID: each initiative's log of risks, assumptions, issues and dependencies (routes.py),
and the portfolio's views across all logs: risk heat map, escalations, dependencies
(portfolio.py)."""
from . import portfolio, routes  # noqa: F401  (views register on bp)
from .blueprint import bp

__all__ = ["bp"]
