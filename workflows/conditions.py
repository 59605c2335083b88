"""Gate conditions tracked to closure (docs/rules.md 9): ``open -> met`` or ``open -> waived``.

A condition is set by an "approve with conditions" decision and belongs to the gate that
set it; it counts once that gate's review is approved (the app keeps conditions of a
review that ended otherwise out of the tracking). It closes one way and is never reopened:

- **met**, with the evidence, recorded by the PMO or by the condition's owner;
- **waived**, with the reason, by an approver of the gate (its configured approver role)
  who is not the initiative's requester, as for the gate decision itself.

While a condition of an earlier gate is open, a later gate cannot be requested:
:func:`earlier_conditions_open` names each one, and the app lists them with the gate's
entry criteria and in the refusal. Plain Python: the app passes rows and facts in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from transitions import Machine

from workflows.gate import GATE_ORDER
from workflows.lifecycle import PMO_ROLES, Actor, GuardRefused, IllegalTransition, NotPermitted

CONDITION_STATES: list[str] = ["open", "met", "waived"]

CONDITION_STATE_LABELS: dict[str, str] = {"open": "Open", "met": "Met", "waived": "Waived"}

# action -> the state it closes the condition in
ACTIONS: dict[str, str] = {"meet": "met", "waive": "waived"}

ACTION_LABELS: dict[str, str] = {"meet": "Mark as met", "waive": "Waive"}

# What the note each action needs is called, in the refusal when it is missing.
NOTE_MISSING: dict[str, str] = {
    "meet": "Evidence that the condition is met is required",
    "waive": "A reason for waiving the condition is required",
}

TRANSITIONS: list[dict[str, Any]] = [{"trigger": action, "source": "open", "dest": state}
                                     for action, state in ACTIONS.items()]


@dataclass(frozen=True)
class ConditionEvent:
    """The fact of one condition closing: who, from which state to which, and the note."""

    action: str
    from_state: str
    to_state: str
    actor_id: int
    note: str


@dataclass(frozen=True)
class Gatekeepers:
    """Who may act on one condition besides the PMO: its owner (if a user), the gate's
    approver role, and the initiative's requester (who may not waive)."""

    owner_id: int | None
    approver_role: str
    initiative_owner_id: int | None


class _Subject:
    """Holds the condition's state while the machine runs, so the row changes only on success."""

    def __init__(self, state: str) -> None:
        self.state = state


def _state_failures(row: Any, action: str) -> list[str]:
    if action not in ACTIONS:
        return [f"Unknown action {action!r}"]
    if row.state != "open":
        return [f"This condition is already {CONDITION_STATE_LABELS.get(row.state, row.state).lower()}"]
    return []


def permission_failures(actor: Actor, action: str, who: Gatekeepers) -> list[str]:
    """Why ``actor`` may not take ``action`` on a condition, whatever its state; empty if they may."""
    if action == "meet":
        if actor.has_any(*PMO_ROLES) or (who.owner_id is not None and actor.id == who.owner_id):
            return []
        return ["Only the PMO or the condition's owner may mark it as met"]
    if action == "waive":
        reasons = []
        if not actor.has_any(who.approver_role):
            reasons.append(f"Only users with the {who.approver_role} role may waive a condition")
        if actor.id == who.initiative_owner_id:
            reasons.append("The requester of an initiative cannot waive its conditions")
        return reasons
    return [f"Unknown action {action!r}"]


def refusals(row: Any, actor: Actor, action: str, note: str, who: Gatekeepers) -> list[str]:
    """Every reason :func:`close` would refuse (state, then who, then the note); empty if it would not."""
    reasons = _state_failures(row, action)
    if action not in ACTIONS:
        return reasons
    reasons += permission_failures(actor, action, who)
    if not (note or "").strip():
        reasons.append(NOTE_MISSING[action])
    return reasons


def close(row: Any, actor: Actor, action: str, note: str, who: Gatekeepers) -> ConditionEvent:
    """Close the open condition ``row`` as met (``meet``) or waived (``waive``).

    Raises IllegalTransition (closed already, 409), NotPermitted (403) or GuardRefused (no
    evidence or reason, 422), in that order; on failure ``row.state`` is left alone.
    """
    if reasons := _state_failures(row, action):
        raise IllegalTransition(reasons)
    if reasons := permission_failures(actor, action, who):
        raise NotPermitted(reasons)
    if not (note or "").strip():
        raise GuardRefused([NOTE_MISSING[action]])
    subject = _Subject(row.state)
    Machine(model=subject, states=CONDITION_STATES, transitions=TRANSITIONS, initial=row.state,
            auto_transitions=False)
    from_state = subject.state
    getattr(subject, action)()
    row.state = subject.state
    return ConditionEvent(action, from_state, subject.state, actor.id, note.strip())


# ------------------------------------------------------------------------ the later gates


@dataclass(frozen=True)
class OpenCondition:
    """An open condition as the gate rule reads it: the gate that set it, what, who, by when."""

    gate: str
    text: str
    owner: str
    due: date


def earlier_conditions_open(gate_code: str, open_conditions: Iterable[OpenCondition]) -> list[str]:
    """Why ``gate_code`` may not be requested yet: each open condition set at an earlier gate,
    by name, oldest gate and earliest due date first; empty when there is none."""
    position = GATE_ORDER.index(gate_code)  # ValueError for an unknown gate: a programming error
    earlier = [c for c in open_conditions if GATE_ORDER.index(c.gate) < position]
    earlier.sort(key=lambda c: (GATE_ORDER.index(c.gate), c.due, c.text))
    return [f"Condition set at Gate {c.gate.removeprefix('G')} is still open: {c.text} "
            f"(owner: {c.owner}, due {c.due.day} {c.due:%B %Y})" for c in earlier]


def is_overdue(state: str, due: date, today: date) -> bool:
    """An open condition whose due date has passed (docs/rules.md 9: flagged to its owner and the PMO)."""
    return state == "open" and due < today
