"""People, skills and allocations, and the gap between demand and capacity."""
from . import bp  # noqa: F401
