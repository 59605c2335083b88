"""Highlight and exception reports of initiatives in delivery, and the confidence scale."""
from . import routes  # noqa: F401  (routes register themselves on bp)
from .blueprint import bp

__all__ = ["bp"]
