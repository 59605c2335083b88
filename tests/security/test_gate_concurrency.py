"""Gate decisions are never double-counted, nor lost, when approvers decide at the same moment.

Two different approvers approve a quorum-2 review. Each decision runs as a request would:
its own app context, its own session, its own transaction. On PostgreSQL they run at once,
in two threads released together, with the window between reading the prior decisions and
committing held open; the review's row lock makes the second wait and count the first. SQLite
serialises writing transactions, so there the same two decisions run one after the other.
Either way: two decisions, the review decided, and exactly one move of the initiative.
"""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pmo_web.extensions import db
from pmo_web.gates import service
from pmo_web.models import (
    AuditEvent,
    GateDecision,
    GateReview,
    GateSetting,
    Initiative,
    User,
)
from tests import factories
from workflows.lifecycle import IllegalTransition

# How long each decision holds its transaction open after reading the prior decisions:
# long enough that, without the lock, both would read "no other approval yet".
WINDOW_SECONDS = 0.5


@pytest.fixture
def review(users):
    """A G1 review needing two approvals, and the two approvers."""
    db.session.add(GateSetting(code="G1", approver_role="approver", quorum=2))
    initiative = factories.make_initiative(owner=users["requester"], state="scoring")
    factories.make_score(initiative, users["pmo"])
    db.session.commit()
    made = service.request_review(initiative, users["pmo"])
    db.session.commit()
    assert made.quorum == 2
    second = factories.make_user(roles=("approver",), email="approver2@example.test",
                                 department=users["approver"].department)
    db.session.commit()
    return made.id, made.initiative_id, (users["approver"].id, second.id)


def decide(app, review_id: int, approver_id: int, start: threading.Barrier | None, errors: list) -> None:
    """One approver's decision, as one request: own app context, session and commit."""
    try:
        with app.app_context():
            gate_review = db.session.get(GateReview, review_id)
            approver = db.session.get(User, approver_id)
            if start is not None:
                start.wait(timeout=10)
            service.record_decision(gate_review, approver, "approve")
            db.session.commit()
    except Exception as error:  # noqa: BLE001 (any failure in a thread is reported to the test)
        errors.append(error)


def test_two_approvers_at_once_make_exactly_one_transition(app, review, monkeypatch):
    review_id, initiative_id, approvers = review
    concurrent = db.engine.dialect.name == "postgresql"
    errors: list = []
    if concurrent:
        build = service._workflow

        def slow_workflow(*args, **kwargs):
            # Read the prior decisions, then wait before deciding: the race, made certain.
            workflow = build(*args, **kwargs)
            time.sleep(WINDOW_SECONDS)
            return workflow

        monkeypatch.setattr(service, "_workflow", slow_workflow)
        start = threading.Barrier(2)
        threads = [threading.Thread(target=decide, args=(app, review_id, who, start, errors)) for who in approvers]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - began
    else:
        for who in approvers:
            decide(app, review_id, who, None, errors)
    assert errors == []

    db.session.expire_all()
    decided = db.session.get(GateReview, review_id)
    assert db.session.scalar(select(func.count(GateDecision.id)).where(GateDecision.review_id == review_id)) == 2
    assert (decided.state, decided.outcome) == ("decided", "approved")
    assert db.session.get(Initiative, initiative_id).state == "business_case"
    moves = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.initiative_id == initiative_id, AuditEvent.from_state != AuditEvent.to_state))
    assert moves == 1
    if concurrent:
        # Serialised by the lock: the second waited for the first to commit.
        assert elapsed >= 2 * WINDOW_SECONDS


def test_the_same_approver_twice_at_once_counts_once(app, review):
    """Two tabs of one approver: one decision is kept, the other refused."""
    review_id, initiative_id, (approver_id, _second) = review
    errors: list = []
    for _tab in range(2):
        decide(app, review_id, approver_id, None, errors)
    assert len(errors) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(GateDecision.id)).where(GateDecision.review_id == review_id)) == 1
    assert db.session.get(GateReview, review_id).state == "requested"
    assert db.session.get(Initiative, initiative_id).state == "scoring"


def ask_again(app, review_id: int, pmo_id: int, start: threading.Barrier | None, errors: list) -> None:
    """One PMO officer's "Request again" on a deferred review, as one request."""
    try:
        with app.app_context():
            deferred = db.session.get(GateReview, review_id)
            pmo = db.session.get(User, pmo_id)
            if start is not None:
                start.wait(timeout=10)
            service.request_again(deferred, pmo)
            db.session.commit()
    except Exception as error:  # noqa: BLE001 (any failure in a thread is reported to the test)
        errors.append(error)


def test_two_officers_asking_again_at_once_open_one_review(app, users, monkeypatch):
    """docs/rules.md 9: a deferred gate asked for again by two PMO officers at the same moment
    opens one fresh review; the other request is refused (the route answers it 409), and the
    deferred review is closed once."""
    initiative = factories.make_initiative(owner=users["requester"], state="scoring")
    factories.make_score(initiative, users["pmo"])
    db.session.commit()
    deferred = service.request_review(initiative, users["pmo"])
    db.session.commit()
    service.record_decision(deferred, users["approver"], "defer", comment="Later", defer_until=date.today())
    db.session.commit()
    second = factories.make_user(roles=("pmo",), email="pmo2@example.test", department=users["pmo"].department)
    db.session.commit()
    officers = (users["pmo"].id, second.id)
    errors: list = []
    if db.engine.dialect.name == "postgresql":
        check = service.entry_failures

        def slow_check(*args, **kwargs):
            # Both have read the deferral and checked the criteria before either writes.
            failures = check(*args, **kwargs)
            time.sleep(WINDOW_SECONDS)
            return failures

        monkeypatch.setattr(service, "entry_failures", slow_check)
        start = threading.Barrier(2)
        threads = [threading.Thread(target=ask_again, args=(app, deferred.id, who, start, errors)) for who in officers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    else:
        for who in officers:
            ask_again(app, deferred.id, who, None, errors)
    assert len(errors) == 1
    assert isinstance(errors[0], (IntegrityError, IllegalTransition)), errors
    db.session.expire_all()
    reviews = db.session.scalars(select(GateReview).where(GateReview.initiative_id == initiative.id)
                                 .order_by(GateReview.id)).all()
    assert [(r.state, r.outcome) for r in reviews] == [("decided", "deferred"), ("requested", None)]
