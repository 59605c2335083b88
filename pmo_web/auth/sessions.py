"""The rules of a signed-in session: how one starts, what keeps it alive, what ends it.

Flask's session cookie carries a random token; the `user_sessions` row it names must
exist, be unrevoked, have seen a request within SESSION_IDLE_MINUTES and be younger than
SESSION_ABSOLUTE_HOURS, and its user must be active. Anything else and the request is
anonymous. Because the decision is made on the server, signing out, a password change or
a disabled account ends the session even for a copy of the cookie taken earlier.

Remember-me is deliberately not offered: a remember cookie would outlive these limits.
Flask-Login's remember cookie, were one presented, still has to pass the loader below,
which wants a live token in the session and so refuses it.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import inspect, select, update

from ..extensions import db, login_manager, writing
from ..models import User, UserSession
from ..models.base import utcnow

log = logging.getLogger(__name__)

TOKEN_KEY = "session_token"
# Activity is written at most this often: one UPDATE a minute, not one per request.
TOUCH_EVERY = timedelta(minutes=1)


def token_digest(token: str) -> str:
    """What the database keeps of a token: its SHA-256, so a copy of the table signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (timedelta(minutes=float(config["SESSION_IDLE_MINUTES"])),
            timedelta(hours=float(config["SESSION_ABSOLUTE_HOURS"])))


def begin(user: User) -> UserSession:
    """Sign `user` in on a brand-new session (the caller commits).

    Whatever the browser carried before is revoked and forgotten, so a session id planted
    or copied before sign-in is worth nothing after it (no session fixation).
    """
    _revoke_presented()
    session.clear()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(token_hash=token_digest(token), user=user, created_at=now, last_seen_at=now,
                      user_agent=request.user_agent.string[:200] or None)
    db.session.add(row)
    session[TOKEN_KEY] = token
    login_user(user)
    g.user_session = row
    return row


def restart(user: User) -> UserSession:
    """After a password change: every session of `user` ends and this browser carries on in a
    new one (the caller commits). The second factor this browser passed still stands, so a
    user whose role needs one is not sent to set it up again."""
    from .mfa import VERIFIED_KEY

    verified = bool(session.get(VERIFIED_KEY))
    revoke_all(user)
    row = begin(user)
    if verified:
        session[VERIFIED_KEY] = True
    return row


def end() -> None:
    """Sign out: revoke this browser's session and forget everything it held (the caller commits)."""
    _revoke_presented()
    logout_user()
    session.clear()


def revoke_all(user: User) -> int:
    """Revoke every live session of `user`, this browser's included; returns how many."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    if result.rowcount:
        log.info("sessions revoked", extra={"user_id": user.id, "count": result.rowcount})
    return result.rowcount


def revoke_if_access_changed(user: User) -> None:
    """After an admin edits `user` (before the commit): a new password or a disabled
    account ends all their sessions. An admin who reset their own password stays signed
    in, on a fresh session."""
    password_changed = inspect(user).attrs.password_hash.history.has_changes()
    if not (password_changed or not user.active):
        return
    if current_user.is_authenticated and current_user.id == user.id:
        restart(user)
    else:
        revoke_all(user)


def _revoke_presented() -> None:
    token = session.get(TOKEN_KEY)
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_digest(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow()))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user only while the session's token row is live."""
    token = session.get(TOKEN_KEY)
    if not token:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == token_digest(token)))
    if row is None or str(row.user_id) != str(user_id) or not row.is_live(utcnow(), *_limits()):
        return None
    if not row.user.active:
        return None
    g.user_session = row
    return row.user


def note_activity() -> None:
    """Before each request: settle who is signed in, and keep a live session's clock going.

    Runs before the view, so the commit below carries nothing but the activity time. A
    dead session's leftovers are cleared from the cookie, so the browser starts afresh.
    """
    if request.endpoint == "static":
        return
    if not current_user.is_authenticated:
        if TOKEN_KEY in session:
            session.clear()
        return
    row = g.get("user_session")
    now = utcnow()
    if row is not None and now - row.last_seen_at >= TOUCH_EVERY:
        with writing():
            row.last_seen_at = now
            db.session.commit()
