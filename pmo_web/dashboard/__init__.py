"""Dashboard: the live portfolio KPIs for everyone who may read the portfolio (docs/rules.md 2)."""
from . import routes  # noqa: F401  (views register on bp)
from .blueprint import bp

__all__ = ["bp"]
