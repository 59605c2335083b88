"""Confirm it's you: changing the second factor needs a fresh proof of who is at the keyboard.

A signed-in session is not enough to set up or replace the second factor, get new recovery
codes or turn the second factor off: whoever finds the session open (an unlocked computer,
a copied cookie) could otherwise move the account's second factor to a phone of their own.
These need a proof no older than REAUTHENTICATION_MINUTES (5 by default):

- the sign-in itself, when it proved the same thing: the password plus a code when the
  account has a second factor (or just the password when it has none), or the identity
  provider for single sign-on;
- or the "Confirm it's you" page (mfa_routes.confirm_identity), which asks for the password
  and, when the account has a second factor, a current code or a recovery code, throttled
  like sign-in.

A password change or an admin's reset starts a new session but proves no second factor,
so it does not count. The moment of the last proof is kept in the session, which Flask signs
and which every sign-in and sign-out clears, so a browser cannot set or keep it itself.
"""
from __future__ import annotations

import time
from functools import wraps

from flask import current_app, redirect, request, session, url_for

PROVED_AT_KEY = "proved_at"


def note_proof() -> None:
    """The person at this browser has just proved who they are (call after sessions.begin)."""
    session[PROVED_AT_KEY] = int(time.time())


def is_recent() -> bool:
    """True while the last proof is younger than REAUTHENTICATION_MINUTES."""
    proved_at = session.get(PROVED_AT_KEY)
    if not isinstance(proved_at, int):
        return False
    age = time.time() - proved_at
    return 0 <= age <= float(current_app.config["REAUTHENTICATION_MINUTES"]) * 60


def confirm_first(back_to: str):
    """Off to "Confirm it's you", coming back to `back_to` (a page, so never a POST) afterwards."""
    # 303 after a POST, so the browser follows with a GET whatever it posted.
    return redirect(url_for("auth.confirm_identity", next=back_to), 302 if request.method == "GET" else 303)


def required(view):
    """The view runs only after a recent proof; else "Confirm it's you" first, then back here.

    Meant for views whose URL also answers GET with the page that offers the action, so
    coming back lands on that page (a POST is never replayed).
    """
    @wraps(view)
    def guarded(*args, **kwargs):
        if not is_recent():
            return confirm_first(request.path)
        return view(*args, **kwargs)
    return guarded
