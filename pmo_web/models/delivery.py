"""Delivery and benefits records: milestones, the benefits register and the lessons log."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class Milestone(db.Model):
    """A delivery milestone with baseline, forecast and actual dates."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    baseline_date: Mapped[date]
    forecast_date: Mapped[date | None]
    actual_date: Mapped[date | None]
    # Gate 3 accepts an unfinished milestone only with an accepted variance.
    variance_accepted: Mapped[bool] = mapped_column(default=False)
    variance_note: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_open(self) -> bool:
        return self.actual_date is None

    @property
    def variance_days(self) -> int | None:
        """Days late (+) or early (-) against the baseline: actual if met, else forecast."""
        compared = self.actual_date or self.forecast_date
        return (compared - self.baseline_date).days if compared else None


class Benefit(db.Model):
    """A benefit in the register (DOMAIN.md 6): planned at business case, measured at review."""

    __tablename__ = "benefits"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(30))
    owner: Mapped[str] = mapped_column(String(120), default="")  # in the business, not the project
    measure: Mapped[str] = mapped_column(String(200), default="")
    baseline_value: Mapped[str] = mapped_column(String(120), default="")
    baseline_date: Mapped[date | None]
    target_value: Mapped[str] = mapped_column(String(120), default="")
    target_date: Mapped[date | None]
    actual_value: Mapped[str] = mapped_column(String(120), default="")
    actual_date: Mapped[date | None]
    no_actual_reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    planned_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # GBP, financial benefits
    realised_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    status: Mapped[str] = mapped_column(String(20), default="planned")

    @property
    def accounted_for(self) -> bool:
        """Gate 4 needs an actual or a reason for every planned benefit."""
        return bool(self.actual_value.strip() or self.no_actual_reason.strip())


class Lesson(db.Model):
    """A lesson learned (DOMAIN.md 5); initiative, owner, dependencies and date are required."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    owner: Mapped[str] = mapped_column(String(120))
    dependencies: Mapped[str] = mapped_column(Text)
    date_added: Mapped[date]
    title: Mapped[str] = mapped_column(String(200), default="")
    lesson_type: Mapped[str] = mapped_column(String(10), default="project")  # project/corporate/both
    event: Mapped[str] = mapped_column(Text, default="")
    effect: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    early_warning: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(30), default="")
    category: Mapped[str] = mapped_column(String(60), default="")
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    logged_by = relationship("User")
