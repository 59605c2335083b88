"""Requesting gate reviews and recording decisions, each in one transaction.

The rules live in workflows/gate.py, workflows/conditions.py and workflows/lifecycle.py;
this module binds them to rows: it loads the review's prior decisions, records the new
decision and its conditions, writes the audit events, and, when the quorum is met, moves
the initiative through its lifecycle in the same session. It also answers what waits on
the gates: reviews returned for rework and deferrals coming due (for "My work" and the
reminders). Nothing here commits: the caller commits once.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from workflows.gate import (
    GATE_FOR_STATE,
    GATES,
    Condition,
    Decision,
    GateOutcome,
    apply_outcome,
    gate_spec,
    require_request,
    require_request_again,
)
from workflows.gate import GateReview as GateWorkflow
from workflows.lifecycle import GuardRefused, WorkflowError

from .. import access
from ..extensions import db
from ..models import AuditEvent, Benefit, GateCondition, GateDecision, GateReview, Initiative
from ..models.base import utcnow
from ..workflow import actor_for, current_case, gate_spec_for, lifecycle_for
from .conditions import earlier_open


def open_review(initiative: Initiative) -> GateReview | None:
    """The review awaiting decision for this initiative, if any (not a deferred one)."""
    return db.session.scalar(select(GateReview).where(
        GateReview.initiative_id == initiative.id, GateReview.state == "requested"))


def deferred_review(initiative: Initiative) -> GateReview | None:
    """The deferred review of this initiative waiting to be asked for again, if any."""
    return db.session.scalar(select(GateReview).where(
        GateReview.initiative_id == initiative.id, GateReview.state == "deferred"))


def gate_code_for(initiative: Initiative) -> str | None:
    """The gate that would move this initiative out of its current state (None if none)."""
    return GATE_FOR_STATE.get(initiative.state)


def entry_failures(initiative: Initiative) -> list[str]:
    """The named entry criteria that fail today for the initiative's next gate, then each
    open condition of an earlier gate (docs/rules.md 9)."""
    code = gate_code_for(initiative)
    if code is None:
        return [f"No gate follows the state '{initiative.state_label}'"]
    return lifecycle_for(initiative).gate_entry_failures(code) + earlier_open(initiative, code)


def request_review(initiative: Initiative, user, note: str = "") -> GateReview:
    """Open a gate review (PMO or admin). Refuses with the failed entry criteria, and the open
    conditions of earlier gates, by name. A deferred review of the gate is closed as asked
    for again (docs/rules.md 9), and the fresh review takes its place."""
    awaiting = gate_code_for(initiative) is not None and open_review(initiative) is not None
    code = require_request(actor_for(user), initiative.state, awaiting=awaiting)
    failures = entry_failures(initiative)
    if failures:
        raise GuardRefused(failures)
    deferred = deferred_review(initiative)
    if deferred is not None:
        _close_deferral(deferred, user)
    spec = gate_spec_for(initiative, code)
    review = GateReview(initiative_id=initiative.id, gate=code, approver_role=spec.approver_role,
                        quorum=spec.quorum, requested_by_id=user.id, note=note)
    db.session.add(review)
    db.session.flush()
    db.session.add(AuditEvent(
        initiative_id=initiative.id, gate_review_id=review.id, kind="gate_requested",
        trigger="request_gate", from_state=initiative.state, to_state=initiative.state,
        actor_id=user.id, reason=note,
        detail={"gate": code, "quorum": spec.quorum, **({"after_deferral": deferred.id} if deferred else {})},
    ))
    return review


def request_again(review: GateReview, user) -> GateReview:
    """Ask for a deferred gate again in one step: the same gate and note, checked against its
    entry criteria as any request is (request_review). Raises the workflow's errors."""
    initiative = review.initiative
    require_request_again(actor_for(user), review.state, review.gate, initiative.state, initiative.reference)
    return request_review(initiative, user, note=review.note)


def _close_deferral(review: GateReview, user) -> None:
    """Close a deferred review because its gate is asked for again. The fresh review's
    request event names it (detail "after_deferral"), so the trail has the move without a
    second event that would tell everyone twice."""
    _workflow(review).re_request(actor_for(user))
    db.session.flush()  # closed before the fresh review is inserted: one open review at a time


