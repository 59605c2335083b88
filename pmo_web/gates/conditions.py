"""Gate conditions tracked to closure (docs/rules.md 9): what the pages and "My work" read, and
closing one.

The rules live in workflows/conditions.py; this module binds them to rows. A condition
counts ("in force") once the review that set it was approved: an approval with conditions
that was outvoted, or whose review was deferred, returned or rejected, set nothing. Such
conditions stay on their decision, in the review's history, and are left out of everything
here. Nothing here commits: the caller commits once.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from workflows.conditions import Gatekeepers, OpenCondition, close, earlier_conditions_open, permission_failures
from workflows.gate import GATE_ORDER
from workflows.lifecycle import DELIVERED_STATES, IN_DELIVERY_STATES, TERMINAL_STATES

from .. import access
from ..extensions import db
from ..models import GateCondition, GateDecision, GateReview, Initiative
from ..models.base import utcnow
from ..workflow import actor_for, facts_for
from .criteria import Criterion, entry_checklist

# Work that ended early (rejected, cancelled ...) leaves nothing to chase; closed work may
# still owe what its closure was approved on.
ENDED_EARLY = tuple(state for state in TERMINAL_STATES if state != "closed")


def in_force():
    """SQL: the condition was set by a review that was approved."""
    return exists().where(GateDecision.id == GateCondition.decision_id, GateReview.id == GateDecision.review_id,
                          GateReview.outcome == "approved")


def _tracked():
    """Conditions in force, in the order people read them: by gate, then due date."""
    return (select(GateCondition).where(in_force())
            .options(selectinload(GateCondition.decision).selectinload(GateDecision.review))
            .order_by(GateCondition.gate, GateCondition.due, GateCondition.id))


def conditions_of(initiative_id: int) -> list[GateCondition]:
    """Every condition in force on one initiative, open or closed, by gate then due date."""
    return list(db.session.scalars(_tracked().where(GateCondition.initiative_id == initiative_id)))


def open_conditions(initiative_id: int) -> list[GateCondition]:
    """The open conditions of one initiative (for "My work" and the next-steps panel)."""
    return list(db.session.scalars(
        _tracked().where(GateCondition.initiative_id == initiative_id, GateCondition.state == "open")))


def conditions_due_query(as_of: date, *, within_days: int = 0, owner=None, viewer=None):
    """SQL for conditions_due (so "My work" can count what it lists)."""
    query = (_tracked().join(Initiative, Initiative.id == GateCondition.initiative_id)
             .where(GateCondition.state == "open", GateCondition.due <= as_of + timedelta(days=within_days),
                    Initiative.state.not_in(ENDED_EARLY))
             .options(selectinload(GateCondition.initiative)))
    if owner is not None:
        query = query.where(GateCondition.owner_id == owner.id)
    if viewer is not None:
        query = query.where(access.visible_clause(viewer))
    return query


def conditions_due(as_of: date, *, within_days: int = 0, owner=None, viewer=None) -> list[GateCondition]:
    """Open conditions due on or before `as_of` + `within_days` (so overdue ones too), earliest
    first, on initiatives still being worked on.

    `owner` (a user): only the conditions they own, for their own "My work". `viewer` (a
    user): only those on initiatives they may see. The PMO passes neither, or themselves as
    viewer. Each condition's initiative is loaded with it.
    """
    return list(db.session.scalars(conditions_due_query(as_of, within_days=within_days, owner=owner,
                                                        viewer=viewer)))


def conditions_overdue(as_of: date, **filters) -> list[GateCondition]:
    """Open conditions whose due date is before `as_of` (see conditions_due for the filters)."""
    return conditions_due(as_of - timedelta(days=1), **filters)


# ------------------------------------------------------------------------ the gate rule


def earlier_open(initiative: Initiative, gate_code: str) -> list[str]:
    """Why `gate_code` may not be requested while conditions of earlier gates are open, each by name."""
    return earlier_conditions_open(gate_code, (
        OpenCondition(c.gate, c.text, c.owner_name, c.due) for c in open_conditions(initiative.id)))


def checklist_criterion(initiative: Initiative, gate_code: str) -> Criterion | None:
    """The entry criterion about earlier gates' conditions, for the checklist; None when no
    earlier gate set any (so an initiative that never had conditions is not asked about them)."""
    position = GATE_ORDER.index(gate_code)
    earlier = [c for c in conditions_of(initiative.id) if GATE_ORDER.index(c.gate) < position]
    if not earlier:
        return None
    still_open = tuple(f"{c.text} (Gate {c.gate.removeprefix('G')})" for c in earlier if c.state == "open")
    return Criterion("Conditions set at earlier gates met or waived", not still_open, still_open)


def gate_checklist(initiative: Initiative, gate_code: str) -> list[Criterion]:
    """Every entry criterion of `gate_code` for this initiative, earlier gates' conditions included."""
    extra = checklist_criterion(initiative, gate_code)
    return entry_checklist(gate_code, facts_for(initiative)) + ([extra] if extra else [])


# ---------------------------------------------------------------------------- closing one


def gatekeepers(condition: GateCondition) -> Gatekeepers:
    """Who may act on `condition` besides the PMO (workflows/conditions.py)."""
    return Gatekeepers(owner_id=condition.owner_id, approver_role=condition.decision.review.approver_role,
                       initiative_owner_id=condition.initiative.owner_id)


def may(condition: GateCondition, user, action: str) -> bool:
    """True when `user` may take `action` ("meet", "waive") on this open condition now."""
    return condition.state == "open" and not permission_failures(actor_for(user), action, gatekeepers(condition))


def close_condition(condition: GateCondition, user, action: str, note: str) -> None:
    """Mark `condition` met with its evidence, or waive it with the reason; who and when are
    kept on it, and its audit event says which (pmo_web/history.py). Raises the workflow's
    errors, leaving the row as it was."""
    close(condition, actor_for(user), action, note, gatekeepers(condition))
    if action == "meet":
        condition.evidence = note.strip()
    else:
        condition.waiver_reason = note.strip()
    condition.closed_by_id = user.id
    condition.closed_at = utcnow()


def conditions_home(initiative: Initiative) -> tuple[str, dict]:
    """The stage page where an initiative's conditions are worked on now: (endpoint, values)."""
    if initiative.state in IN_DELIVERY_STATES:
        return "delivery.edit", {"initiative_id": initiative.id}
    if initiative.state in DELIVERED_STATES:
        return "review.benefits", {"initiative_id": initiative.id}
    if initiative.state == "business_case":
        return "cases.edit", {"initiative_id": initiative.id}
    return "initiatives.show", {"initiative_id": initiative.id}

