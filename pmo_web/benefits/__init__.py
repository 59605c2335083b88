"""Benefits: the portfolio-wide benefits register, planned against actual."""
from . import routes  # noqa: F401  (views register on bp)
from .blueprint import bp

__all__ = ["bp"]
