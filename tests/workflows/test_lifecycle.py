"""The initiative lifecycle, read as a table of (state, trigger, actor) -> outcome.

The expectations below are written out from docs/rules.md by hand rather than derived from the
module's own data, so a wrong entry in workflows/lifecycle.py makes a test fail.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from workflows.lifecycle import (
    GATE_TRIGGERS,
    PMO_ROLES,
    STAGE_OF,
    STAGES,
    STATE_LABELS,
    STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    TRIGGER_INPUTS,
    TRIGGER_LABELS,
    TRIGGERS,
    Actor,
    GuardRefused,
    IllegalTransition,
    Lifecycle,
    LifecycleFacts,
    NotPermitted,
    TransitionEvent,
    WorkflowError,
)

INITIATIVE_ID = 10
OWNER = Actor(1, frozenset({"requester"}))
PMO = Actor(2, frozenset({"pmo"}))
APPROVER = Actor(3, frozenset({"approver"}))
VIEWER = Actor(4, frozenset({"viewer"}))
ADMIN = Actor(5, frozenset({"admin"}))
ACTORS = {"owner": OWNER, "pmo": PMO, "approver": APPROVER, "viewer": VIEWER, "admin": ADMIN}

# docs/rules.md 1, transcribed: (from state, trigger) -> to state. Every other pair is illegal.
LEGAL: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("triage", "withdraw"): "withdrawn",
    ("info_requested", "withdraw"): "withdrawn",
    ("submitted", "start_triage"): "triage",
    ("triage", "request_info"): "info_requested",
    ("info_requested", "resubmit"): "triage",
    ("triage", "accept"): "scoring",
    ("triage", "reject"): "rejected",
    ("scoring", "reject"): "rejected",
    ("submitted", "merge"): "merged",
    ("triage", "merge"): "merged",
    ("scoring", "advance"): "business_case",
    ("business_case", "advance"): "delivery",
    ("delivery", "advance"): "benefits_review",
    ("delivery", "hold"): "on_hold",
    ("on_hold", "resume"): "delivery",
    ("business_case", "cancel"): "cancelled",
    ("delivery", "cancel"): "cancelled",
    ("on_hold", "cancel"): "cancelled",
    ("benefits_review", "close"): "closed",
    ("scoring", "reject_at_gate"): "rejected",
    ("business_case", "reject_at_gate"): "rejected",
}

# docs/rules.md 2, transcribed: who may press each button. Gate triggers: nobody by hand.
WHO: dict[str, set[str]] = {
    "submit": {"owner"},
    "resubmit": {"owner"},
    "withdraw": {"owner", "pmo", "admin"},
    "start_triage": {"pmo", "admin"},
    "request_info": {"pmo", "admin"},
    "accept": {"pmo", "admin"},
    "reject": {"pmo", "admin"},
    "merge": {"pmo", "admin"},
    "hold": {"pmo", "admin", "approver"},
    "resume": {"pmo", "admin", "approver"},
    "cancel": {"approver"},
    "advance": set(),
    "close": set(),
    "reject_at_gate": set(),
}

GOOD_INPUTS: dict[str, dict[str, object]] = {
    "withdraw": {"reason": "No longer needed"},
    "request_info": {"question": "Which stations are affected?"},
    "resubmit": {"answer": "All of the North division"},
    "reject": {"reason": "Out of scope"},
    "merge": {"target_id": 99, "target_state": "triage"},
    "hold": {"reason": "Funding paused"},
    "resume": {"reason": "Funding restored"},
    "cancel": {"reason": "Superseded by national programme"},
    "reject_at_gate": {"reason": "Rejected at gate G1"},
}

ALL_TRIGGERS = [
    "submit", "withdraw", "start_triage", "request_info", "resubmit", "accept", "reject",
    "merge", "advance", "hold", "resume", "cancel", "close", "reject_at_gate",
]  # fmt: skip


def good_facts(**overrides: object) -> LifecycleFacts:
    """Facts for an initiative whose every guard passes, with ``overrides`` applied."""
    values: dict[str, object] = {
        "initiative_id": INITIATIVE_ID,
        "owner_id": OWNER.id,
        "has_current_score": True,
        "lesson_count": 1,
        "satisfaction_recorded": True,
    }
    values.update(overrides)
    return LifecycleFacts(**values)  # type: ignore[arg-type]


def build(state: str, facts: LifecycleFacts | None = None) -> tuple[SimpleNamespace, Lifecycle, list[TransitionEvent]]:
    """A row in ``state``, its lifecycle, and the list the lifecycle reports events into."""
    row = SimpleNamespace(state=state)
    events: list[TransitionEvent] = []
    return row, Lifecycle(row, facts or good_facts(), on_event=events.append), events


def expected_by_hand(state: str, trigger: str, who: str) -> type[WorkflowError] | str:
    """The table's answer for a hand-fired trigger with good inputs and good facts."""
    if (state, trigger) not in LEGAL:
        return IllegalTransition
    if who not in WHO[trigger]:
        return NotPermitted
    return LEGAL[(state, trigger)]


