"""What happens next on an initiative: who holds the next action, what it is, and since when.

One rule for every screen that says it: the "What happens next" panel on the initiative
page and each person's "My work". The app passes in the facts it has read (the state, the
gate review in play, whether a score exists, the gate's failing entry criteria); nothing
here touches the database or knows a URL.

The holders are roles as the lifecycle names them: the initiative's ``requester`` (its
owner), the ``pmo`` and the gate's ``approver``s. ``since`` names the moment the action
became theirs, which the app reads from its rows: ``state_changed`` (the initiative
reached its state), ``gate_requested`` (the open review was asked for) or ``gate_decided``
(the last review was returned, rejected or deferred).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from workflows.gate import GATE_FOR_STATE, GATES
from workflows.lifecycle import GATE_MOVES, GUARDS, STATE_LABELS, TERMINAL_STATES, LifecycleFacts, transition_for

HOLDERS: dict[str, str] = {
    "requester": "The requester",
    "pmo": "The PMO",
    "approver": "The gate's approvers",
}

SINCE: frozenset[str] = frozenset({"state_changed", "gate_requested", "gate_decided"})

# The gate review in play, as the app reads it from the latest review of the initiative.
GATE_SITUATIONS: frozenset[str] = frozenset({"none", "requested", "deferred", "returned"})


@dataclass(frozen=True)
class Situation:
    """What the rule needs about one initiative: plain data the app has read.

    ``gate``: "requested" (awaiting a decision), "deferred" (waiting to be asked for again),
    "returned" (returned for rework, or rejected at Gate 3 or 4, and not asked for again),
    or "none". ``failing``: the named entry criteria of the next gate that fail today.
    """

    state: str
    gate: str = "none"
    has_current_score: bool = False
    failing: tuple[str, ...] = ()
    defer_due: bool = False

    def __post_init__(self) -> None:
        if self.state not in STATE_LABELS:
            raise ValueError(f"Unknown initiative state {self.state!r}")
        if self.gate not in GATE_SITUATIONS:
            raise ValueError(f"Unknown gate situation {self.gate!r}")


@dataclass(frozen=True)
class NextAction:
    """Who holds the next action on an initiative, what it is, and since when.

    ``holder`` is None once the initiative has ended: nothing happens next.
    ``task`` is a key of TASKS: the app links it to the screen where it is done.
    """

    holder: str | None
    task: str
    text: str
    since: str = "state_changed"

    @property
    def holder_label(self) -> str:
        return HOLDERS[self.holder] if self.holder else "No one"


# What each task is, as the panel and My work say it; the app maps each to a screen.
TASKS: dict[str, str] = {
    "finish_draft": "Finish the request and submit it",
    "start_triage": "Start triage",
    "triage": "Triage the request: accept it, ask for information, merge it or reject it",
    "answer_question": "Answer the PMO's question and resubmit the request",
    "score": "Score the initiative",
    "decide_gate": "Decide the gate",
    "request_gate": "Request the gate review",
    "meet_criteria": "Meet the gate's entry criteria, then request the gate review",
    "rework": "Rework what the approvers asked for, then request the gate again",
    "request_again": "Request the deferred gate again",
    "wait_deferral": "Wait for the deferral date, then request the gate again",
    "resume_or_cancel": "Resume the work, or cancel it",
    "none": "Nothing: the initiative has ended",
}


def _gate_step(situation: Situation) -> NextAction:
    """At a state a gate leads out of: the gate review in play decides who acts."""
    code = GATE_FOR_STATE[situation.state]
    name = f"Gate {code.removeprefix('G')} ({GATES[code].name})"
    if situation.gate == "requested":
        return NextAction("approver", "decide_gate", f"Decide {name}", "gate_requested")
    if situation.gate == "returned":
        return NextAction("pmo", "rework", f"Rework what {name} asked for, then request it again", "gate_decided")
    if situation.gate == "deferred":
        if situation.defer_due:
            return NextAction("pmo", "request_again", f"Request {name} again: its deferral date has come",
                              "gate_decided")
        return NextAction("pmo", "wait_deferral", f"Request {name} again on its deferral date", "gate_decided")
    if situation.state == "scoring" and not situation.has_current_score:
        return NextAction("pmo", "score", TASKS["score"])
    if situation.failing:
        return NextAction("pmo", "meet_criteria", f"Meet the entry criteria of {name}, then request it")
    return NextAction("pmo", "request_gate", f"Request {name}")


# States no gate leads out of, and what happens there.
_PLAIN_STEPS: dict[str, tuple[str, str]] = {
    "draft": ("requester", "finish_draft"),
    "submitted": ("pmo", "start_triage"),
    "triage": ("pmo", "triage"),
    "info_requested": ("requester", "answer_question"),
    "on_hold": ("pmo", "resume_or_cancel"),
}


def next_action(situation: Situation) -> NextAction:
    """Who acts next on an initiative in ``situation``, and what they do."""
    if situation.state in TERMINAL_STATES:
        return NextAction(None, "none", TASKS["none"])
    if situation.state in GATE_FOR_STATE:
        return _gate_step(situation)
    holder, task = _PLAIN_STEPS[situation.state]
    return NextAction(holder, task, TASKS[task])


def is_holder(action: NextAction, *, owns: bool, manages: bool, decides: bool) -> bool:
    """True when a person holds ``action``: ``owns`` the initiative (its requester), ``manages``
    (the PMO) or ``decides`` the gate in play (an approver who may decide it)."""
    return {"requester": owns, "pmo": manages, "approver": decides}.get(action.holder or "", False)


# ------------------------------------------------------------------ what is needed to move on


@dataclass(frozen=True)
class Criterion:
    """One failing entry criterion of the move out of the current state: the guard that
    fails (a key of GUARDS, so the app can link it to where it is fixed) and why."""

    guard: str
    reason: str


def failing_criteria(state: str, facts: LifecycleFacts) -> list[Criterion]:
    """The guards of the forward move out of ``state`` that fail on ``facts``, each reason
    by name: the next gate's entry criteria, or, for a draft, what submitting needs.

    Empty where no guarded move leads on (triage, on hold, ended work).
    """
    if state in GATE_FOR_STATE:
        _from, trigger, _to = GATE_MOVES[GATE_FOR_STATE[state]]
    elif state == "draft":
        trigger = "submit"
    else:
        return []
    transition = transition_for(state, trigger)
    if transition is None:  # pragma: no cover - GATE_MOVES and TRANSITIONS are kept in step by tests
        return []
    empty: Mapping[str, object] = {}
    return [Criterion(guard, reason) for guard in transition.get("conditions", ())
            for reason in GUARDS[guard](facts, empty)]
