"""The demo loader for `flask --app pmo_web seed-demo`: a county police force's change portfolio
(portfolio.py, from data/*.json) walked into the database.

Every initiative reaches its state through the real workflow (pmo_web.workflow.fire for
the hand triggers, the gate service for gate reviews and decisions), so the audit trail,
the gate history and the benefits register are the ones the app itself would have
written. Only the clock is staged: while seeding, every timestamp the app stamps as "now"
is moved onto a demo clock that walks each initiative through a plausible past of up to
18 months, so ages on the kanban, time in stage and cycle times look real.

The data is the same on every run (one seeded random generator); the dates move with today.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event, select
from werkzeug.security import generate_password_hash

from workflows.gate import APPROVING_DECISIONS, Condition
from workflows.lifecycle import IN_DELIVERY_STATES

from .. import workflow
from ..benefits.register import financial_year
from ..extensions import db
from ..gates import conditions as gate_conditions
from ..gates import service as gates
from ..models import (
    AuditEvent,
    Benefit,
    BusinessCase,
    CaseBenefit,
    CaseCost,
    CaseOption,
    CaseRisk,
    Department,
    GateDecision,
    GateReview,
    GateSetting,
    Initiative,
    Lesson,
    Milestone,
    Programme,
    Score,
    ScoreAlignment,
    Setting,
    StrategicPriority,
    User,
)
from ..models.base import utcnow
from ..scoring import matrix
from . import governance, registers, reports, resources
from .cast import Cast, DemoClock
from .portfolio import (
    APPROVAL_COMMENTS,
    BAND_THOUSANDS,
    BOARD_CHAIR,
    CANCELLATION_LESSON,
    COMMERCIAL,
    CONDITION_EVIDENCE,
    CONDITIONS,
    COST_LINES,
    DECISION_COMMENTS,
    DEFAULT_REASONS,
    DEMO_LOGINS,
    DEPARTMENTS,
    DO_MINIMUM,
    FINANCE_DIRECTOR,
    FUNDING_SOURCE,
    GATE_CODES,
    GATE_NOTES,
    GATE_SETTINGS,
    HEAD_OF_CHANGE,
    INITIATIVES,
    LESSONS,
    MILESTONES,
    OWNER_OF,
    PEOPLE,
    PMO_LEAD,
    PRIORITIES,
    PROGRAMMES,
    PROJECT_MANAGERS,
    REWORK_COST,
    RISKS,
    SPONSORS,
    VARIANCE_NOTE,
    DemoInitiative,
)

# ----------------------------------------------------------------- the shape of a past

# The lifecycle each route travels; gates (G1-G4) are expanded into reviews and decisions.
_TO_SCORING = ("submit", "start_triage", "accept", "score")
_TO_CASE = _TO_SCORING + ("G1", "write_case")
_TO_DELIVERY = _TO_CASE + ("G2", "mobilise")
_TO_REVIEW = _TO_DELIVERY + ("finish_delivery", "G3", "measure")
ROUTES = {
    "draft": (),
    "submitted": ("submit",),
    "triage": ("submit", "start_triage"),
    "info_requested": ("submit", "start_triage", "request_info"),
    "scoring": _TO_SCORING,
    "business_case": _TO_CASE,
    "delivery": _TO_DELIVERY + ("progress",),
    "on_hold": _TO_DELIVERY + ("progress", "hold"),
    "benefits_review": _TO_REVIEW,
    "closed": _TO_REVIEW + ("G4",),
}
# detour: (the step it follows, the steps it adds)
DETOURS = {
    "info": ("start_triage", ("request_info", "resubmit")),
    "pause": ("mobilise", ("hold", "resume")),
    "rescore": ("score", ("score",)),
}
# Days between the previous step and this one: (fewest, most).
GAPS = {
    "submit": (1, 9), "start_triage": (1, 6), "request_info": (2, 10), "resubmit": (3, 14),
    "accept": (3, 15), "reject": (3, 20), "merge": (2, 10), "withdraw": (3, 25),
    "score": (4, 14), "request_gate": (5, 21), "decide": (2, 10), "write_case": (21, 56),
    "mobilise": (2, 10), "progress": (45, 210), "hold": (20, 90), "resume": (21, 60),
    "cancel": (14, 60), "measure": (60, 150),
}
DELIVERY_DAYS = {"digital": (120, 270), "estates": (300, 540), "fleet": (150, 300), "service": (90, 210)}
DEFER_DAYS = 28
# Days from the last step to today, by what the last step was.
TAILS = {
    "create": (1, 25), "submit": (1, 12), "start_triage": (2, 20), "request_info": (3, 18),
    "resubmit": (1, 10), "score": (5, 35), "write_case": (10, 60), "progress": (1, 14),
    "hold": (10, 75), "measure": (10, 50), "awaiting": (1, 9), "closed": (20, 200),
    "reject": (20, 300), "withdraw": (20, 300), "cancel": (30, 200), "merge": (5, 60),
}
MAX_HISTORY_DAYS = 540  # about 18 months

# Timestamps the app writes as "now", which the demo moves onto its own clock.
_CLOCKED = {
    AuditEvent: ("created_at",),
    Initiative: ("created_at", "state_changed_at", "submitted_at"),
    Score: ("created_at",),
    BusinessCase: ("created_at",),
    GateReview: ("requested_at", "decided_at"),
    GateDecision: ("created_at",),
    Lesson: ("created_at",),
    User: ("created_at",),
}


# ------------------------------------------------------------------------------ seeding


def seed_portfolio(password: str) -> bool:
    """Load the demo portfolio in one transaction, every login with `password`; False (and
    nothing written) if it is there."""
    if db.session.scalar(select(User.id).where(User.email.in_(DEMO_LOGINS)).limit(1)) is not None:
        return False
    rng = random.Random(2026)
    today = utcnow() - timedelta(hours=1)
    clock = DemoClock(rng, latest=today)
    try:
        with _on_demo_clock(db.session(), clock):
            clock.start(today - timedelta(days=MAX_HISTORY_DAYS + 60))
            cast = _cast(rng, clock, password)
            plans = [plan(demo, rng) for demo in INITIATIVES]
            # Oldest first, so CR references follow the order requests arrived; duplicates last,
            # after the work they duplicate.
            plans.sort(key=lambda p: (p.demo.merge_into is not None, -p.days_ago))
            for past in plans:
                clock.start(today - timedelta(days=past.days_ago))
                cast.walked[past.demo.title] = Walk(past.demo, cast).run(past.steps)
            _settle_old_conditions(today.date(), cast.people[PMO_LEAD])
            registers.seed(cast, today)
            reports.seed(cast, today)
            resources.seed(today.date())
            governance.seed(cast, today)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return True


@contextmanager
def _on_demo_clock(session, clock: DemoClock):
    """While seeding, any timestamp the app stamps as "now" (or leaves to its column default)
    is set to the demo clock at flush, so the real code paths write a believable history."""
    real_start = utcnow() - timedelta(minutes=1)

    def restamp(session, _context, _instances):
        for row in list(session.new) + list(session.dirty):
            for name in _CLOCKED.get(type(row), ()):
                value = getattr(row, name)
                defaulted = value is None and row in session.new and type(row).__table__.c[name].default is not None
                if defaulted or (value is not None and value >= real_start):
                    setattr(row, name, clock.now)

    event.listen(session, "before_flush", restamp)
    try:
        yield
    finally:
        event.remove(session, "before_flush", restamp)


def _cast(rng: random.Random, clock: DemoClock, password: str) -> Cast:
    """Reference data, settings and people; rows an admin already made are reused by name."""
    departments = {name: _named(Department, name) for name in DEPARTMENTS}
    priorities = {key: _named(StrategicPriority, name, position=position)
                  for position, (key, name) in enumerate(PRIORITIES, start=1)}
    programmes = {key: _named(Programme, name, description=text, start_year=start, end_year=end)
                  for key, (name, text, start, end) in PROGRAMMES.items()}
    for key, value in Setting.DEFAULTS.items():
        if db.session.get(Setting, key) is None:
            Setting.put(key, value)
    for code, quorum, capital_quorum in GATE_SETTINGS:
        if db.session.get(GateSetting, code) is None:
            db.session.add(GateSetting(code=code, approver_role="approver", quorum=quorum,
                                       capital_quorum=capital_quorum))
    # Hashed once (as User.set_password would): scrypt takes a tenth of a second a time and
    # every demo login shares the one published password anyway.
    password_hash = generate_password_hash(password)
    people = {}
    for email, name, rank, department, roles in PEOPLE:
        person = User(email=email, name=name, rank=rank, department=departments[department],
                      password_hash=password_hash)
        person.set_roles(roles)
        db.session.add(person)
        people[email] = person
    db.session.flush()
    return Cast(rng, clock, people, departments, priorities, programmes, Setting.get("scoring_weights"))


def _named(model, name: str, **fields):
    """The row of `model` called `name`, added with `fields` if there is none yet."""
    row = db.session.scalar(select(model).where(model.name == name))
    if row is None:
        row = model(name=name, **fields)
        db.session.add(row)
    return row


def _settle_old_conditions(today: date, pmo) -> None:
    """Gate conditions due more than a fortnight ago are met, but for the latest of them on
    work still in delivery, left overdue so the PMO has one to chase; later ones are open."""
    old = gate_conditions.conditions_due(today - timedelta(days=15))
    chase = [c for c in old if c.initiative.state in IN_DELIVERY_STATES][-1:]
    for condition in old:
        if condition not in chase:
            gate_conditions.close_condition(condition, pmo, "meet", CONDITION_EVIDENCE[condition.gate])


# ---------------------------------------------------------------------------- planning


@dataclass
class Step:
    """One thing that happens to an initiative, `gap` days after the step before it."""

    action: str
    gap: float = 0.0
    arg: object = None


@dataclass
class Plan:
    """One initiative's past: its steps, and the days from the last of them to today."""

    demo: DemoInitiative
    steps: list[Step]
    tail: float

    @property
    def days_ago(self) -> float:
        """How long ago the initiative was first drafted."""
        return sum(step.gap for step in self.steps) + self.tail