def assert_refused(row: SimpleNamespace, lifecycle: Lifecycle, events: list, error: type, trigger: str, actor: Actor,
                   **kw):
    """Firing raises ``error``, leaves the row where it was and reports nothing."""
    before = row.state
    with pytest.raises(error) as raised:
        lifecycle.fire(trigger, actor, **kw)
    assert type(raised.value) is error
    assert raised.value.reasons and all(isinstance(r, str) and r for r in raised.value.reasons)
    assert str(raised.value) == "; ".join(raised.value.reasons)
    assert row.state == before
    assert events == []
    return raised.value


# ---------------------------------------------------------------- the data itself


def test_every_trigger_is_in_the_table_and_the_module():
    assert sorted(ALL_TRIGGERS) == sorted(TRIGGERS) == sorted(WHO)
    assert set(TRIGGER_LABELS) == set(TRIGGER_INPUTS) == set(TRIGGERS)


def test_states_and_stages():
    assert STATES[:2] == ["draft", "submitted"]
    assert len(STATES) == len(set(STATES)) == 14
    assert TERMINAL_STATES == {"closed", "rejected", "withdrawn", "cancelled", "merged"}
    assert [key for key, _ in STAGES] == [
        "request", "triage", "scoring", "business_case", "delivery", "benefits_review", "closed",
    ]  # fmt: skip
    assert set(STAGE_OF) == set(STATES) == set(STATE_LABELS)
    assert STAGE_OF["info_requested"] == "triage"
    assert STAGE_OF["on_hold"] == "delivery"
    assert all(STAGE_OF[s] == "closed" for s in TERMINAL_STATES)
    assert STATE_LABELS["info_requested"] == "Info requested"
    assert STATE_LABELS["business_case"] == "Business case"
    assert STATE_LABELS["on_hold"] == "On hold"


def test_transitions_data_matches_the_domain_table():
    pairs = {}
    for t in TRANSITIONS:
        sources = [t["source"]] if isinstance(t["source"], str) else t["source"]
        for source in sources:
            assert (source, t["trigger"]) not in pairs, "one move per (state, trigger)"
            pairs[(source, t["trigger"])] = t["dest"]
    assert pairs == LEGAL


def test_terminal_states_have_no_way_out():
    for state in TERMINAL_STATES:
        assert not [pair for pair in LEGAL if pair[0] == state]


def test_labels_and_inputs():
    assert TRIGGER_LABELS["request_info"] == "Request information"
    assert TRIGGER_LABELS["merge"] == "Merge as duplicate"
    assert TRIGGER_LABELS["hold"] == "Put on hold"
    assert TRIGGER_INPUTS["withdraw"] == ("reason",)
    assert TRIGGER_INPUTS["request_info"] == ("question",)
    assert TRIGGER_INPUTS["resubmit"] == ("answer",)
    assert TRIGGER_INPUTS["merge"] == ("target_id",)
    assert TRIGGER_INPUTS["submit"] == TRIGGER_INPUTS["accept"] == ()
    assert GATE_TRIGGERS == {"advance", "close", "reject_at_gate"}
    assert PMO_ROLES == {"pmo", "admin"}


