"""Personal and service tokens for the read-only API (Power BI and similar tools).

A token is shown once, when it is made, and only its SHA-256 is kept. It is 256 random
bits, so nobody can guess it or work it back from the digest, however fast the hash: a slow
password hash (scrypt, bcrypt) protects low-entropy secrets people choose, and would only
add its cost to every API request (Power BI asks for page after page) and, being salted,
stop the database from finding the token's row by its digest.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

# Recognisable in a leaked config file or a secret scanner's rules.
TOKEN_PREFIX = "pmo_"
# The only scope there is: the API reads and never writes.
READ_SCOPE = "read"
# The last-used time is written at most this often: Power BI asks for many pages in a row.
NOTE_USE_EVERY = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token that reads the API as its user, with that user's permissions."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # What it is for, in the words of whoever made it ("Finance Power BI report").
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown in lists so a token can be recognised without being usable.
    hint: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(20), default=READ_SCOPE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @classmethod
    def issue(cls, user, name: str, created_by, lifetime: timedelta | None) -> tuple[ApiToken, str]:
        """A new token for `user` (added to the session, not committed) and its secret, which
        is returned this once and kept nowhere."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = utcnow()
        row = cls(user=user, name=name, token_hash=token_digest(secret), hint=secret[:len(TOKEN_PREFIX) + 6],
                  scope=READ_SCOPE, created_at=now, created_by=created_by,
                  expires_at=now + lifetime if lifetime else None)
        db.session.add(row)
        return row, secret

    @classmethod
    def find(cls, secret: str) -> ApiToken | None:
        """The token row a presented secret belongs to (live or not), or None."""
        return db.session.scalar(select(cls).where(cls.token_hash == token_digest(secret)))

    def refusal(self, now: datetime) -> str | None:
        """Why this token may not be used now (revoked, expired, account disabled); None if it may."""
        if self.revoked_at is not None:
            return "The token has been revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "The token has expired"
        if not self.user.active:
            return "The token's account is disabled"
        return None

    def status(self, now: datetime) -> str:
        """Active, Expired or Revoked, as the token pages show it."""
        if self.revoked_at is not None:
            return "Revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "Expired"
        return "Active"

    def use_to_note(self, now: datetime) -> bool:
        """Whether a use now should be written down (once a minute at most)."""
        return self.last_used_at is None or now - self.last_used_at >= NOTE_USE_EVERY

    def revoke(self, by, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now
            self.revoked_by = by

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.hint}… user={self.user_id}>"
