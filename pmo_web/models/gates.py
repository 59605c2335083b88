"""Gate reviews, the approvers' decisions on them, conditions, and per-gate settings."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Select, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.conditions import CONDITION_STATE_LABELS, is_overdue
from workflows.gate import APPROVING_DECISIONS

from ..extensions import db
from ..history import Audited
from .base import UTCDateTime, Versioned, utcnow


class GateSetting(Versioned, db.Model):
    """Admin-configured approver role and quorum for one gate (G1-G4)."""

    __tablename__ = "gate_settings"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    approver_role: Mapped[str] = mapped_column(String(20), default="approver")
    quorum: Mapped[int] = mapped_column(default=1)
    # Capital-funded initiatives may need more approvals (e.g. 2 at G2).
    capital_quorum: Mapped[int | None]


# A deferred review is still open: it waits for the PMO to ask for the gate again.
_OPEN = text("state IN ('requested', 'deferred')")


class GateReview(db.Model):
    """A request for a gate decision on one initiative: requested -> decided, or
    requested -> deferred (open, with a date to come back) -> decided when asked for again."""

    __tablename__ = "gate_reviews"
    # At most one open review per initiative, even when two requests race.
    __table_args__ = (
        Index("uq_gate_reviews_one_open", "initiative_id", unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN),
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
    # Deferred: the date to come back (also on the deferring decision), for lists and reminders.
    defer_until: Mapped[date | None]

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
        back_populates="decision", cascade="all, delete-orphan", lazy="selectin", order_by="GateCondition.id"
    )


class GateCondition(Audited, Versioned, db.Model):
    """A condition attached to an approval, tracked to closure (docs/rules.md 9): open -> met,
    with evidence, or waived by an approver, with a reason (workflows/conditions.py).

    It belongs to the gate that set it and counts once that gate's review is approved
    (pmo_web/gates/conditions.py keeps the others out of the tracking). `initiative_id` and
    `gate` are copied from the review so the tracking queries need no joins to read them.
    The owner is a user (`owner_id`) or, for someone without an account, a name or role
    typed in `owner`; `owner` also keeps a user owner's name as it was when set.
    """

    __tablename__ = "gate_conditions"
    audit_noun = "gate_condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("gate_decisions.id", ondelete="CASCADE"), index=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    gate: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(120), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due: Mapped[date]
    state: Mapped[str] = mapped_column(String(10), default="open", server_default="open", index=True)
    evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    waiver_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decision: Mapped[GateDecision] = relationship(back_populates="conditions")
    initiative = relationship("Initiative")
    owner_user = relationship("User", foreign_keys=[owner_id], lazy="joined")
    closed_by = relationship("User", foreign_keys=[closed_by_id], lazy="joined")

    @property
    def owner_name(self) -> str:
        """Who owns it, as people read it: the user's current name, else the name typed."""
        return self.owner_user.name if self.owner_user is not None else self.owner

    @property
    def state_label(self) -> str:
        return CONDITION_STATE_LABELS.get(self.state, self.state)

    def overdue_on(self, today: date) -> bool:
        """Open and past its due date on `today`."""
        return is_overdue(self.state, self.due, today)

    def audit_action(self, action: str, changes: dict) -> str:
        """"met" or "waived" when the change closes it, in the trail's words."""
        if action == "updated" and "state" in changes:
            return changes["state"]["after"]
        return action
