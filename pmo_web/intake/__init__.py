"""Change requests: the request form, my requests and my department's requests."""
from . import routes  # noqa: F401  (routes register themselves on bp)
from .blueprint import bp

__all__ = ["bp"]
