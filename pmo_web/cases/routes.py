"""The business case: edited by the PMO in the Business case stage, read by everyone who may
see the initiative. Every save is a new version; old versions are never changed."""
from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workflows import editing

from ..access import can_manage, initiative_or_404, roles_required
from ..benefits.register import financial_year_label
from ..extensions import db
from ..gates.panel import gate_panel
from ..htmx import redirect_to, render
from ..models import BusinessCase, User
from ..workflow import current_case, gate_spec_for
from .blueprint import bp
from .forms import LABELS, MAX_ROWS, ROW_KINDS, BusinessCaseForm, blank_row, form_data_of


@bp.app_template_filter("financial_year")
def financial_year_filter(start: int | None) -> str:
    """2026 -> "2026/27"; None (a cost line saved before years were asked) -> "Year not given"."""
    return financial_year_label(start) if start is not None else "Year not given"


def _versions(initiative_id: int):
    """Number, author and date of every version, newest first, without their contents."""
    return db.session.execute(
        select(BusinessCase.version, BusinessCase.created_at, User.name.label("author"))
        .join(User, User.id == BusinessCase.author_id)
        .where(BusinessCase.initiative_id == initiative_id)
        .order_by(BusinessCase.version.desc())
    ).all()


def _check_may_save(initiative) -> None:
    """Only the PMO saves (403), and only while the initiative is in Business case (409)."""
    if not can_manage(current_user):
        abort(403)
    editing.require("business_case", initiative.state, initiative.reference)


@bp.route("/initiatives/<int:initiative_id>/business-case", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int):
    """The current business case: a form for the PMO in Business case, read-only otherwise."""
    initiative = initiative_or_404(initiative_id)
    case = current_case(initiative.id)
    editable = can_manage(current_user) and editing.may_edit("business_case", initiative.state)
    if request.method == "GET":
        form = BusinessCaseForm(data=form_data_of(case)) if editable else None
        return _edit_page(initiative, case, form)

    _check_may_save(initiative)
    form = BusinessCaseForm()
    if request.form.get("add_row"):
        form.add_blank_row(request.form["add_row"])
        return _edit_page(initiative, case, form)
    if not form.validate_on_submit():
        return _edit_page(initiative, case, form, status=422)
    latest = case.version if case else 0
    if form.base_version.data != str(latest):
        return _conflict(initiative, case, form)
    saved = form.to_case(initiative.id, current_user.id, version=latest + 1)
    db.session.add(saved)
    # The case is where funding is decided (docs/rules.md 9); the initiative's funding type, which
    # lists and the dashboard filter on, is its copy and changes only here.
    initiative.funding_type = saved.funding_type
    try:
        db.session.commit()
    except IntegrityError:  # another save took the same version number a moment earlier
        db.session.rollback()
        return _conflict(initiative, current_case(initiative.id), form)
    flash(f"Business case version {saved.version} saved.", "success")
    return redirect_to(url_for("cases.edit", initiative_id=initiative.id))


def _conflict(initiative, case, form):
    """Someone saved a newer version meanwhile: keep this user's text, show whose is newer (409)."""
    # Saving again now is a deliberate choice to supersede the version they have been shown.
    form.base_version.data = str(case.version)
    return _edit_page(initiative, case, form, status=409, conflict=case)


def _edit_page(initiative, case, form, status: int = 200, conflict=None):
    # How many approvals Gate 2 will need, with the case's funding: while it is still to come.
    gate_two = gate_spec_for(initiative, "G2") if case and editing.may_edit("business_case", initiative.state) else None
    return render("cases/edit.html", status=status, initiative=initiative, case=case, form=form,
                  versions=_versions(initiative.id), conflict=conflict, row_kinds=ROW_KINDS,
                  labels=LABELS, max_rows=MAX_ROWS, gate_two=gate_two, gate_panel=gate_panel(initiative))


@bp.get("/initiatives/<int:initiative_id>/business-case/versions/<int:version>")
@login_required
def version(initiative_id: int, version: int):
    """One version of the business case exactly as it was saved."""
    initiative = initiative_or_404(initiative_id)
    case = db.session.scalar(select(BusinessCase).where(
        BusinessCase.initiative_id == initiative.id, BusinessCase.version == version))
    if case is None:
        abort(404)
    return render("cases/version.html", initiative=initiative, case=case,
                  versions=_versions(initiative.id), labels=LABELS)


@bp.get("/initiatives/<int:initiative_id>/business-case/rows/<kind>/<int:index>")
@roles_required("pmo", "admin")
def row(initiative_id: int, kind: str, index: int):
    """An empty option, cost, benefit or risk row for the 'add another' button (htmx)."""
    initiative = initiative_or_404(initiative_id)
    if kind not in ROW_KINDS or index >= MAX_ROWS:
        abort(404)
    return render_template("cases/_new_row.html", initiative=initiative, kind=kind, index=index,
                           row=blank_row(kind, index), noun=ROW_KINDS[kind][2], max_rows=MAX_ROWS)
