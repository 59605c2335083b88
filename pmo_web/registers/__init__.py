"""Registers: one page listing the portfolio-wide registers the user may open."""
from . import routes  # noqa: F401  (views register on bp)
from .blueprint import bp

__all__ = ["bp"]
