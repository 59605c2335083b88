"""Who holds the next action on an initiative, and what is needed to move on (workflows/next_step.py)."""
from __future__ import annotations

import pytest

from workflows.lifecycle import STATES, TERMINAL_STATES, LifecycleFacts
from workflows.next_step import Situation, failing_criteria, is_holder, next_action


@pytest.mark.parametrize("state, holder, task", [
    ("draft", "requester", "finish_draft"),
    ("submitted", "pmo", "start_triage"),
    ("triage", "pmo", "triage"),
    ("info_requested", "requester", "answer_question"),
    ("scoring", "pmo", "request_gate"),
    ("business_case", "pmo", "request_gate"),
    ("delivery", "pmo", "request_gate"),
    ("on_hold", "pmo", "resume_or_cancel"),
    ("benefits_review", "pmo", "request_gate"),
])
def test_each_working_state_has_a_holder(state, holder, task):
    action = next_action(Situation(state, has_current_score=True))
    assert (action.holder, action.task, action.since) == (holder, task, "state_changed")


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_nothing_happens_after_the_end(state):
    action = next_action(Situation(state, gate="none"))
    assert action.holder is None and action.holder_label == "No one"


@pytest.mark.parametrize("state, gate", [("scoring", "G1"), ("business_case", "G2"), ("delivery", "G3"),
                                         ("benefits_review", "G4")])
def test_the_gate_in_play_decides_who_acts(state, gate):
    number = gate.removeprefix("G")
    requested = next_action(Situation(state, gate="requested", has_current_score=True))
    assert (requested.holder, requested.task, requested.since) == ("approver", "decide_gate", "gate_requested")
    assert f"Gate {number}" in requested.text
    returned = next_action(Situation(state, gate="returned", has_current_score=True))
    assert (returned.holder, returned.task, returned.since) == ("pmo", "rework", "gate_decided")
    waiting = next_action(Situation(state, gate="deferred", has_current_score=True))
    assert (waiting.holder, waiting.task) == ("pmo", "wait_deferral")
    due = next_action(Situation(state, gate="deferred", has_current_score=True, defer_due=True))
    assert (due.holder, due.task) == ("pmo", "request_again")
    failing = next_action(Situation(state, has_current_score=True, failing=("Something",)))
    assert failing.task == "meet_criteria"


def test_scoring_without_a_score_asks_for_one_before_the_gate():
    assert next_action(Situation("scoring")).task == "score"
    assert next_action(Situation("scoring", has_current_score=True)).task == "request_gate"


def test_unknown_states_and_situations_are_refused():
    with pytest.raises(ValueError):
        Situation("limbo")
    with pytest.raises(ValueError):
        Situation("scoring", gate="lost")


def test_every_state_has_an_answer():
    for state in STATES:
        assert next_action(Situation(state)).text


def test_the_holder_is_who_the_role_says():
    pmo_action = next_action(Situation("triage"))
    assert is_holder(pmo_action, owns=False, manages=True, decides=False)
    assert not is_holder(pmo_action, owns=True, manages=False, decides=False)
    owner_action = next_action(Situation("info_requested"))
    assert is_holder(owner_action, owns=True, manages=False, decides=False)
    approver_action = next_action(Situation("delivery", gate="requested"))
    assert is_holder(approver_action, owns=False, manages=False, decides=True)
    assert not is_holder(approver_action, owns=False, manages=True, decides=False)
    assert not is_holder(next_action(Situation("closed")), owns=True, manages=True, decides=True)


def test_failing_criteria_are_the_guards_of_the_move_on_by_name():
    facts = LifecycleFacts(initiative_id=1, owner_id=2, business_case_gaps=("Costs", "Economic case"),
                           open_milestones_without_variance=("Go live",), benefits_without_actual=("Hours",),
                           missing_required_fields=("Sponsor",))
    assert [(c.guard, c.reason) for c in failing_criteria("business_case", facts)] == [
        ("business_case_complete", "Business case incomplete: Costs"),
        ("business_case_complete", "Business case incomplete: Economic case")]
    assert [c.guard for c in failing_criteria("scoring", facts)] == ["has_current_score"]
    assert [c.reason for c in failing_criteria("delivery", facts)] == [
        "Open milestone without an accepted variance: Go live"]
    assert [c.guard for c in failing_criteria("benefits_review", facts)] == [
        "benefits_measured", "lesson_recorded", "satisfaction_recorded"]
    assert [c.reason for c in failing_criteria("draft", facts)] == ["Required field missing: Sponsor"]
    assert failing_criteria("triage", facts) == [] and failing_criteria("closed", facts) == []
    settled = LifecycleFacts(initiative_id=1, owner_id=2, has_current_score=True, lesson_count=1,
                             satisfaction_recorded=True)
    for state in ("scoring", "business_case", "delivery", "benefits_review", "draft"):
        assert failing_criteria(state, settled) == []
