"""Gate conditions: open -> met or waived, who may close them, and the rule for later gates."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from workflows.conditions import (
    ACTIONS,
    CONDITION_STATES,
    ConditionEvent,
    Gatekeepers,
    OpenCondition,
    close,
    earlier_conditions_open,
    is_overdue,
    refusals,
)
from workflows.lifecycle import Actor, GuardRefused, IllegalTransition, NotPermitted

REQUESTER = Actor(1, frozenset({"requester", "approver"}))  # owns the initiative, also an approver
PMO = Actor(2, frozenset({"pmo"}))
ADMIN = Actor(3, frozenset({"admin"}))
OWNER = Actor(4, frozenset({"requester"}))  # the condition's owner, a user
VIEWER = Actor(5, frozenset({"viewer"}))
APPROVER = Actor(11, frozenset({"approver"}))
BOARD = Actor(12, frozenset({"investment_board"}))

WHO = Gatekeepers(owner_id=OWNER.id, approver_role="approver", initiative_owner_id=REQUESTER.id)
NOTE = {"meet": "Signed data-sharing agreement filed on 3 June", "waive": "Superseded by the national contract"}

MAY_MEET = "Only the PMO or the condition's owner may mark it as met"
MAY_WAIVE = "Only users with the approver role may waive a condition"
NOT_REQUESTER = "The requester of an initiative cannot waive its conditions"

# (actor, action) -> the refusals about who may act; [] when they may (docs/rules.md 9).
WHO_MAY = {
    (PMO, "meet"): [],
    (ADMIN, "meet"): [],
    (OWNER, "meet"): [],
    (APPROVER, "meet"): [MAY_MEET],
    (VIEWER, "meet"): [MAY_MEET],
    (REQUESTER, "meet"): [MAY_MEET],
    (APPROVER, "waive"): [],
    (PMO, "waive"): [MAY_WAIVE],
    (ADMIN, "waive"): [MAY_WAIVE],
    (OWNER, "waive"): [MAY_WAIVE],
    (VIEWER, "waive"): [MAY_WAIVE],
    (REQUESTER, "waive"): [NOT_REQUESTER],
    (BOARD, "waive"): [MAY_WAIVE],
}


NAMES = {PMO: "pmo", ADMIN: "admin", OWNER: "owner", APPROVER: "approver", VIEWER: "viewer",
         REQUESTER: "requester", BOARD: "board"}


def condition(state: str = "open") -> SimpleNamespace:
    return SimpleNamespace(state=state)


@pytest.mark.parametrize(("actor", "action"), list(WHO_MAY), ids=[f"{NAMES[a]}-{b}" for a, b in WHO_MAY])
def test_who_may_close_an_open_condition(actor: Actor, action: str):
    row = condition()
    reasons = WHO_MAY[(actor, action)]
    assert refusals(row, actor, action, NOTE[action], WHO) == reasons
    if reasons:
        with pytest.raises(NotPermitted) as raised:
            close(row, actor, action, NOTE[action], WHO)
        assert raised.value.reasons == reasons
        assert row.state == "open"
        return
    event = close(row, actor, action, f"  {NOTE[action]}  ", WHO)
    assert row.state == ACTIONS[action]
    assert event == ConditionEvent(action, "open", ACTIONS[action], actor.id, NOTE[action])


def test_the_configured_approver_role_waives():
    who = Gatekeepers(owner_id=None, approver_role="investment_board", initiative_owner_id=REQUESTER.id)
    assert refusals(condition(), BOARD, "waive", "Agreed", who) == []
    assert refusals(condition(), APPROVER, "waive", "Agreed", who) == [
        "Only users with the investment_board role may waive a condition"]


def test_a_condition_owned_by_no_user_is_met_by_the_pmo_alone():
    who = Gatekeepers(owner_id=None, approver_role="approver", initiative_owner_id=REQUESTER.id)
    assert refusals(condition(), OWNER, "meet", "Done", who) == [MAY_MEET]
    assert refusals(condition(), PMO, "meet", "Done", who) == []


@pytest.mark.parametrize("state", CONDITION_STATES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_from_each_state(state: str, action: str):
    actor = PMO if action == "meet" else APPROVER
    row = condition(state)
    if state == "open":
        close(row, actor, action, NOTE[action], WHO)
        assert row.state == ACTIONS[action]
        return
    with pytest.raises(IllegalTransition) as raised:
        close(row, actor, action, NOTE[action], WHO)
    assert raised.value.reasons == [f"This condition is already {state}"]
    assert row.state == state


@pytest.mark.parametrize("note", ["", "   ", None])
@pytest.mark.parametrize(("action", "reason"), [
    ("meet", "Evidence that the condition is met is required"),
    ("waive", "A reason for waiving the condition is required"),
])
def test_evidence_or_a_reason_is_required(action: str, reason: str, note):
    actor = PMO if action == "meet" else APPROVER
    row = condition()
    with pytest.raises(GuardRefused) as raised:
        close(row, actor, action, note, WHO)
    assert raised.value.reasons == [reason]
    assert row.state == "open"


def test_refusals_list_everything_at_once():
    assert refusals(condition("met"), REQUESTER, "waive", "", WHO) == [
        "This condition is already met", NOT_REQUESTER, "A reason for waiving the condition is required"]
    assert refusals(condition(), PMO, "reopen", "x", WHO) == ["Unknown action 'reopen'"]


# ---------------------------------------------------------------------- the later gates

COSTS = OpenCondition("G2", "Submit revised costs", "Head of Finance", date(2026, 9, 30))
DATA = OpenCondition("G2", "Agree the data-sharing terms", "Information Manager", date(2026, 7, 1))
TRAINING = OpenCondition("G3", "Train the last shift", "Project manager", date(2026, 12, 1))
SCORE = OpenCondition("G1", "Confirm the sponsor", "Ch Supt A. Example", date(2026, 5, 1))

COSTS_OPEN = ("Condition set at Gate 2 is still open: Submit revised costs "
              "(owner: Head of Finance, due 30 September 2026)")
DATA_OPEN = ("Condition set at Gate 2 is still open: Agree the data-sharing terms "
             "(owner: Information Manager, due 1 July 2026)")
TRAINING_OPEN = ("Condition set at Gate 3 is still open: Train the last shift "
                 "(owner: Project manager, due 1 December 2026)")
SCORE_OPEN = "Condition set at Gate 1 is still open: Confirm the sponsor (owner: Ch Supt A. Example, due 1 May 2026)"


@pytest.mark.parametrize(("gate", "open_conditions", "refused"), [
    pytest.param("G1", [SCORE, COSTS], [], id="g1-has-no-earlier-gate"),
    pytest.param("G2", [SCORE], [SCORE_OPEN], id="g2-waits-for-g1"),
    pytest.param("G2", [COSTS], [], id="g2-not-its-own"),
    pytest.param("G3", [COSTS, DATA], [DATA_OPEN, COSTS_OPEN], id="g3-names-each-earliest-due-first"),
    pytest.param("G4", [COSTS], [COSTS_OPEN], id="g4-refused-while-a-g2-condition-is-open"),
    pytest.param("G4", [TRAINING, COSTS, SCORE], [SCORE_OPEN, COSTS_OPEN, TRAINING_OPEN], id="g4-oldest-gate-first"),
    pytest.param("G4", [], [], id="g4-allowed-once-met-or-waived"),
])  # fmt: skip
def test_a_later_gate_waits_for_earlier_conditions(gate, open_conditions, refused):
    assert earlier_conditions_open(gate, open_conditions) == refused


def test_an_unknown_gate_is_a_programming_error():
    with pytest.raises(ValueError):
        earlier_conditions_open("G9", [COSTS])


@pytest.mark.parametrize(("state", "due", "overdue"), [
    ("open", date(2026, 6, 8), True),
    ("open", date(2026, 6, 9), False),  # due today is not yet overdue
    ("open", date(2026, 6, 10), False),
    ("met", date(2026, 1, 1), False),
    ("waived", date(2026, 1, 1), False),
])
def test_overdue(state, due, overdue):
    assert is_overdue(state, due, date(2026, 6, 9)) is overdue
