"""The append-only audit trail: every transition and gate decision, who/when/from/to/why."""
from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One thing that happened to an initiative or a record. Rows are only ever inserted.

    kind is "transition" (a lifecycle trigger fired), "gate_requested", "gate_decision",
    "import", or "record_edit" (a register or governance record created, changed or
    deleted: pmo_web/history.py); cycle times are computed from the transition rows.

    What an event is about: `initiative_id` for everything on an initiative's trail, and
    for record edits the record itself as `subject_kind` (its audit noun: "raid_item",
    "meeting" ...) and `subject_id`. Governance records (boards, meetings, agendas,
    minutes, escalations) are no initiative's, so their events have a subject and no
    initiative. The subject is deliberately not a foreign key: the trail must outlive the
    record (a key would forbid deleting it, and ON DELETE SET NULL would be an UPDATE the
    append-only guard refuses), and one pair of columns serves every kind of record.

    Database triggers refuse UPDATE and DELETE, and each row carries a link in a hash
    chain (prev_hash, hash), filled in at insert by pmo_web.audit; see that module.
    """

    __tablename__ = "audit_events"
    # Two rows may never follow the same row: a forked chain is refused by the database.
    # The dashboard walks each initiative's transitions in time order (cycle time, LEAD()).
    # Every event is about an initiative, a record, or both.
    __table_args__ = (UniqueConstraint("prev_hash", name="uq_audit_events_prev_hash"),
                      Index("ix_audit_events_initiative_time", "initiative_id", "created_at", "id"),
                      CheckConstraint("initiative_id IS NOT NULL OR subject_kind IS NOT NULL",
                                      name="ck_audit_events_about_something"))

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"), index=True)
    gate_review_id: Mapped[int | None] = mapped_column(ForeignKey("gate_reviews.id"))
    kind: Mapped[str] = mapped_column(String(20))
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)
    subject_kind: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User", lazy="joined")

