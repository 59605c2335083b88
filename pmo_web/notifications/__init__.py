"""Notifications: the in-app list, each user's email preferences, and the mail commands
(`flask send-notifications`, `flask send-digest`). Notifications are made from the audit
trail in the transaction of the change (events.py) and emailed after it commits (mail.py)."""
from flask import Blueprint

# cli_group=None: the commands are `flask send-digest`, not `flask notifications send-digest`.
bp = Blueprint("notifications", __name__, cli_group=None)

from . import commands, routes  # noqa: E402,F401  (views and commands register on bp)
