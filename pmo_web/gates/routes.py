"""Gate screens: the PMO requests a review, approvers decide it, queues show what waits."""
from __future__ import annotations

from datetime import date

from flask import flash, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from workflows.gate import DECISION_LABELS, GATES, GateOutcome, next_gate, refuse_second_request
from workflows.lifecycle import GuardRefused, IllegalTransition, WorkflowError, transition_for

from .. import access
from ..errors import workflow_status
from ..extensions import db
from ..htmx import redirect_to, render
from ..models import GateReview
from ..models.base import utcnow
from ..models.users import ROLE_LABELS
from ..resources import service as resources
from ..templating import uk_date
from ..workflow import funding_of, gate_spec_for
from . import service
from .blueprint import bp
from .conditions import gate_checklist
from .forms import DecisionForm, GateRequestForm
from .panel import gate_panel

# Everything the review tables show, loaded up front: initiative, department and owner
# come joined with the review; who requested it and the decisions so far in one query each.
_TABLE_LOADS = (selectinload(GateReview.requested_by), selectinload(GateReview.decisions))


@bp.app_template_filter("gate_name")
def gate_name(code: str) -> str:
    """G2 -> "Gate 2"."""
    return f"Gate {code.removeprefix('G')}"


@bp.app_template_filter("gate_title")
def gate_title(code: str) -> str:
    """G2 -> "Gate 2: Investment decision"."""
    return f"{gate_name(code)}: {GATES[code].name}"


@bp.route("/initiatives/<int:initiative_id>/gates/request", methods=["GET", "POST"])
@access.roles_required("pmo", "admin")
def request_review(initiative_id: int):
    """Show the next gate's entry criteria and ask its approvers for a decision."""
    initiative = access.initiative_or_404(initiative_id)
    code = next_gate(initiative.state)
    form = GateRequestForm()
    refusal, status = None, 200
    if form.validate_on_submit():
        try:
            review = service.request_review(initiative, current_user, note=form.note.data)
            db.session.commit()
        except GuardRefused as refused:
            db.session.rollback()
            refusal, status = refused, 422
        except IntegrityError:
            # Two officers requested the same gate at once: the open-review index kept one.
            db.session.rollback()
            refuse_second_request(code)
        else:
            flash(f"{gate_name(code)} review requested: the approvers have it in their queue.", "success")
            return redirect_to(url_for(".review", review_id=review.id))
    elif form.is_submitted():
        status = 422
    return render("gates/request.html", status=status, initiative=initiative, form=form, refusal=refusal,
                  gate=gate_spec_for(initiative, code), open_review=service.open_review(initiative),
                  role_labels=ROLE_LABELS, capital=funding_of(initiative) == "capital",
                  checklist=gate_checklist(initiative, code), gate_panel=gate_panel(initiative))


@bp.post("/gates/<int:review_id>/request-again")
@access.roles_required("pmo", "admin")
def request_again(review_id: int):
    """Ask the approvers again for a deferred gate, in one step (docs/rules.md 9): the deferred
    review closes and a fresh one, with the same note, goes to their queue."""
    gate_review = _review_or_404(review_id)
    try:
        fresh = service.request_again(gate_review, current_user)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # two presses, or two officers, at once: the open-review index kept one
        refuse_second_request(gate_review.gate)
    flash(f"{gate_name(fresh.gate)} requested again: the approvers have it in their queue.", "success")
    return redirect_to(url_for(".review", review_id=fresh.id))


@bp.get("/gates/<int:review_id>")
@access.page_permission(access.signed_in)  # anyone who can see the initiative (_review_or_404)
def review(review_id: int):
    """A gate review: what is asked, the decisions so far, and the decision form for an approver."""
    gate_review = _review_or_404(review_id)
    return _review_page(gate_review, DecisionForm(rejection_closes=_rejection_closes(gate_review)))


