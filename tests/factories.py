"""Small factory functions for tests: make_user(**kw), make_initiative(**kw) ...

Each adds to the session and flushes (so ids exist) but never commits; the `app`
fixture's database is thrown away after each test.
"""
from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from pmo_web.extensions import db
from pmo_web.models import (
    Benefit,
    BusinessCase,
    CaseBenefit,
    CaseCost,
    CaseOption,
    Department,
    GateCondition,
    GateDecision,
    GateReview,
    Initiative,
    Lesson,
    Milestone,
    Programme,
    RaidItem,
    Score,
    StrategicPriority,
    User,
)
from pmo_web.models.base import utcnow

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_department(name: str | None = None) -> Department:
    dept = Department(name=name or f"Department {next(_seq)}")
    db.session.add(dept)
    db.session.flush()
    return dept


def make_priority(name: str | None = None, position: int = 0) -> StrategicPriority:
    priority = StrategicPriority(name=name or f"Priority {next(_seq)}", position=position)
    db.session.add(priority)
    db.session.flush()
    return priority


def make_programme(name: str | None = None) -> Programme:
    programme = Programme(name=name or f"Programme {next(_seq)}")
    db.session.add(programme)
    db.session.flush()
    return programme


def make_user(roles=("requester",), email: str | None = None, department: Department | None = None,
              rank: str = "sergeant", name: str | None = None, password: str = PASSWORD) -> User:
    n = next(_seq)
    user = User(email=email or f"user{n}@example.test", name=name or f"User {n}",
                department=department or make_department(), rank=rank)
    user.set_password(password)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    return user


def make_initiative(owner: User | None = None, state: str = "draft", **fields) -> Initiative:
    """An initiative with every request field filled, placed directly in `state`.

    Placing a state directly is for arranging tests only; the app moves states
    through workflows/ alone. Any state past the draft counts as submitted (as an import
    places it); pass submitted_at=None for one withdrawn before it was ever submitted.
    """
    owner = owner or make_user()
    values = dict(
        title=f"Replace the custody record system {next(_seq)}",
        description="Custody staff keep paper logs alongside the system.",
        problem="Records are duplicated and errors reach court files.",
        department=owner.department,
        sponsor="Ch Supt A. Example",
        desired_outcome="One digital custody record.",
        deadline_driver="Supplier contract ends March 2028.",
        cost_band="100k_500k",
        strategic_priority=fields.pop("strategic_priority", None) or make_priority(),
    )
    values.update(fields)
    values.setdefault("submitted_at", None if state == "draft" else utcnow())
    initiative = Initiative(owner=owner, state=state, **values)
    db.session.add(initiative)
    db.session.flush()
    return initiative


def make_score(initiative: Initiative, scorer: User, total: int = 72, band: str = "High") -> Score:
    score = Score(initiative_id=initiative.id, scorer_id=scorer.id, urgency=4, complexity=3,
                  desirability=4, alignment=4, weights={"urgency": 30, "desirability": 30,
                                                        "alignment": 25, "complexity": 15},
                  total=total, band=band, rationale="Test scoring")
    db.session.add(score)
    db.session.flush()
    return score


def make_business_case(initiative: Initiative, author: User, complete: bool = True,
                       capital: Decimal | None = None) -> BusinessCase:
    """A version 1 case: complete (five cases, two options, a revenue cost, a benefit) or not;
    `capital` adds a one-off capital cost of that many pounds, which makes it capital-funded."""
    text = "Written." if complete else ""
    case = BusinessCase(initiative_id=initiative.id, version=1, author_id=author.id,
                        strategic_case=text or "Only the strategic case.", economic_case=text,
                        commercial_case=text, financial_case=text, management_case=text)
    if complete:
        case.options = [CaseOption(name="Do minimum"), CaseOption(name="Replace", preferred=True)]
        case.costs = [CaseCost(description="Licences", category="revenue", nature="recurring",
                               amount=Decimal("25000"), financial_year=2026)]
        case.benefits = [CaseBenefit(name="Officer hours released", category="non_cash_releasing",
                                     measure="Hours per month", target="400")]
    if capital is not None:
        case.costs.append(CaseCost(description="Hardware", category="capital", nature="one_off",
                                   amount=Decimal(capital), financial_year=2026))
    db.session.add(case)
    db.session.flush()
    return case


