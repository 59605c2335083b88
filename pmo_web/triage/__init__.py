"""The PMO's kanban board."""
from . import routes  # noqa: F401  (routes register themselves on bp)
from .blueprint import bp

__all__ = ["bp"]
