"""Governance boards, their meetings, self-building agendas, minutes and board packs."""
from . import routes  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
