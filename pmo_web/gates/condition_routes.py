"""Gate conditions on the pages where later stages are worked on: each one's row, and marking
it met (the PMO or its owner) or waiving it (an approver), in place with htmx or, without
JavaScript, on a page of its own."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from workflows.conditions import ACTION_LABELS, permission_failures
from workflows.lifecycle import IllegalTransition, NotPermitted, WorkflowError

from .. import access, concurrency
from ..errors import workflow_status
from ..extensions import db
from ..htmx import is_partial, redirect_to, render
from ..models import GateCondition, Initiative
from ..workflow import actor_for
from . import conditions as gate_conditions
from .blueprint import bp
from .forms import ConditionCloseForm

# URL word -> workflow action.
ACTIONS = {"met": "meet", "waive": "waive"}


def condition_or_404(initiative: Initiative, condition_id: int) -> GateCondition:
    """One condition in force on this initiative; 404 for any other (or one that never counted)."""
    condition = db.session.get(GateCondition, condition_id)
    if (condition is None or condition.initiative_id != initiative.id
            or condition.decision.review.outcome != "approved"):
        abort(404)
    return condition


@bp.get("/initiatives/<int:initiative_id>/conditions/<int:condition_id>")
@login_required
def condition(initiative_id: int, condition_id: int):
    """One gate condition: its row (cancelling an inline action), or a page of its own."""
    initiative = access.initiative_or_404(initiative_id)
    found = condition_or_404(initiative, condition_id)
    return _respond(initiative, found, "gates/_condition_row.html")


@bp.route("/initiatives/<int:initiative_id>/conditions/<int:condition_id>/met", methods=["GET", "POST"])
@login_required
def condition_met(initiative_id: int, condition_id: int):
    """Mark a condition met, with the evidence: the PMO, or the condition's owner."""
    return _close(initiative_id, condition_id, "meet")


@bp.route("/initiatives/<int:initiative_id>/conditions/<int:condition_id>/waive", methods=["GET", "POST"])
@login_required
def condition_waive(initiative_id: int, condition_id: int):
    """Waive a condition, with the reason: an approver of the gate that set it."""
    return _close(initiative_id, condition_id, "waive")


def _close(initiative_id: int, condition_id: int, action: str):
    """The form (GET) or the closing (POST): who may first (403), then whether it is still
    open (409), then what was typed (422), then the version it was drawn from (409)."""
    initiative = access.initiative_or_404(initiative_id)
    found = condition_or_404(initiative, condition_id)
    form = ConditionCloseForm(obj=found, action=action)
    if reasons := permission_failures(actor_for(current_user), action, gate_conditions.gatekeepers(found)):
        return _refused(initiative, found, form, NotPermitted(reasons))
    if found.state != "open":
        return _refused(initiative, found, form, IllegalTransition([_already_closed(found)]))
    if not form.validate_on_submit():
        return _respond(initiative, found, "gates/_condition_form.html", form.status(),
                        form=form)
    try:
        conflict = concurrency.save(form, [found], lambda: gate_conditions.close_condition(
            found, current_user, action, form.note.data))
    except (WorkflowError, StaleDataError):
        db.session.rollback()
        conflict = True
    if conflict:
        db.session.expire_all()
        found = db.session.get(GateCondition, condition_id)
        if found.state != "open":  # someone closed it first: say so, and by whom
            return _refused(initiative, found, form, IllegalTransition([_already_closed(found)]))
        return _respond(initiative, found, "gates/_condition_form.html", 409, form=form, conflict=conflict)
    message = f"Condition {'marked as met' if action == 'meet' else 'waived'}: {found.text}"
    if is_partial():
        return _respond(initiative, found, "gates/_condition_row.html", saved=message)
    flash(message, "success")
    endpoint, values = gate_conditions.conditions_home(initiative)
    return redirect_to(url_for(endpoint, **values, _anchor=f"condition-{found.id}"))


def _already_closed(found: GateCondition) -> str:
    who = f" by {found.closed_by.name}" if found.closed_by else ""
    return f"This condition has already been {found.state_label.lower()}{who}"


def _refused(initiative: Initiative, found: GateCondition, form: ConditionCloseForm, refusal: WorkflowError):
    db.session.rollback()
    return _respond(initiative, found, "gates/_condition_form.html", workflow_status(refusal),
                    form=None, refusal=refusal, action_label=ACTION_LABELS[form.action])


def _respond(initiative: Initiative, found: GateCondition, fragment: str, status: int = 200, **context):
    """The row or its form for htmx; the condition's own page otherwise (no JavaScript)."""
    form = context.get("form")
    return render("gates/condition.html", fragment, status, initiative=initiative, condition=found,
                  today=date.today(), may_close=lambda row, action: gate_conditions.may(row, current_user, action),
                  action_label=context.pop("action_label", ACTION_LABELS[form.action] if form else None),
                  home=gate_conditions.conditions_home(initiative), **context)