@bp.post("/gates/<int:review_id>/decision")
@login_required
def decide(review_id: int):
    """Record the signed-in approver's decision; a decision that meets the quorum moves the initiative."""
    gate_review = _review_or_404(review_id)
    form = DecisionForm(rejection_closes=_rejection_closes(gate_review))
    # Who may decide comes before what they typed: a PMO officer's post is refused, not corrected.
    if refusal := service.decision_refusal(gate_review, current_user):
        return _review_page(gate_review, form, refusal=refusal)
    if not form.validate_on_submit():
        return _review_page(gate_review, form, status=422)
    try:
        outcome = service.record_decision(
            gate_review, current_user, form.decision.data, comment=form.comment.data,
            conditions=form.entered_conditions(), defer_until=form.defer_date())
        db.session.commit()
    except WorkflowError as error:
        # e.g. the business case lost its costs since the request: the decision is not kept either.
        db.session.rollback()
        return _review_page(gate_review, form, refusal=error)
    except IntegrityError:
        # Two tabs or double-clicks racing past the check above; the unique key keeps one.
        db.session.rollback()
        return _review_page(gate_review, form, refusal=IllegalTransition(["You have already decided this gate"]))
    flash(_outcome_message(gate_review, outcome, form.defer_date()), "success")
    return redirect_to(url_for(".review", review_id=review_id))


@bp.get("/gates/queue")
@access.page_permission(access.decides_gates)
def queue():
    """Awaiting my decision: the open reviews this approver may still decide, oldest first."""
    reviews = db.session.scalars(GateReview.awaiting(current_user).options(*_TABLE_LOADS)).all()
    return render("gates/queue.html", reviews=reviews, now=utcnow())


@bp.get("/gates")
@access.page_permission(access.sees_gate_reviews)
def index():
    """Every gate review awaiting a decision, oldest first; then the deferred ones with the
    date to come back to each, and those returned for rework, waiting for the PMO."""
    reviews = db.session.scalars(
        select(GateReview).where(GateReview.state == "requested")
        .order_by(GateReview.requested_at).options(*_TABLE_LOADS)).all()
    return render("gates/index.html", reviews=reviews, now=utcnow(), today=date.today(),
                  deferred=service.deferred_reviews(current_user), rework=service.rework_awaiting_request(current_user),
                  may_request=access.can_manage(current_user))


def _rejection_closes(gate_review: GateReview) -> bool:
    """True at Gates 1 and 2, where a rejection ends the initiative: it asks to be confirmed."""
    return transition_for(GATES[gate_review.gate].from_state, "reject_at_gate") is not None


def _review_or_404(review_id: int) -> GateReview:
    """A review whose initiative the user may see; 404 otherwise, like the initiative itself."""
    gate_review = db.get_or_404(GateReview, review_id)
    access.initiative_or_404(gate_review.initiative_id)
    return gate_review


def _review_page(gate_review: GateReview, form: DecisionForm, status: int = 200,
                 refusal: WorkflowError | None = None):
    """The review page, or its decision panel alone for htmx; a refusal sets the status."""
    if refusal is not None:
        status = workflow_status(refusal)
    checklist = None
    if gate_review.state == "requested":
        # Checked now, not at request time: approvers see whether anything has slipped since.
        checklist = gate_checklist(gate_review.initiative, gate_review.gate)
    gate = GATES[gate_review.gate]
    return render("gates/review.html", "gates/_decision.html", status=status, review=gate_review,
                  gate=gate, form=form, refusal=refusal, checklist=checklist, role_labels=ROLE_LABELS,
                  decision_labels=DECISION_LABELS, rejection_closes=_rejection_closes(gate_review),
                  may_decide=not service.decision_refusals(gate_review, current_user),
                  gate_panel=gate_panel(gate_review.initiative), may_request=access.can_manage(current_user),
                  followed_by=service.review_after(gate_review),
                  # What approving does to the skill gaps (resources area), for those who read the portfolio.
                  **resources.what_if_panel(gate_review, gate, current_user, date.today()))


def _outcome_message(gate_review: GateReview, outcome: GateOutcome, defer_until: date | None) -> str:
    """What the approver's decision did, in one sentence for the flash banner."""
    gate = gate_name(gate_review.gate)
    initiative = gate_review.initiative
    label = DECISION_LABELS[outcome.decision.decision]
    if outcome.outcome == "pending":
        return f"{label}: {outcome.approvals} of {outcome.quorum} approvals recorded"
    if outcome.outcome == "approved":
        return f"{gate} approved: the initiative moved to {initiative.state_label}"
    if outcome.outcome == "rejected":
        if initiative.state == "rejected":
            return f"{gate} rejected: the initiative is closed as rejected"
        return f"{gate} rejected: the initiative stays in {initiative.state_label} to be reworked"
    if outcome.outcome == "deferred":
        return f"{gate} deferred: to be looked at again on {uk_date(defer_until)}"
    return f"{gate} returned for rework: the PMO can request the gate again when it is ready"
