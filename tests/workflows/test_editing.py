"""What may be changed in which state (workflows/editing.py), the named groups of states
(workflows/lifecycle.py), who may ask for a gate and when (workflows/gate.py), and which
lifecycle button may be pressed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from workflows import editing
from workflows.gate import (
    GATE_FOR_STATE,
    next_gate,
    refuse_second_request,
    request_refusals,
    require_request,
    require_request_again,
)
from workflows.lifecycle import (
    BEFORE_CASE_STATES,
    CASE_STATES,
    CASED_STATES,
    DELIVERED_STATES,
    DELIVERING_STATES,
    DELIVERY_STATES,
    IN_DELIVERY_STATES,
    LIVE_STATES,
    MERGE_TARGET_STATES,
    MERGEABLE_STATES,
    OPEN_STATES,
    REASONED_END_STATES,
    STATE_LABELS,
    STATES,
    STOPPED_STATES,
    TERMINAL_STATES,
    Actor,
    IllegalTransition,
    Lifecycle,
    LifecycleFacts,
    NotPermitted,
)

PMO = Actor(1, frozenset({"pmo"}))
APPROVER = Actor(2, frozenset({"approver"}))
OWNER = Actor(3, frozenset({"requester"}))

# The table as the rules state it, written out by hand so a changed entry fails here.
EDITABLE = {
    "business_case": {"business_case"},
    "score": {"scoring"},
    "delivery": {"delivery", "on_hold"},
    "lessons": {"delivery", "on_hold", "benefits_review"},
    "highlight_report": {"delivery", "on_hold", "benefits_review"},
    "benefit_actuals": {"benefits_review"},
    "benefits": {"benefits_review"},
    "satisfaction": {"benefits_review"},
    "booking": {"business_case", "delivery", "on_hold", "benefits_review"},
    "demand": {"business_case", "delivery", "on_hold"},
}


def test_every_kind_is_in_the_table_and_named():
    assert set(editing.EDIT_RULES) == set(EDITABLE) == set(editing.KIND_LABELS)


@pytest.mark.parametrize("kind", sorted(EDITABLE))
@pytest.mark.parametrize("state", STATES)
def test_each_record_changes_only_in_its_states(kind, state):
    allowed = state in EDITABLE[kind]
    assert editing.may_edit(kind, state) is allowed
    assert (editing.refusals(kind, state) == []) is allowed
    if allowed:
        editing.require(kind, state)
    else:
        with pytest.raises(IllegalTransition):
            editing.require(kind, state)


def test_nothing_changes_once_the_initiative_has_ended():
    for kind in EDITABLE:
        assert not any(editing.may_edit(kind, state) for state in TERMINAL_STATES), kind


@pytest.mark.parametrize("kind, state, reference, refusal", [
    ("lessons", "closed", "this initiative",
     "Lessons can be changed only in Delivery, On hold or Benefits review; this initiative is in Closed"),
    ("delivery", "benefits_review", "this initiative",
     "Delivery details can be changed only in Delivery or On hold; this initiative is in Benefits review"),
    ("highlight_report", "scoring", "this initiative",
     "Reports are written only in Delivery, On hold or Benefits review; this initiative is in Scoring"),
    ("benefit_actuals", "delivery", "this initiative",
     "Benefit actuals can be recorded only in Benefits review; this initiative is in Delivery"),
    ("benefits", "closed", "this initiative",
     "Benefits can be recorded only in Benefits review; this initiative is in Closed"),
    ("satisfaction", "on_hold", "this initiative",
     "Stakeholder satisfaction can be recorded only in Benefits review; this initiative is in On hold"),
    ("business_case", "delivery", "INI-0007",
     "INI-0007 is in Delivery; the business case can be changed only in Business case"),
    ("score", "triage", "INI-0003", "INI-0003 is in Triage; only initiatives in Scoring can be scored"),
    ("booking", "closed", "INI-0012",
     "People can be booked only from the business case to the benefits review; INI-0012 is in Closed"),
    ("demand", "benefits_review", "INI-0012",
     "Demand is stated from the business case until delivery ends; INI-0012 is in Benefits review"),
])
def test_the_refusal_says_where_it_may_change_and_where_the_initiative_is(kind, state, reference, refusal):
    assert editing.refusals(kind, state, reference) == [refusal]
    with pytest.raises(IllegalTransition) as refused:
        editing.require(kind, state, reference)
    assert refused.value.reasons == [refusal]


def test_an_issued_report_is_frozen_in_any_state():
    editing.require("highlight_report", "delivery")
    with pytest.raises(IllegalTransition) as refused:
        editing.require("highlight_report", "delivery", frozen=True)
    assert refused.value.reasons == ["This report has been issued: it is a frozen snapshot and cannot be changed"]
    # The state is the first refusal: an issued report of closed work says the work has ended.
    with pytest.raises(IllegalTransition) as refused:
        editing.require("highlight_report", "closed", frozen=True)
    assert refused.value.reasons[0].startswith("Reports are written only in")


def test_an_unknown_state_or_kind_is_an_error_not_a_refusal():
    with pytest.raises(ValueError):
        editing.may_edit("lessons", "archived")
    with pytest.raises(KeyError):
        editing.may_edit("minutes", "delivery")


# ------------------------------------------------------------------ named groups


def test_the_named_groups_of_states():
    assert IN_DELIVERY_STATES == ("delivery", "on_hold")
    assert DELIVERING_STATES == ("delivery", "on_hold", "benefits_review")
    assert DELIVERED_STATES == ("benefits_review", "closed")
    assert DELIVERY_STATES == ("delivery", "on_hold", "benefits_review", "closed")
    assert CASED_STATES == ("business_case", "delivery", "on_hold", "benefits_review", "closed")
    assert CASE_STATES == (*CASED_STATES, "cancelled")
    assert BEFORE_CASE_STATES == ("draft", "submitted", "triage", "info_requested", "scoring")
    assert set(OPEN_STATES) == set(STATES) - TERMINAL_STATES
    assert LIVE_STATES == tuple(s for s in OPEN_STATES if s != "draft") == MERGE_TARGET_STATES
    assert set(STOPPED_STATES) == TERMINAL_STATES - {"closed"}
    assert set(REASONED_END_STATES) <= set(STOPPED_STATES)
    assert MERGEABLE_STATES == ("submitted", "triage")


def test_every_group_is_made_of_states_in_lifecycle_order():
    groups = [IN_DELIVERY_STATES, DELIVERING_STATES, DELIVERED_STATES, DELIVERY_STATES, CASED_STATES,
              CASE_STATES, BEFORE_CASE_STATES, OPEN_STATES, LIVE_STATES, STOPPED_STATES, MERGEABLE_STATES]
    for group in groups:
        assert list(group) == [s for s in STATES if s in group]


# ------------------------------------------------------------------ gate requests


def test_only_the_pmo_asks_for_a_gate():
    assert request_refusals(APPROVER, "scoring", awaiting=False) == ["Only the PMO can request a gate review"]
    with pytest.raises(NotPermitted):
        require_request(APPROVER, "scoring", awaiting=False)
    admin = Actor(4, frozenset({"admin"}))
    assert require_request(admin, "scoring", awaiting=False) == "G1"


@pytest.mark.parametrize("state", STATES)
def test_a_gate_is_asked_for_only_where_one_follows(state):
    if state in GATE_FOR_STATE:
        assert require_request(PMO, state, awaiting=False) == GATE_FOR_STATE[state] == next_gate(state)
    else:
        with pytest.raises(IllegalTransition) as refused:
            require_request(PMO, state, awaiting=False)
        assert refused.value.reasons == [f"No gate follows the state '{STATE_LABELS[state]}'"]
        with pytest.raises(IllegalTransition):
            next_gate(state)


def test_a_gate_already_awaiting_a_decision_is_not_asked_for_twice():
    with pytest.raises(IllegalTransition) as refused:
        require_request(PMO, "business_case", awaiting=True)
    assert refused.value.reasons == ["Gate G2 is already awaiting a decision"]
    with pytest.raises(IllegalTransition) as refused:
        refuse_second_request("G2")
    assert refused.value.reasons == ["Gate G2 is already awaiting a decision"]


def test_a_deferred_gate_is_asked_for_again_only_while_it_still_applies():
    require_request_again(PMO, "deferred", "G2", "business_case", "INI-0001")
    with pytest.raises(NotPermitted):
        require_request_again(APPROVER, "deferred", "G2", "business_case", "INI-0001")
    for review_state, state in (("decided", "business_case"), ("deferred", "delivery")):
        with pytest.raises(IllegalTransition) as refused:
            require_request_again(PMO, review_state, "G2", state, "INI-0001")
        assert refused.value.reasons == ["Gate G2 of INI-0001 is not waiting to be requested again"]


# ------------------------------------------------------------------ buttons


def lifecycle(state, owner_id=3):
    return Lifecycle(SimpleNamespace(state=state), LifecycleFacts(initiative_id=9, owner_id=owner_id))


def test_a_button_is_refused_from_the_wrong_state_for_a_gate_move_and_for_the_wrong_role():
    lifecycle("triage").require_button("accept", PMO, "INI-0009")
    with pytest.raises(IllegalTransition) as refused:
        lifecycle("draft").require_button("accept", PMO, "INI-0009")
    assert refused.value.reasons == ["Accept is not possible from Draft"]
    with pytest.raises(NotPermitted) as refused:
        lifecycle("scoring").require_button("advance", PMO, "INI-0009")
    assert refused.value.reasons == ["Advance happens only through a gate decision"]
    with pytest.raises(NotPermitted) as refused:
        lifecycle("triage").require_button("accept", OWNER, "INI-0009")
    assert refused.value.reasons == [
        "You cannot accept INI-0009: it is not an action your role allows on this initiative"]
    # The owner may submit their own draft; someone else's they may not.
    lifecycle("draft").require_button("submit", OWNER, "INI-0009")
    with pytest.raises(NotPermitted):
        lifecycle("draft", owner_id=99).require_button("submit", OWNER, "INI-0009")
