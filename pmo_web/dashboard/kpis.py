"""The dashboard's arithmetic: each KPI is one SQL aggregate over the initiatives in scope.

The scope is every submitted initiative the reader may see (access.visible_clause), narrowed
by the filters; drafts never count. Counts, sums, means and even the percentiles of cycle
time are worked out by the database, so the page sends the same statements whatever the
size of the portfolio and fetches a handful of rows per KPI. The words on the page that
define each KPI (templates/dashboard/_definitions.html) must say what this module does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, and_, case, cast, exists, extract, func, literal, or_, select, union_all
from sqlalchemy.orm import contains_eager

from workflows.lifecycle import (
    DELIVERING_STATES,
    DELIVERY_STATES,
    IN_DELIVERY_STATES,
    INVESTMENT_DECISION_STATES,
    STAGE_OF,
    STAGES,
    TERMINAL_STATES,
    TRIAGE_DECISION_STATES,
)

from .. import access
from ..benefits.register import FIRST_MONTH
from ..extensions import db
from ..models import AuditEvent, Benefit, GateReview, Initiative, Milestone, RaidItem
from ..models.delivery import signed_realised_value
from ..models.initiatives import CONFIDENCE
from ..models.raid import ISSUE_PRIORITIES, OPEN_STATUSES

# Initiatives in delivery, paused or not: the active workstreams.
IN_DELIVERY = IN_DELIVERY_STATES
# Work that has a delivery plan to be on time and within budget against.
PLANNED = DELIVERY_STATES
# Live work that can still be late or overspent (flagged in delays and overruns).
DELIVERING = DELIVERING_STATES
# The working stages, in order: the pipeline and the stages whose time is measured.
WORKING_STAGES = [(key, label) for key, label in STAGES if key != "closed"]
# The decision that ends intake (docs/rules.md 1): the PMO's triage decision, the first move to
# scoring (accepted), rejected or merged. Withdrawal is the requester's, not a decision.
TRIAGE_DECISIONS = TRIAGE_DECISION_STATES
# The investment decision: Gate 2 moves a business case to delivery, or rejects it.
INVESTMENT_DECISIONS = INVESTMENT_DECISION_STATES
MEASURES = [*WORKING_STAGES, ("intake_to_decision", "Intake to triage decision"),
            ("intake_to_investment", "Intake to investment decision (Gate 2)")]
DELAYS_LISTED = 10
TOP_RISKS = 5
# Live work: submitted (the scope sees to that) and not ended. Its RAID items count.
ENDED = TERMINAL_STATES
ISSUES_LISTED = 5
MILESTONES_LISTED = 8


def scope(user, conditions) -> tuple:
    """The conditions every KPI puts on Initiative: submitted, visible to `user`, filtered."""
    return (Initiative.state != "draft", access.visible_clause(user), *conditions)


def share(part: int, whole: int) -> Decimal | None:
    """part / whole as a fraction, None when there is nothing to divide by."""
    return Decimal(part) / Decimal(whole) if whole else None


# ------------------------------------------------------------------------ pipeline


@dataclass(frozen=True)
class Pipeline:
    """How many initiatives are in each working stage, and how many of those in delivery are paused."""

    by_stage: list[tuple[str, str, int]]  # (stage key, label, count)
    on_hold: int

    @property
    def active(self) -> int:
        return next(count for key, _label, count in self.by_stage if key == "delivery")

    @property
    def total(self) -> int:
        return sum(count for _key, _label, count in self.by_stage)


def pipeline(scoped) -> Pipeline:
    """Initiatives per working stage: one GROUP BY state (states folded into their stage)."""
    by_state = dict(db.session.execute(
        select(Initiative.state, func.count()).where(*scoped).group_by(Initiative.state)).all())
    counts = {key: 0 for key, _label in WORKING_STAGES}
    for state, count in by_state.items():
        if STAGE_OF[state] in counts:
            counts[STAGE_OF[state]] += count
    return Pipeline([(key, label, counts[key]) for key, label in WORKING_STAGES], by_state.get("on_hold", 0))


# --------------------------------------------------------- on time and within budget


def milestone_late(today: date):
    """SQL: a milestone met after its baseline date, forecast after it, or open past its date."""
    due = func.coalesce(Milestone.forecast_date, Milestone.baseline_date)
    return or_(func.coalesce(Milestone.actual_date, due) > Milestone.baseline_date,
               and_(Milestone.actual_date.is_(None), due < today))


def overspent():
    """SQL: forecast or actual spend above the approved budget (docs/rules.md 7)."""
    return or_(func.coalesce(Initiative.budget_forecast, 0) > Initiative.budget_approved,
               func.coalesce(Initiative.budget_actual, 0) > Initiative.budget_approved)


def overrun_amount():
    """SQL: the larger of forecast and actual spend less the approved budget."""
    forecast, actual = func.coalesce(Initiative.budget_forecast, 0), func.coalesce(Initiative.budget_actual, 0)
    return case((forecast >= actual, forecast), else_=actual) - Initiative.budget_approved


@dataclass(frozen=True)
class Performance:
    """On time and within budget, with how many initiatives each was measured over."""

    timed: int
    on_time: int
    budgeted: int
    within_budget: int

    @property
    def on_time_share(self) -> Decimal | None:
        return share(self.on_time, self.timed)

    @property
    def within_budget_share(self) -> Decimal | None:
        return share(self.within_budget, self.budgeted)


def performance(scoped, today: date) -> Performance:
    """One statement: counts of planned work with known end dates / budgets, and how many meet them."""
    dated = and_(Initiative.planned_end.is_not(None), Initiative.forecast_end.is_not(None))
    late = exists().where(Milestone.initiative_id == Initiative.id, milestone_late(today))
    on_time = and_(dated, Initiative.forecast_end <= Initiative.planned_end, ~late)
    budgeted = Initiative.budget_approved.is_not(None)
    row = db.session.execute(
        select(func.count(case((dated, 1))), func.count(case((on_time, 1))),
               func.count(case((budgeted, 1))), func.count(case((and_(budgeted, ~overspent()), 1))))
        .where(*scoped, Initiative.state.in_(PLANNED))).one()
    return Performance(*row)


# ----------------------------------------------------------------- milestone adherence


@dataclass(frozen=True)
class Adherence:
    """Milestones whose baseline date has come: how many were met by it, how many are still open."""

    due: int
    met: int
    open: int

    @property
    def met_share(self) -> Decimal | None:
        return share(self.met, self.due)


def milestone_adherence(scoped, today: date) -> Adherence:
    met = and_(Milestone.actual_date.is_not(None), Milestone.actual_date <= Milestone.baseline_date)
    row = db.session.execute(
        select(func.count(), func.count(case((met, 1))), func.count(case((Milestone.actual_date.is_(None), 1))))
        .select_from(Milestone).join(Initiative, Milestone.initiative_id == Initiative.id)
        .where(*scoped, Milestone.baseline_date <= today)).one()
    return Adherence(*row)


# ---------------------------------------------------------------- delays and overruns


@dataclass
class Delays:
    """Live work forecast to finish late or spend above budget: counts and the worst few."""

    late: int
    late_capital: int
    overrun: int
    overrun_capital: int
    overrun_total: Decimal | None
    worst: list[tuple[Initiative, int | None, Decimal | None]] = field(default_factory=list)


def delays(scoped) -> Delays:
    """Two statements: the counts (capital-funded apart) and the ten worst, overruns first."""
    late = Initiative.forecast_end > Initiative.planned_end
    over = and_(Initiative.budget_approved.is_not(None), overspent())
    capital = Initiative.funding_type == "capital"
    live = (*scoped, Initiative.state.in_(DELIVERING))
    counts = db.session.execute(
        select(func.count(case((late, 1))), func.count(case((and_(late, capital), 1))),
               func.count(case((over, 1))), func.count(case((and_(over, capital), 1))),
               func.sum(case((over, overrun_amount()))))
        .where(*live)).one()
    amount = case((over, overrun_amount()))
    worst = db.session.execute(
        select(Initiative, amount).where(*live, or_(late, over))
        .order_by(amount.desc().nulls_last(), Initiative.forecast_end.desc(), Initiative.id)
        .limit(DELAYS_LISTED)).unique().all()
    return Delays(*counts[:4], Decimal(counts[4]) if counts[4] is not None else None,
                  [(initiative, initiative.end_variance_days if (initiative.end_variance_days or 0) > 0 else None,
                    Decimal(overrun) if overrun is not None else None) for initiative, overrun in worst])


# -------------------------------------------------------------------------- cycle time


def as_days(column):
    """SQL: a timestamp as a number of days, so that a difference of two is a duration in days."""
    if db.engine.dialect.name == "sqlite":
        return func.julianday(column)
    return extract("epoch", column) / 86400.0


def nearest_rank(count, percent: int):
    """SQL: the nearest-rank position of the `percent`th percentile among `count` ordered values,
    ceil(percent / 100 x count), in integer arithmetic (both databases)."""
    return (count * percent + 99) // 100


@dataclass(frozen=True)
class CycleTime:
    """One measure (a stage, or intake to a decision): how many, the median and 90th percentile in days."""

    key: str
    label: str
    count: int
    median: float | None
    p90: float | None


def cycle_times(scoped) -> list[CycleTime]:
    """Time in each stage and from intake to decision, from the audit trail, in one statement.

    Each transition event opens a stay in its to-state; LEAD() finds when the next transition
    of the same initiative closed it. Stays are summed per initiative and stage (a request
    sent back for information comes back to triage), only stays that have ended count. The
    decision times run from the submit event to the first triage decision / Gate 2 outcome.
    The median and 90th percentile are taken by nearest rank in SQL (ROW_NUMBER over each
    measure's durations), so only two rows per measure leave the database.
    """
    at = as_days(AuditEvent.created_at)
    # One pass over the trail: each transition with when it happened and when the next one did.
    stays = (select(AuditEvent.initiative_id, AuditEvent.from_state, AuditEvent.to_state, at.label("entered"),
                    func.lead(at).over(partition_by=AuditEvent.initiative_id,
                                       order_by=(AuditEvent.created_at, AuditEvent.id)).label("left"))
             .join(Initiative, AuditEvent.initiative_id == Initiative.id)
             .where(AuditEvent.kind == "transition", *scoped).cte("stays"))
    stage_of = case({state: STAGE_OF[state] for state in STAGE_OF}, value=stays.c.to_state)
    working = [state for state, stage in STAGE_OF.items() if stage in dict(WORKING_STAGES) and state != "draft"]
    in_stage = (select(stage_of.label("measure"), func.sum(stays.c.left - stays.c.entered).label("days"))
                .where(stays.c.left.is_not(None), stays.c.to_state.in_(working))
                .group_by(stays.c.initiative_id, stage_of))
    first = lambda condition: func.min(case((condition, stays.c.entered)))  # noqa: E731
    marks = (select(first(stays.c.to_state == "submitted").label("submitted"),
                    first(stays.c.to_state.in_(TRIAGE_DECISIONS)).label("triaged"),
                    first(and_(stays.c.from_state == "business_case",
                               stays.c.to_state.in_(INVESTMENT_DECISIONS))).label("invested"))
             .group_by(stays.c.initiative_id).subquery("marks"))
    decided = [select(literal(key).label("measure"), (marks.c[mark] - marks.c.submitted).label("days"))
               .where(marks.c[mark].is_not(None), marks.c.submitted.is_not(None))
               for key, mark in (("intake_to_decision", "triaged"), ("intake_to_investment", "invested"))]
    durations = union_all(in_stage, *decided).subquery("durations")
    ranked = select(durations.c.measure, durations.c.days,
                    func.row_number().over(partition_by=durations.c.measure, order_by=durations.c.days)
                    .label("position"),
                    func.count().over(partition_by=durations.c.measure).label("count")).subquery("ranked")
    median_at, p90_at = nearest_rank(ranked.c["count"], 50), nearest_rank(ranked.c["count"], 90)
    found: dict[str, dict] = {}
    for measure, days, count, is_median, is_p90 in db.session.execute(
            select(ranked.c.measure, ranked.c.days, ranked.c["count"],
                   ranked.c.position == median_at, ranked.c.position == p90_at)
            .where(or_(ranked.c.position == median_at, ranked.c.position == p90_at))):
        figures = found.setdefault(measure, {"count": count})
        if is_median:
            figures["median"] = float(days)
        if is_p90:
            figures["p90"] = float(days)
    return [CycleTime(key, label, found.get(key, {}).get("count", 0), found.get(key, {}).get("median"),
                      found.get(key, {}).get("p90")) for key, label in MEASURES]


# ------------------------------------------------------------------------ satisfaction


def financial_year_of(column):
    """SQL: the financial year (April to March) a date or timestamp falls in, by its start year."""
    year = cast(extract("year", column), Integer)
    return year - case((cast(extract("month", column), Integer) < FIRST_MONTH, 1), else_=0)


def financial_quarter_of(column):
    """SQL: the quarter of the financial year, 1 (April to June) to 4 (January to March)."""
    return (cast(extract("month", column), Integer) + 12 - FIRST_MONTH) % 12 // 3 + 1


@dataclass(frozen=True)
class Satisfaction:
    """Sponsors' closure scores (1-5): the mean over all, and per quarter of closure (the trend)."""

    count: int
    mean: float | None
    by_quarter: list[tuple[int, int, int, float]]  # (financial year, quarter, count, mean)


def satisfaction(scoped) -> Satisfaction:
    """Two statements: the overall mean, and the mean per financial quarter of closure."""
    scored = (*scoped, Initiative.state == "closed", Initiative.satisfaction_score.is_not(None))
    count, mean = db.session.execute(
        select(func.count(), func.avg(Initiative.satisfaction_score)).where(*scored)).one()
    year = financial_year_of(Initiative.state_changed_at).label("year")
    quarter = financial_quarter_of(Initiative.state_changed_at).label("quarter")
    by_quarter = db.session.execute(
        select(year, quarter, func.count(), func.avg(Initiative.satisfaction_score)).where(*scored)
        .group_by(year, quarter).order_by(year, quarter)).all()
    return Satisfaction(count, float(mean) if mean is not None else None,
                        [(row[0], row[1], row[2], float(row[3])) for row in by_quarter])


# ------------------------------------------------------------------------ return on investment


@dataclass(frozen=True)
class PortfolioReturn:
    """Realised financial benefit against whole-life cost over the initiatives where both are known."""

    initiatives: int
    realised: Decimal | None
    cost: Decimal | None

    @property
    def roi(self) -> Decimal | None:
        if self.realised is None or not self.cost:
            return None
        return (self.realised - self.cost) / self.cost


def portfolio_return(scoped) -> PortfolioReturn:
    """The total ROI, docs/rules.md 6 over the sums: (sum realised - sum cost) / sum cost, counting
    only initiatives with a realised benefit and a whole-life cost (as each one's own ROI)."""
    realised = (select(Benefit.initiative_id, func.sum(signed_realised_value()).label("realised"))
                .join(Initiative, Benefit.initiative_id == Initiative.id)
                .where(Benefit.deleted_at.is_(None), *scoped).group_by(Benefit.initiative_id).subquery())
    cost = func.coalesce(Initiative.budget_actual, Initiative.budget_forecast)
    count, total_realised, total_cost = db.session.execute(
        select(func.count(), func.sum(realised.c.realised), func.sum(cost))
        .select_from(realised).join(Initiative, Initiative.id == realised.c.initiative_id)
        .where(realised.c.realised.is_not(None), cost > 0)).one()
    return PortfolioReturn(count, *(Decimal(value) if value is not None else None
                                    for value in (total_realised, total_cost)))


# --------------------------------------------------------------- confidence and gates


def confidence_spread(scoped) -> list[tuple[str, str, int]]:
    """Initiatives in delivery per delivery confidence level, Green to Red, then not assessed."""
    counts = dict(db.session.execute(
        select(Initiative.delivery_confidence, func.count()).where(*scoped, Initiative.state.in_(IN_DELIVERY))
        .group_by(Initiative.delivery_confidence)).all())
    known = dict(CONFIDENCE)
    spread = [(key, label, counts.get(key, 0)) for key, label in CONFIDENCE]
    unknown = sum(count for key, count in counts.items() if key not in known)
    return [*spread, ("none", "Not assessed", unknown)]


def awaiting_gates(scoped) -> list[tuple[str, int]]:
    """Gate reviews requested and not yet decided, per gate (G1 to G4)."""
    counts = dict(db.session.execute(
        select(GateReview.gate, func.count()).join(Initiative, GateReview.initiative_id == Initiative.id)
        .where(GateReview.state == "requested", *scoped).group_by(GateReview.gate)).all())
    return [(gate, counts.get(gate, 0)) for gate in ("G1", "G2", "G3", "G4")]


# ---------------------------------------------------------------------- open issues


@dataclass(frozen=True)
class OpenIssues:
    """Open issues in the RAID logs of live work: how many, and the most pressing few."""

    count: int
    listed: list[RaidItem]


def issue_urgency():
    """SQL: an issue's priority as a rank, critical (0) to low (3), none given last."""
    ranks = {key: rank for rank, (key, _label) in enumerate(reversed(ISSUE_PRIORITIES))}
    return case(ranks, value=RaidItem.priority, else_=len(ranks))


def open_issues(scoped) -> OpenIssues:
    """Two statements: the count, and the first few by priority then due date."""
    counted = (RaidItem.kind == "issue", RaidItem.status.in_(OPEN_STATUSES["issue"]),
               RaidItem.deleted_at.is_(None), Initiative.state.not_in(ENDED), *scoped)
    count = db.session.scalar(
        select(func.count(RaidItem.id)).join(Initiative, RaidItem.initiative_id == Initiative.id).where(*counted))
    listed = db.session.scalars(
        select(RaidItem).join(RaidItem.initiative).where(*counted)
        .options(contains_eager(RaidItem.initiative))
        .order_by(issue_urgency(), RaidItem.due_date.asc().nulls_last(), RaidItem.id)
        .limit(ISSUES_LISTED)).unique().all()
    return OpenIssues(count or 0, list(listed))


# ------------------------------------------------------------------- next milestones


def milestone_due():
    """SQL: when an open milestone is due, its forecast date, else its baseline date."""
    return func.coalesce(Milestone.forecast_date, Milestone.baseline_date)


def next_milestones(scoped, limit: int = MILESTONES_LISTED) -> list[tuple[Milestone, Initiative]]:
    """The open milestones of live work with their initiative, soonest due first: those
    overdue (due before today) come first because they are due earliest. One statement."""
    return [(milestone, initiative) for milestone, initiative in db.session.execute(
        select(Milestone, Initiative).join(Initiative, Milestone.initiative_id == Initiative.id)
        .where(Milestone.actual_date.is_(None), Initiative.state.not_in(ENDED), *scoped)
        .order_by(milestone_due(), Milestone.id).limit(limit)).unique()]
