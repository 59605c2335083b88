"""Reading an initiative's audit trail: what each event says, and time spent in each stage.

Pure functions over plain values, so the cycle-time arithmetic is tested without a database.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from workflows.gate import DECISION_LABELS
from workflows.lifecycle import STAGE_OF, STAGES, STATE_LABELS, TERMINAL_STATES, TRIGGER_LABELS

STAGE_LABELS = dict(STAGES)


class StageMove(NamedTuple):
    """One lifecycle transition as the stage clock sees it: when, and from which state to which."""

    at: datetime
    from_state: str
    to_state: str


@dataclass(frozen=True)
class StageTime:
    """Total time an initiative has spent in one stage; the current stage counts up to now."""

    stage: str
    label: str
    spent: timedelta
    current: bool


def time_in_stages(created_at: datetime, moves: Iterable[StageMove], state: str, now: datetime) -> list[StageTime]:
    """Time spent in each stage the initiative has been in, in stage order.

    Each interval between two moves belongs to the stage of the state it was in; moves
    inside one stage (draft -> submitted, delivery -> on hold) simply keep the clock
    running, and a stage entered twice adds up. The clock stops once the initiative
    reaches a terminal state, so closed work does not age. `moves` are oldest first.
    """
    spent: dict[str, timedelta] = {}
    since = created_at
    for move in moves:
        stage = STAGE_OF[move.from_state]
        spent[stage] = spent.get(stage, timedelta()) + max(move.at - since, timedelta())
        since = move.at
    current = None
    if state not in TERMINAL_STATES:
        current = STAGE_OF[state]
        spent[current] = spent.get(current, timedelta()) + max(now - since, timedelta())
    return [StageTime(key, label, spent[key], key == current) for key, label in STAGES if key in spent]


@dataclass(frozen=True)
class TimelineEntry:
    """One audit event as the initiative page tells it."""

    title: str
    actor: str
    at: datetime
    moved_from: str | None
    moved_to: str | None
    reason_label: str
    reason: str
    question: str
    answer: str
    come_back_on: date | None
    conditions: tuple[tuple[str, str, date], ...]


def describe(kind: str, trigger: str, from_state: str | None, to_state: str | None, actor: str | None,
             at: datetime, reason: str, detail: dict | None) -> TimelineEntry:
    """Turn one audit event's fields into what the timeline shows; the states only when they changed."""
    detail = detail or {}
    moved = from_state is not None and to_state is not None and from_state != to_state
    return TimelineEntry(
        title=event_title(kind, trigger, detail),
        actor=actor or "The system",
        at=at,
        moved_from=STATE_LABELS.get(from_state) if moved else None,
        moved_to=STATE_LABELS.get(to_state) if moved else None,
        reason_label="Comment" if kind == "gate_decision" else "Reason",
        reason=reason or "",
        question=detail.get("question") or "",
        answer=detail.get("answer") or "",
        come_back_on=_iso_date(detail.get("defer_until")),
        conditions=tuple((c.get("text", ""), c.get("owner", ""), _iso_date(c.get("due")))
                         for c in detail.get("conditions") or ()),
    )


def event_title(kind: str, trigger: str, detail: dict | None) -> str:
    """A short headline for one audit event, in the PMO's words."""
    detail = detail or {}
    gate = detail.get("gate", "")
    if kind == "gate_requested":
        return f"Gate {gate} review requested"
    if kind == "gate_decision":
        decision = DECISION_LABELS.get(detail.get("decision", ""), "Decision recorded")
        return f"Gate {gate}: {decision}"
    title = TRIGGER_LABELS.get(trigger, trigger.replace("_", " ").capitalize())
    return f"{title} (gate decision)" if detail.get("by_gate") else title


def _iso_date(value) -> date | None:
    # Gate details are stored as JSON, so their dates come back as ISO strings.
    return date.fromisoformat(value) if value else None