def test_actor_has_any():
    assert PMO.has_any("pmo", "admin")
    assert not VIEWER.has_any("pmo", "admin")
    assert not VIEWER.has_any()


# ----------------------------------------------- every (state, trigger, actor) by hand


@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("trigger", ALL_TRIGGERS)
@pytest.mark.parametrize("state", STATES)
def test_fire_by_hand(state: str, trigger: str, who: str):
    row, lifecycle, events = build(state)
    actor = ACTORS[who]
    inputs = GOOD_INPUTS.get(trigger, {})
    expected = expected_by_hand(state, trigger, who)

    assert lifecycle.may(trigger, actor, **inputs) is isinstance(expected, str)
    assert (lifecycle.refusals(trigger, actor, **inputs) == []) is isinstance(expected, str)

    if isinstance(expected, str):
        event = lifecycle.fire(trigger, actor, **inputs)
        assert row.state == expected
        assert events == [event]
        assert (event.trigger, event.from_state, event.to_state, event.actor_id) == (trigger, state, expected, actor.id)
        assert event.reason == inputs.get("reason")
    else:
        assert_refused(row, lifecycle, events, expected, trigger, actor, **inputs)


@pytest.mark.parametrize("trigger", sorted(GATE_TRIGGERS))
@pytest.mark.parametrize("state", STATES)
def test_fire_by_gate(state: str, trigger: str):
    row, lifecycle, events = build(state)
    inputs = GOOD_INPUTS.get(trigger, {})
    if (state, trigger) in LEGAL:
        assert lifecycle.may(trigger, APPROVER, by_gate=True, **inputs)
        event = lifecycle.fire(trigger, APPROVER, by_gate=True, **inputs)
        assert row.state == LEGAL[(state, trigger)]
        assert events == [event]
        assert event.detail["by_gate"] is True
    else:
        assert_refused(row, lifecycle, events, IllegalTransition, trigger, APPROVER, by_gate=True, **inputs)


@pytest.mark.parametrize("trigger", sorted(GATE_TRIGGERS))
def test_gate_triggers_by_hand_say_why(trigger: str):
    state = next(s for (s, t) in LEGAL if t == trigger)
    row, lifecycle, events = build(state)
    for actor in ACTORS.values():
        error = assert_refused(row, lifecycle, events, NotPermitted, trigger, actor, **GOOD_INPUTS.get(trigger, {}))
        assert error.reasons == [f"{TRIGGER_LABELS[trigger]} moves only through a gate decision"]
        assert "moves only through a gate decision" in lifecycle.refusals(trigger, actor)[0]


# ---------------------------------------------------- inputs and guards, every pair

REQUIRED_MESSAGE = {
    "reason": "A reason is required",
    "question": "A question is required",
    "answer": "An answer is required",
    "target_id": "A target initiative is required",
}

PAIRS_WITH_INPUTS = sorted((s, t) for (s, t) in LEGAL if TRIGGER_INPUTS[t])


def permitted_actor(trigger: str) -> tuple[Actor, bool]:
    """Someone allowed to fire ``trigger`` and whether it goes by gate."""
    if trigger in GATE_TRIGGERS:
        return APPROVER, True
    return ACTORS[sorted(WHO[trigger])[0]], False


@pytest.mark.parametrize("blank", [None, "", "   "])
@pytest.mark.parametrize(("state", "trigger"), PAIRS_WITH_INPUTS)
def test_missing_inputs_are_refused(state: str, trigger: str, blank: object):
    row, lifecycle, events = build(state)
    actor, by_gate = permitted_actor(trigger)
    inputs = {name: blank for name in TRIGGER_INPUTS[trigger]}
    error = assert_refused(row, lifecycle, events, GuardRefused, trigger, actor, by_gate=by_gate, **inputs)
    assert error.reasons == [REQUIRED_MESSAGE[name] for name in TRIGGER_INPUTS[trigger]]
    assert not lifecycle.may(trigger, actor, by_gate=by_gate, **inputs)


