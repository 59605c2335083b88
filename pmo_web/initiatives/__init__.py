"""The initiative page, its lifecycle buttons and timeline, and the portfolio list."""
from . import routes  # noqa: F401  (routes register themselves on bp)
from .blueprint import bp

__all__ = ["bp"]
