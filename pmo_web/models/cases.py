"""Business cases in the UK five-case shape. Each save is a new immutable version."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

FIVE_CASES = (
    ("strategic_case", "Strategic case"),
    ("economic_case", "Economic case"),
    ("commercial_case", "Commercial case"),
    ("financial_case", "Financial case"),
    ("management_case", "Management case"),
)
COST_CATEGORIES = (("capital", "Capital"), ("revenue", "Revenue"))
COST_NATURES = (("one_off", "One-off"), ("recurring", "Recurring (per year)"))
BENEFIT_CATEGORIES = (
    ("cash_releasing", "Cash-releasing"),
    ("non_cash_releasing", "Non-cash-releasing (e.g. officer hours released)"),
    ("cost_avoidance", "Cost avoidance"),
    ("quality", "Quality / non-financial"),
    ("dis_benefit", "Dis-benefit"),
)


@dataclass(frozen=True)
class FundingYear:
    """Capital and revenue needed in one UK financial year (April to March); `year` is the
    year it starts in (2026 is 2026/27), None for cost lines saved before years were asked."""

    year: int | None
    capital: Decimal
    revenue: Decimal

    @property
    def total(self) -> Decimal:
        return self.capital + self.revenue


class BusinessCase(db.Model):
    """One version of an initiative's business case; the highest version is current."""

    __tablename__ = "business_cases"
    __table_args__ = (UniqueConstraint("initiative_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    version: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    strategic_case: Mapped[str] = mapped_column(Text, default="")
    economic_case: Mapped[str] = mapped_column(Text, default="")
    commercial_case: Mapped[str] = mapped_column(Text, default="")
    financial_case: Mapped[str] = mapped_column(Text, default="")
    management_case: Mapped[str] = mapped_column(Text, default="")
    # Years of recurring cost counted in the whole-life cost (the appraisal period).
    appraisal_years: Mapped[int] = mapped_column(default=5, server_default="5")

    author = relationship("User")
    options: Mapped[list[CaseOption]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                     order_by="CaseOption.id")
    costs: Mapped[list[CaseCost]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                 order_by="CaseCost.id")
    benefits: Mapped[list[CaseBenefit]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                       order_by="CaseBenefit.id")
    risks: Mapped[list[CaseRisk]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                 order_by="CaseRisk.id")

    def gaps(self) -> tuple[str, ...]:
        """What stops this version going to Gate 2 (docs/rules.md 1), by name."""
        missing = [label for field, label in FIVE_CASES if not getattr(self, field).strip()]
        if not self.options:
            missing.append("At least one option")
        if not self.costs:
            missing.append("Costs")
        if not self.benefits:
            missing.append("At least one planned benefit")
        return tuple(missing)

    def checklist(self) -> tuple[tuple[str, bool], ...]:
        """Every Gate 2 completeness criterion by name, with whether this version meets it."""
        criteria = [label for _field, label in FIVE_CASES] + [
            "At least one option", "Costs", "At least one planned benefit"]
        gaps = set(self.gaps())
        return tuple((label, label not in gaps) for label in criteria)

    def whole_life_cost(self) -> Decimal:
        """One-off costs plus recurring (annual) costs over the appraisal period, in GBP."""
        years = self.appraisal_years if self.appraisal_years is not None else 5
        return self.total_cost(nature="one_off") + self.total_cost(nature="recurring") * years

    @property
    def funding_type(self) -> str:
        """"capital" when any cost is capital, else "revenue" (docs/rules.md 9): known at Gate 2,
        so the gate's capital quorum applies; the initiative's funding type follows it."""
        return "capital" if self.total_cost(category="capital") > 0 else "revenue"

    def funding_profile(self) -> list[FundingYear]:
        """Capital and revenue by financial year, earliest first: a one-off cost in its year,
        a recurring one in each year of the appraisal period from its first. Lines with no
        year come last, in one row, at their one-off or yearly amount."""
        years = self.appraisal_years if self.appraisal_years is not None else 5
        sums: dict[tuple[int | None, str], Decimal] = {}
        for cost in self.costs:
            spread = range(years) if cost.nature == "recurring" and cost.financial_year is not None else range(1)
            for offset in spread:
                year = None if cost.financial_year is None else cost.financial_year + offset
                sums[(year, cost.category)] = sums.get((year, cost.category), Decimal(0)) + cost.amount
        known = sorted({year for year, _ in sums if year is not None})
        order = known + ([None] if any(year is None for year, _ in sums) else [])
        return [FundingYear(year, sums.get((year, "capital"), Decimal(0)), sums.get((year, "revenue"), Decimal(0)))
                for year in order]

    def total_cost(self, category: str | None = None, nature: str | None = None) -> Decimal:
        return sum(
            (c.amount for c in self.costs
             if (category is None or c.category == category) and (nature is None or c.nature == nature)),
            Decimal(0),
        )


class CaseOption(db.Model):
    """An option appraised in the economic case; one may be preferred."""

    __tablename__ = "case_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("business_cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    preferred: Mapped[bool] = mapped_column(default=False)


class CaseCost(db.Model):
    """A cost line: capital or revenue, one-off or recurring, in GBP, in a financial year."""

    __tablename__ = "case_costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("business_cases.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(10))
    nature: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    # The UK financial year (April to March) by the year it starts: a one-off cost falls in
    # it, a recurring one starts in it. None on lines saved before the year was asked for.
    financial_year: Mapped[int | None]


class CaseBenefit(db.Model):
    """A planned benefit; copied into the benefits register when delivery starts."""

    __tablename__ = "case_benefits"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("business_cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(30))
    measure: Mapped[str] = mapped_column(String(200), default="")
    target: Mapped[str] = mapped_column(String(120), default="")
    financial_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))


class CaseRisk(db.Model):
    """A key risk named in the business case."""

    __tablename__ = "case_risks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("business_cases.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    mitigation: Mapped[str] = mapped_column(Text, default="")
