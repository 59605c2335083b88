"""Prioritisation scoring and the ranked backlog."""
from . import routes  # noqa: F401  (routes register themselves on bp)
from .blueprint import bp

__all__ = ["bp"]
