"""Lessons: each initiative's lessons log and the portfolio-wide lessons library."""
from . import routes  # noqa: F401  (views register on bp)
from .blueprint import bp

__all__ = ["bp"]
