"""Signed-in sessions kept on the server, and the record of sign-in attempts.

The browser's cookie carries only a random token; the row here decides whether it still
signs anyone in, so signing out, a password change or a disabled account can end a
session for good (a copied cookie is worthless afterwards). Sign-in attempts are kept in
the database rather than in a worker's memory so that every gunicorn worker counts the
same failures.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

# Tables the app writes as bookkeeping on requests that change nothing else (a refused
# sign-in, a page view noting activity, the dashboard keeping the day's figures to compare
# with next month). "Nothing changed" checks should leave them out.
BOOKKEEPING_TABLES = ("user_sessions", "login_attempts", "kpi_snapshots")


class UserSession(db.Model):
    """One signed-in browser: live until revoked, idle too long, or too old."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the cookie's token: a copy of this table signs nobody in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user = relationship("User")

    def is_live(self, now: datetime, idle: timedelta, absolute: timedelta) -> bool:
        """True while not revoked, used within `idle`, and younger than `absolute`."""
        return (self.revoked_at is None
                and now - self.last_seen_at < idle
                and now - self.created_at < absolute)

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"


class LoginAttempt(db.Model):
    """One try at a password (sign-in or password change), right or wrong.

    Written before the password is checked, as a failure, and marked as succeeded once
    it proves right; so an attempt still being checked by another worker already counts.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-cased, so Alice@ and alice@ are one account's attempts.
    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)
    ip: Mapped[str | None] = mapped_column(String(45))

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.id} {'ok' if self.succeeded else 'failed'}>"