def make_milestone(initiative: Initiative, done: bool = True, **fields) -> Milestone:
    baseline = date.today() - timedelta(days=30)
    milestone = Milestone(initiative_id=initiative.id, name=fields.pop("name", "Go live"),
                          baseline_date=baseline, actual_date=baseline if done else None, **fields)
    db.session.add(milestone)
    db.session.flush()
    return milestone


def make_benefit(initiative: Initiative, actual: str = "", **fields) -> Benefit:
    benefit = Benefit(initiative_id=initiative.id, name=fields.pop("name", "Officer hours released"),
                      category=fields.pop("category", "non_cash_releasing"), actual_value=actual, **fields)
    db.session.add(benefit)
    db.session.flush()
    return benefit


def make_lesson(initiative: Initiative, **fields) -> Lesson:
    lesson = Lesson(initiative_id=initiative.id, owner=fields.pop("owner", "Project manager"),
                    dependencies=fields.pop("dependencies", "None"), date_added=date.today(),
                    title=fields.pop("title", "Engage custody staff early"), **fields)
    db.session.add(lesson)
    db.session.flush()
    return lesson


def make_raid_item(initiative: Initiative, kind: str = "risk", **fields) -> RaidItem:
    """A RAID item of `kind` with the fields that kind needs (a risk: likelihood 3 x impact 4)."""
    defaults = {
        "risk": {"title": "Supplier may deliver late", "status": "open", "likelihood": 3, "impact": 4,
                 "category": "supplier", "response": "reduce", "review_date": date.today() + timedelta(days=14)},
        "assumption": {"title": "Funding continues next year", "status": "unvalidated",
                       "due_date": date.today() + timedelta(days=30)},
        "issue": {"title": "Test environment unavailable", "status": "open", "issue_type": "problem",
                  "priority": "high", "due_date": date.today() + timedelta(days=7)},
        "dependency": {"title": "Needs the new network", "status": "open", "direction": "we_need",
                       "external_party": "Network supplier", "due_date": date.today() + timedelta(days=60)},
    }[kind]
    item = RaidItem(initiative_id=initiative.id, kind=kind, **{**defaults, **fields})
    db.session.add(item)
    db.session.flush()
    return item


def make_decided_review(initiative: Initiative, requested_by: User, approver: User, gate: str,
                        decision: str = "approve", **review_fields) -> GateReview:
    """A gate review of `gate` settled by one decision of `approver` (the rows only: the
    initiative is not moved). Approved by default; `decision="defer"` leaves it deferred for
    a month, "return_for_rework" returned, each with a comment."""
    outcome = {"approve": "approved", "approve_with_conditions": "approved", "defer": "deferred",
               "return_for_rework": "returned", "reject": "rejected"}[decision]
    defer_until = date.today() + timedelta(days=30) if decision == "defer" else None
    review = GateReview(initiative_id=initiative.id, gate=gate, state="deferred" if defer_until else "decided",
                        outcome=outcome, approver_role="approver", quorum=1, requested_by_id=requested_by.id,
                        decided_at=utcnow(), defer_until=defer_until, **review_fields)
    review.decisions.append(GateDecision(approver_id=approver.id, decision=decision, defer_until=defer_until,
                                         comment="" if decision == "approve" else f"Comment on the {outcome} gate"))
    db.session.add(review)
    db.session.flush()
    return review


def make_condition(initiative: Initiative, requested_by: User, approver: User, gate: str = "G2",
                   **fields) -> GateCondition:
    """An open condition in force: set by an approval of `gate` on a review that was approved
    (the rows only; the initiative is not moved). For worlds that need one to point URLs at."""
    review = make_decided_review(initiative, requested_by, approver, gate, "approve_with_conditions")
    condition = GateCondition(decision=review.decisions[0], initiative_id=initiative.id, gate=gate,
                              text=fields.pop("text", "Agree the data-sharing terms"),
                              owner=fields.pop("owner", "Head of Information"),
                              due=fields.pop("due", date.today() + timedelta(days=30)), **fields)
    db.session.add(condition)
    db.session.flush()
    return condition
