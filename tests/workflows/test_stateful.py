"""Random journeys through the lifecycle and its gates, checking the invariants after every step.

Each step is one "request" as the app would handle it: build the workflow for the row, act,
and either commit (keep the changes and their audit events) or roll back on a refusal.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from workflows.gate import (
    APPROVING_DECISIONS,
    DECISIONS,
    GATE_FOR_STATE,
    Condition,
    GateReview,
    GateSpec,
    apply_outcome,
    gate_spec,
)
from workflows.lifecycle import (
    GATE_TRIGGERS,
    STATES,
    TERMINAL_STATES,
    TRIGGER_INPUTS,
    TRIGGERS,
    Actor,
    IllegalTransition,
    Lifecycle,
    LifecycleFacts,
    NotPermitted,
    TransitionEvent,
    WorkflowError,
)

# Holds the approver role too, so only the rule about requesters stops them.
REQUESTER = Actor(1, frozenset({"requester", "approver"}))
ACTORS = [
    REQUESTER,
    Actor(2, frozenset({"pmo"})),
    Actor(3, frozenset({"admin"})),
    Actor(4, frozenset({"viewer"})),
    Actor(11, frozenset({"approver"})),
    Actor(12, frozenset({"approver"})),
    Actor(13, frozenset({"approver", "pmo"})),
]

GOOD_INPUTS = {
    "reason": "Because",
    "question": "Which stations?",
    "answer": "North division",
    "target_id": 2,
}

# Each fact, as (complete value, incomplete value).
FACT_VALUES = {
    "missing_required_fields": ((), ("Title",)),
    "has_current_score": (True, False),
    "business_case_gaps": ((), ("Costs",)),
    "open_milestones_without_variance": ((), ("Go-live",)),
    "benefits_without_actual": ((), ("Officer hours",)),
    "lesson_count": (1, 0),
    "satisfaction_recorded": (True, False),
}

APPROVERS = [a for a in ACTORS if "approver" in a.roles]  # includes the requester, who must be refused

HAPPY_STEP = {
    "draft": ("submit", REQUESTER),
    "submitted": ("start_triage", ACTORS[1]),
    "triage": ("accept", ACTORS[1]),
    "info_requested": ("resubmit", REQUESTER),
    "on_hold": ("resume", ACTORS[1]),
}

EXIT_TRIGGERS = frozenset({"withdraw", "reject", "merge", "cancel"})

GOOD_DECISION_INPUTS = {
    "comment": "Considered",
    "conditions": (Condition("Revised costs", "Finance lead", date(2026, 3, 31)),),
    "defer_until": date(2026, 1, 15),
}


def inputs_for(trigger: str, good: bool) -> dict[str, object]:
    """Good (or blank) required inputs for ``trigger``; merge targets an open initiative."""
    inputs: dict[str, object] = {name: (GOOD_INPUTS[name] if good else "") for name in TRIGGER_INPUTS[trigger]}
    if trigger == "merge":
        inputs["target_state"] = "triage"
    return inputs


class InitiativeJourney(RuleBasedStateMachine):
    """One initiative, random actors pressing random buttons and deciding random gates."""

    def __init__(self) -> None:
        super().__init__()
        self.row = SimpleNamespace(state="draft")
        # Start with every guard passing so journeys get as far as the late gates; the
        # change_a_fact rule breaks them again at random.
        self.facts = LifecycleFacts(
            initiative_id=1, owner_id=REQUESTER.id, **{name: values[0] for name, values in FACT_VALUES.items()}
        )
        self.audit: list[TransitionEvent] = []
        self.committed_events = 0
        self.review: tuple[SimpleNamespace, GateReview, GateSpec] | None = None
        # (gate code, quorum, [(approver id, decision)]) for every review that committed "approved"
        self.approved_reviews: list[tuple[str, int, list[tuple[int, str]]]] = []
        self.rejected_reviews: list[str] = []
        self.decisions_made: list[tuple[int, str]] = []
        self.review_decisions: list[tuple[int, str]] = []
        self.previous_state = "draft"

    def lifecycle(self) -> Lifecycle:
        """A fresh adapter for the row, as each request in the app would build one."""
        return Lifecycle(self.row, self.facts, on_event=self.audit.append)

    # ------------------------------------------------------------------------- rules

    @rule(name=st.sampled_from(sorted(FACT_VALUES)), complete=st.booleans())
    def change_a_fact(self, name: str, complete: bool) -> None:
        self.facts = replace(self.facts, **{name: FACT_VALUES[name][0 if complete else 1]})

    @rule()
    def complete_everything(self) -> None:
        self.facts = replace(self.facts, **{name: values[0] for name, values in FACT_VALUES.items()})

    @rule(trigger=st.sampled_from(TRIGGERS), actor=st.sampled_from(ACTORS), good=st.booleans())
    def press_any_button(self, trigger: str, actor: Actor, good: bool) -> None:
        self._fire(trigger, actor, inputs_for(trigger, good))

    @rule(actor=st.sampled_from(ACTORS), data=st.data())
    def press_an_offered_button(self, actor: Actor, data: st.DataObject) -> None:
        offered = self.lifecycle().available_triggers(actor)
        assert not set(offered) & GATE_TRIGGERS
        # Exits (withdraw, reject, merge, cancel) are offered at almost every early step and
        # would end most journeys before a gate; press_any_button still reaches them.
        staying = [t for t in offered if t not in EXIT_TRIGGERS]
        if staying:
            trigger = data.draw(st.sampled_from(staying))
            self._fire(trigger, actor, inputs_for(trigger, True))

    @rule(data=st.data())
    def take_the_next_step(self, data: st.DataObject) -> None:
        # The happy path for the current state, so that random journeys regularly reach the
        # late gates; the other rules supply the detours, refusals and exits.
        state = self.row.state
        if state in HAPPY_STEP:
            trigger, actor = HAPPY_STEP[state]
            self._fire(trigger, actor, inputs_for(trigger, True))
        elif state in GATE_FOR_STATE and self.review is None:
            self.pmo_requests_the_gate(data.draw(st.sampled_from([1, 2])))
        elif state in GATE_FOR_STATE:
            self._decide(data.draw(st.sampled_from(APPROVERS)), "approve", True)

    def _fire(self, trigger: str, actor: Actor, inputs: dict[str, object]) -> None:
        before = self.row.state
        try:
            self.lifecycle().fire(trigger, actor, **inputs)
        except WorkflowError as refused:
            assert self.row.state == before
            if trigger in GATE_TRIGGERS:
                assert isinstance(refused, (IllegalTransition, NotPermitted))
            return
        assert trigger not in GATE_TRIGGERS, "a gate move fired by hand"
        self.committed_events += 1

    @precondition(lambda self: self.review is None and self.row.state in GATE_FOR_STATE)
    @rule(quorum=st.sampled_from([1, 2]))
    def pmo_requests_the_gate(self, quorum: int) -> None:
        code = GATE_FOR_STATE[self.row.state]
        if self.lifecycle().gate_entry_failures(code):
            return  # the PMO is shown the failures and nothing is created
        review_row = SimpleNamespace(state="requested", outcome=None)
        spec = gate_spec(code, quorum=quorum)
        self.review = (review_row, GateReview(review_row, spec, REQUESTER.id, [], on_event=self.audit.append), spec)
        self.review_decisions = []

    @precondition(lambda self: self.review is not None)
    @rule(actor=st.sampled_from(ACTORS), decision=st.sampled_from(DECISIONS), good=st.booleans())
    def approver_decides(self, actor: Actor, decision: str, good: bool) -> None:
        self._decide(actor, decision, good)

    @precondition(lambda self: self.review is not None)
    @rule(actor=st.sampled_from(APPROVERS))
    def approver_approves(self, actor: Actor) -> None:
        self._decide(actor, "approve", True)

    def _decide(self, actor: Actor, decision: str, good: bool) -> None:
        review_row, gate_review, spec = self.review
        if self.row.state != spec.from_state:
            self.review = None  # the initiative moved on by hand (held, cancelled): the app withdraws the review
            return
        inputs = GOOD_DECISION_INPUTS if good else {}
        # One transaction: the decision and the move it causes commit together or not at all.
        snapshot = (self.row.state, review_row.state, review_row.outcome, list(gate_review.decisions), len(self.audit))
        try:
            result = gate_review.decide(actor, decision, **inputs)
            moved = apply_outcome(self.lifecycle(), spec, result.outcome, actor) if result.decided else None
        except WorkflowError:
            self.row.state, review_row.state, review_row.outcome, gate_review.decisions, length = snapshot
            del self.audit[length:]
            return
        self.committed_events += 1 + (moved is not None)
        self.decisions_made.append((actor.id, decision))
        self.review_decisions.append((actor.id, decision))
        if result.outcome == "approved":
            assert moved is not None
            self.approved_reviews.append((spec.code, spec.quorum, list(self.review_decisions)))
        if result.outcome == "rejected":
            self.rejected_reviews.append(spec.code)
        if result.decided:
            self.review = None

    # -------------------------------------------------------------------- invariants

    @invariant()
    def state_is_known(self) -> None:
        assert self.row.state in STATES

    @invariant()
    def one_audit_event_per_committed_change(self) -> None:
        assert len(self.audit) == self.committed_events

    @invariant()
    def terminal_states_never_change(self) -> None:
        if self.previous_state in TERMINAL_STATES:
            assert self.row.state == self.previous_state
        self.previous_state = self.row.state

    @invariant()
    def the_requester_never_approves(self) -> None:
        assert not [d for d in self.decisions_made if d[0] == REQUESTER.id]

    @invariant()
    def approvals_meet_quorum_of_distinct_non_requesters(self) -> None:
        for _code, quorum, decisions in self.approved_reviews:
            approvers = [who for who, decision in decisions if decision in APPROVING_DECISIONS]
            assert len(approvers) == len(set(approvers)), "an approver counted twice"
            assert REQUESTER.id not in approvers
            assert len(approvers) >= quorum

    @invariant()
    def no_gate_passed_without_its_approval(self) -> None:
        for code in ("G1", "G2", "G3", "G4"):
            from_state = next(s for s, c in GATE_FOR_STATE.items() if c == code)
            passed = [e for e in self.audit if e.trigger in ("advance", "close") and e.from_state == from_state]
            approved = [r for r in self.approved_reviews if r[0] == code]
            assert len(passed) == len(approved)
            rejected = [e for e in self.audit if e.trigger == "reject_at_gate" and e.from_state == from_state]
            assert len(rejected) == (self.rejected_reviews.count(code) if code in ("G1", "G2") else 0)


InitiativeJourney.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None
)
TestInitiativeJourney = InitiativeJourney.TestCase
