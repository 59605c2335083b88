"""Gate reviews: who may decide, what each decision needs, and what it does to the initiative."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from workflows.gate import (
    DECISION_LABELS,
    DECISIONS,
    GATE_FOR_STATE,
    GATES,
    Condition,
    Decision,
    GateEvent,
    GateReview,
    GateSpec,
    apply_outcome,
    gate_spec,
)
from workflows.lifecycle import (
    Actor,
    GuardRefused,
    IllegalTransition,
    Lifecycle,
    LifecycleFacts,
    NotPermitted,
    TransitionEvent,
)

REQUESTER = Actor(1, frozenset({"requester", "approver"}))  # owns the initiative, also an approver
PMO = Actor(2, frozenset({"pmo"}))
ADMIN = Actor(5, frozenset({"admin"}))
VIEWER = Actor(4, frozenset({"viewer"}))
ALICE = Actor(11, frozenset({"approver"}))
BOB = Actor(12, frozenset({"approver"}))
CAROL = Actor(13, frozenset({"approver"}))

CONDITION = Condition("Submit revised costs", "Finance lead", date(2025, 9, 30))

# Inputs that satisfy each decision's own rules.
GOOD = {
    "approve": {},
    "approve_with_conditions": {"comment": "Subject to costs", "conditions": (CONDITION,)},
    "reject": {"comment": "No strategic fit"},
    "defer": {"comment": "Await spending review", "defer_until": date(2025, 11, 1)},
    "return_for_rework": {"comment": "Options appraisal is thin"},
}

# Outcome of one good decision at quorum 1 (docs/rules.md 1, transcribed).
SINGLE_OUTCOME = {
    "approve": "approved",
    "approve_with_conditions": "approved",
    "reject": "rejected",
    "defer": "deferred",
    "return_for_rework": "returned",
}

# The review's state after that decision: a deferral keeps it open (docs/rules.md 9).
STATE_AFTER = {decision: "deferred" if decision == "defer" else "decided" for decision in DECISIONS}


def review(
    state: str = "requested", *, code: str = "G1", quorum: int = 1, prior: list[Decision] | None = None, **spec_kw
) -> tuple[SimpleNamespace, GateReview, list[TransitionEvent]]:
    """A review row, its GateReview for an initiative owned by REQUESTER, and its event list."""
    row = SimpleNamespace(state=state, outcome=None if state == "requested" else "approved")
    events: list[TransitionEvent] = []
    spec = gate_spec(code, quorum=quorum, **spec_kw)
    return row, GateReview(row, spec, REQUESTER.id, prior or [], on_event=events.append), events


def assert_refused(row, gate_review, events, error, actor, decision, **kw):
    """Deciding raises ``error`` and changes nothing."""
    before = (row.state, row.outcome, list(gate_review.decisions))
    with pytest.raises(error) as raised:
        gate_review.decide(actor, decision, **kw)
    assert type(raised.value) is error
    assert (row.state, row.outcome, gate_review.decisions) == before
    assert events == []
    return raised.value


# -------------------------------------------------------------------- the gate table


def test_gates_follow_the_domain_table():
    assert {c: (s.name, s.from_state, s.to_state, s.approver_role, s.quorum) for c, s in GATES.items()} == {
        "G1": ("Approve to develop a business case", "scoring", "business_case", "approver", 1),
        "G2": ("Investment decision", "business_case", "delivery", "approver", 1),
        "G3": ("Delivery complete", "delivery", "benefits_review", "approver", 1),
        "G4": ("Closure", "benefits_review", "closed", "approver", 1),
    }
    assert GATE_FOR_STATE == {"scoring": "G1", "business_case": "G2", "delivery": "G3", "benefits_review": "G4"}


def test_decisions_are_ordered_and_labelled():
    assert DECISIONS == ["approve", "approve_with_conditions", "reject", "defer", "return_for_rework"]
    assert DECISION_LABELS["approve_with_conditions"] == "Approve with conditions"
    assert DECISION_LABELS["return_for_rework"] == "Return for rework"


def test_gate_spec_overrides_without_touching_defaults():
    capital = gate_spec("G2", quorum=2)
    assert capital.quorum == 2 and capital.approver_role == "approver" and capital.name == "Investment decision"
    assert gate_spec("G2", approver_role="board").approver_role == "board"
    assert gate_spec("G2") == GATES["G2"]
    assert GATES["G2"].quorum == 1
    with pytest.raises(ValueError):
        gate_spec("G2", quorum=0)
    with pytest.raises(KeyError):
        gate_spec("G9")


def test_gate_spec_is_frozen():
    with pytest.raises(AttributeError):
        GATES["G1"].quorum = 3  # type: ignore[misc]
    assert isinstance(GATES["G1"], GateSpec)


# ---------------------------------------------- every (review state, decision) pair


REFUSED_IN_STATE = {
    "decided": "Gate G1 has already been decided",
    "deferred": "Gate G1 has been deferred: the PMO asks for it again when it is due",
}


@pytest.mark.parametrize("decision", DECISIONS)
@pytest.mark.parametrize("state", ["requested", "deferred", "decided"])
def test_each_decision_from_each_review_state(state: str, decision: str):
    row, gate_review, events = review(state)
    if state in REFUSED_IN_STATE:
        error = assert_refused(row, gate_review, events, IllegalTransition, ALICE, decision, **GOOD[decision])
        assert error.reasons == [REFUSED_IN_STATE[state]]
        return
    result = gate_review.decide(ALICE, decision, **GOOD[decision])
    assert result.outcome == SINGLE_OUTCOME[decision] and result.decided
    assert (row.state, row.outcome) == (STATE_AFTER[decision], SINGLE_OUTCOME[decision])
    assert events == [result.event]
    event = result.event
    assert isinstance(event, GateEvent) and isinstance(event, TransitionEvent)
    assert (event.trigger, event.from_state, event.to_state, event.actor_id) == (
        "decide", "requested", STATE_AFTER[decision], ALICE.id)
    assert event.reason == (GOOD[decision].get("comment") or None)
    assert event.detail["gate"] == "G1"
    assert event.detail["decision"] == decision
    assert event.detail["outcome"] == SINGLE_OUTCOME[decision]
    assert gate_review.decisions == [Decision(ALICE.id, decision)]


@pytest.mark.parametrize("state", ["requested", "deferred", "decided"])
def test_unknown_decision(state: str):
    row, gate_review, events = review(state)
    error = IllegalTransition if state in REFUSED_IN_STATE else GuardRefused
    assert_refused(row, gate_review, events, error, ALICE, "rubber_stamp", comment="x")


# -------------------------------------------------------------------------- quorum


@pytest.mark.parametrize(
    ("quorum", "sequence", "outcomes", "final"),
    [
        pytest.param(1, [(ALICE, "approve")], ["approved"], ("decided", "approved"), id="q1-approve"),
        pytest.param(2, [(ALICE, "approve")], ["pending"], ("requested", None), id="q2-one-approval-pending"),
        pytest.param(2, [(ALICE, "approve"), (BOB, "approve")], ["pending", "approved"], ("decided", "approved"),
                     id="q2-two-approvals"),
        pytest.param(2, [(ALICE, "approve_with_conditions"), (BOB, "approve")], ["pending", "approved"],
                     ("decided", "approved"), id="q2-conditions-count"),
        pytest.param(2, [(ALICE, "approve"), (BOB, "reject")], ["pending", "rejected"], ("decided", "rejected"),
                     id="q2-approve-then-reject"),
        pytest.param(2, [(ALICE, "approve"), (BOB, "defer")], ["pending", "deferred"], ("deferred", "deferred"),
                     id="q2-approve-then-defer"),
        pytest.param(2, [(ALICE, "return_for_rework")], ["returned"], ("decided", "returned"), id="q2-rework-at-once"),
        pytest.param(3, [(ALICE, "approve"), (BOB, "approve"), (CAROL, "approve")], ["pending", "pending", "approved"],
                     ("decided", "approved"), id="q3"),
    ],
)  # fmt: skip
def test_quorum(quorum, sequence, outcomes, final):
    row, gate_review, events = review(code="G2", quorum=quorum)
    seen = []
    for number, (actor, decision) in enumerate(sequence, start=1):
        result = gate_review.decide(actor, decision, **GOOD[decision])
        seen.append(result.outcome)
        assert len(events) == number
        assert result.quorum == quorum
    assert seen == outcomes
    assert (row.state, row.outcome) == final
    # Short of quorum the review stays requested: an internal move, still audited.
    if outcomes[0] == "pending":
        assert (events[0].from_state, events[0].to_state) == ("requested", "requested")
        assert events[0].detail["outcome"] == "pending"


def test_prior_decisions_count_toward_quorum():
    row, gate_review, events = review(code="G2", quorum=2, prior=[Decision(ALICE.id, "approve")])
    assert gate_review.approvals == 1
    result = gate_review.decide(BOB, "approve")
    assert result.outcome == "approved" and result.approvals == 2
    assert (row.state, row.outcome) == ("decided", "approved")
    assert len(events) == 1


def test_the_same_approver_cannot_decide_twice():
    row, gate_review, events = review(quorum=2)
    gate_review.decide(ALICE, "approve")
    events.clear()
    error = assert_refused(row, gate_review, events, NotPermitted, ALICE, "approve")
    assert error.reasons == ["You have already decided this gate"]
    # nor change their mind with a different decision
    assert_refused(row, gate_review, events, NotPermitted, ALICE, "reject", comment="Changed my mind")
    assert row.state == "requested"


def test_a_prior_decision_blocks_the_same_approver():
    row, gate_review, events = review(quorum=2, prior=[Decision(ALICE.id, "approve")])
    assert_refused(row, gate_review, events, NotPermitted, ALICE, "approve")


# --------------------------------------------------------------------------- who


@pytest.mark.parametrize("decision", DECISIONS)
def test_requester_cannot_decide(decision: str):
    row, gate_review, events = review()
    error = assert_refused(row, gate_review, events, NotPermitted, REQUESTER, decision, **GOOD[decision])
    assert error.reasons == ["The requester of an initiative cannot decide its gate"]


@pytest.mark.parametrize("actor", [PMO, ADMIN, VIEWER, Actor(20, frozenset())], ids=["pmo", "admin", "viewer", "none"])
def test_only_the_approver_role_decides(actor: Actor):
    row, gate_review, events = review()
    error = assert_refused(row, gate_review, events, NotPermitted, actor, "approve")
    assert error.reasons == ["Only users with the approver role may decide gate G1"]


def test_configured_approver_role():
    row, gate_review, events = review(code="G2", approver_role="investment_board")
    assert_refused(row, gate_review, events, NotPermitted, ALICE, "approve")
    board_member = Actor(30, frozenset({"investment_board"}))
    assert gate_review.decide(board_member, "approve").outcome == "approved"


# ----------------------------------------------------------- what each decision needs


@pytest.mark.parametrize("comment", ["", "   ", None])
@pytest.mark.parametrize("decision", DECISIONS)
def test_comment_rules(decision: str, comment):
    row, gate_review, events = review()
    inputs = {**GOOD[decision], "comment": comment}
    if decision == "approve":
        assert gate_review.decide(ALICE, decision, **inputs).outcome == "approved"
        assert events[0].reason is None
    else:
        error = assert_refused(row, gate_review, events, GuardRefused, ALICE, decision, **inputs)
        assert error.reasons == ["A comment is required"]


@pytest.mark.parametrize(
    ("conditions", "reasons"),
    [
        pytest.param((), ["At least one condition is required"], id="none"),
        pytest.param((Condition("", "Finance lead", date(2025, 9, 30)),),
                     ["Condition 1 needs text, an owner and a due date"], id="no-text"),
        pytest.param((CONDITION, Condition("Benefits owner named", " ", date(2025, 9, 30))),
                     ["Condition 2 needs text, an owner and a due date"], id="second-has-no-owner"),
        pytest.param((Condition("Revised plan", "PM", None),),  # type: ignore[arg-type]
                     ["Condition 1 needs text, an owner and a due date"], id="no-due-date"),
    ],
)  # fmt: skip
def test_conditions_are_required_and_complete(conditions, reasons):
    row, gate_review, events = review()
    error = assert_refused(row, gate_review, events, GuardRefused, ALICE, "approve_with_conditions",
                           comment="Subject to", conditions=conditions)  # fmt: skip
    assert error.reasons == reasons


def test_conditions_are_carried_on_the_event_and_outcome():
    _, gate_review, events = review()
    result = gate_review.decide(ALICE, "approve_with_conditions", comment="Subject to", conditions=[CONDITION])
    assert result.conditions == (CONDITION,)
    assert events[0].detail["conditions"] == [
        {"text": "Submit revised costs", "owner": "Finance lead", "due": "2025-09-30"}]


def test_defer_needs_a_date():
    row, gate_review, events = review()
    error = assert_refused(row, gate_review, events, GuardRefused, ALICE, "defer", comment="Later")
    assert error.reasons == ["A date to come back is required"]
    gate_review.decide(ALICE, "defer", comment="Later", defer_until=date(2025, 11, 1))
    assert events[0].detail["defer_until"] == "2025-11-01"


def test_a_condition_owned_by_a_user_names_them_on_the_event():
    _, gate_review, events = review()
    owned = Condition("Submit revised costs", "Fiona Finance", date(2025, 9, 30), owner_id=42)
    gate_review.decide(ALICE, "approve_with_conditions", comment="Subject to", conditions=[owned])
    assert events[0].detail["conditions"] == [
        {"text": "Submit revised costs", "owner": "Fiona Finance", "due": "2025-09-30", "owner_id": 42}]


# ------------------------------------------------------- a deferred review, asked for again


@pytest.mark.parametrize(
    ("state", "actor", "error", "reasons"),
    [
        pytest.param("deferred", PMO, None, [], id="pmo-asks-again"),
        pytest.param("deferred", ADMIN, None, [], id="admin-asks-again"),
        pytest.param("deferred", ALICE, NotPermitted, ["Only the PMO can request a gate review"], id="approver"),
        pytest.param("deferred", VIEWER, NotPermitted, ["Only the PMO can request a gate review"], id="viewer"),
        pytest.param("requested", PMO, IllegalTransition, ["Gate G1 is not deferred"], id="still-requested"),
        pytest.param("decided", PMO, IllegalTransition, ["Gate G1 is not deferred"], id="decided"),
    ],
)  # fmt: skip
def test_re_request(state, actor, error, reasons):
    row, gate_review, events = review(state)
    row.outcome = "deferred" if state == "deferred" else row.outcome
    before = (row.state, row.outcome)
    assert gate_review.re_request_refusals(actor) == reasons
    if error is not None:
        with pytest.raises(error) as raised:
            gate_review.re_request(actor)
        assert raised.value.reasons == reasons
        assert (row.state, row.outcome) == before and events == []
        return
    event = gate_review.re_request(actor)
    # The deferred review closes, keeping its outcome; the app opens a fresh one beside it.
    assert (row.state, row.outcome) == ("decided", "deferred")
    assert events == [event]
    assert (event.trigger, event.from_state, event.to_state, event.actor_id) == (
        "re_request", "deferred", "decided", actor.id)
    assert event.detail == {"gate": "G1", "outcome": "deferred"}


def test_a_deferral_then_a_request_again_end_to_end():
    row, gate_review, events = review(code="G2", quorum=2)
    gate_review.decide(ALICE, "approve")
    gate_review.decide(BOB, "defer", comment="Await the spending review", defer_until=date(2025, 11, 1))
    assert (row.state, row.outcome) == ("deferred", "deferred")
    with pytest.raises(IllegalTransition):  # nobody decides a deferred review until it is asked for again
        gate_review.decide(CAROL, "approve")
    assert len(events) == 2
    gate_review.re_request(PMO)
    assert (row.state, row.outcome) == ("decided", "deferred")
    assert [(e.trigger, e.from_state, e.to_state) for e in events] == [
        ("decide", "requested", "requested"), ("decide", "requested", "deferred"),
        ("re_request", "deferred", "decided")]


def test_refusals_list_everything_at_once():
    row, gate_review, events = review("decided")
    assert gate_review.refusals(REQUESTER, "defer") == [
        "Gate G1 has already been decided",
        "The requester of an initiative cannot decide its gate",
        "A comment is required",
        "A date to come back is required",
    ]
    _, gate_review, _ = review()
    assert gate_review.refusals(ALICE, "approve") == []
    assert gate_review.refusals(ALICE, "reject") == ["A comment is required"]


def test_failing_callback_changes_nothing():
    row = SimpleNamespace(state="requested", outcome=None)

    def explode(event: TransitionEvent) -> None:
        raise RuntimeError("audit write failed")

    gate_review = GateReview(row, GATES["G1"], REQUESTER.id, [], on_event=explode)
    with pytest.raises(RuntimeError):
        gate_review.decide(ALICE, "approve")
    assert (row.state, row.outcome, gate_review.decisions) == ("requested", None, [])


def test_unknown_review_state_is_rejected():
    with pytest.raises(ValueError):
        GateReview(SimpleNamespace(state="open", outcome=None), GATES["G1"], 1, [])


# ---------------------------------------------------------- the effect on the initiative


def complete_facts(**overrides) -> LifecycleFacts:
    """Facts with every gate guard passing."""
    values = {"initiative_id": 7, "owner_id": REQUESTER.id, "has_current_score": True, "lesson_count": 2,
              "satisfaction_recorded": True}  # fmt: skip
    values.update(overrides)
    return LifecycleFacts(**values)


# (gate, outcome) -> (trigger fired, initiative state after), or None when it stays put.
EFFECTS = {
    ("G1", "approved"): ("advance", "business_case"),
    ("G2", "approved"): ("advance", "delivery"),
    ("G3", "approved"): ("advance", "benefits_review"),
    ("G4", "approved"): ("close", "closed"),
    ("G1", "rejected"): ("reject_at_gate", "rejected"),
    ("G2", "rejected"): ("reject_at_gate", "rejected"),
}


@pytest.mark.parametrize("outcome", ["approved", "rejected", "deferred", "returned", "pending"])
@pytest.mark.parametrize("code", ["G1", "G2", "G3", "G4"])
def test_apply_outcome(code: str, outcome: str):
    spec = GATES[code]
    row = SimpleNamespace(state=spec.from_state)
    events: list[TransitionEvent] = []
    lifecycle = Lifecycle(row, complete_facts(), on_event=events.append)
    event = apply_outcome(lifecycle, spec, outcome, ALICE)
    if (code, outcome) in EFFECTS:
        trigger, to_state = EFFECTS[(code, outcome)]
        assert event is not None and events == [event]
        assert (event.trigger, event.from_state, event.to_state) == (trigger, spec.from_state, to_state)
        assert row.state == to_state
        assert event.detail["by_gate"] is True
        assert code in event.reason
    else:
        assert event is None and events == []
        assert row.state == spec.from_state


def test_rejection_reason_names_the_gate():
    lifecycle = Lifecycle(SimpleNamespace(state="business_case"), complete_facts())
    event = apply_outcome(lifecycle, GATES["G2"], "rejected", ALICE)
    assert event.reason == "Rejected at gate G2 (Investment decision)"


@pytest.mark.parametrize(
    ("code", "facts", "reasons"),
    [
        pytest.param("G1", {"has_current_score": False}, ["No current score"], id="g1"),
        pytest.param("G2", {"business_case_gaps": ("Management case",)}, ["Business case incomplete: Management case"],
                     id="g2"),
        pytest.param("G3", {"open_milestones_without_variance": ("Training",)},
                     ["Open milestone without an accepted variance: Training"], id="g3"),
        pytest.param("G4", {"lesson_count": 0}, ["At least one lesson is required"], id="g4"),
    ],
)  # fmt: skip
def test_lifecycle_guards_still_apply_to_an_approval(code, facts, reasons):
    spec = GATES[code]
    row = SimpleNamespace(state=spec.from_state)
    events: list[TransitionEvent] = []
    lifecycle = Lifecycle(row, complete_facts(**facts), on_event=events.append)
    with pytest.raises(GuardRefused) as raised:
        apply_outcome(lifecycle, spec, "approved", ALICE)
    assert raised.value.reasons == reasons
    assert row.state == spec.from_state and events == []


def test_a_stale_gate_cannot_move_the_next_stage():
    # G1 approved while the initiative is already in business_case must not push it to delivery.
    row = SimpleNamespace(state="business_case")
    with pytest.raises(IllegalTransition):
        apply_outcome(Lifecycle(row, complete_facts()), GATES["G1"], "approved", ALICE)
    assert row.state == "business_case"


def test_unknown_outcome():
    with pytest.raises(ValueError):
        apply_outcome(Lifecycle(SimpleNamespace(state="scoring"), complete_facts()), GATES["G1"], "maybe", ALICE)


def test_decision_then_outcome_end_to_end_with_quorum_two():
    spec = gate_spec("G2", quorum=2)
    initiative = SimpleNamespace(state="business_case")
    review_row = SimpleNamespace(state="requested", outcome=None)
    audit: list[TransitionEvent] = []
    lifecycle = Lifecycle(initiative, complete_facts(), on_event=audit.append)
    gate_review = GateReview(review_row, spec, REQUESTER.id, [], on_event=audit.append)

    first = gate_review.decide(ALICE, "approve")
    assert apply_outcome(lifecycle, spec, first.outcome, ALICE) is None
    assert initiative.state == "business_case"
    second = gate_review.decide(BOB, "approve_with_conditions", comment="Subject to", conditions=[CONDITION])
    apply_outcome(lifecycle, spec, second.outcome, BOB)
    assert initiative.state == "delivery"
    assert [e.trigger for e in audit] == ["decide", "decide", "advance"]
