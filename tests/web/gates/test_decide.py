"""Recording decisions: who may decide, what each decision needs, and what it does."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import delete, insert, select

from pmo_web.extensions import db
from pmo_web.gates import service
from pmo_web.models import (
    AuditEvent,
    Benefit,
    BusinessCase,
    CaseCost,
    GateCondition,
    GateDecision,
    GateReview,
    GateSetting,
    Initiative,
)
from tests import factories

from .helpers import count


def boxes(day: date) -> list[str]:
    """A date as typed into GOV.UK's day, month and year boxes."""
    return [str(day.day), str(day.month), str(day.year)]


IN_A_MONTH = date.today() + timedelta(days=30)
BLANK_ROWS = {f"conditions-{n}-{part}": "" for n in range(3) for part in ("text", "owner")} | {
    f"conditions-{n}-due": ["", "", ""] for n in range(3)}


def decide(client, review, decision, comment="", htmx=False, **fields):
    """Post the decision form as a browser does: every box present, most left blank."""
    data = {"decision": decision, "comment": comment, **BLANK_ROWS, "defer_until": ["", "", ""], **fields}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url_for("gates.decide", review_id=review.id), data=data, headers=headers)


# The business case as the PMO saves it, with GBP 180,000 of capital costs.
CAPITAL_CASE = {
    "base_version": "0", "appraisal_years": "5",
    **{name: "Written." for name in ("strategic_case", "economic_case", "commercial_case", "financial_case",
                                     "management_case")},
    "options-0-name": "Replace the system", "options-0-preferred": "y",
    "costs-0-description": "Custody suite hardware", "costs-0-category": "capital", "costs-0-nature": "one_off",
    "costs-0-financial_year": "2026", "costs-0-amount": "£180,000",
    "benefits-0-name": "Officer hours released", "benefits-0-category": "non_cash_releasing",
    "benefits-0-measure": "Hours per month", "benefits-0-target": "400",
}


def state_of(initiative_id: int) -> str:
    return db.session.get(Initiative, initiative_id).state


def follow(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


# ---------------------------------------------------------------- who may decide

@pytest.mark.parametrize("role, reason", [
    ("requester", "Only users with the approver role may decide gate G1"),
    ("pmo", "Only users with the approver role may decide gate G1"),
    ("viewer", "Only users with the approver role may decide gate G1"),
    ("admin", "Only users with the approver role may decide gate G1"),
])
def test_only_approvers_may_decide(client, auth, users, requested, role, reason):
    review = requested("G1")
    auth.login(users[role])
    response = decide(client, review, "approve")
    assert response.status_code == 403
    assert reason in response.get_data(as_text=True)
    assert count(GateDecision) == 0
    assert state_of(review.initiative_id) == "scoring"


def test_requester_of_another_department_gets_not_found(client, auth, requested, outsider):
    review = requested("G1")
    auth.login(outsider)
    assert decide(client, review, "approve").status_code == 404
    assert count(GateDecision) == 0


def test_anonymous_is_sent_to_sign_in(client, requested):
    response = decide(client, requested("G1"), "approve")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert count(GateDecision) == 0


def test_the_owner_cannot_approve_their_own_gate_even_as_an_approver(client, auth, users):
    owner = factories.make_user(roles=("requester", "approver"), department=users["requester"].department)
    initiative = factories.make_initiative(owner=owner, state="scoring")
    factories.make_score(initiative, users["pmo"])
    review = service.request_review(initiative, users["pmo"])
    db.session.commit()
    auth.login(owner)
    response = decide(client, review, "approve")
    assert response.status_code == 403
    assert "The requester of an initiative cannot decide its gate" in response.get_data(as_text=True)
    assert count(GateDecision) == 0
    assert state_of(initiative.id) == "scoring"


def test_the_same_approver_cannot_decide_twice(client, auth, users, second_approver):
    db.session.add(GateSetting(code="G1", approver_role="approver", quorum=2))
    initiative = factories.make_initiative(owner=users["requester"], state="scoring")
    factories.make_score(initiative, users["pmo"])
    review = service.request_review(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["approver"])
    assert decide(client, review, "approve").status_code == 303
    again = decide(client, review, "approve")
    assert again.status_code == 403
    assert "You have already decided this gate" in again.get_data(as_text=True)
    assert count(GateDecision) == 1


def test_a_decided_review_conflicts(client, auth, users, requested, second_approver):
    review = requested("G1")
    auth.login(users["approver"])
    assert decide(client, review, "approve").status_code == 303
    auth.logout()
    auth.login(second_approver)
    response = decide(client, review, "reject", comment="Too late")
    assert response.status_code == 409
    assert "Gate G1 has already been decided" in response.get_data(as_text=True)
    assert count(GateDecision) == 1


def test_a_racing_duplicate_is_caught_by_the_unique_key(client, auth, users, requested, monkeypatch):
    review = requested("G1")
    lock = service._lock_for_decision

    def other_tab_first(gate_review):
        # The same approver's other tab inserts between this request's (locked) read of the
        # decisions and its insert: possible on SQLite, where FOR UPDATE is a no-op.
        lock(gate_review)
        db.session.execute(insert(GateDecision).values(review_id=gate_review.id, approver_id=users["approver"].id,
                                                       decision="approve", comment=""))

    monkeypatch.setattr(service, "_lock_for_decision", other_tab_first)
    auth.login(users["approver"])
    response = decide(client, review, "approve")
    assert response.status_code == 409
    assert "You have already decided this gate" in response.get_data(as_text=True)
    assert count(GateDecision) == 0
    assert state_of(review.initiative_id) == "scoring"


# ---------------------------------------------------------------- approvals and quorum

def test_approval_at_quorum_one_advances_the_initiative(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    response = decide(client, review, "approve")
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("gates.review", review_id=review.id, _external=False)
    assert "Gate 1 approved: the initiative moved to Business case" in follow(client, response)
    assert state_of(review.initiative_id) == "business_case"
    decided = db.session.get(GateReview, review.id)
    assert (decided.state, decided.outcome) == ("decided", "approved")
    assert decided.decided_at is not None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.gate_review_id == review.id)
                                .order_by(AuditEvent.id)).all()
    assert [(e.kind, e.trigger, e.from_state, e.to_state) for e in events] == [
        ("gate_requested", "request_gate", "scoring", "scoring"),
        ("gate_decision", "decide", "scoring", "scoring"),
        ("transition", "advance", "scoring", "business_case"),
    ]
    assert events[1].actor_id == users["approver"].id


