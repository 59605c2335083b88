"""People who sign in, their department, rank/grade and roles."""
from __future__ import annotations

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import UTCDateTime, Versioned, utcnow

ROLES = ("requester", "pmo", "approver", "viewer", "admin")
ROLE_LABELS = {
    "requester": "Requester",
    "pmo": "PMO",
    "approver": "Approver",
    "viewer": "Viewer",
    "admin": "Administrator",
}

# Police ranks paired with the police-staff grades treated as equivalent, lowest first.
# The level is what the dashboard's minimum-rank setting compares.
RANKS = (
    ("constable", "Constable / staff grade up to scale 6", 1),
    ("sergeant", "Sergeant / staff grade SO1-SO2", 2),
    ("inspector", "Inspector / staff grade PO1-PO3", 3),
    ("chief_inspector", "Chief Inspector / staff grade PO4-PO6", 4),
    ("superintendent", "Superintendent / head of department", 5),
    ("chief_superintendent", "Chief Superintendent / director", 6),
    ("chief_officer", "Chief officer", 7),
)
RANK_LEVEL = {key: level for key, _label, level in RANKS}
RANK_LABELS = {key: label for key, label, _level in RANKS}


class User(UserMixin, Versioned, db.Model):
    """A member of staff with a login; roles decide what they may do (docs/rules.md 2)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    rank: Mapped[str] = mapped_column(String(40), default="constable")
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    department = relationship("Department", lazy="joined")
    # Loaded when first asked for (the signed-in user's, once per request), not with every
    # user a page shows: an initiative's owner comes with each card, and loading the roles of
    # all of them would cost a statement that only appears once a page shows other people.
    # Lists that show roles load them with selectinload.
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> frozenset[str]:
        """The set of role names this user holds."""
        return frozenset(r.role for r in self.role_rows)

    def set_roles(self, roles) -> None:
        """Replace the user's roles with `roles` (unknown names are refused)."""
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"Unknown roles: {', '.join(sorted(unknown))}")
        keep = {r.role: r for r in self.role_rows if r.role in roles}
        self.role_rows = list(keep.values()) + [
            UserRole(role=r) for r in sorted(set(roles) - set(keep))
        ]

    def has_role(self, *roles: str) -> bool:
        """True when the user holds at least one of `roles`."""
        return bool(self.roles & set(roles))

    @property
    def is_pmo(self) -> bool:
        """PMO staff and admins manage initiatives (admins may do what the PMO does)."""
        return self.has_role("pmo", "admin")

    @property
    def rank_level(self) -> int:
        return RANK_LEVEL.get(self.rank, 0)

    @property
    def rank_label(self) -> str:
        return RANK_LABELS.get(self.rank, self.rank)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login
        return self.active

    def set_password(self, password: str) -> None:
        """Store a salted hash (scrypt by default); the password itself is never kept."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(cls.email == email.strip().lower()))

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="role_rows")