def record_decision(review: GateReview, user, decision: str, *, comment: str = "",
                    conditions: tuple[Condition, ...] = (), defer_until: date | None = None) -> GateOutcome:
    """Record one approver's decision; when it settles the review, apply it to the initiative.

    Raises the workflow's errors (nothing is kept: the caller rolls back) when the approver
    may not decide, has decided before, or the decision lacks its comment or conditions.
    """
    _lock_for_decision(review)
    initiative = review.initiative
    actor = actor_for(user)

    def on_event(event) -> None:
        db.session.add(AuditEvent(
            initiative_id=initiative.id, gate_review_id=review.id, kind="gate_decision",
            trigger=event.trigger, from_state=initiative.state, to_state=initiative.state,
            actor_id=event.actor_id, reason=event.reason or "", detail=dict(event.detail or {}),
        ))

    workflow = _workflow(review, on_event)
    spec = workflow.spec
    result = workflow.decide(actor, decision, comment=comment, conditions=conditions,
                             defer_until=defer_until)
    row = GateDecision(review_id=review.id, approver_id=user.id, decision=decision,
                       comment=comment, defer_until=defer_until,
                       conditions=[GateCondition(initiative_id=initiative.id, gate=review.gate, text=c.text,
                                                 owner=c.owner, owner_id=c.owner_id, due=c.due)
                                   for c in conditions])
    review.decisions.append(row)  # counted at once if the same review is decided again in this session
    if result.outcome == "deferred":
        review.defer_until = defer_until
    if result.decided:
        review.decided_at = utcnow()
        lifecycle = lifecycle_for(initiative, gate_review_id=review.id)
        event = apply_outcome(lifecycle, spec, result.outcome, actor)
        if event is not None and event.to_state == "delivery":
            _open_benefits_register(initiative)
    return result


def _lock_for_decision(review: GateReview) -> None:
    """Hold the review's row until the caller commits, then read it and its decisions again.

    Two approvers deciding a quorum-2 review at the same moment would otherwise each count
    only their own approval and neither would move the initiative on (or both would). On
    PostgreSQL the second waits here for the first to commit and then sees its decision;
    SQLite serialises writing transactions, and ignores FOR UPDATE.
    """
    db.session.execute(select(GateReview.id).where(GateReview.id == review.id).with_for_update())
    db.session.refresh(review)
    db.session.refresh(review.initiative)


def decision_refusals(review: GateReview, user) -> list[str]:
    """Why `user` may not decide this review now (decided already, wrong role, their own
    initiative, decided before); empty when they may, so the decision form is offered."""
    # A plain approval needs no inputs, so what refuses it is exactly who may decide, and when.
    return _workflow(review).refusals(actor_for(user), "approve")


def decision_refusal(review: GateReview, user) -> WorkflowError | None:
    """decision_refusals as the workflow's error: IllegalTransition when the review is no
    longer open to decisions, NotPermitted when `user` may not decide it; None when they may."""
    return _workflow(review).decider_refusal(actor_for(user))


def _workflow(review: GateReview, on_event=None) -> GateWorkflow:
    """The gate workflow for one review row, with the decisions already recorded on it."""
    # The quorum and role fixed when the review was requested stand, even if settings change.
    spec = gate_spec(review.gate, approver_role=review.approver_role, quorum=review.quorum)
    prior = [Decision(d.approver_id, d.decision) for d in review.decisions]
    return GateWorkflow(review, spec, review.initiative.owner_id, prior, on_event=on_event)


def _open_benefits_register(initiative: Initiative) -> None:
    """At the investment decision, the business case's planned benefits become the
    initiative's benefits register, which delivery and benefits review then keep."""
    case = current_case(initiative.id)
    if case is None:
        return
    existing = set(db.session.scalars(select(Benefit.name).where(Benefit.initiative_id == initiative.id)))
    for planned in case.benefits:
        if planned.name in existing:
            continue
        db.session.add(Benefit(
            initiative_id=initiative.id, name=planned.name, category=planned.category,
            measure=planned.measure, target_value=planned.target, planned_value=planned.financial_value,
        ))