def test_capital_investment_decision_needs_two_distinct_approvers(client, auth, users, requested,
                                                                   second_approver):
    db.session.add(GateSetting(code="G2", approver_role="approver", quorum=1, capital_quorum=2))
    review = requested("G2", capital=Decimal("180000"))
    assert review.quorum == 2

    auth.login(users["approver"])
    first = decide(client, review, "approve")
    assert "Approve: 1 of 2 approvals recorded" in follow(client, first)
    assert state_of(review.initiative_id) == "business_case"
    assert db.session.get(GateReview, review.id).state == "requested"
    auth.logout()

    auth.login(second_approver)
    second = decide(client, review, "approve_with_conditions", comment="Subject to revised costs",
                    **{"conditions-0-text": "Revise the costs", "conditions-0-owner": "Head of Finance",
                       "conditions-0-due": boxes(IN_A_MONTH)})
    assert "Gate 2 approved: the initiative moved to Delivery" in follow(client, second)
    assert state_of(review.initiative_id) == "delivery"
    assert count(GateDecision) == 2


@pytest.mark.parametrize("marked", [None, "revenue", "capital"])
def test_revenue_work_keeps_the_ordinary_quorum(client, auth, users, requested, marked):
    """A case with no capital costs is revenue-funded, whatever the initiative was marked before."""
    db.session.add(GateSetting(code="G2", approver_role="approver", quorum=1, capital_quorum=2))
    review = requested("G2", funding_type=marked)
    assert review.quorum == 1
    auth.login(users["approver"])
    decide(client, review, "approve")
    assert state_of(review.initiative_id) == "delivery"


def test_a_capital_case_needs_the_configured_quorum_at_gate_two(client, auth, users, second_approver):
    """Issue 14, point 4: funding comes from the business case, so GBP 180k of capital costs
    entered in the case make Gate 2 need its capital quorum (2); one approval does not pass."""
    db.session.add(GateSetting(code="G2", approver_role="approver", quorum=1, capital_quorum=2))
    initiative = factories.make_initiative(owner=users["requester"], state="business_case")
    db.session.commit()
    assert initiative.funding_type is None  # nobody set it on the delivery page beforehand
    auth.login(users["pmo"])
    saved = client.post(url_for("cases.edit", initiative_id=initiative.id), data=CAPITAL_CASE)
    assert saved.status_code == 303
    requested_page = client.post(url_for("gates.request_review", initiative_id=initiative.id), data={"note": ""})
    assert requested_page.status_code == 303
    review = db.session.scalar(select(GateReview).where(GateReview.initiative_id == initiative.id))
    assert review.quorum == 2
    auth.logout()

    auth.login(users["approver"])
    assert "Approve: 1 of 2 approvals recorded" in follow(client, decide(client, review, "approve"))
    assert state_of(initiative.id) == "business_case"
    assert db.session.get(GateReview, review.id).state == "requested"
    auth.logout()
    auth.login(second_approver)
    assert "Gate 2 approved" in follow(client, decide(client, review, "approve"))
    assert state_of(initiative.id) == "delivery"


