"""Benefits review and closure: the benefits register's actuals, ROI, lessons and satisfaction.

Everyone who may see an initiative may read its review; the PMO and admins record actuals,
lessons and satisfaction. Closure itself is a gate (G4): this page shows how ready the
initiative is, criterion by criterion, and links to the gate request when it is.
"""
from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from workflows import editing
from workflows.lifecycle import DELIVERED_STATES

from .. import access, concurrency
from ..extensions import db
from ..fields import money_params
from ..gates.conditions import checklist_criterion, earlier_open
from ..gates.criteria import entry_checklist
from ..gates.panel import gate_panel
from ..gates.service import open_review
from ..htmx import is_partial, render
from ..lessons.library import log_context
from ..lessons.routes import can_edit_lessons
from ..models import Benefit, Initiative
from ..models.base import utcnow
from ..models.delivery import realised_financial_benefit
from ..workflow import lifecycle_for
from .blueprint import bp
from .forms import BenefitActualsForm, NewBenefitForm, SatisfactionForm

# The states with a benefits review to show (each record's own are in workflows/editing.py).
REVIEW_STATES = DELIVERED_STATES


def can_edit_benefits(initiative: Initiative) -> bool:
    """True when the signed-in user may record benefits on this initiative now."""
    return access.can_manage(current_user) and editing.may_edit("benefits", initiative.state)


def check_may_change(initiative: Initiative, kind: str) -> None:
    """403 for anyone but the PMO and admins; 409 (as the workflow's refusal, so htmx gets
    the reason as a fragment) when `kind` of record may not change in the initiative's state."""
    if not access.can_manage(current_user):
        abort(403)
    editing.require(kind, initiative.state)


def benefit_or_404(initiative: Initiative, benefit_id: int, deleted: bool | None = False) -> Benefit:
    """One live benefit of this initiative (deleted=None: live or deleted); 404 otherwise."""
    benefit = db.session.get(Benefit, benefit_id)
    if benefit is None or benefit.initiative_id != initiative.id:
        abort(404)
    if deleted is not None and (benefit.deleted_at is not None) != deleted:
        abort(404)
    return benefit


def live_benefits(initiative: Initiative) -> list[Benefit]:
    """The initiative's register: its benefits that have not been deleted, oldest first."""
    return list(db.session.scalars(select(Benefit).where(Benefit.initiative_id == initiative.id,
                                                         Benefit.deleted_at.is_(None)).order_by(Benefit.id)))


def deleted_benefits(initiative: Initiative) -> list[Benefit]:
    """The benefits deleted from the register, most recent first (for those who may restore them)."""
    if not can_edit_benefits(initiative):
        return []
    return list(db.session.scalars(select(Benefit).where(Benefit.initiative_id == initiative.id,
                                                         Benefit.deleted_at.is_not(None))
                                   .order_by(Benefit.deleted_at.desc(), Benefit.id.desc())))


def closure_context(initiative: Initiative, benefits: list[Benefit]) -> dict:
    """Gate 4 readiness by criterion, and the register's totals and ROI (docs/rules.md 6)."""
    lifecycle = lifecycle_for(initiative)
    realised = realised_financial_benefit(benefits)
    planned = [b.planned_value for b in benefits if b.planned_value is not None]
    conditions = checklist_criterion(initiative, "G4")  # earlier gates' conditions (docs/rules.md 9)
    return {
        "checklist": entry_checklist("G4", lifecycle.facts) + ([conditions] if conditions else []),
        "closure_failures": lifecycle.gate_entry_failures("G4") + earlier_open(initiative, "G4"),
        "open_gate_review": open_review(initiative),
        "planned_total": sum(planned, Decimal(0)) if planned else None,
        "realised_total": realised,
        "roi": initiative.return_on_investment(realised),
    }


def page_context(initiative: Initiative) -> dict:
    """What the whole review page needs, in a fixed number of queries."""
    benefits = live_benefits(initiative)
    # The lessons log is kept here too, inline, with the lessons area's own rows and routes.
    may_edit_lessons = can_edit_lessons(initiative)
    lessons = log_context(initiative, with_deleted=may_edit_lessons)
    return {"benefits": benefits, "deleted_benefits": deleted_benefits(initiative), **lessons,
            "can_edit_lessons": may_edit_lessons, "gate_panel": gate_panel(initiative),
            **closure_context(initiative, benefits)}


def respond(initiative: Initiative, fragment: str, status: int = 200, **context):
    """The fragment for htmx; otherwise the whole review page built around the same context."""
    context.update(initiative=initiative, can_edit=can_edit_benefits(initiative), money_params=money_params)
    if not is_partial():
        context = {**page_context(initiative), **context}
    return render("review/benefits.html", fragment, status, **context)


def benefit_saved(initiative: Initiative, benefit: Benefit, message: str,
                  fragment: str = "review/_benefit_saved.html", anchor: str = "", **context):
    """After a change: for htmx `fragment` (the row by default) plus the refreshed closure
    readiness (out of band), since an actual, a reason or a deletion can change a criterion
    and the totals; otherwise back to the page, saying what happened."""
    if not is_partial():
        flash(message, "success")
        return redirect(url_for(".benefits", initiative_id=initiative.id,
                                _anchor=anchor or f"benefit-{benefit.id}"), 303)
    return respond(initiative, fragment, benefit=benefit, **context,
                   **closure_context(initiative, live_benefits(initiative)))


