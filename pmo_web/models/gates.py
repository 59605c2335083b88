"""Gate reviews, the approvers' decisions on them, conditions, and per-gate settings."""
from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, Select, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.gate import APPROVING_DECISIONS

from ..extensions import db
from .base import UTCDateTime, Versioned, utcnow


class GateSetting(Versioned, db.Model):
    """Admin-configured approver role and quorum for one gate (G1-G4)."""

    __tablename__ = "gate_settings"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    approver_role: Mapped[str] = mapped_column(String(20), default="approver")
    quorum: Mapped[int] = mapped_column(default=1)
    # Capital-funded initiatives may need more approvals (e.g. 2 at G2).
    capital_quorum: Mapped[int | None]


class GateReview(db.Model):
    """A request for a gate decision on one initiative: requested -> decided."""

    __tablename__ = "gate_reviews"
    # At most one open review per initiative, even when two requests race.
    __table_args__ = (
        Index("uq_gate_reviews_one_open", "initiative_id", unique=True,
              sqlite_where=text("state = 'requested'"), postgresql_where=text("state = 'requested'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    gate: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(10), default="requested", index=True)
    outcome: Mapped[str | None] = mapped_column(String(12))
    approver_role: Mapped[str] = mapped_column(String(20))
    quorum: Mapped[int]
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at = mapped_column(UTCDateTime, default=utcnow)
    decided_at = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")

    initiative = relationship("Initiative", lazy="joined")
    requested_by = relationship("User")
    decisions: Mapped[list[GateDecision]] = relationship(
        back_populates="review", lazy="selectin", order_by="GateDecision.id"
    )

    @property
    def approvals(self) -> int:
        """Distinct approvers who have approved so far, with or without conditions."""
        return len({d.approver_id for d in self.decisions if d.decision in APPROVING_DECISIONS})

    @classmethod
    def awaiting(cls, user) -> Select:
        """Open reviews this user may still decide: their role, not their own request,
        not already decided by them. Drives the approver's queue and its count."""
        from .initiatives import Initiative

        already = select(GateDecision.review_id).where(GateDecision.approver_id == user.id)
        return (
            select(cls).join(Initiative, Initiative.id == cls.initiative_id)
            .where(cls.state == "requested", cls.approver_role.in_(user.roles),
                   Initiative.owner_id != user.id, cls.id.not_in(already))
            .order_by(cls.requested_at)
        )


class GateDecision(db.Model):
    """One approver's decision on a gate review; one per approver per review."""

    __tablename__ = "gate_decisions"
    __table_args__ = (UniqueConstraint("review_id", "approver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("gate_reviews.id"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    defer_until: Mapped[date | None]
    created_at = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[GateReview] = relationship(back_populates="decisions")
    approver = relationship("User", lazy="joined")
    conditions: Mapped[list[GateCondition]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="GateCondition.id"
    )


class GateCondition(db.Model):
    """A condition attached to an approval, tracked with an owner and a due date."""

    __tablename__ = "gate_conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("gate_decisions.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(120))
    due: Mapped[date]
    met: Mapped[bool] = mapped_column(default=False)
