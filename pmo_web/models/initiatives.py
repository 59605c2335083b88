"""The initiative: one record that travels from request to closure."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.lifecycle import STAGE_OF, STATE_LABELS, TERMINAL_STATES

from ..extensions import db
from .base import UTCDateTime, Versioned, utcnow
from .delivery import describe_variance
from .reports import confidence_label

COST_BANDS = (
    ("under_10k", "Under £10,000"),
    ("10k_100k", "£10,000 to £100,000"),
    ("100k_500k", "£100,000 to £500,000"),
    ("500k_1m", "£500,000 to £1 million"),
    ("over_1m", "Over £1 million"),
)
FUNDING_TYPES = (("capital", "Capital"), ("revenue", "Revenue"))
# docs/rules.md 7: the default five-point delivery confidence scale.
CONFIDENCE = (
    ("green", "Green"),
    ("amber_green", "Amber/Green"),
    ("amber", "Amber"),
    ("amber_red", "Amber/Red"),
    ("red", "Red"),
)
# One line per level, shown beside the control (after the IPA's delivery confidence assessment).
CONFIDENCE_MEANINGS = {
    "green": "Successful delivery on time, budget and quality appears highly likely.",
    "amber_green": "Successful delivery appears probable; risks need constant attention.",
    "amber": "Successful delivery appears feasible, but significant issues need management attention.",
    "amber_red": "Successful delivery is in doubt; major risks or issues need urgent action.",
    "red": "Successful delivery appears unachievable without re-planning or a change of scope.",
}
# Levels at which the PMO must say why (docs/rules.md 7: confidence comes with a justification).
CONFIDENCE_NEEDING_JUSTIFICATION = ("amber_red", "red")
SATISFACTION_SCALE = (
    (1, "Very dissatisfied"),
    (2, "Dissatisfied"),
    (3, "Neither satisfied nor dissatisfied"),
    (4, "Satisfied"),
    (5, "Very satisfied"),
)
# The request fields that must be filled before a draft can be submitted.
REQUIRED_FOR_SUBMIT = (
    ("title", "Title"),
    ("description", "Description"),
    ("problem", "Problem to solve"),
    ("department_id", "Department"),
    ("sponsor", "Sponsor"),
    ("desired_outcome", "Desired outcome"),
    ("cost_band", "Rough cost"),
    ("strategic_priority_id", "Strategic priority"),
)


class Initiative(Versioned, db.Model):
    """A change request and, once accepted, the initiative it becomes.

    `state` is written only by workflows.lifecycle through pmo_web.workflow; views never
    assign it. `state_changed_at` feeds "age in stage" on the kanban.
    """

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Request (stage 1)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    problem: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    sponsor: Mapped[str] = mapped_column(String(120), default="")
    desired_outcome: Mapped[str] = mapped_column(Text, default="")
    deadline_driver: Mapped[str] = mapped_column(Text, default="")
    cost_band: Mapped[str | None] = mapped_column(String(20))
    strategic_priority_id: Mapped[int | None] = mapped_column(ForeignKey("strategic_priorities.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    # Lifecycle
    state: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    state_changed_at = mapped_column(UTCDateTime, default=utcnow)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    submitted_at = mapped_column(UTCDateTime, nullable=True)
    info_question: Mapped[str] = mapped_column(Text, default="")
    info_answer: Mapped[str] = mapped_column(Text, default="")
    outcome_reason: Mapped[str] = mapped_column(Text, default="")  # why it ended (rejected, withdrawn ...)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"))

    # Delivery (stage 5)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), index=True)
    funding_type: Mapped[str | None] = mapped_column(String(10))
    budget_approved: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    budget_forecast: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    budget_actual: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    planned_end: Mapped[date | None]
    forecast_end: Mapped[date | None]
    delivery_confidence: Mapped[str | None] = mapped_column(String(20))
    confidence_justification: Mapped[str] = mapped_column(Text, default="")
    # Tolerances (pmo_web/reports): forecast cost above approved by more than this percentage,
    # or a forecast end later than planned by more than this many days, calls for an exception report.
    cost_tolerance_pct: Mapped[int] = mapped_column(default=10, server_default="10")
    time_tolerance_days: Mapped[int] = mapped_column(default=30, server_default="30")

    # Benefits review and closure (stage 6)
    satisfaction_score: Mapped[int | None]  # 1-5 from the sponsor at closure
    satisfaction_comment: Mapped[str] = mapped_column(Text, default="")

    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")
    manager = relationship("User", foreign_keys=[manager_id])
    department = relationship("Department", lazy="joined")
    programme = relationship("Programme")
    strategic_priority = relationship("StrategicPriority")
    merged_into = relationship("Initiative", remote_side=[id])

    @property
    def reference(self) -> str:
        """The reference staff quote on the phone: CR-0042."""
        return f"CR-{self.id:04d}" if self.id else "CR-new"

    @property
    def stage(self) -> str:
        return STAGE_OF[self.state]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def cost_band_label(self) -> str:
        return dict(COST_BANDS).get(self.cost_band or "", "Not given")

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.delivery_confidence)  # on the configured scale

    @property
    def is_capital(self) -> bool:
        return self.funding_type == "capital"

    @property
    def overrun(self) -> Decimal | None:
        """Forecast or actual above approved budget (docs/rules.md 7), in GBP; None if not known."""
        if self.budget_approved is None:
            return None
        spent = max(v for v in (self.budget_forecast, self.budget_actual, Decimal(0)) if v is not None)
        return spent - self.budget_approved if spent > self.budget_approved else Decimal(0)

    @property
    def end_variance_days(self) -> int | None:
        """Days the forecast end is after (+) or before (-) the planned end; None if either is unknown."""
        if self.planned_end is None or self.forecast_end is None:
            return None
        return (self.forecast_end - self.planned_end).days

    @property
    def end_variance_text(self) -> str:
        return describe_variance(self.end_variance_days)

    @property
    def satisfaction_label(self) -> str:
        return dict(SATISFACTION_SCALE).get(self.satisfaction_score, "Not recorded")

    @property
    def whole_life_cost(self) -> Decimal | None:
        """docs/rules.md 6: what the initiative cost, the actual once known, else the forecast."""
        return self.budget_actual if self.budget_actual is not None else self.budget_forecast

    def return_on_investment(self, realised_benefit: Decimal | None) -> Decimal | None:
        """(realised financial benefit - whole-life cost) / whole-life cost, or None when
        either is unknown (docs/rules.md 6 shows ROI only where both are known)."""
        cost = self.whole_life_cost
        if realised_benefit is None or not cost:
            return None
        return (realised_benefit - cost) / cost

    def missing_for_submit(self) -> tuple[str, ...]:
        """Labels of the request fields still empty; submit is refused while any are."""
        return tuple(label for field, label in REQUIRED_FOR_SUBMIT if not getattr(self, field))

    def __repr__(self) -> str:
        return f"<Initiative {self.reference} {self.state}>"