# --------------------------------------------------------------- what waits on the gates


def last_review(initiative: Initiative) -> GateReview | None:
    """The initiative's most recent gate review, whatever its state."""
    return db.session.scalar(select(GateReview).where(GateReview.initiative_id == initiative.id)
                             .order_by(GateReview.id.desc()).limit(1))


def review_after(review: GateReview) -> GateReview | None:
    """The next review of the same initiative, if any (a deferred one asked for again, say)."""
    return db.session.scalar(select(GateReview).where(GateReview.initiative_id == review.initiative_id,
                                                      GateReview.id > review.id)
                             .order_by(GateReview.id).limit(1))


def returned_for_rework(initiative: Initiative) -> GateReview | None:
    """The review that sent this initiative back with things to fix, while they stand:
    returned for rework (or rejected at Gate 3 or 4, which returns it to the stage) and the
    gate not yet requested again (docs/rules.md 9). Its settling decision says what to fix."""
    review = last_review(initiative)
    if review is None or not _waits_for_rework(review, initiative):
        return None
    return review


def _waits_for_rework(review: GateReview, initiative: Initiative) -> bool:
    return (review.state == "decided" and review.outcome in ("returned", "rejected")
            and initiative.state == GATES[review.gate].from_state)


def settling_decision(review: GateReview) -> GateDecision | None:
    """The decision that decided or deferred the review (its last), with its comment."""
    return review.decisions[-1] if review.decisions and review.state != "requested" else None


def _latest_review_ids():
    """SQL: the id of each initiative's most recent review."""
    return select(func.max(GateReview.id)).group_by(GateReview.initiative_id)


def at_its_gate():
    """SQL: the review's initiative is still in the state its gate leads out of (it has not
    moved past the gate, nor ended). Needs Initiative joined."""
    return or_(*(and_(GateReview.gate == code, Initiative.state == spec.from_state) for code, spec in GATES.items()))


def rework_query(user=None):
    """SQL for rework_awaiting_request (so "My work" can count what it lists)."""
    query = (select(GateReview).join(Initiative, Initiative.id == GateReview.initiative_id)
             .where(GateReview.id.in_(_latest_review_ids()), GateReview.state == "decided",
                    GateReview.outcome.in_(("returned", "rejected")), at_its_gate())
             .options(selectinload(GateReview.decisions), selectinload(GateReview.requested_by))
             .order_by(GateReview.decided_at, GateReview.id))
    if user is not None:
        query = query.where(access.visible_clause(user))
    return query


def rework_awaiting_request(user=None) -> list[GateReview]:
    """Reviews returned for rework (or rejected at Gate 3 or 4) whose gate the PMO has not
    requested again, oldest first; with `user`, only on initiatives they may see. For "My work"."""
    return [review for review in db.session.scalars(rework_query(user))
            if _waits_for_rework(review, review.initiative)]


def deferred_query(user=None, due_by: date | None = None):
    """SQL for deferred_reviews (so "My work" can count what it lists)."""
    query = (select(GateReview).join(Initiative, Initiative.id == GateReview.initiative_id)
             .where(GateReview.state == "deferred", at_its_gate())
             .options(selectinload(GateReview.decisions), selectinload(GateReview.requested_by))
             .order_by(GateReview.defer_until, GateReview.id))
    if due_by is not None:
        query = query.where(GateReview.defer_until <= due_by)
    if user is not None:
        query = query.where(access.visible_clause(user))
    return query


def deferred_reviews(user=None, due_by: date | None = None) -> list[GateReview]:
    """Deferred reviews waiting to be asked for again, the earliest come-back date first;
    `due_by`: only those due by that day; `user`: only on initiatives they may see. Reviews of
    initiatives that have since moved past the gate, or ended, are left out."""
    return [review for review in db.session.scalars(deferred_query(user, due_by))
            if review.initiative.state == GATES[review.gate].from_state]


def deferrals_coming_due(today: date, within_days: int = 7, user=None) -> list[GateReview]:
    """Deferred reviews whose come-back date is within `within_days` of `today` (or past). For "My work"."""
    return deferred_reviews(user, due_by=today + timedelta(days=within_days))
