"""Stage gates: a gate review is its own small machine (docs/rules.md 1 and 9).

``requested -> decided``, or ``requested -> deferred -> decided``. Each approver records
one decision. Rejection and return for rework decide the review at once; approvals decide
it only when the gate's quorum of distinct approvers is met. A deferral keeps the review
open, ``deferred``, with a date to come back: it blocks another request of the gate until
the PMO asks for it again (``re_request``), which closes the deferred review so that a
fresh one, with a fresh set of decisions, can be opened. :func:`apply_outcome` then makes
the lifecycle move the gate stands for, in the same transaction as the decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NoReturn

from transitions import Machine

from workflows.lifecycle import (
    GATE_MOVES,
    STATE_LABELS,
    Actor,
    GuardRefused,
    IllegalTransition,
    Lifecycle,
    NotPermitted,
    TransitionEvent,
    WorkflowError,
    transition_for,
)

# ---------------------------------------------------------------------------- gates


@dataclass(frozen=True)
class GateSpec:
    """One gate as configured: what it moves and who, and how many of them, must approve."""

    code: str
    name: str
    from_state: str
    to_state: str
    approver_role: str = "approver"
    quorum: int = 1


_GATE_NAMES: dict[str, str] = {
    "G1": "Approve to develop a business case",
    "G2": "Investment decision",
    "G3": "Delivery complete",
    "G4": "Closure",
}

GATES: dict[str, GateSpec] = {
    code: GateSpec(code, _GATE_NAMES[code], from_state, to_state)
    for code, (from_state, _trigger, to_state) in GATE_MOVES.items()
}

GATE_FOR_STATE: dict[str, str] = {spec.from_state: code for code, spec in GATES.items()}

# The gates in the order an initiative meets them.
GATE_ORDER: list[str] = list(GATES)


def gate_spec(code: str, approver_role: str | None = None, quorum: int | None = None) -> GateSpec:
    """The default spec for ``code`` with the admin's overrides applied (None keeps the default).

    The app decides which quorum applies (e.g. 2 at G2 for capital-funded work) and passes it.
    """
    spec = GATES[code]
    if quorum is not None and quorum < 1:
        raise ValueError("A gate quorum must be at least 1")
    return replace(
        spec,
        approver_role=spec.approver_role if approver_role is None else approver_role,
        quorum=spec.quorum if quorum is None else quorum,
    )


# ----------------------------------------------------------------------- next step

# What the PMO does to move an initiative through its next gate, as a menu item says it.
GATE_STEP_LABELS: dict[str, str] = {
    "request": "Request gate {number}: {name}",
    "request_again": "Request gate {number} again (deferred)",
    "open_review": "Open the gate {number} review awaiting a decision",
}


@dataclass(frozen=True)
class GateStep:
    """The way out of a gated state: ask for the gate, ask again after a deferral, or open the
    review already waiting for its approvers. A gate decision, never a button, makes the move."""

    code: str
    action: str
    to_state: str

    @property
    def label(self) -> str:
        return GATE_STEP_LABELS[self.action].format(number=self.code.removeprefix("G"), name=GATES[self.code].name)


def gate_step(state: str, actor: Actor, open_review_state: str | None = None) -> GateStep | None:
    """What ``actor`` may do now towards the gate that moves an initiative out of ``state``.

    ``open_review_state`` is the state of the initiative's open review (OPEN_REVIEW_STATES),
    None when it has none. A review awaiting decision may be opened by anyone who can see it;
    asking for a gate (first time, or again after a deferral) is the PMO's. None when no gate
    follows ``state`` or the actor may do nothing towards it.
    """
    code = GATE_FOR_STATE.get(state)
    if code is None:
        return None
    to_state = GATES[code].to_state
    if open_review_state == "requested":
        return GateStep(code, "open_review", to_state)
    if not actor.has_any(*REQUESTING_ROLES):
        return None
    return GateStep(code, "request_again" if open_review_state == "deferred" else "request", to_state)


# ------------------------------------------------------------------------ decisions

DECISIONS: list[str] = ["approve", "approve_with_conditions", "reject", "defer", "return_for_rework"]

DECISION_LABELS: dict[str, str] = {
    "approve": "Approve",
    "approve_with_conditions": "Approve with conditions",
    "reject": "Reject",
    "defer": "Defer",
    "return_for_rework": "Return for rework",
}

APPROVING_DECISIONS: frozenset[str] = frozenset({"approve", "approve_with_conditions"})

# What a single non-approving decision does to the review at once.
DECISION_OUTCOMES: dict[str, str] = {"reject": "rejected", "defer": "deferred", "return_for_rework": "returned"}

OUTCOMES: list[str] = ["pending", "approved", "rejected", "deferred", "returned"]

# "deferred" is still open: the gate waits for the PMO to ask for it again on the date.
REVIEW_STATES: list[str] = ["requested", "deferred", "decided"]
OPEN_REVIEW_STATES: frozenset[str] = frozenset({"requested", "deferred"})

# The first entry whose condition holds wins; otherwise an approval short of quorum is
# recorded as an internal transition and the review stays requested.
REVIEW_TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "decide", "source": "requested", "dest": "deferred", "conditions": ["defers_review"]},
    {"trigger": "decide", "source": "requested", "dest": "decided", "conditions": ["settles_review"]},
    {"trigger": "decide", "source": "requested", "dest": None},
    {"trigger": "re_request", "source": "deferred", "dest": "decided"},
]

# Who may ask for a gate review, or for a deferred one again (docs/rules.md 2).
REQUESTING_ROLES: frozenset[str] = frozenset({"pmo", "admin"})


def request_refusals(actor: Actor, state: str, *, awaiting: bool) -> list[str]:
    """Why ``actor`` may not ask for the next gate of an initiative in ``state``, in the order
    they are met: who asks, then whether a gate follows, then whether one already waits.

    ``awaiting`` is True when the initiative has a review of that gate open (requested, not
    deferred). Entry criteria are the lifecycle's (Lifecycle.gate_entry_failures).
    """
    if not actor.has_any(*REQUESTING_ROLES):
        return ["Only the PMO can request a gate review"]
    code = GATE_FOR_STATE.get(state)
    if code is None:
        return [f"No gate follows the state '{STATE_LABELS[state]}'"]
    if awaiting:
        return [already_awaiting(code)]
    return []


def require_request(actor: Actor, state: str, *, awaiting: bool) -> str:
    """The gate ``actor`` may ask for from ``state``; raises NotPermitted (not the PMO) or
    IllegalTransition (no gate follows, or the gate already awaits a decision)."""
    if not actor.has_any(*REQUESTING_ROLES):
        raise NotPermitted(request_refusals(actor, state, awaiting=awaiting))
    if reasons := request_refusals(actor, state, awaiting=awaiting):
        raise IllegalTransition(reasons)
    return GATE_FOR_STATE[state]


def next_gate(state: str) -> str:
    """The gate that moves an initiative on from ``state``; IllegalTransition when none does."""
    code = GATE_FOR_STATE.get(state)
    if code is None:
        raise IllegalTransition([f"No gate follows {STATE_LABELS[state]}"])
    return code


def already_awaiting(code: str) -> str:
    """The refusal of a second request for a gate whose review is open."""
    return f"Gate {code} is already awaiting a decision"


def refuse_second_request(code: str) -> NoReturn:
    """Refuse a request that lost the race to another (the open-review index kept one)."""
    raise IllegalTransition([already_awaiting(code)])


def require_request_again(actor: Actor, review_state: str, review_gate: str, state: str, reference: str) -> None:
    """May ``actor`` ask again for the deferred review of ``review_gate``? Raises NotPermitted
    (not the PMO) or IllegalTransition (not deferred, or the initiative has moved on)."""
    if not actor.has_any(*REQUESTING_ROLES):
        raise NotPermitted(["Only the PMO can request a gate review"])
    if review_state != "deferred" or GATE_FOR_STATE.get(state) != review_gate:
        raise IllegalTransition([f"Gate {review_gate} of {reference} is not waiting to be requested again"])


@dataclass(frozen=True)
class Decision:
    """One approver's recorded decision on one gate review."""

    approver_id: int
    decision: str


