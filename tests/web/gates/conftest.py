"""Fixtures for the gates area: initiatives standing at each gate with its criteria met."""
from datetime import date, timedelta

import pytest

from pmo_web.extensions import db
from pmo_web.gates import service
from tests import factories
from workflows.gate import Condition

from .helpers import GATE_STATES


@pytest.fixture
def at_gate(users):
    """Make an initiative owned by the requester, standing at `gate` with its entry criteria met."""

    def make(gate: str, capital=None, **fields):
        initiative = factories.make_initiative(owner=users["requester"], state=GATE_STATES[gate], **fields)
        if gate == "G1":
            factories.make_score(initiative, users["pmo"])
        elif gate == "G2":
            factories.make_business_case(initiative, users["pmo"], capital=capital)
        elif gate == "G3":
            factories.make_milestone(initiative, done=True)
        else:
            factories.make_benefit(initiative, actual="350 hours")
            factories.make_lesson(initiative)
            initiative.satisfaction_score = 4
        db.session.commit()
        return initiative

    return make


@pytest.fixture
def requested(at_gate, users):
    """Make an open review of `gate`, requested by the PMO, for a fresh initiative."""

    def make(gate: str, capital=None, **fields):
        review = service.request_review(at_gate(gate, capital=capital, **fields), users["pmo"])
        db.session.commit()
        return review

    return make


@pytest.fixture
def second_approver(users):
    """Another approver, for quorums of two."""
    user = factories.make_user(roles=("approver",), email="approver2@example.test",
                               department=users["approver"].department)
    db.session.commit()
    return user


@pytest.fixture
def approved_with(requested, users):
    """Make `gate` approved with `conditions` (by default one, due in a month, owned by a
    name typed in): the initiative moves on and the conditions are in force."""

    def make(gate: str = "G2", conditions=None, **fields):
        review = requested(gate, **fields)
        conditions = conditions or (
            Condition("Agree the data-sharing terms", "Head of Information", date.today() + timedelta(days=30)),)
        service.record_decision(review, users["approver"], "approve_with_conditions", comment="Subject to",
                                conditions=conditions)
        db.session.commit()
        return review

    return make
