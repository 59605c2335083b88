"""Sign in and sign out, server-side sessions, sign-in throttling, the second factor and SSO."""
from . import mfa, mfa_routes, oidc, routes, sessions  # noqa: F401  (routes register themselves on bp)
from .blueprint import bp

# Every request, whichever area serves it, settles its session before the view runs;
# then a user who must have a second factor and has none is sent to enrol.
bp.before_app_request(sessions.note_activity)
bp.before_app_request(mfa.enforce)
bp.record_once(lambda state: oidc.init_app(state.app))
bp.app_context_processor(oidc.sign_in_options)

__all__ = ["bp"]
