"""Resources: people, skills, allocations to initiatives, demand and the gaps between them."""
from . import routes  # noqa: F401  (views register on bp)
from .blueprint import bp

__all__ = ["bp"]
