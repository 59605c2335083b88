"""Prioritisation scores (docs/rules.md 3). Every scoring is kept; the latest is current."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class Score(db.Model):
    """One scoring of an initiative by one scorer, with the weights used at the time."""

    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    scorer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    urgency: Mapped[int]
    complexity: Mapped[int]
    desirability: Mapped[int]
    alignment: Mapped[int]  # the best of the per-priority alignments
    weights: Mapped[dict] = mapped_column(db.JSON)
    total: Mapped[int]  # 0-100
    band: Mapped[str] = mapped_column(String(10))  # as computed
    band_override: Mapped[str | None] = mapped_column(String(10))
    override_comment: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)

    scorer = relationship("User")
    alignments: Mapped[list[ScoreAlignment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def effective_band(self) -> str:
        """The band that counts: the override when one was given with its comment."""
        return self.band_override or self.band


class ScoreAlignment(db.Model):
    """Alignment 0-5 of a scored initiative to one strategic priority."""

    __tablename__ = "score_alignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("scores.id", ondelete="CASCADE"), index=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("strategic_priorities.id"))
    value: Mapped[int]

    priority = relationship("StrategicPriority", lazy="joined")
