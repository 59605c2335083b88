"""What may be changed in which lifecycle state: the records kept beside an initiative.

The lifecycle (workflows/lifecycle.py) says how an initiative moves; this table says which
of its records may be written while it stands in each state: the business case, the score,
the delivery record, the lessons log, highlight reports, benefits, satisfaction, people's
bookings and the demand for skills. A screen asks :func:`may_edit` to draw its form and
:func:`require` before it writes; a refusal is the workflow's IllegalTransition (the app
answers 409), in the same plain English whichever screen meets it.

Who may write is the app's access check (the PMO, or a report's writers); this module
decides only when.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.lifecycle import (
    DELIVERING_STATES,
    IN_DELIVERY_STATES,
    STATE_LABELS,
    STATES,
    IllegalTransition,
)


@dataclass(frozen=True)
class EditRule:
    """The states in which one kind of record may change, and the refusal outside them.

    ``refusal`` is a format string: ``{what}`` the record as the screen names it, ``{states}``
    the allowed states as a list in words, ``{state}`` the initiative's state and
    ``{reference}`` the initiative (its reference, or "this initiative").
    """

    states: tuple[str, ...]
    refusal: str
    what: str = ""


EDIT_RULES: dict[str, EditRule] = {
    "business_case": EditRule(
        ("business_case",),
        "{reference} is in {state}; the business case can be changed only in {states}"),
    "score": EditRule(
        ("scoring",),
        "{reference} is in {state}; only initiatives in {states} can be scored"),
    "delivery": EditRule(
        IN_DELIVERY_STATES,
        "Delivery details can be changed only in {states}; {reference} is in {state}"),
    "lessons": EditRule(
        DELIVERING_STATES,
        "Lessons can be changed only in {states}; {reference} is in {state}"),
    "highlight_report": EditRule(
        DELIVERING_STATES,
        "Reports are written only in {states}; {reference} is in {state}"),
    "benefit_actuals": EditRule(
        ("benefits_review",),
        "{what} can be recorded only in {states}; {reference} is in {state}", "Benefit actuals"),
    "benefits": EditRule(
        ("benefits_review",),
        "{what} can be recorded only in {states}; {reference} is in {state}", "Benefits"),
    "satisfaction": EditRule(
        ("benefits_review",),
        "{what} can be recorded only in {states}; {reference} is in {state}", "Stakeholder satisfaction"),
    # From the business case to the benefits review: people are booked while there is work.
    "booking": EditRule(
        ("business_case", *DELIVERING_STATES),
        "People can be booked only from the business case to the benefits review; {reference} is in {state}"),
    # From the business case until delivery ends: what the work still needs.
    "demand": EditRule(
        ("business_case", *IN_DELIVERY_STATES),
        "Demand is stated from the business case until delivery ends; {reference} is in {state}"),
}

# Each kind of record as the rules name it (docs/rules.md 1).
KIND_LABELS: dict[str, str] = {
    "business_case": "Business case",
    "score": "Score",
    "delivery": "Delivery details and milestones",
    "lessons": "Lessons log",
    "highlight_report": "Highlight reports (until issued)",
    "benefit_actuals": "Benefit actuals",
    "benefits": "Benefits (added, changed, removed)",
    "satisfaction": "Stakeholder satisfaction",
    "booking": "People's bookings",
    "demand": "Demand for skills",
}

# Records that freeze once issued, whatever the initiative's state.
FROZEN_REFUSALS: dict[str, str] = {
    "highlight_report": "This report has been issued: it is a frozen snapshot and cannot be changed",
}


def _in_words(states: tuple[str, ...]) -> str:
    labels = [STATE_LABELS[state] for state in states]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def editable_states(kind: str) -> tuple[str, ...]:
    """The states in which ``kind`` of record may change."""
    return EDIT_RULES[kind].states


def may_edit(kind: str, state: str) -> bool:
    """True when ``kind`` of record may change while its initiative is in ``state``."""
    if state not in STATES:
        raise ValueError(f"Unknown initiative state {state!r}")
    return state in EDIT_RULES[kind].states


def refusals(kind: str, state: str, reference: str = "this initiative") -> list[str]:
    """Why ``kind`` of record may not change in ``state``; empty when it may."""
    if may_edit(kind, state):
        return []
    rule = EDIT_RULES[kind]
    return [rule.refusal.format(what=rule.what, states=_in_words(rule.states), state=STATE_LABELS[state],
                                reference=reference)]


def require(kind: str, state: str, reference: str = "this initiative", *, frozen: bool = False) -> None:
    """Raise IllegalTransition unless ``kind`` of record may change in ``state``; a ``frozen``
    record (an issued report) is refused in any state."""
    if reasons := refusals(kind, state, reference):
        raise IllegalTransition(reasons)
    if frozen:
        raise IllegalTransition([FROZEN_REFUSALS[kind]])