def plan(demo: DemoInitiative, rng: random.Random) -> Plan:
    """The steps of `demo`'s past with the days between them, squeezed into the last 18 months."""
    tokens = list(ROUTES[demo.route]) + list(demo.then)
    for detour in demo.detours:
        anchor, extra = DETOURS[detour]
        at = tokens.index(anchor) + 1
        tokens[at:at] = extra
    steps = [Step("create")]
    ending = "create"
    for token in tokens:
        if token in GATE_CODES:
            ending = _plan_gate(steps, demo, token, rng)
            if ending != "approved":
                break
            ending = "closed" if token == "G4" else token
        else:
            steps.append(Step(token, _gap(token, demo, rng)))
            ending = token
    tail = rng.uniform(*TAILS.get(ending, (2, 45)))
    total = sum(step.gap for step in steps)
    room = MAX_HISTORY_DAYS * rng.uniform(0.85, 1.0) - tail
    if total > room:  # squeeze long journeys into the last 18 months, not all to the same day
        for step in steps:
            step.gap *= room / total
    _plan_delivery_span(steps, demo, rng)
    for number, step in enumerate(steps):
        if step.action == "measure":  # complete only when closure is asked for next
            step.arg = any(s.action == "request_gate" and s.arg == "G4" for s in steps[number:])
    return Plan(demo, steps, tail)


