"""Gate reviews, approvers' decisions and the awaiting-my-decision queue."""
from . import condition_routes, routes  # noqa: F401  (routes register themselves on bp)
from .blueprint import bp

__all__ = ["bp"]