def test_investment_decision_opens_the_benefits_register(client, auth, users, requested):
    review = requested("G2")
    assert count(Benefit) == 0
    auth.login(users["approver"])
    decide(client, review, "approve")
    benefits = db.session.scalars(select(Benefit).where(Benefit.initiative_id == review.initiative_id)).all()
    assert [(b.name, b.target_value) for b in benefits] == [("Officer hours released", "400")]


def test_approval_refused_when_criteria_broke_since_the_request_keeps_nothing(client, auth, users, requested):
    review = requested("G2")
    case = db.session.scalar(select(BusinessCase).where(BusinessCase.initiative_id == review.initiative_id))
    db.session.execute(delete(CaseCost).where(CaseCost.case_id == case.id))
    db.session.commit()
    auth.login(users["approver"])
    response = decide(client, review, "approve")
    assert response.status_code == 422
    assert "Business case incomplete: Costs" in response.get_data(as_text=True)
    assert count(GateDecision) == 0
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.kind == "gate_decision")) is None
    assert db.session.get(GateReview, review.id).state == "requested"
    assert state_of(review.initiative_id) == "business_case"


# ---------------------------------------------------------------- what each decision needs

@pytest.mark.parametrize("decision", ["approve_with_conditions", "reject", "defer", "return_for_rework"])
def test_a_comment_is_required_unless_approving(client, auth, users, requested, decision):
    review = requested("G1")
    auth.login(users["approver"])
    response = decide(client, review, decision, defer_until=boxes(IN_A_MONTH),
                      **{"conditions-0-text": "Revise the costs", "conditions-0-owner": "Head of Finance",
                         "conditions-0-due": boxes(IN_A_MONTH)})
    assert response.status_code == 422
    assert "Enter a comment: it is required for every decision except approve" in response.get_data(as_text=True)
    assert count(GateDecision) == 0
    assert count(AuditEvent) == 1  # only the request