@dataclass(frozen=True)
class Condition:
    """A condition attached to an approval: tracked with an owner and a due date.

    ``owner`` is the owner as people read it (a user's name, or a name or role typed for
    someone without an account); ``owner_id`` is the user, when the owner is one.
    """

    text: str
    owner: str
    due: date
    owner_id: int | None = None


@dataclass(frozen=True)
class GateEvent(TransitionEvent):
    """The audit fact for one gate decision; same shape as a lifecycle TransitionEvent."""


@dataclass(frozen=True)
class GateOutcome:
    """What one decision did: the review's outcome ("pending" while short of quorum) and its event."""

    outcome: str
    decision: Decision
    approvals: int
    quorum: int
    event: GateEvent
    conditions: tuple[Condition, ...] = field(default_factory=tuple)

    @property
    def decided(self) -> bool:
        """True if this decision settled the review: decided it, or deferred it to a date."""
        return self.outcome != "pending"


class _Subject:
    """Holds the review state while the machine runs, so the row changes only on success."""

    # The machine adds the trigger at run time; declared (not defined, which would stop
    # transitions from adding it) so the type checker knows it.
    decide: Callable[[], bool]

    def __init__(self, state: str) -> None:
        self.state = state


# --------------------------------------------------------------------------- review


class GateReview:
    """One gate review of one initiative: checks and records approvers' decisions.

    ``row`` has a read/write ``state`` (REVIEW_STATES) and ``outcome`` (None until the
    review is decided or deferred). ``prior_decisions`` are the decisions already recorded on this review; each
    successful ``decide`` is appended to ``self.decisions``.

    A second decision by the same approver is ``NotPermitted`` (403): it is about who may
    act, not about what they entered.
    """

    def __init__(
        self,
        row: Any,
        spec: GateSpec,
        initiative_owner_id: int | None,
        prior_decisions: Iterable[Decision] = (),
        on_event: Callable[[TransitionEvent], None] | None = None,
    ) -> None:
        if row.state not in REVIEW_STATES:
            raise ValueError(f"Unknown gate review state {row.state!r}")
        self.row = row
        self.spec = spec
        self.initiative_owner_id = initiative_owner_id
        self.decisions: list[Decision] = list(prior_decisions)
        self.on_event = on_event

    @property
    def approvals(self) -> int:
        """Distinct approvers who approved (with or without conditions) so far."""
        return len({d.approver_id for d in self.decisions if d.decision in APPROVING_DECISIONS})

    # -- checks, in the order decide() applies them

    def _state_failures(self) -> list[str]:
        if self.row.state == "deferred":
            return [f"Gate {self.spec.code} has been deferred: the PMO asks for it again when it is due"]
        if self.row.state != "requested":
            return [f"Gate {self.spec.code} has already been decided"]
        return []

    def _actor_failures(self, actor: Actor) -> list[str]:
        reasons = []
        if not actor.has_any(self.spec.approver_role):
            reasons.append(f"Only users with the {self.spec.approver_role} role may decide gate {self.spec.code}")
        if actor.id == self.initiative_owner_id:
            reasons.append("The requester of an initiative cannot decide its gate")
        if any(d.approver_id == actor.id for d in self.decisions):
            reasons.append("You have already decided this gate")
        return reasons

    @staticmethod
    def _input_failures(
        decision: str, comment: str, conditions: Iterable[Condition], defer_until: date | None
    ) -> list[str]:
        if decision not in DECISIONS:
            return [f"Unknown decision {decision!r}"]
        reasons = []
        if decision != "approve" and (comment is None or not comment.strip()):
            reasons.append("A comment is required")
        conditions = tuple(conditions)
        if decision == "approve_with_conditions":
            if not conditions:
                reasons.append("At least one condition is required")
            for number, c in enumerate(conditions, start=1):
                if not (c.text or "").strip() or not (c.owner or "").strip() or not isinstance(c.due, date):
                    reasons.append(f"Condition {number} needs text, an owner and a due date")
        if decision == "defer" and not isinstance(defer_until, date):
            reasons.append("A date to come back is required")
        return reasons

    # -- asking and deciding

    def refusals(
        self,
        actor: Actor,
        decision: str,
        comment: str = "",
        conditions: Iterable[Condition] = (),
        defer_until: date | None = None,
    ) -> list[str]:
        """Every reason ``decide`` would refuse; empty if it would be recorded."""
        return (
            self._state_failures()
            + self._actor_failures(actor)
            + self._input_failures(decision, comment, conditions, defer_until)
        )

    def decider_refusal(self, actor: Actor) -> WorkflowError | None:
        """Why ``actor`` may not decide this review now, as the error ``decide`` would raise
        before reading any input: IllegalTransition (decided or deferred) or NotPermitted."""
        if reasons := self._state_failures():
            return IllegalTransition(reasons + self._actor_failures(actor))
        if reasons := self._actor_failures(actor):
            return NotPermitted(reasons)
        return None

    def _outcome_after(self, actor: Actor, decision: str) -> str:
        if decision in DECISION_OUTCOMES:
            return DECISION_OUTCOMES[decision]
        approvers = {d.approver_id for d in self.decisions if d.decision in APPROVING_DECISIONS} | {actor.id}
        return "approved" if len(approvers) >= self.spec.quorum else "pending"

    def decide(
        self,
        actor: Actor,
        decision: str,
        *,
        comment: str = "",
        conditions: Iterable[Condition] = (),
        defer_until: date | None = None,
    ) -> GateOutcome:
        """Record ``actor``'s decision; decide the review if it settles it; emit one event.

        Raises IllegalTransition (already decided), NotPermitted (wrong role, the requester,
        or a second decision by the same approver) or GuardRefused (comment, conditions,
        date, unknown decision). On failure nothing on the row changes and no event is sent.
        """
        conditions = tuple(conditions)
        if reasons := self._state_failures():
            raise IllegalTransition(reasons)
        if reasons := self._actor_failures(actor):
            raise NotPermitted(reasons)
        if reasons := self._input_failures(decision, comment, conditions, defer_until):
            raise GuardRefused(reasons)

        outcome = self._outcome_after(actor, decision)
        recorded = Decision(actor.id, decision)
        self.decisions.append(recorded)
        try:
            event = self._move(
                "decide", actor, (comment or "").strip() or None,
                _event_detail(self.spec, decision, outcome, conditions, defer_until),
                outcome=None if outcome == "pending" else outcome)
        except Exception:
            self.decisions.pop()
            raise
        return GateOutcome(outcome, recorded, self.approvals, self.spec.quorum, event, conditions)

    def re_request_refusals(self, actor: Actor) -> list[str]:
        """Why ``actor`` may not ask for this deferred review again; empty when they may."""
        reasons = []
        if self.row.state != "deferred":
            reasons.append(f"Gate {self.spec.code} is not deferred")
        if not actor.has_any(*REQUESTING_ROLES):
            reasons.append("Only the PMO can request a gate review")
        return reasons

    def re_request(self, actor: Actor) -> GateEvent:
        """Close this deferred review because the PMO asks for the gate again (docs/rules.md 9).

        The app opens the fresh review in the same transaction; the deferral, its comment
        and its date stay on this one. Raises IllegalTransition (not deferred) or
        NotPermitted (not the PMO); nothing changes on failure.
        """
        if self.row.state != "deferred":
            raise IllegalTransition([f"Gate {self.spec.code} is not deferred"])
        if reasons := self.re_request_refusals(actor):
            raise NotPermitted(reasons)
        return self._move("re_request", actor, None, {"gate": self.spec.code, "outcome": self.row.outcome})

    def _move(self, trigger: str, actor: Actor, reason: str | None, detail: dict[str, Any],
              outcome: str | None = None) -> GateEvent:
        """Run ``trigger`` through the review machine, write the row, and report the event.

        ``outcome`` (None: unchanged) is written with the state; both are put back if the
        event sink fails, so a failed audit write leaves the row as it was.
        """
        subject = _Subject(self.row.state)
        Machine(
            model=subject,
            states=REVIEW_STATES,
            transitions=[_bind_review_transition(t, detail.get("outcome")) for t in REVIEW_TRANSITIONS],
            initial=self.row.state,
            auto_transitions=False,
            send_event=True,
        )
        from_state = subject.state
        getattr(subject, trigger)()
        event = GateEvent(trigger=trigger, from_state=from_state, to_state=subject.state,
                          actor_id=actor.id, reason=reason, detail=detail)
        previous = (self.row.state, self.row.outcome)
        self.row.state = subject.state
        if outcome is not None:
            self.row.outcome = outcome
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                self.row.state, self.row.outcome = previous
                raise
        return event


