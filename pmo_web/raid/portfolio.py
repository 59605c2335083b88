"""The portfolio across every RAID log: risk heat map and top risks, escalations, dependencies."""
from . import bp  # noqa: F401