GUARD_CASES = [
    pytest.param(
        "draft", "submit", {"missing_required_fields": ("Title", "Business need")}, {},
        ["Required field missing: Title", "Required field missing: Business need"], id="submit-incomplete",
    ),
    pytest.param(
        "triage", "merge", {}, {"target_id": INITIATIVE_ID, "target_state": "triage"},
        ["Merge target must be another open initiative"], id="merge-into-itself",
    ),
    pytest.param(
        "submitted", "merge", {}, {"target_id": 99, "target_state": "closed"},
        ["Merge target must be another open initiative"], id="merge-into-closed",
    ),
    pytest.param(
        "submitted", "merge", {}, {"target_id": 99, "target_state": "merged"},
        ["Merge target must be another open initiative"], id="merge-into-merged",
    ),
    pytest.param(
        "triage", "merge", {}, {"target_id": 99},
        ["Merge target must be another open initiative"], id="merge-target-state-unknown",
    ),
    pytest.param(
        "triage", "merge", {}, {"target_id": "abc", "target_state": "triage"},
        ["Merge target must be another open initiative"], id="merge-target-not-an-id",
    ),
    pytest.param("scoring", "advance", {"has_current_score": False}, {}, ["No current score"], id="g1-no-score"),
    pytest.param(
        "business_case", "advance", {"business_case_gaps": ("Economic case", "Costs")}, {},
        ["Business case incomplete: Economic case", "Business case incomplete: Costs"], id="g2-gaps",
    ),
    pytest.param(
        "delivery", "advance", {"open_milestones_without_variance": ("Go-live",)}, {},
        ["Open milestone without an accepted variance: Go-live"], id="g3-milestone",
    ),
    pytest.param(
        "benefits_review", "close",
        {"benefits_without_actual": ("Officer hours", "Cost avoidance"), "lesson_count": 0,
         "satisfaction_recorded": False},
        {},
        [
            "Benefit has no actual or reason: Officer hours",
            "Benefit has no actual or reason: Cost avoidance",
            "At least one lesson is required",
            "Satisfaction score not recorded",
        ],
        id="g4-everything-missing",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("state", "trigger", "facts", "inputs", "reasons"), GUARD_CASES)
def test_guards_list_every_failed_criterion(state, trigger, facts, inputs, reasons):
    row, lifecycle, events = build(state, good_facts(**facts))
    actor, by_gate = permitted_actor(trigger)
    error = assert_refused(row, lifecycle, events, GuardRefused, trigger, actor, by_gate=by_gate, **inputs)
    assert error.reasons == reasons
    assert lifecycle.refusals(trigger, actor, by_gate=by_gate, **inputs) == reasons
    assert not lifecycle.may(trigger, actor, by_gate=by_gate, **inputs)


def test_merge_accepts_an_id_given_as_text():
    row, lifecycle, events = build("triage")
    event = lifecycle.fire("merge", PMO, target_id="99", target_state="scoring")
    assert row.state == "merged"
    assert event.detail["target_id"] == "99"


# --------------------------------------------------------------- who, precisely


@pytest.mark.parametrize(
    ("state", "trigger", "actor", "inputs", "error"),
    [
        pytest.param("draft", "submit", Actor(1, frozenset({"viewer"})), {}, NotPermitted, id="owner-who-is-viewer"),
        pytest.param("draft", "submit", PMO, {}, NotPermitted, id="pmo-not-owner-cannot-submit"),
        pytest.param("draft", "submit", Actor(1, frozenset({"pmo"})), {}, None, id="pmo-who-owns-submits"),
        pytest.param("draft", "submit", Actor(1, frozenset({"approver"})), {}, None, id="approver-who-owns-submits"),
        pytest.param("info_requested", "resubmit", PMO, {"answer": "x"}, NotPermitted, id="pmo-cannot-answer"),
        pytest.param("submitted", "withdraw", Actor(1, frozenset({"viewer"})), {"reason": "x"}, NotPermitted,
                     id="viewer-owner-cannot-withdraw"),
        pytest.param("delivery", "cancel", ADMIN, {"reason": "x"}, NotPermitted, id="admin-cannot-cancel"),
        pytest.param("delivery", "cancel", Actor(6, frozenset({"admin", "approver"})), {"reason": "x"}, None,
                     id="admin-approver-cancels"),
        pytest.param("draft", "submit", Actor(7, frozenset()), {}, NotPermitted, id="no-roles"),
    ],
)  # fmt: skip
def test_who_may_fire(state, trigger, actor, inputs, error):
    row, lifecycle, events = build(state)
    if error is None:
        lifecycle.fire(trigger, actor, **inputs)
        assert len(events) == 1
    else:
        assert_refused(row, lifecycle, events, error, trigger, actor, **inputs)


def test_owner_none_means_nobody_owns_it():
    row, lifecycle, events = build("draft", good_facts(owner_id=None))
    assert_refused(row, lifecycle, events, NotPermitted, "submit", OWNER)


def test_checks_run_in_order_state_then_actor_then_guards():
    # Illegal and not permitted: the state wins (409 before 403).
    row, lifecycle, events = build("closed")
    assert_refused(row, lifecycle, events, IllegalTransition, "submit", VIEWER)
    # Not permitted and a missing reason: the actor wins (403 before 422).
    row, lifecycle, events = build("triage")
    assert_refused(row, lifecycle, events, NotPermitted, "reject", VIEWER)


def test_refusals_report_every_category():
    row, lifecycle, _ = build("triage")
    assert lifecycle.refusals("reject", VIEWER) == ["Only the PMO may reject", "A reason is required"]
    assert lifecycle.refusals("submit", VIEWER) == [
        "Submit is not possible from Triage", "Only the owner of the initiative may submit"]


def test_unknown_trigger_is_illegal():
    row, lifecycle, events = build("draft")
    assert_refused(row, lifecycle, events, IllegalTransition, "approve", PMO)
    assert not lifecycle.may("approve", PMO)
    assert lifecycle.refusals("approve", PMO) == ["Unknown action 'approve'"]


def test_unknown_input_name_is_a_programming_error():
    row, lifecycle, events = build("draft")
    with pytest.raises(TypeError):
        lifecycle.fire("withdraw", OWNER, reasn="typo")
    assert row.state == "draft" and events == []


def test_unknown_row_state_is_rejected_at_construction():
    with pytest.raises(ValueError):
        Lifecycle(SimpleNamespace(state="limbo"), good_facts())


def test_failing_callback_leaves_the_row_where_it_was():
    row = SimpleNamespace(state="draft")

    def explode(event: TransitionEvent) -> None:
        raise RuntimeError("audit write failed")

    lifecycle = Lifecycle(row, good_facts(), on_event=explode)
    with pytest.raises(RuntimeError):
        lifecycle.fire("submit", OWNER)
    assert row.state == "draft"
    # and the same lifecycle still works afterwards
    lifecycle.on_event = None
    lifecycle.fire("submit", OWNER)
    assert row.state == "submitted"


def test_event_carries_inputs_and_one_lifecycle_fires_in_sequence():
    row, lifecycle, events = build("submitted")
    lifecycle.fire("start_triage", PMO)
    lifecycle.fire("request_info", PMO, question="Which stations?")
    lifecycle.fire("resubmit", OWNER, answer="North")
    lifecycle.fire("accept", ADMIN)
    assert row.state == "scoring"
    assert [e.trigger for e in events] == ["start_triage", "request_info", "resubmit", "accept"]
    assert events[1].detail == {"by_gate": False, "question": "Which stations?"}
    assert events[2].detail == {"by_gate": False, "answer": "North"}
    assert all(e.reason is None for e in events)
    assert lifecycle.stage == "scoring" and not lifecycle.is_terminal


def test_works_without_a_callback():
    row = SimpleNamespace(state="delivery")
    event = Lifecycle(row, good_facts()).fire("hold", APPROVER, reason="Awaiting funding")
    assert row.state == "on_hold" and event.reason == "Awaiting funding"


# ------------------------------------------------------------------ buttons per role

AVAILABLE = {
    ("draft", "owner"): ["submit", "withdraw"],
    ("draft", "pmo"): ["withdraw"],
    ("draft", "admin"): ["withdraw"],
    ("submitted", "owner"): ["withdraw"],
    ("submitted", "pmo"): ["start_triage", "merge", "withdraw"],
    ("submitted", "admin"): ["start_triage", "merge", "withdraw"],
    ("triage", "owner"): ["withdraw"],
    ("triage", "pmo"): ["request_info", "accept", "merge", "reject", "withdraw"],
    ("triage", "admin"): ["request_info", "accept", "merge", "reject", "withdraw"],
    ("info_requested", "owner"): ["resubmit", "withdraw"],
    ("info_requested", "pmo"): ["withdraw"],
    ("info_requested", "admin"): ["withdraw"],
    ("scoring", "pmo"): ["reject"],
    ("scoring", "admin"): ["reject"],
    ("business_case", "approver"): ["cancel"],
    ("delivery", "pmo"): ["hold"],
    ("delivery", "admin"): ["hold"],
    ("delivery", "approver"): ["hold", "cancel"],
    ("on_hold", "pmo"): ["resume"],
    ("on_hold", "admin"): ["resume"],
    ("on_hold", "approver"): ["resume", "cancel"],
}


@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("state", STATES)
def test_available_triggers(state: str, who: str):
    # Guards do not hide buttons: facts here fail every guard.
    facts = LifecycleFacts(INITIATIVE_ID, OWNER.id, missing_required_fields=("Title",))
    _, lifecycle, _ = build(state, facts)
    assert lifecycle.available_triggers(ACTORS[who]) == AVAILABLE.get((state, who), [])


# ------------------------------------------------------------------ gate entry criteria


@pytest.mark.parametrize(
    ("gate", "state", "facts", "failures"),
    [
        pytest.param("G1", "scoring", {}, [], id="g1-ready"),
        pytest.param("G1", "scoring", {"has_current_score": False}, ["No current score"], id="g1-no-score"),
        pytest.param("G1", "triage", {"has_current_score": False},
                     ["Initiative is not in Scoring", "No current score"], id="g1-wrong-state"),
        pytest.param("G2", "business_case", {}, [], id="g2-ready"),
        pytest.param("G2", "business_case",
                     {"business_case_gaps": ("Economic case", "At least one option", "Costs",
                                             "At least one planned benefit")},
                     ["Business case incomplete: Economic case", "Business case incomplete: At least one option",
                      "Business case incomplete: Costs", "Business case incomplete: At least one planned benefit"],
                     id="g2-gaps"),
        pytest.param("G2", "scoring", {}, ["Initiative is not in Business case"], id="g2-wrong-state"),
        pytest.param("G3", "delivery", {}, [], id="g3-ready"),
        pytest.param("G3", "delivery", {"open_milestones_without_variance": ("Pilot", "Go-live")},
                     ["Open milestone without an accepted variance: Pilot",
                      "Open milestone without an accepted variance: Go-live"], id="g3-milestones"),
        pytest.param("G3", "on_hold", {}, ["Initiative is not in Delivery"], id="g3-on-hold"),
        pytest.param("G4", "benefits_review", {}, [], id="g4-ready"),
        pytest.param("G4", "benefits_review",
                     {"benefits_without_actual": ("Officer hours",), "lesson_count": 0, "satisfaction_recorded": False},
                     ["Benefit has no actual or reason: Officer hours", "At least one lesson is required",
                      "Satisfaction score not recorded"], id="g4-all-missing"),
        pytest.param("G4", "closed", {}, ["Initiative is not in Benefits review"], id="g4-closed"),
    ],
)  # fmt: skip
def test_gate_entry_failures(gate, state, facts, failures):
    _, lifecycle, events = build(state, good_facts(**facts))
    assert lifecycle.gate_entry_failures(gate) == failures
    assert events == []


def test_gate_entry_failures_unknown_gate():
    _, lifecycle, _ = build("scoring")
    with pytest.raises(ValueError):
        lifecycle.gate_entry_failures("G5")
