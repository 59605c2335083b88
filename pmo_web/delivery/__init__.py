"""Delivery: manager, programme, budget, milestones and delivery confidence."""
from . import routes  # noqa: F401  (routes register themselves on bp)
from .blueprint import bp

__all__ = ["bp"]
