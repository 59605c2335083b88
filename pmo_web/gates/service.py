"""Requesting gate reviews and recording decisions, each in one transaction.

The rules live in workflows/gate.py and workflows/lifecycle.py; this module binds them to
rows: it loads the review's prior decisions, records the new decision and its conditions,
writes the audit events, and, when the quorum is met, moves the initiative through its
lifecycle in the same session. Nothing here commits: the caller commits once.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from workflows.gate import GATE_FOR_STATE, Condition, Decision, GateOutcome, apply_outcome, gate_spec
from workflows.gate import GateReview as GateWorkflow
from workflows.lifecycle import GuardRefused, IllegalTransition, NotPermitted

from ..extensions import db
from ..models import AuditEvent, Benefit, GateCondition, GateDecision, GateReview, Initiative
from ..models.base import utcnow
from ..workflow import actor_for, current_case, gate_spec_for, lifecycle_for


def open_review(initiative: Initiative) -> GateReview | None:
    """The review awaiting decision for this initiative, if any."""
    return db.session.scalar(select(GateReview).where(
        GateReview.initiative_id == initiative.id, GateReview.state == "requested"))


def gate_code_for(initiative: Initiative) -> str | None:
    """The gate that would move this initiative out of its current state (None if none)."""
    return GATE_FOR_STATE.get(initiative.state)


def entry_failures(initiative: Initiative) -> list[str]:
    """The named entry criteria that fail today for the initiative's next gate."""
    code = gate_code_for(initiative)
    if code is None:
        return [f"No gate follows the state '{initiative.state_label}'"]
    return lifecycle_for(initiative).gate_entry_failures(code)


def request_review(initiative: Initiative, user, note: str = "") -> GateReview:
    """Open a gate review (PMO or admin). Refuses with the failed entry criteria by name."""
    if not user.has_role("pmo", "admin"):
        raise NotPermitted(["Only the PMO can request a gate review"])
    code = gate_code_for(initiative)
    if code is None:
        raise IllegalTransition([f"No gate follows the state '{initiative.state_label}'"])
    if open_review(initiative) is not None:
        raise IllegalTransition([f"Gate {code} is already awaiting a decision"])
    failures = lifecycle_for(initiative).gate_entry_failures(code)
    if failures:
        raise GuardRefused(failures)
    spec = gate_spec_for(initiative, code)
    review = GateReview(initiative_id=initiative.id, gate=code, approver_role=spec.approver_role,
                        quorum=spec.quorum, requested_by_id=user.id, note=note)
    db.session.add(review)
    db.session.flush()
    db.session.add(AuditEvent(
        initiative_id=initiative.id, gate_review_id=review.id, kind="gate_requested",
        trigger="request_gate", from_state=initiative.state, to_state=initiative.state,
        actor_id=user.id, reason=note, detail={"gate": code, "quorum": spec.quorum},
    ))
    return review


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
                       conditions=[GateCondition(text=c.text, owner=c.owner, due=c.due) for c in conditions])
    review.decisions.append(row)  # counted at once if the same review is decided again in this session
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