def _gap(token: str, demo: DemoInitiative, rng: random.Random) -> float:
    if token == "finish_delivery":
        return rng.uniform(*DELIVERY_DAYS[demo.kind]) + demo.slip
    return rng.uniform(*GAPS[token])


def _plan_gate(steps: list[Step], demo: DemoInitiative, code: str, rng: random.Random) -> str:
    """Add each review of gate `code` and its decisions; "approved", "reject" or "awaiting"."""
    quorum = next(capital if demo.funding == "capital" and capital else q
                  for c, q, capital in GATE_SETTINGS if c == code)
    reviews = demo.gates.get(code, [("approve",) * quorum])
    for number, decisions in enumerate(reviews):
        gap = rng.uniform(*GAPS["request_gate"])
        if number and reviews[number - 1][-1] == "defer":
            gap = DEFER_DAYS + rng.uniform(0, 7)
        if number and reviews[number - 1][-1] == "return_for_rework":
            steps.append(Step("write_case", rng.uniform(14, 35)))
        steps.append(Step("request_gate", gap, code))
        settled = len(decisions) >= quorum or any(d not in APPROVING_DECISIONS for d in decisions)
        # A review left open waits for the demo approver, so their queue has work in it.
        panel = (rng.choice((HEAD_OF_CHANGE, HEAD_OF_CHANGE, BOARD_CHAIR)), FINANCE_DIRECTOR) if settled \
            else (FINANCE_DIRECTOR,)
        # Fewer decisions than approvers: one decision can settle a review; an open one awaits its next.
        for approver, decision in zip(panel, decisions, strict=False):
            steps.append(Step("decide", rng.uniform(*GAPS["decide"]), (decision, approver)))
    last = reviews[-1]
    if "reject" in last:
        return "reject"
    if len(last) < quorum or any(d not in APPROVING_DECISIONS for d in last):
        return "awaiting"
    return "approved"