@bp.get("/initiatives/<int:initiative_id>/benefits-review")
@login_required
def benefits(initiative_id: int):
    """The benefits review: planned against realised, ROI, lessons, satisfaction and closure readiness."""
    initiative = access.initiative_or_404(initiative_id)
    if initiative.state not in REVIEW_STATES:
        return render("review/unavailable.html", initiative=initiative)
    return render("review/benefits.html", initiative=initiative, can_edit=can_edit_benefits(initiative),
                  **page_context(initiative))


@bp.get("/initiatives/<int:initiative_id>/benefits-review/summary")
@login_required
def summary(initiative_id: int):
    """Return on investment and closure readiness alone (refreshed after an inline lesson
    change); the whole review page without htmx."""
    initiative = access.initiative_or_404(initiative_id)
    if initiative.state not in REVIEW_STATES:
        abort(404)
    return respond(initiative, "review/_summary.html", **closure_context(initiative, live_benefits(initiative)))


@bp.get("/initiatives/<int:initiative_id>/benefits/<int:benefit_id>")
@login_required
def benefit_row(initiative_id: int, benefit_id: int):
    """One benefit as a table row (cancelling an inline edit); the review page without htmx."""
    initiative = access.initiative_or_404(initiative_id)
    benefit = benefit_or_404(initiative, benefit_id)
    return respond(initiative, "review/_benefit_row.html", benefit=benefit)


@bp.route("/initiatives/<int:initiative_id>/benefits/<int:benefit_id>/edit", methods=["GET", "POST"])
@login_required
def benefit_edit(initiative_id: int, benefit_id: int):
    """Record a benefit's actuals in place: its row becomes a form; saving returns the row."""
    initiative = access.initiative_or_404(initiative_id)
    benefit = benefit_or_404(initiative, benefit_id)
    check_may_change(initiative, "benefit_actuals")
    form = BenefitActualsForm(obj=benefit, prefix=f"benefit-{benefit.id}")
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [benefit], lambda: form.apply_to(benefit))
        if conflict is None:
            return benefit_saved(initiative, benefit, f"Benefit ‘{benefit.name}’ saved")
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return respond(initiative, "review/_benefit_form.html", status, benefit=benefit, benefit_form=form,
                   editing=benefit.id, row_conflict=conflict)


@bp.route("/initiatives/<int:initiative_id>/benefits/new", methods=["GET", "POST"])
@login_required
def benefit_new(initiative_id: int):
    """Add a benefit found at review: a blank form row at the top of the register."""
    initiative = access.initiative_or_404(initiative_id)
    check_may_change(initiative, "benefits")
    form = NewBenefitForm(prefix="benefit-new")
    if form.validate_on_submit():
        benefit = Benefit(initiative_id=initiative.id)
        form.apply_to(benefit)
        db.session.add(benefit)
        db.session.commit()
        return benefit_saved(initiative, benefit, f"Benefit ‘{benefit.name}’ added")
    status = 422 if form.is_submitted() else 200
    return respond(initiative, "review/_benefit_form.html", status, benefit=None, benefit_form=form,
                   editing="new")


@bp.route("/initiatives/<int:initiative_id>/benefits/<int:benefit_id>/delete", methods=["GET", "POST"])
@login_required
def benefit_delete(initiative_id: int, benefit_id: int):
    """Ask to confirm in the row (GET), then delete: the row says so and offers to undo."""
    initiative = access.initiative_or_404(initiative_id)
    benefit = benefit_or_404(initiative, benefit_id)
    check_may_change(initiative, "benefits")
    if request.method == "GET":
        return respond(initiative, "review/_benefit_confirm_delete.html", benefit=benefit, confirming=benefit.id)
    benefit.deleted_at = utcnow()
    db.session.commit()
    return benefit_saved(initiative, benefit,
                         f"Benefit ‘{benefit.name}’ deleted. You can restore it from the deleted benefits below.",
                         "review/_benefit_deleted.html", anchor="deleted-benefits",
                         deleted_benefits=deleted_benefits(initiative))


@bp.post("/initiatives/<int:initiative_id>/benefits/<int:benefit_id>/restore")
@login_required
def benefit_restore(initiative_id: int, benefit_id: int):
    """Undo a delete: the benefit is back in the register, its totals and the closure criterion."""
    initiative = access.initiative_or_404(initiative_id)
    benefit = benefit_or_404(initiative, benefit_id, deleted=None)
    check_may_change(initiative, "benefits")
    if benefit.deleted_at is not None:  # restoring twice (a double press of Undo) changes nothing
        benefit.deleted_at = None
        db.session.commit()
    # From the row's own Undo button the row comes back in place; from the deleted list it is
    # added at the top of the register. Either way the deleted list and the totals are refreshed.
    return benefit_saved(initiative, benefit, f"Benefit ‘{benefit.name}’ restored", "review/_benefit_restored.html",
                         deleted_benefits=deleted_benefits(initiative), in_place=request.args.get("in_place") == "1")


@bp.route("/initiatives/<int:initiative_id>/satisfaction", methods=["GET", "POST"])
@login_required
def satisfaction(initiative_id: int):
    """Record the stakeholders' satisfaction with what was delivered (1 to 5, with a comment)."""
    initiative = access.initiative_or_404(initiative_id)
    check_may_change(initiative, "satisfaction")
    form = SatisfactionForm(obj=initiative)
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [initiative], lambda: form.apply_to(initiative))
        if conflict is None:
            flash("Stakeholder satisfaction saved", "success")
            return redirect(url_for(".benefits", initiative_id=initiative.id, _anchor="satisfaction"), 303)
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return render("review/satisfaction.html", status=status, initiative=initiative, form=form, conflict=conflict)
