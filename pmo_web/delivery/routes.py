"""Delivery: the PMO keeps manager, budget, end dates, confidence and milestones up to date.

Everyone who may see an initiative may read its delivery page; the PMO and admins edit it
while the initiative is in delivery or on hold. Milestones are edited in place with htmx;
without JavaScript the same URLs answer with the whole page.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflows import editing
from workflows.lifecycle import DELIVERY_STATES

from .. import access, concurrency
from ..extensions import db
from ..fields import money_params
from ..gates.panel import gate_panel
from ..htmx import is_partial, render
from ..models import Initiative, Lesson, Milestone
from ..models.initiatives import CONFIDENCE_MEANINGS
from ..workflow import current_case
from .blueprint import bp
from .forms import DeliveryForm, MilestoneForm


def can_edit_delivery(initiative: Initiative) -> bool:
    """True when the signed-in user may change this initiative's delivery record now."""
    return access.can_manage(current_user) and editing.may_edit("delivery", initiative.state)


def check_may_edit(initiative: Initiative) -> None:
    """403 for anyone but the PMO and admins; 409 outside delivery and on hold.

    The state refusal is raised as the workflow's IllegalTransition (409) so that an htmx
    request gets the reason as a fragment: the usual cause is a gate that moved the
    initiative on while the page was open.
    """
    if not access.can_manage(current_user):
        abort(403)
    editing.require("delivery", initiative.state)


def milestone_or_404(initiative: Initiative, milestone_id: int) -> Milestone:
    """One milestone of this initiative; 404 for a milestone of any other."""
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.initiative_id != initiative.id:
        abort(404)
    return milestone


def page_context(initiative: Initiative, delivery_form: DeliveryForm | None = None) -> dict:
    """What the whole delivery page needs, in a fixed number of queries."""
    milestones = db.session.scalars(
        select(Milestone).where(Milestone.initiative_id == initiative.id)
        .order_by(Milestone.baseline_date, Milestone.id)).all()
    lessons = db.session.scalars(
        select(Lesson).where(Lesson.initiative_id == initiative.id, Lesson.deleted_at.is_(None))
        .options(selectinload(Lesson.logged_by)).order_by(Lesson.date_added.desc(), Lesson.id.desc())).all()
    if delivery_form is None:
        # formdata=None: a milestone posted without JavaScript must not fill this form.
        delivery_form = DeliveryForm(formdata=None, obj=initiative, current_manager_id=initiative.manager_id)
    case = current_case(initiative.id)
    return {"milestones": milestones, "lessons": lessons, "delivery_form": delivery_form,
            "confidence_meanings": CONFIDENCE_MEANINGS, "money_params": money_params,
            # Funding is the business case's (docs/rules.md 9); an imported initiative may have none.
            "funding": case.funding_type if case else initiative.funding_type, "funding_from_case": case is not None,
            "gate_panel": gate_panel(initiative)}


def respond(initiative: Initiative, fragment: str, status: int = 200, **context):
    """The fragment for htmx; otherwise the whole delivery page built around the same context."""
    context.update(initiative=initiative, can_edit=can_edit_delivery(initiative))
    if not is_partial():
        context = {**page_context(initiative), **context}
    return render("delivery/edit.html", fragment, status, **context)


def milestone_saved(initiative: Initiative, milestone: Milestone, message: str):
    """After a save: the row for htmx, post/redirect/get back to the row otherwise."""
    if is_partial():
        return respond(initiative, "delivery/_milestone_row.html", milestone=milestone)
    flash(message, "success")
    return redirect(url_for(".edit", initiative_id=initiative.id, _anchor=f"milestone-{milestone.id}"), 303)


@bp.route("/initiatives/<int:initiative_id>/delivery", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int):
    """The delivery page: details with budget and end-date variance, milestones, lessons."""
    initiative = access.initiative_or_404(initiative_id)
    if request.method == "POST":
        check_may_edit(initiative)
    elif initiative.state not in DELIVERY_STATES:
        return render("delivery/unavailable.html", initiative=initiative)
    form = DeliveryForm(obj=initiative, current_manager_id=initiative.manager_id)
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [initiative], lambda: form.apply_to(initiative))
        if conflict is None:
            flash("Delivery details saved", "success")
            return redirect(url_for(".edit", initiative_id=initiative.id), 303)
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return render("delivery/edit.html", status=status, initiative=initiative, conflict=conflict,
                  can_edit=can_edit_delivery(initiative), **page_context(initiative, form))


@bp.get("/initiatives/<int:initiative_id>/milestones/<int:milestone_id>")
@login_required
def milestone_row(initiative_id: int, milestone_id: int):
    """One milestone as a table row (cancelling an inline edit); the delivery page without htmx."""
    initiative = access.initiative_or_404(initiative_id)
    milestone = milestone_or_404(initiative, milestone_id)
    return respond(initiative, "delivery/_milestone_row.html", milestone=milestone)


@bp.route("/initiatives/<int:initiative_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@login_required
def milestone_edit(initiative_id: int, milestone_id: int):
    """Edit a milestone in place: its row becomes a form; saving returns the row."""
    initiative = access.initiative_or_404(initiative_id)
    milestone = milestone_or_404(initiative, milestone_id)
    check_may_edit(initiative)
    form = MilestoneForm(obj=milestone, prefix=f"milestone-{milestone.id}")
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [milestone], lambda: form.apply_to(milestone))
        if conflict is None:
            return milestone_saved(initiative, milestone, f"Milestone ‘{milestone.name}’ saved")
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return respond(initiative, "delivery/_milestone_form.html", status,
                   milestone=milestone, milestone_form=form, editing=milestone.id,
                   row_conflict=conflict)


@bp.route("/initiatives/<int:initiative_id>/milestones/new", methods=["GET", "POST"])
@login_required
def milestone_new(initiative_id: int):
    """Add a milestone: a blank form row at the top of the table; saving returns the new row."""
    initiative = access.initiative_or_404(initiative_id)
    check_may_edit(initiative)
    form = MilestoneForm(prefix="milestone-new")
    if form.validate_on_submit():
        milestone = Milestone(initiative_id=initiative.id)
        form.apply_to(milestone)
        db.session.add(milestone)
        db.session.commit()
        return milestone_saved(initiative, milestone, f"Milestone ‘{milestone.name}’ added")
    status = 422 if form.is_submitted() else 200
    return respond(initiative, "delivery/_milestone_form.html", status,
                   milestone=None, milestone_form=form, editing="new")