def _plan_delivery_span(steps: list[Step], demo: DemoInitiative, rng: random.Random) -> None:
    """Give the mobilise step its planned delivery length in days: beyond today for work still
    in delivery, and `slip` days short of the actual finish for work that has finished."""
    actions = [step.action for step in steps]
    if "mobilise" not in actions:
        return
    start = actions.index("mobilise")
    # Every route through mobilise goes on to progress (still delivering) or finish_delivery.
    end = next(n for n in range(start + 1, len(steps)) if actions[n] in ("progress", "finish_delivery"))
    elapsed = sum(step.gap for step in steps[start + 1:end + 1])
    if actions[end] == "progress":
        steps[start].arg = elapsed + rng.uniform(60, 240)
    else:
        steps[start].arg = max(elapsed - demo.slip, elapsed * 0.7)


# ------------------------------------------------------------------------------ walking


class Walk:
    """Replays one initiative's planned past through the real workflow, one step at a time."""

    def __init__(self, demo: DemoInitiative, cast: Cast):
        self.demo = demo
        self.cast = cast
        self.rng = cast.rng
        self.clock = cast.clock
        self.owner = cast.people[OWNER_OF[demo.department]]
        self.pmo = cast.people[PMO_LEAD]
        self.initiative: Initiative | None = None
        self.review: GateReview | None = None
        self.cost_total = 0
        self.started: date | None = None
        self.span = 0

    def run(self, steps: list[Step]) -> Initiative:
        for step in steps:
            self.clock.advance(step.gap)
            getattr(self, step.action)(step.arg)
            db.session.flush()  # each step's rows take this step's time
        return self.initiative

    # -- request and triage: hand triggers

    def create(self, _arg) -> None:
        demo = self.demo
        self.initiative = Initiative(
            title=demo.title, description=demo.description, problem=demo.problem,
            department=self.cast.departments[demo.department], sponsor=SPONSORS[demo.department],
            desired_outcome=demo.outcome, deadline_driver=demo.deadline, cost_band=demo.cost_band,
            strategic_priority=self.cast.priorities[demo.priority], owner=self.owner,
        )
        db.session.add(self.initiative)

    def submit(self, _arg) -> None:
        workflow.fire(self.initiative, "submit", self.owner)

    def start_triage(self, _arg) -> None:
        workflow.fire(self.initiative, "start_triage", self.pmo)

    def request_info(self, _arg) -> None:
        workflow.fire(self.initiative, "request_info", self.pmo, question=self._reason("request_info"))

    def resubmit(self, _arg) -> None:
        workflow.fire(self.initiative, "resubmit", self.owner, answer=self._reason("resubmit"))

    def accept(self, _arg) -> None:
        workflow.fire(self.initiative, "accept", self.pmo)

    def reject(self, _arg) -> None:
        workflow.fire(self.initiative, "reject", self.pmo, reason=self._reason("reject"))

    def withdraw(self, _arg) -> None:
        workflow.fire(self.initiative, "withdraw", self.owner, reason=self._reason("withdraw"))

    def merge(self, _arg) -> None:
        survivor = self.cast.walked[self.demo.merge_into]
        workflow.fire(self.initiative, "merge", self.pmo, target_id=survivor.id)

    # -- scoring and the business case

    def score(self, _arg) -> None:
        urgency, complexity, desirability, alignment_values = self.demo.score
        rescoring = db.session.scalar(select(Score.id).where(Score.initiative_id == self.initiative.id)) is not None
        if rescoring:
            urgency = min(urgency + 1, 5)
        alignments = {self.cast.priorities[key].id: value
                      for (key, _name), value in zip(PRIORITIES, alignment_values, strict=True)}
        total, band = matrix.compute(urgency, complexity, desirability, alignments, self.cast.weights)
        override = None if rescoring else self.demo.override
        db.session.add(Score(
            initiative_id=self.initiative.id, scorer_id=self.pmo.id, urgency=urgency,
            complexity=complexity, desirability=desirability,
            alignment=matrix.best_alignment(alignments), weights=dict(self.cast.weights),
            total=total, band=band, band_override=override[0] if override else None,
            override_comment=override[1] if override else "",
            rationale=self._reason("rescore") if rescoring else self._rationale(),
            alignments=[ScoreAlignment(priority_id=pid, value=v) for pid, v in alignments.items()],
        ))

    def write_case(self, _arg) -> None:
        demo, initiative = self.demo, self.initiative
        previous = workflow.current_case(initiative.id)
        if previous is None:  # the PMO names a project manager and a programme for the case
            initiative.manager = self.cast.people[self.rng.choice(PROJECT_MANAGERS)]
            initiative.programme = self.cast.programmes.get(demo.programme)
            low, high = BAND_THOUSANDS[demo.cost_band]
            self.cost_total = self.rng.randint(low, high) * 1000
        lines = COST_LINES[(demo.kind, demo.funding)] + ((REWORK_COST,) if previous else ())
        # One-off costs fall in this financial year; running costs start in the next.
        this_year = financial_year(self.clock.today)
        costs = [CaseCost(description=text, category=category, nature=nature,
                          financial_year=this_year + (nature == "recurring"),
                          amount=Decimal(max(500, round(self.cost_total * share / 500) * 500)))
                 for text, category, nature, share in lines]
        case = BusinessCase(
            initiative_id=initiative.id, version=previous.version + 1 if previous else 1,
            author_id=initiative.manager.id, costs=costs,
            options=[CaseOption(name="Do nothing", description=f"Carry on as now. {demo.problem}"),
                     CaseOption(name="Do minimum", description=DO_MINIMUM[demo.kind]),
                     CaseOption(name=f"Preferred: {demo.title}", description=demo.outcome, preferred=True)],
            benefits=self._planned_benefits(),
            risks=[CaseRisk(description=d, mitigation=m) for d, m in RISKS[demo.kind]],
        )
        for name, text in self._five_cases(case).items():
            setattr(case, name, text)
        db.session.add(case)
        initiative.funding_type = case.funding_type  # as saving the case does (docs/rules.md 9)

    # -- gates

    def request_gate(self, code: str) -> None:
        requester = self.pmo if code in ("G1", "G2") else self.initiative.manager
        # Earlier gates' conditions are met before the next gate is asked for (docs/rules.md 9).
        for condition in gate_conditions.open_conditions(self.initiative.id):
            gate_conditions.close_condition(condition, requester, "meet", CONDITION_EVIDENCE[condition.gate])
        self.review = gates.request_review(self.initiative, requester, note=GATE_NOTES[code])

    def decide(self, arg: tuple[str, str]) -> None:
        decision, approver_email = arg
        code = self.review.gate
        conditions = ()
        if decision == "approve_with_conditions":
            owner = self.initiative.manager or self.pmo
            conditions = (Condition(CONDITIONS[code], owner.name, self.clock.today + timedelta(days=45),
                                    owner_id=owner.id),)
        if decision == "approve":
            comment = APPROVAL_COMMENTS[code]
        elif decision == "reject":
            comment = self._reason("reject_at_gate")
        else:
            comment = DECISION_COMMENTS[decision]
        defer_until = self.clock.today + timedelta(days=DEFER_DAYS) if decision == "defer" else None
        # The service adds decisions by review_id, so a review held across decisions (a web
        # request never does) must reload them to count the earlier approvals towards quorum.
        db.session.expire(self.review, ["decisions"])
        gates.record_decision(self.review, self.cast.people[approver_email], decision, comment=comment,
                              conditions=conditions, defer_until=defer_until)

    # -- delivery

    def mobilise(self, span: float) -> None:
        """After the investment decision: budget, baseline plan and the benefits' baselines."""
        initiative, case = self.initiative, workflow.current_case(self.initiative.id)
        self.started, self.span = self.clock.today, span
        # The delivery budget covers the one-off costs and the first year's running costs.
        approved = case.total_cost(nature="one_off") + case.total_cost(nature="recurring")
        initiative.budget_approved = approved
        initiative.budget_forecast = approved
        initiative.budget_actual = Decimal(0)
        initiative.planned_end = initiative.forecast_end = self.started + timedelta(days=round(span))
        names = MILESTONES[self.demo.kind]
        for number, name in enumerate(names, start=1):
            baseline = self.started + timedelta(days=round(span * number / len(names)))
            db.session.add(Milestone(initiative_id=initiative.id, name=name, baseline_date=baseline,
                                     forecast_date=baseline))
        initiative.delivery_confidence = "green"
        initiative.confidence_justification = "Mobilised: team in place and plan baselined."
        for benefit in self._benefits():
            benefit.owner = initiative.sponsor
            benefit.baseline_date = self.started
            benefit.target_date = initiative.planned_end + timedelta(days=365)
            benefit.status = "on_track"

    def progress(self, _arg) -> None:
        """Where delivery stands today: milestones met or slipping, spend to date, confidence."""
        initiative, today, slip = self.initiative, self.clock.today, self.demo.slip
        for share, milestone in self._milestones():
            expected = milestone.baseline_date + timedelta(days=round(slip * share))
            milestone.forecast_date = expected
            if expected <= today:
                milestone.actual_date = expected
        elapsed = min(max((today - self.started).days / self.span, 0), 1)
        approved = initiative.budget_approved
        initiative.budget_forecast = _pounds(approved * Decimal(1 + self.demo.overrun
                                                                if self.demo.overrun else self.rng.uniform(0.95, 1.0)))
        initiative.budget_actual = _pounds(initiative.budget_forecast * Decimal(elapsed * self.rng.uniform(0.85, 1.0)))
        initiative.forecast_end = initiative.planned_end + timedelta(days=slip)
        rating, justification = self.demo.confidence or (
            "green", "On plan: milestones and spend in line with the baseline.")
        initiative.delivery_confidence, initiative.confidence_justification = rating, justification
        if rating in ("amber_red", "red"):
            for benefit in self._benefits():
                benefit.status = "at_risk"

    def finish_delivery(self, _arg) -> None:
        """Delivery done: milestones met (one may stay open with an accepted variance), final spend."""
        initiative, today, slip = self.initiative, self.clock.today, self.demo.slip
        milestones = self._milestones()
        for share, milestone in milestones:
            milestone.actual_date = min(milestone.baseline_date + timedelta(days=round(slip * share)), today)
            milestone.forecast_date = milestone.actual_date
        if self.demo.variance:
            _share, last = milestones[-1]
            last.actual_date = None
            last.forecast_date = today + timedelta(days=75)
            last.variance_accepted = True
            last.variance_note = VARIANCE_NOTE
        approved, overrun = initiative.budget_approved, self.demo.overrun
        initiative.budget_actual = initiative.budget_forecast = _pounds(
            approved * Decimal(1 + overrun if overrun else self.rng.uniform(0.92, 1.0)))
        initiative.forecast_end = max(m.actual_date for _share, m in milestones if m.actual_date)
        default = ("green", "Delivered to scope and within the approved budget.")
        initiative.delivery_confidence, initiative.confidence_justification = self.demo.confidence or default

    def hold(self, _arg) -> None:
        workflow.fire(self.initiative, "hold", self.initiative.manager, reason=self._reason("hold"))

    def resume(self, _arg) -> None:
        workflow.fire(self.initiative, "resume", self.initiative.manager, reason=self._reason("resume"))

    def cancel(self, _arg) -> None:
        reason, stage = self._reason("cancel"), self.initiative.stage
        workflow.fire(self.initiative, "cancel", self.cast.people[HEAD_OF_CHANGE], reason=reason)
        for benefit in self._benefits():
            benefit.status = "not_realised"
            benefit.no_actual_reason = f"Initiative cancelled: {reason}"
        author = self.initiative.manager or self.pmo
        db.session.add(Lesson(initiative_id=self.initiative.id, owner=author.name, logged_by_id=author.id,
                              date_added=self.clock.today, stage=stage, event=reason,
                              **CANCELLATION_LESSON))

    # -- benefits review

    def measure(self, complete: bool) -> None:
        """Benefits measured against target, lessons logged; sponsor satisfaction when complete.
        Short of closure, the last benefit still waits for its data."""
        benefits = self._benefits()
        measured = benefits if complete else benefits[:-1]
        for benefit in measured:
            self._record_actual(benefit)
        self._log_lessons(complete)
        if complete:
            score, comment = self.demo.satisfaction or (4, "Satisfied with the outcome.")
            self.initiative.satisfaction_score = score
            self.initiative.satisfaction_comment = comment

    # -- helpers

    def _reason(self, key: str) -> str:
        return self.demo.reasons.get(key) or DEFAULT_REASONS[key]

    def _rationale(self) -> str:
        demo = self.demo
        best = max(zip(demo.score[3], (name for _key, name in PRIORITIES), strict=True))[1]
        driver = demo.deadline or "No fixed deadline."
        return f"Triage panel scoring. Time driver: {driver} Best fit with the priority “{best}”."

    def _planned_benefits(self) -> list[CaseBenefit]:
        demo, planned = self.demo, []
        if demo.hours:
            planned.append(CaseBenefit(name="Officer and staff hours released", category="non_cash_releasing",
                                       measure="Hours a year", target=f"{demo.hours:,} hours"))
        if demo.saving:
            planned.append(CaseBenefit(name="Cashable saving", category="cash_releasing",
                                       measure="£ a year removed from budgets", target=f"£{demo.saving:,}",
                                       financial_value=Decimal(demo.saving)))
        if demo.quality:
            name, measure, _baseline, target = demo.quality
            planned.append(CaseBenefit(name=name, category="quality", measure=measure, target=target))
        return planned

    def _five_cases(self, case: BusinessCase) -> dict[str, str]:
        demo, initiative = self.demo, self.initiative
        priority = self.cast.priorities[demo.priority].name
        programme = f" It sits in the {initiative.programme.name}." if initiative.programme else ""
        gains = [f"releases about {demo.hours:,} officer and staff hours a year"] if demo.hours else []
        if demo.saving:
            gains.append(f"saves £{demo.saving:,} a year")
        if demo.quality:
            name, _measure, baseline, target = demo.quality
            gains.append(f"moves “{name}” from {baseline} to {target}")
        one_off, recurring = case.total_cost(nature="one_off"), case.total_cost(nature="recurring")
        capital = case.total_cost(category="capital")
        year = self.clock.today.year if self.clock.today.month >= 4 else self.clock.today.year - 1
        months = round(DELIVERY_DAYS[demo.kind][1] / 30)
        return {
            "strategic_case": f"{demo.problem} {demo.description} It serves the force priority "
                              f"“{priority}”.{programme} {demo.deadline}".strip(),
            "economic_case": f"Three options were appraised over five years: do nothing, do minimum and "
                             f"the preferred option. The preferred option {' and '.join(gains)}. Do nothing "
                             f"leaves the problem to grow; do minimum costs less but secures under half "
                             f"of the benefit.",
            "commercial_case": COMMERCIAL[demo.kind],
            "financial_case": f"One-off costs of £{one_off:,.0f} (of which capital £{capital:,.0f}) and "
                              f"recurring costs of £{recurring:,.0f} a year. {FUNDING_SOURCE[demo.funding]} "
                              f"Recurring costs from the second year are built into the {demo.department} "
                              f"budget from {year + 1}/{(year + 2) % 100:02d}.",
            "management_case": f"{initiative.manager.name} manages the project for {initiative.sponsor}, "
                               f"the senior responsible owner, with monthly highlight reports to the "
                               f"Corporate Delivery Board. Delivery within {months} months of approval; "
                               f"benefits are owned in the business and reviewed 6 and 12 months after "
                               f"go-live.",
        }

    def _benefits(self) -> list[Benefit]:
        return list(db.session.scalars(select(Benefit).where(Benefit.initiative_id == self.initiative.id)
                                       .order_by(Benefit.id)))

    def _milestones(self) -> list[tuple[float, Milestone]]:
        """The initiative's milestones in plan order, each with how far through the plan it falls."""
        rows = list(db.session.scalars(select(Milestone).where(Milestone.initiative_id == self.initiative.id)
                                       .order_by(Milestone.baseline_date, Milestone.id)))
        return [(number / len(rows), row) for number, row in enumerate(rows, start=1)]

    def _record_actual(self, benefit: Benefit) -> None:
        demo, today = self.demo, self.clock.today
        achieved = self.rng.uniform(0.75, 1.1)
        benefit.baseline_value = {"non_cash_releasing": "0 hours", "cash_releasing": "£0"}.get(
            benefit.category, demo.quality[2] if demo.quality else "")
        if benefit.category == "quality" and achieved < 0.85:
            benefit.no_actual_reason = ("The first full-year figures come with the annual report; the "
                                        "interim quarter shows the measure moving towards target.")
            return
        benefit.actual_date = today
        benefit.status = "realised" if achieved >= 0.95 else "partially_realised"
        if benefit.category == "non_cash_releasing":
            benefit.actual_value = f"{round(demo.hours * achieved, -1):,.0f} hours"
            benefit.evidence = "Time-and-motion sample before and after go-live, agreed with Finance."
        elif benefit.category == "cash_releasing":
            benefit.realised_value = _pounds(Decimal(demo.saving) * Decimal(achieved))
            benefit.actual_value = f"£{benefit.realised_value:,.0f}"
            benefit.evidence = "Budget line reduced in the medium-term financial plan."
        else:
            met = achieved >= 0.95
            benefit.actual_value = (f"{benefit.target_value} (met)" if met
                                    else f"Improving; {benefit.target_value} not yet reached")
            benefit.evidence = "Performance report to the Corporate Delivery Board."

    def _log_lessons(self, complete: bool) -> None:
        """This initiative's own lesson, plus one of the common lessons for its kind of work
        at closure (or when it has none of its own)."""
        lessons = [self.demo.lesson] if self.demo.lesson else []
        if complete or not lessons:
            pool = LESSONS[self.demo.kind]
            lessons.append(pool[self.cast.lessons_given[self.demo.kind] % len(pool)])
            self.cast.lessons_given[self.demo.kind] += 1
        author = self.initiative.manager or self.pmo
        for lesson in lessons:
            db.session.add(Lesson(initiative_id=self.initiative.id, owner=author.name,
                                  date_added=self.clock.today, logged_by_id=author.id, **lesson))


def _pounds(amount: Decimal) -> Decimal:
    """Round to the nearest £100, as budgets are reported."""
    return (Decimal(amount) / 100).quantize(Decimal(1)) * 100
