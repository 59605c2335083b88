"""Notifications: the in-app list, each user's email preferences, and the mail commands
(`flask send-notifications`, `flask send-digest`). Notifications are made from the audit
trail in the transaction of the change (events.py) and emailed after it commits (mail.py)."""
from . import commands, routes  # noqa: F401  (views and commands register on bp)
from .blueprint import bp

__all__ = ["bp"]
