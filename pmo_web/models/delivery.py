"""Delivery and benefits records: milestones, the benefits register and the lessons log."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.lifecycle import STAGES

from ..extensions import db
from ..history import Audited
from .base import UTCDateTime, Versioned, utcnow
from .cases import BENEFIT_CATEGORIES

BENEFIT_STATUSES = (
    ("planned", "Planned"),
    ("on_track", "On track"),
    ("at_risk", "At risk"),
    ("realised", "Realised"),
    ("partially_realised", "Partly realised"),
    ("not_realised", "Not realised"),
)
LESSON_TYPES = (("project", "Project"), ("corporate", "Corporate"), ("both", "Both"))
LESSON_PRIORITIES = (("low", "Low"), ("medium", "Medium"), ("high", "High"))


def describe_variance(days: int | None) -> str:
    """A date variance in words: "3 days late", "on time", "1 day early"; "not forecast" if unknown."""
    if days is None:
        return "not forecast"
    if days == 0:
        return "on time"
    count = abs(days)
    return f"{count} day{'s' if count != 1 else ''} {'late' if days > 0 else 'early'}"


class Milestone(Audited, Versioned, db.Model):
    """A delivery milestone with baseline, forecast and actual dates."""

    audit_noun = "milestone"

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

    @property
    def variance_text(self) -> str:
        return describe_variance(self.variance_days)

    @property
    def status(self) -> str:
        """complete (met), overdue (open and its forecast, else baseline, date has passed) or open."""
        if self.actual_date is not None:
            return "complete"
        due = self.forecast_date or self.baseline_date
        return "overdue" if due < date.today() else "open"


class Benefit(Audited, Versioned, db.Model):
    """A benefit in the register (docs/rules.md 6): planned at business case, measured at review.

    Deleting a benefit is a soft delete (``deleted_at``): it leaves the register, its totals,
    ROI, exports and the Gate 4 criterion, can be restored, and stays in the history.
    """

    audit_noun = "benefit"

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
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    initiative = relationship("Initiative")

    @property
    def accounted_for(self) -> bool:
        """Gate 4 needs an actual or a reason for every planned benefit."""
        return bool(self.actual_value.strip() or self.no_actual_reason.strip())

    @property
    def status_label(self) -> str:
        return dict(BENEFIT_STATUSES).get(self.status, self.status)

    @property
    def category_label(self) -> str:
        return dict(BENEFIT_CATEGORIES).get(self.category, self.category)


class Lesson(Audited, Versioned, db.Model):
    """A lesson learned (docs/rules.md 5); initiative, owner, dependencies and date are required.

    Deleting a lesson is a soft delete (``deleted_at``): it disappears from the log, the
    library and the closure criterion, can be restored, and stays in the history.
    """

    audit_noun = "lesson"

    __tablename__ = "lessons"
    __table_args__ = (
        # A search sorts every match by relevance: this lets it check and order them without
        # reading each lesson's long text (a covering index, looked up by id).
        Index("ix_lessons_listing", "id", "deleted_at", "date_added", "initiative_id"),
        # The library's category filter lists the categories in use straight from an index.
        Index("ix_lessons_category", "category", "deleted_at"),
    )

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
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    initiative = relationship("Initiative")
    logged_by = relationship("User")

    @property
    def type_label(self) -> str:
        return dict(LESSON_TYPES).get(self.lesson_type, self.lesson_type)

    @property
    def priority_label(self) -> str:
        return dict(LESSON_PRIORITIES).get(self.priority, self.priority)

    @property
    def stage_label(self) -> str:
        return dict(STAGES).get(self.stage, "Not specific to a stage")


def realised_financial_benefit(benefits) -> Decimal | None:
    """Total realised GBP across `benefits`, dis-benefits counting against; None when none is known."""
    known = [b for b in benefits if b.realised_value is not None]
    if not known:
        return None
    return sum((-b.realised_value if b.category == "dis_benefit" else b.realised_value for b in known),
               Decimal(0))


def signed_realised_value():
    """SQL twin of realised_financial_benefit for aggregates: one benefit's realised GBP,
    a dis-benefit counting against. SUM() of it is NULL when no benefit's value is known."""
    return case((Benefit.category == "dis_benefit", -Benefit.realised_value), else_=Benefit.realised_value)