def test_a_decision_must_be_chosen(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    response = client.post(url_for("gates.decide", review_id=review.id), data={})
    assert response.status_code == 422
    assert "Select your decision" in response.get_data(as_text=True)
    assert count(GateDecision) == 0


def test_approval_with_conditions_stores_each_condition(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    later = IN_A_MONTH + timedelta(days=30)
    response = decide(client, review, "approve_with_conditions", comment="Two conditions",
                      **{"conditions-0-text": "Revise the costs", "conditions-0-owner": "Head of Finance",
                         "conditions-0-due": boxes(IN_A_MONTH),
                         "conditions-2-text": "Name a benefits owner", "conditions-2-owner": "Sponsor",
                         "conditions-2-due": boxes(later)})
    assert response.status_code == 303
    decision = db.session.scalar(select(GateDecision))
    assert (decision.decision, decision.comment) == ("approve_with_conditions", "Two conditions")
    assert [(c.text, c.owner, c.owner_id, c.due, c.state, c.gate, c.initiative_id) for c in decision.conditions] == [
        ("Revise the costs", "Head of Finance", None, IN_A_MONTH, "open", "G1", review.initiative_id),
        ("Name a benefits owner", "Sponsor", None, later, "open", "G1", review.initiative_id),
    ]
    assert state_of(review.initiative_id) == "business_case"


def test_approval_with_conditions_needs_at_least_one(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    response = decide(client, review, "approve_with_conditions", comment="Conditions to follow")
    assert response.status_code == 422
    assert "Add at least one condition, with its owner and due date" in response.get_data(as_text=True)
    assert count(GateDecision) == 0


def test_a_condition_filled_in_part_is_an_error(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    response = decide(client, review, "approve_with_conditions", comment="See condition",
                      **{"conditions-0-text": "Revise the costs"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter who owns the condition" in page
    assert "Enter the date the condition is due" in page
    assert 'href="#conditions-0-owner"' in page
    assert count(GateDecision) + count(GateCondition) == 0


def test_conditions_typed_before_choosing_approve_are_ignored(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    response = decide(client, review, "approve", defer_until=["31", "2", "2030"],
                      **{"conditions-0-text": "Half a thought"})
    assert response.status_code == 303
    decision = db.session.scalar(select(GateDecision))
    assert decision.conditions == [] and decision.defer_until is None


@pytest.mark.parametrize("typed, message", [
    (["", "", ""], "Enter the date to come back to this gate"),
    (["31", "2", "2030"], "Come back to this gate on must be a real date"),
    (boxes(date.today()), "The date to come back to this gate must be in the future"),
    (boxes(date.today() - timedelta(days=1)), "The date to come back to this gate must be in the future"),
])
def test_a_deferral_needs_a_future_date(client, auth, users, requested, typed, message):
    review = requested("G1")
    auth.login(users["approver"])
    response = decide(client, review, "defer", comment="Await the spending review", defer_until=typed)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(GateDecision) == 0


def test_deferral_keeps_the_initiative_where_it_is(client, auth, users, requested):
    review = requested("G2")
    auth.login(users["approver"])
    response = decide(client, review, "defer", comment="Await the spending review", defer_until=boxes(IN_A_MONTH))
    assert "Gate 2 deferred: to be looked at again on" in follow(client, response)
    deferred = db.session.get(GateReview, review.id)
    # docs/rules.md 9: the review stays open, with the date to come back.
    assert (deferred.state, deferred.outcome, deferred.defer_until) == ("deferred", "deferred", IN_A_MONTH)
    assert deferred.decisions[0].defer_until == IN_A_MONTH
    assert state_of(review.initiative_id) == "business_case"


def test_return_for_rework_keeps_the_initiative_and_frees_the_gate(client, auth, users, requested):
    review = requested("G2")
    auth.login(users["approver"])
    decide(client, review, "return_for_rework", comment="The options appraisal is thin")
    assert db.session.get(GateReview, review.id).outcome == "returned"
    assert state_of(review.initiative_id) == "business_case"
    assert service.open_review(db.session.get(Initiative, review.initiative_id)) is None


# ---------------------------------------------------------------- rejection

@pytest.mark.parametrize("gate, state_after", [
    ("G1", "rejected"), ("G2", "rejected"), ("G3", "delivery"), ("G4", "benefits_review")])
def test_rejection_ends_early_gates_and_returns_late_ones(client, auth, users, requested, gate, state_after):
    review = requested(gate)
    auth.login(users["approver"])
    response = decide(client, review, "reject", comment="Not good enough", confirm_reject="y")
    assert response.status_code == 303
    assert db.session.get(GateReview, review.id).outcome == "rejected"
    assert state_of(review.initiative_id) == state_after


def test_rejection_at_gate_one_records_why(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    response = decide(client, review, "reject", comment="No strategic fit", confirm_reject="y")
    assert "Gate 1 rejected: the initiative is closed as rejected" in follow(client, response)
    transition = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "transition"))
    assert (transition.trigger, transition.to_state) == ("reject_at_gate", "rejected")


# Issue 14, point 10: an irreversible rejection asks to be confirmed; one that returns the
# initiative to its stage (Gates 3 and 4) does not.
@pytest.mark.parametrize("gate, asks", [("G1", True), ("G2", True), ("G3", False), ("G4", False)])
def test_a_rejection_that_closes_the_initiative_must_be_confirmed(client, auth, users, requested, gate, asks):
    review = requested(gate)
    auth.login(users["approver"])
    page = client.get(url_for("gates.review", review_id=review.id)).get_data(as_text=True)
    assert ('name="confirm_reject"' in page) is asks
    response = decide(client, review, "reject", comment="Not good enough")
    if asks:
        assert response.status_code == 422
        assert "Confirm that you want to reject: it closes the initiative and cannot be undone" in \
            response.get_data(as_text=True)
        assert count(GateDecision) == 0
        assert state_of(review.initiative_id) == review.initiative.state
    else:
        assert response.status_code == 303


def test_the_confirmation_is_ignored_for_other_decisions(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    assert decide(client, review, "approve").status_code == 303  # no box ticked, none needed


# ---------------------------------------------------------------- htmx

def test_htmx_invalid_decision_gets_the_panel_with_errors(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    response = decide(client, review, "reject", htmx=True)
    assert response.status_code == 422
    assert b"<html" not in response.data
    assert b'id="gate-decision"' in response.data
    assert b"govuk-error-summary" in response.data


def test_htmx_refusal_gets_the_panel_with_the_reason(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["pmo"])
    response = decide(client, review, "approve", htmx=True)
    assert response.status_code == 403
    assert b"<html" not in response.data
    assert b"Only users with the approver role may decide gate G1" in response.data


def test_htmx_success_redirects_the_whole_page(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    response = decide(client, review, "approve", htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == url_for("gates.review", review_id=review.id, _external=False)
