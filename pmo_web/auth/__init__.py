"""Sign in and sign out, server-side sessions and sign-in throttling."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes, sessions  # noqa: E402,F401  (routes register themselves on bp)

# Every request, whichever area serves it, settles its session before the view runs.
bp.before_app_request(sessions.note_activity)
