"""The initiative lifecycle: one record travels from request to closure (docs/rules.md section 1).

The rules are plain data (``STATES``, ``TRANSITIONS``, ``PERMISSIONS``, ``GUARDS``) and a
``transitions`` machine is built from them only for the one row being acted on, inside
:class:`Lifecycle`. The app computes :class:`LifecycleFacts` (score present, business-case
gaps, ...) and passes them in, so this module never touches the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from transitions import Machine

# --------------------------------------------------------------------------- states

STATES: list[str] = [
    "draft",
    "submitted",
    "triage",
    "info_requested",
    "scoring",
    "business_case",
    "delivery",
    "on_hold",
    "benefits_review",
    "closed",
    "rejected",
    "withdrawn",
    "cancelled",
    "merged",
]

TERMINAL_STATES: frozenset[str] = frozenset({"closed", "rejected", "withdrawn", "cancelled", "merged"})

# Named groups of states: every group the app asks about is named here, once, and imported
# wherever it is needed (no screen or service keeps its own list).
OPEN_STATES: tuple[str, ...] = tuple(state for state in STATES if state not in TERMINAL_STATES)
# Live: asked for (past the requester's draft) and not ended. A RAID log is kept while live.
LIVE_STATES: tuple[str, ...] = tuple(state for state in OPEN_STATES if state != "draft")
# Ended without being delivered: every way out but closure.
STOPPED_STATES: tuple[str, ...] = tuple(state for state in STATES if state in TERMINAL_STATES - {"closed"})
# Ended by someone's decision, whose reason the initiative keeps as its outcome.
REASONED_END_STATES: tuple[str, ...] = ("rejected", "withdrawn", "cancelled")
# The triage lanes: being triaged, or waiting on the requester's answer.
TRIAGE_STATES: tuple[str, ...] = ("triage", "info_requested")
# In delivery, paused or not: the active workstreams and the committed demand for people.
IN_DELIVERY_STATES: tuple[str, ...] = ("delivery", "on_hold")
# Live work that can still be late or overspent, reports, and keeps a lessons log.
DELIVERING_STATES: tuple[str, ...] = (*IN_DELIVERY_STATES, "benefits_review")
# Delivered: measuring its benefits, or closed.
DELIVERED_STATES: tuple[str, ...] = ("benefits_review", "closed")
# Being delivered, or prepared for a gate: work that should hear of progress.
ACTIVE_STATES: tuple[str, ...] = ("scoring", "business_case", *DELIVERING_STATES)
# Has a delivery record (a delivery plan to be on time and within budget against).
DELIVERY_STATES: tuple[str, ...] = (*IN_DELIVERY_STATES, *DELIVERED_STATES)
# Has a business case: from the business case stage on.
CASED_STATES: tuple[str, ...] = ("business_case", *DELIVERY_STATES)
# Before any business case: the request, triage and scoring stages.
BEFORE_CASE_STATES: tuple[str, ...] = tuple(state for state in OPEN_STATES if state not in CASED_STATES)
# Whose business case screen applies: every state with a case, and cancelled work's.
CASE_STATES: tuple[str, ...] = (*CASED_STATES, "cancelled")
# Whose lessons log is shown: from delivery on; stopped work keeps its log to be read.
LESSONS_LOG_STATES: tuple[str, ...] = (*DELIVERY_STATES, "cancelled")
# Never offered as similar work: not yet asked for, or asked for and let go.
NOT_SIMILAR_CANDIDATE_STATES: tuple[str, ...] = ("draft", "withdrawn", "rejected", "merged")

STAGES: list[tuple[str, str]] = [
    ("request", "Request"),
    ("triage", "Triage"),
    ("scoring", "Scoring"),
    ("business_case", "Business case"),
    ("delivery", "Delivery"),
    ("benefits_review", "Benefits review"),
    ("closed", "Closed"),
]

STAGE_OF: dict[str, str] = {
    "draft": "request",
    "submitted": "request",
    "triage": "triage",
    "info_requested": "triage",
    "scoring": "scoring",
    "business_case": "business_case",
    "delivery": "delivery",
    "on_hold": "delivery",
    "benefits_review": "benefits_review",
    # The design card has six working stages; every way out lands in one "Closed" column.
    **{state: "closed" for state in TERMINAL_STATES},
}

STATE_LABELS: dict[str, str] = {
    "draft": "Draft",
    "submitted": "Submitted",
    "triage": "Triage",
    "info_requested": "Info requested",
    "scoring": "Scoring",
    "business_case": "Business case",
    "delivery": "Delivery",
    "on_hold": "On hold",
    "benefits_review": "Benefits review",
    "closed": "Closed",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "cancelled": "Cancelled",
    "merged": "Merged",
}

# ------------------------------------------------------------------------- triggers

# The order is the order buttons are drawn in: moving forward first, stopping last.
TRIGGERS: list[str] = [
    "submit",
    "resubmit",
    "start_triage",
    "request_info",
    "accept",
    "merge",
    "hold",
    "resume",
    "reject",
    "withdraw",
    "cancel",
    "advance",
    "close",
    "reject_at_gate",
]

TRIGGER_LABELS: dict[str, str] = {
    "submit": "Submit",
    "resubmit": "Resubmit",
    "start_triage": "Start triage",
    "request_info": "Request information",
    "accept": "Accept",
    "merge": "Merge as duplicate",
    "hold": "Put on hold",
    "resume": "Resume",
    "reject": "Reject",
    "withdraw": "Withdraw",
    "cancel": "Cancel",
    "advance": "Advance",
    "close": "Close",
    "reject_at_gate": "Reject at gate",
}

TRIGGER_INPUTS: dict[str, tuple[str, ...]] = {
    "submit": (),
    "resubmit": ("answer",),
    "start_triage": (),
    "request_info": ("question",),
    "accept": (),
    "merge": ("target_id",),
    "hold": ("reason",),
    "resume": ("reason",),
    "reject": ("reason",),
    "withdraw": ("reason",),
    "cancel": ("reason",),
    "advance": (),
    "close": (),
    # A rejection is terminal, so the record must say which gate said no and why.
    "reject_at_gate": ("reason",),
}

# Everything fire() accepts as **inputs. target_state travels with target_id so the merge
# guard can refuse a closed target without this module loading the other initiative.
INPUT_NAMES: frozenset[str] = frozenset({"reason", "question", "answer", "target_id", "target_state"})

INPUT_MISSING: dict[str, str] = {
    "reason": "A reason is required",
    "question": "A question is required",
    "answer": "An answer is required",
    "target_id": "A target initiative is required",
}

GATE_TRIGGERS: frozenset[str] = frozenset({"advance", "close", "reject_at_gate"})

# Which lifecycle move each gate makes: code -> (from_state, trigger, to_state).
# gate.py builds its GATES from this, so the two modules cannot disagree.
GATE_MOVES: dict[str, tuple[str, str, str]] = {
    "G1": ("scoring", "advance", "business_case"),
    "G2": ("business_case", "advance", "delivery"),
    "G3": ("delivery", "advance", "benefits_review"),
    "G4": ("benefits_review", "close", "closed"),
}

# "conditions" name entries of GUARDS; required inputs (TRIGGER_INPUTS) are checked too.
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "submit", "source": "draft", "dest": "submitted", "conditions": ["required_fields_complete"]},
    {"trigger": "withdraw", "source": ["draft", "submitted", "info_requested", "triage"], "dest": "withdrawn"},
    {"trigger": "start_triage", "source": "submitted", "dest": "triage"},
    {"trigger": "request_info", "source": "triage", "dest": "info_requested"},
    {"trigger": "resubmit", "source": "info_requested", "dest": "triage"},
    {"trigger": "accept", "source": "triage", "dest": "scoring"},
    {"trigger": "reject", "source": ["triage", "scoring"], "dest": "rejected"},
    {"trigger": "merge", "source": ["submitted", "triage"], "dest": "merged", "conditions": ["merge_target_open"]},
    {"trigger": "advance", "source": "scoring", "dest": "business_case", "conditions": ["has_current_score"]},
    {"trigger": "advance", "source": "business_case", "dest": "delivery", "conditions": ["business_case_complete"]},
    {"trigger": "hold", "source": "delivery", "dest": "on_hold"},
    {"trigger": "resume", "source": "on_hold", "dest": "delivery"},
    {"trigger": "cancel", "source": ["business_case", "delivery", "on_hold"], "dest": "cancelled"},
    {"trigger": "advance", "source": "delivery", "dest": "benefits_review", "conditions": ["milestones_settled"]},
    {
        "trigger": "close",
        "source": "benefits_review",
        "dest": "closed",
        "conditions": ["benefits_measured", "lesson_recorded", "satisfaction_recorded"],
    },
    {"trigger": "reject_at_gate", "source": ["scoring", "business_case"], "dest": "rejected"},
]

# Moves that cannot be undone: those ending the work, and accepting a request (no move leads
# from scoring back to triage). Screens ask the user to confirm them before they are fired.
IRREVERSIBLE_TRIGGERS: frozenset[str] = frozenset(
    {"accept"} | {t["trigger"] for t in TRANSITIONS if t["dest"] in TERMINAL_STATES}
)
# Where the PMO's merge of a duplicate is possible: the merge trigger's sources.
MERGEABLE_STATES: tuple[str, ...] = tuple(
    state for state in STATES for t in TRANSITIONS
    if t["trigger"] == "merge" and state in ([t["source"]] if isinstance(t["source"], str) else t["source"])
)
# A duplicate is merged into live work: still open and past its draft.
MERGE_TARGET_STATES: tuple[str, ...] = LIVE_STATES
# Where the triage decision leads (accepted to scoring, rejected or merged), and the
# investment decision at Gate 2 (delivery or rejected): the moves whose time is measured.
TRIAGE_DECISION_STATES: tuple[str, ...] = ("scoring", "rejected", "merged")
INVESTMENT_DECISION_STATES: tuple[str, ...] = ("delivery", "rejected")

# ---------------------------------------------------------------------------- roles

PMO_ROLES: frozenset[str] = frozenset({"pmo", "admin"})

# Roles that may write and submit their own requests (docs/rules.md 2); a viewer only reads.
AUTHOR_ROLES: frozenset[str] = frozenset({"requester", "pmo", "approver", "admin"})


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the workflows see them: an id and a set of role names."""

    id: int
    roles: frozenset[str]

    def has_any(self, *roles: str) -> bool:
        """True if the actor holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)


@dataclass(frozen=True)
class Permission:
    """Who may fire a trigger by hand.

    ``roles``: anyone holding one of these. ``owner_roles``: the initiative's owner, if they
    hold one of these. ``who`` completes the sentence "Only ... may <action>".
    """

    who: str
    roles: frozenset[str] = frozenset()
    owner_roles: frozenset[str] = frozenset()
    by_gate: bool = False


PERMISSIONS: dict[str, Permission] = {
    "submit": Permission("the owner of the initiative", owner_roles=AUTHOR_ROLES),
    "resubmit": Permission("the owner of the initiative", owner_roles=AUTHOR_ROLES),
    "withdraw": Permission("the owner or the PMO", roles=PMO_ROLES, owner_roles=AUTHOR_ROLES),
    "start_triage": Permission("the PMO", roles=PMO_ROLES),
    "request_info": Permission("the PMO", roles=PMO_ROLES),
    "accept": Permission("the PMO", roles=PMO_ROLES),
    "reject": Permission("the PMO", roles=PMO_ROLES),
    "merge": Permission("the PMO", roles=PMO_ROLES),
    "hold": Permission("the PMO or an approver", roles=PMO_ROLES | {"approver"}),
    "resume": Permission("the PMO or an approver", roles=PMO_ROLES | {"approver"}),
    "cancel": Permission("an approver", roles=frozenset({"approver"})),
    "advance": Permission("a gate decision", by_gate=True),
    "close": Permission("a gate decision", by_gate=True),
    "reject_at_gate": Permission("a gate decision", by_gate=True),
}

# ---------------------------------------------------------------------------- facts


@dataclass
class LifecycleFacts:
    """What the app knows about ONE initiative that the guards need; plain data, no queries."""

    initiative_id: int
    owner_id: int | None
    missing_required_fields: tuple[str, ...] = ()
    has_current_score: bool = False
    business_case_gaps: tuple[str, ...] = ()
    open_milestones_without_variance: tuple[str, ...] = ()
    benefits_without_actual: tuple[str, ...] = ()
    lesson_count: int = 0
    satisfaction_recorded: bool = False


# ---------------------------------------------------------------------------- guards

Guard = Callable[[LifecycleFacts, Mapping[str, Any]], list[str]]


def _merge_target_open(facts: LifecycleFacts, inputs: Mapping[str, Any]) -> list[str]:
    target_id = inputs.get("target_id")
    if target_id is None or _blank(target_id):
        return []  # already reported as a missing input
    try:
        same = int(target_id) == facts.initiative_id
    except (TypeError, ValueError):
        same = True  # not an initiative id at all
    # An unknown target state counts as closed: merging into something we cannot see open
    # would orphan the record.
    if same or inputs.get("target_state") not in set(STATES) - TERMINAL_STATES:
        return ["Merge target must be another open initiative"]
    return []


GUARDS: dict[str, Guard] = {
    "required_fields_complete": lambda f, _: [f"Required field missing: {name}" for name in f.missing_required_fields],
    "merge_target_open": _merge_target_open,
    "has_current_score": lambda f, _: [] if f.has_current_score else ["No current score"],
    "business_case_complete": lambda f, _: [f"Business case incomplete: {gap}" for gap in f.business_case_gaps],
    "milestones_settled": lambda f, _: [
        f"Open milestone without an accepted variance: {name}" for name in f.open_milestones_without_variance
    ],
    "benefits_measured": lambda f, _: [
        f"Benefit has no actual or reason: {name}" for name in f.benefits_without_actual
    ],
    "lesson_recorded": lambda f, _: [] if f.lesson_count > 0 else ["At least one lesson is required"],
    "satisfaction_recorded": lambda f, _: [] if f.satisfaction_recorded else ["Satisfaction score not recorded"],
}

# What each guard asks for, as the rules document states it (workflows/describe.py).
GUARD_TEXT: dict[str, str] = {
    "required_fields_complete": "the request's required fields are filled in",
    "merge_target_open": "the target is another initiative that is still open",
    "has_current_score": "a current score exists",
    "business_case_complete": "the business case is complete (all five cases, an option, costs, a planned benefit)",
    "milestones_settled": "every milestone is done or has an accepted variance",
    "benefits_measured": "every planned benefit has an actual value or a reason",
    "lesson_recorded": "at least one lesson is logged",
    "satisfaction_recorded": "the satisfaction score is recorded",
}

# ------------------------------------------------------------------------ errors / events


class WorkflowError(Exception):
    """A trigger or decision was refused; ``reasons`` says why in plain English."""

    def __init__(self, reasons: list[str] | str) -> None:
        self.reasons: list[str] = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("; ".join(self.reasons))


class IllegalTransition(WorkflowError):
    """The trigger is not valid from the current state (the app answers 409)."""


class NotPermitted(WorkflowError):
    """The actor may not fire this trigger or make this decision (the app answers 403)."""


class GuardRefused(WorkflowError):
    """Required inputs or guards failed; ``reasons`` lists every failed criterion (422)."""


@dataclass(frozen=True)
class TransitionEvent:
    """One audit fact per transition: who moved it, from where, to where, and why."""

    trigger: str
    from_state: str
    to_state: str
    actor_id: int
    reason: str | None
    detail: dict[str, Any] = field(default_factory=dict)


EventSink = Callable[[TransitionEvent], None]

# --------------------------------------------------------------------------- helpers


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sources(transition: Mapping[str, Any]) -> list[str]:
    source = transition["source"]
    return [source] if isinstance(source, str) else list(source)


def transition_for(state: str, trigger: str) -> dict[str, Any] | None:
    """The TRANSITIONS entry that ``trigger`` would take from ``state``, or None."""
    for transition in TRANSITIONS:
        if transition["trigger"] == trigger and state in _sources(transition):
            return transition
    return None


def triggers_from(state: str) -> list[str]:
    """Every trigger (by hand or by gate) valid from ``state``, in TRIGGERS order."""
    return [t for t in TRIGGERS if transition_for(state, t) is not None]


class _Subject:
    """What the transitions machine is bound to: holds the state while a trigger runs.

    Binding the machine to the row itself would hang trigger methods such as ``close`` and
    ``merge`` on an ORM object; the subject keeps the row untouched until the move succeeds.
    """

    def __init__(self, state: str) -> None:
        self.state = state


# -------------------------------------------------------------------------- adapter


class InitiativeRow(Protocol):
    """What a lifecycle needs of the initiative it moves: its state, read and written."""

    state: str


class Lifecycle:
    """The lifecycle of one initiative row: asks, explains refusals, and fires triggers.

    ``row`` is any object with a read/write ``state`` (a SQLAlchemy row in the app, a
    SimpleNamespace in tests). Build one per request for the row being acted on; the
    machine itself is created lazily on the first question that needs it.
    """

    def __init__(self, row: InitiativeRow, facts: LifecycleFacts, on_event: EventSink | None = None) -> None:
        if row.state not in STATES:
            raise ValueError(f"Unknown initiative state {row.state!r}")
        self.row = row
        self.facts = facts
        self.on_event = on_event
        self._subject: _Subject | None = None

    # -- reading

    @property
    def state(self) -> str:
        """The row's current state."""
        return self.row.state

    @property
    def stage(self) -> str:
        """The stage key (STAGES) the current state belongs to."""
        return STAGE_OF[self.state]

    @property
    def is_terminal(self) -> bool:
        """True once the initiative can no longer move."""
        return self.state in TERMINAL_STATES

    # -- the machine

    def _machine_subject(self) -> _Subject:
        # Rebuilt when the row's state moved under us (e.g. the app reassigned the row).
        if self._subject is None or self._subject.state != self.row.state:
            self._subject = _Subject(self.row.state)
            Machine(
                model=self._subject,
                states=STATES,
                transitions=[self._bind(t) for t in TRANSITIONS],
                initial=self.row.state,
                auto_transitions=False,
                send_event=True,
            )
        return self._subject

    def _bind(self, transition: dict[str, Any]) -> dict[str, Any]:
        """Swap the guard names in a TRANSITIONS entry for one condition transitions can call."""
        bound = {k: v for k, v in transition.items() if k != "conditions"}
        bound["conditions"] = [lambda event, t=transition: not self._guard_failures(t, event.kwargs.get("inputs", {}))]
        return bound

    # -- checks, in the order fire() applies them

    def _state_failures(self, trigger: str) -> list[str]:
        if trigger not in PERMISSIONS:
            return [f"Unknown action {trigger!r}"]
        if transition_for(self.state, trigger) is None:
            return [f"{TRIGGER_LABELS[trigger]} is not possible from {STATE_LABELS[self.state]}"]
        return []

    def _permission_failures(self, trigger: str, actor: Actor, by_gate: bool) -> list[str]:
        rule = PERMISSIONS[trigger]
        label = TRIGGER_LABELS[trigger]
        if rule.by_gate:
            return [] if by_gate else [f"{label} moves only through a gate decision"]
        if actor.has_any(*rule.roles):
            return []
        if actor.id == self.facts.owner_id and actor.has_any(*rule.owner_roles):
            return []
        return [f"Only {rule.who} may {label.lower()}"]

    def _guard_failures(self, transition: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[str]:
        reasons = [INPUT_MISSING[name] for name in TRIGGER_INPUTS[transition["trigger"]] if _blank(inputs.get(name))]
        for name in transition.get("conditions", ()):
            reasons.extend(GUARDS[name](self.facts, inputs))
        return reasons

    @staticmethod
    def _check_input_names(inputs: Mapping[str, Any]) -> None:
        unknown = set(inputs) - INPUT_NAMES
        if unknown:
            # A typo in a view should fail loudly, not read as a blank input.
            raise TypeError(f"Unknown workflow inputs: {', '.join(sorted(unknown))}")

    # -- asking

    def available_triggers(self, actor: Actor) -> list[str]:
        """Triggers this actor may press from the current state; guards are not consulted.

        A button whose guard fails is still drawn, so the user learns why it is refused
        instead of wondering where it went. Gate triggers never appear.
        """
        return [
            t
            for t in triggers_from(self.state)
            if t not in GATE_TRIGGERS and not self._permission_failures(t, actor, by_gate=False)
        ]

    def refusals(self, trigger: str, actor: Actor, *, by_gate: bool = False, **inputs: Any) -> list[str]:
        """Every reason ``fire`` would refuse (state, role, inputs, guards); empty if it would succeed."""
        self._check_input_names(inputs)
        reasons = self._state_failures(trigger)
        if trigger not in PERMISSIONS:
            return reasons
        reasons += self._permission_failures(trigger, actor, by_gate)
        transition = transition_for(self.state, trigger)
        if transition is not None:
            reasons += self._guard_failures(transition, inputs)
        return reasons

    def may(self, trigger: str, actor: Actor, *, by_gate: bool = False, **inputs: Any) -> bool:
        """True if ``fire`` would succeed; asks transitions' ``may_<trigger>``, no side effects."""
        self._check_input_names(inputs)
        if self._state_failures(trigger) or self._permission_failures(trigger, actor, by_gate):
            return False
        # transitions adds may_<trigger> to the subject at run time, out of the type checker's sight.
        may_fire: Callable[..., bool] = getattr(self._machine_subject(), f"may_{trigger}")
        return may_fire(inputs=inputs)

    def gate_entry_failures(self, gate_code: str) -> list[str]:
        """Why the PMO may not request ``gate_code`` yet: wrong state, then each failed guard by name.

        These are the guards of the move the gate would make, less the approval itself.
        """
        if gate_code not in GATE_MOVES:
            raise ValueError(f"Unknown gate {gate_code!r}")
        from_state, trigger, _ = GATE_MOVES[gate_code]
        reasons = [] if self.state == from_state else [f"Initiative is not in {STATE_LABELS[from_state]}"]
        transition = transition_for(from_state, trigger)
        assert transition is not None  # GATE_MOVES and TRANSITIONS are kept in step by tests
        return reasons + self._guard_failures(transition, {})

    def require_button(self, trigger: str, actor: Actor, reference: str) -> None:
        """Refuse a button ``actor`` cannot press now, before asking them to fill it in.

        Raises IllegalTransition (not possible from this state) or NotPermitted (a gate's
        move, or not an action the actor's role allows here). Guards wait for the press.
        """
        label = TRIGGER_LABELS[trigger]
        if trigger not in triggers_from(self.state):
            raise IllegalTransition([f"{label} is not possible from {STATE_LABELS[self.state]}"])
        if trigger in GATE_TRIGGERS:
            raise NotPermitted([f"{label} happens only through a gate decision"])
        if trigger not in self.available_triggers(actor):
            raise NotPermitted([f"You cannot {label.lower()} {reference}: "
                                "it is not an action your role allows on this initiative"])

    # -- acting

    def fire(self, trigger: str, actor: Actor, *, by_gate: bool = False, **inputs: Any) -> TransitionEvent:
        """Move the initiative: check state, then actor, then inputs and guards; then write and report.

        Raises IllegalTransition, NotPermitted or GuardRefused (with every reason) and leaves
        ``row.state`` alone on any failure. On success ``row.state`` holds the new state and
        ``on_event`` has been called exactly once with the returned event. Nothing commits.
        """
        self._check_input_names(inputs)
        if reasons := self._state_failures(trigger):
            raise IllegalTransition(reasons)
        if reasons := self._permission_failures(trigger, actor, by_gate):
            raise NotPermitted(reasons)
        transition = transition_for(self.state, trigger)
        assert transition is not None
        if reasons := self._guard_failures(transition, inputs):
            raise GuardRefused(reasons)

        from_state = self.state
        subject = self._machine_subject()
        if not getattr(subject, trigger)(inputs=inputs):
            raise GuardRefused(self._guard_failures(transition, inputs) or ["Refused"])

        event = TransitionEvent(
            trigger=trigger,
            from_state=from_state,
            to_state=subject.state,
            actor_id=actor.id,
            reason=inputs.get("reason"),
            detail={
                "by_gate": by_gate,
                **{k: v for k, v in inputs.items() if k != "reason" and v is not None},
            },
        )
        self.row.state = subject.state
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                # transitions cannot undo a move when a later callback fails; we can.
                self.row.state = from_state
                self._subject = None
                raise
        return event
