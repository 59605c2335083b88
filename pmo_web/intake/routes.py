"""Change requests: write and submit a request, edit a draft, follow my and my department's requests."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import access, concurrency
from ..extensions import db
from ..htmx import htmx_response
from ..models import Initiative
from ..similarity import similar_work
from ..workflow import fire
from .blueprint import bp
from .forms import RequestForm


@bp.route("/requests/new", methods=["GET", "POST"])
@access.roles_required(*access.REQUEST_ROLES)
def new():
    """Write a new change request: save it as a draft or submit it to the PMO."""
    form = RequestForm(department=current_user.department_id,
                       current_department_id=current_user.department_id)
    if form.validate_on_submit():
        initiative = Initiative(owner_id=current_user.id)
        db.session.add(initiative)
        _apply(initiative, form)
        db.session.commit()
        return _saved(initiative, form)
    return render_template("intake/form.html", form=form, initiative=None,
                           work=_similar_to(form)), 422 if form.is_submitted() else 200


@bp.route("/requests/<int:initiative_id>/edit", methods=["GET", "POST"])
@access.roles_required(*access.REQUEST_ROLES)
def edit(initiative_id: int):
    """Edit my own draft request, and submit it when it is ready."""
    initiative = access.initiative_or_404(initiative_id)
    if initiative.owner_id != current_user.id:
        abort(403, description="Only the person who wrote a draft request can edit it.")
    if initiative.state != "draft":
        abort(409, description=f"{initiative.reference} has been submitted ({initiative.state_label}), "
                               "so it can no longer be edited here.")
    form = RequestForm.for_draft(initiative)
    conflict = None
    if form.validate_on_submit():
        # Saved from another tab meanwhile: show that version beside this one, keep this one's text.
        conflict = concurrency.save(form, [initiative], lambda: _apply(initiative, form))
        if conflict is None:
            return _saved(initiative, form)
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return render_template("intake/form.html", form=form, initiative=initiative, conflict=conflict,
                           work=_similar_to(form)), status


@bp.post("/requests/similar")
@access.roles_required(*access.REQUEST_ROLES)
def similar():
    """While a request is typed: similar requests and initiatives, and lessons of similar closed work."""
    work = similar_work(request.form.get("title", ""), request.form.get("description", ""), current_user)
    return htmx_response(render_template("intake/_similar.html", work=work, announce=True))


def _similar_to(form: RequestForm):
    """Similar work for the form as drawn, so the panel is there without JavaScript too."""
    return similar_work(form.title.data or "", form.description.data or "", current_user)


def _apply(initiative: Initiative, form: RequestForm) -> None:
    """Copy the request onto the row and, if asked, submit it through the lifecycle (no commit)."""
    form.apply_to(initiative)
    if form.submitting:
        db.session.flush()  # the audit event of a submission needs the id
        fire(initiative, "submit", current_user)


def _saved(initiative: Initiative, form: RequestForm):
    """After the commit: say what happened and show the request."""
    if form.submitting:
        message = f"{initiative.reference} has been submitted to the PMO."
    else:
        message = f"{initiative.reference} has been saved as a draft. Submit it when it is ready."
    flash(message, "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id), 303)


@bp.get("/requests/mine")
@access.roles_required(*access.REQUEST_ROLES)
def mine():
    """The requests I have written, most recently changed first."""
    initiatives = _requests(Initiative.owner_id == current_user.id)
    return render_template("intake/list.html", initiatives=initiatives, showing="mine")


@bp.get("/requests/department")
@access.page_permission(access.signed_in)
def department():
    """The requests of my department (read only), most recently changed first."""
    initiatives = []
    if current_user.department_id is not None:
        initiatives = _requests(Initiative.department_id == current_user.department_id,
                                Initiative.state != "draft")
    return render_template("intake/list.html", initiatives=initiatives, showing="department")


def _requests(*conditions) -> list[Initiative]:
    """Visible initiatives matching `conditions`; department and owner load in the same query."""
    query = (access.visible_initiatives(current_user).where(*conditions)
             .order_by(Initiative.state_changed_at.desc(), Initiative.id.desc()))
    return list(db.session.scalars(query))
