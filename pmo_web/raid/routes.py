"""The RAID log of one initiative: inline editing of its risks, assumptions, issues and dependencies."""
from . import bp  # noqa: F401