def _bind_review_transition(transition: dict[str, Any], outcome: str | None) -> dict[str, Any]:
    """A REVIEW_TRANSITIONS entry with its named condition swapped for one the machine can call."""
    name = (transition.get("conditions") or [None])[0]
    if name == "defers_review":
        return {**transition, "conditions": [lambda _event: outcome == "deferred"]}
    if name == "settles_review":
        return {**transition, "conditions": [lambda _event: outcome not in (None, "pending")]}
    return transition


def _event_detail(
    spec: GateSpec, decision: str, outcome: str, conditions: tuple[Condition, ...], defer_until: date | None
) -> dict[str, Any]:
    # Kept JSON-friendly: the app stores detail in an audit column as it is.
    detail: dict[str, Any] = {"gate": spec.code, "decision": decision, "outcome": outcome}
    if conditions:
        detail["conditions"] = [{"text": c.text, "owner": c.owner, "due": c.due.isoformat(),
                                 **({"owner_id": c.owner_id} if c.owner_id is not None else {})}
                                for c in conditions]
    if defer_until is not None and decision == "defer":
        detail["defer_until"] = defer_until.isoformat()
    return detail


# -------------------------------------------------------------------------- effects


def apply_outcome(lifecycle: Lifecycle, spec: GateSpec, outcome: str, actor: Actor) -> TransitionEvent | None:
    """Make the lifecycle move a decided gate stands for; None when the initiative stays put.

    approved: the gate's move ("advance", or "close" at G4). rejected: G1/G2 end the
    initiative ("reject_at_gate"); at G3/G4 it is returned to the stage and stays. Lifecycle
    guards still apply, so an approval over a business case that has since gone incomplete
    raises GuardRefused and the app rolls the decision back with it.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"Unknown gate outcome {outcome!r}")
    if outcome not in ("approved", "rejected"):
        return None
    if outcome == "rejected" and transition_for(spec.from_state, "reject_at_gate") is None:
        return None  # G3/G4: returned to the stage, the initiative stays where it is
    if lifecycle.state != spec.from_state:
        # advance is valid from several states; without this a stale G1 could move G2's stage.
        raise IllegalTransition(
            [f"Gate {spec.code} applies to {STATE_LABELS[spec.from_state]}, not {STATE_LABELS[lifecycle.state]}"]
        )
    if outcome == "approved":
        trigger = GATE_MOVES[spec.code][1]
        return lifecycle.fire(trigger, actor, by_gate=True, reason=f"Gate {spec.code} ({spec.name}) approved")
    return lifecycle.fire(
        "reject_at_gate", actor, by_gate=True, reason=f"Rejected at gate {spec.code} ({spec.name})"
    )
