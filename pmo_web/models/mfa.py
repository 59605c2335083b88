"""A local account's second factor: its TOTP secret (encrypted) and its recovery codes.

Kept apart from `users` so that enrolling, or a code being used, never bumps the user
row's version (an admin editing the same person would otherwise get a false conflict).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class SecondFactor(db.Model):
    """One user's authenticator-app enrolment (at most one each)."""

    __tablename__ = "second_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # Fernet token of the base32 secret, keyed from SECRET_KEY (pmo_web/auth/mfa.py).
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The 30-second time step of the last code accepted: a code is good once, never replayed.
    last_step: Mapped[int] = mapped_column(default=0, server_default="0")

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<SecondFactor user={self.user_id}>"


class RecoveryCode(db.Model):
    """A single-use code standing in for the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id}>"
