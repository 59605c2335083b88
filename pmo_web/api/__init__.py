"""The read-only JSON API for Power BI and similar tools, and the pages where people manage
the tokens it takes.

Two blueprints: `bp` holds the token pages (signed-in users, cookie session, CSRF-protected
forms: tokens.py); `v1`, nested in it at /api/v1, is the API itself (routes.py), which
accepts nothing but an `Authorization: Bearer` token. A session cookie signs nobody in
there, so a page on another site cannot make a browser call the API with its cookies,
which is the attack CSRF protection exists for; v1 is exempt from CSRF for that reason
(it is read-only besides: GET and HEAD only).
"""
from . import routes, tokens  # noqa: F401  (views register on bp and v1)
from .blueprint import bp, v1

bp.register_blueprint(v1)

__all__ = ["bp", "v1"]
