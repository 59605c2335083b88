"""Scoring an initiative on the prioritisation matrix, and the ranked backlog."""
from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload

from workflows import editing
from workflows.lifecycle import TERMINAL_STATES

from .. import access
from ..access import initiative_or_404, roles_required
from ..extensions import db
from ..htmx import redirect_to, render
from ..models import Department, Initiative, Score, Setting, StrategicPriority
from ..paging import paginate_rows
from . import matrix
from .blueprint import bp
from .forms import BacklogFilterForm, score_form


def _require_scoring_state(initiative: Initiative) -> None:
    """Scores are recorded only while the initiative is in Scoring (409 otherwise)."""
    editing.require("score", initiative.state, initiative.reference)


def _score_history(initiative_id: int) -> list[Score]:
    """Every scoring of one initiative, newest (the current one) first."""
    return list(db.session.scalars(
        select(Score).where(Score.initiative_id == initiative_id)
        .options(joinedload(Score.scorer)).order_by(Score.id.desc())
    ))


@bp.route("/initiatives/<int:initiative_id>/score", methods=["GET", "POST"])
@roles_required("pmo", "admin")
def score(initiative_id: int):
    """Score an initiative on the matrix; every scoring is kept and the latest is current."""
    initiative = initiative_or_404(initiative_id)
    history = _score_history(initiative.id)
    priorities = StrategicPriority.active_ordered()
    if request.method == "POST":
        _require_scoring_state(initiative)
    form = score_form(priorities, current=history[0] if history and request.method == "GET" else None)
    weights = Setting.get("scoring_weights")
    if form.validate_on_submit():
        saved = form.to_score(initiative, current_user, weights)
        db.session.add(saved)
        db.session.commit()
        flash(f"{initiative.reference} scored {saved.total} out of 100 ({saved.effective_band} priority). "
              "Gate 1 can now be requested.", "success")
        return redirect_to(url_for("initiatives.show", initiative_id=initiative.id))
    return render("scoring/score.html", status=422 if form.errors else 200, initiative=initiative,
                  form=form, history=history, factors=matrix.FACTORS,
                  preview=_preview_of(form, weights), weights=weights)


@bp.post("/initiatives/<int:initiative_id>/score/preview")
@roles_required("pmo", "admin")
def preview(initiative_id: int):
    """The live score for the levels chosen so far; nothing is saved."""
    initiative = initiative_or_404(initiative_id)
    _require_scoring_state(initiative)
    form = score_form(StrategicPriority.active_ordered())
    return render_template("scoring/_preview.html", preview=_preview_of(form, Setting.get("scoring_weights")))


def _preview_of(form, weights) -> dict | None:
    """Total, band and contributions for the form's levels; None until every factor is chosen."""
    levels = form.levels()
    if levels is None:
        return None
    contributions = matrix.breakdown(weights=weights, **levels)
    total = matrix.total_of(contributions)
    return {"total": total, "band": matrix.band_for(total), "contributions": contributions}


BACKLOG_PAGE_SIZE = 50


@bp.get("/backlog")
@access.page_permission(access.sees_gate_reviews)
def backlog():
    """The ranked backlog: every live, scored initiative by its current score."""
    departments = list(db.session.scalars(select(Department).order_by(Department.name)))
    filters = BacklogFilterForm(departments, formdata=request.args)
    page = paginate_rows(_ranked_backlog(filters.chosen_band(), filters.department_id()), BACKLOG_PAGE_SIZE)
    return render("scoring/backlog.html", "scoring/_backlog_table.html", backlog_page=page, rows=page.items,
                  filters=filters)


def _ranked_backlog(band: str | None, department_id: int | None):
    """One query: live initiatives with their latest score, ranked across the whole backlog.

    The rank is taken before filtering, so a filtered list still shows each initiative's
    place in the force-wide order (of the initiatives the reader may see: never a draft).
    """
    latest = (select(func.max(Score.id).label("score_id"))
              .group_by(Score.initiative_id).subquery())
    effective_band = func.coalesce(Score.band_override, Score.band)
    ranked = (
        select(Initiative.id.label("initiative_id"), Score.id.label("score_id"),
               func.rank().over(order_by=Score.total.desc()).label("rank"),
               effective_band.label("band"))
        .join(Score, Score.initiative_id == Initiative.id)
        .join(latest, latest.c.score_id == Score.id)
        .where(Initiative.state.not_in(TERMINAL_STATES), access.visible_clause(current_user))
        .subquery()
    )
    query = (
        select(ranked.c.rank, ranked.c.band, Initiative, Score.total, Score.created_at.label("scored_at"))
        .join(ranked, ranked.c.initiative_id == Initiative.id)
        .join(Score, Score.id == ranked.c.score_id)
        # The owner is not shown here; skip its join (and its roles' extra query).
        .options(lazyload(Initiative.owner))
        .order_by(ranked.c.rank, Initiative.id)
    )
    if band:
        query = query.where(ranked.c.band == band)
    if department_id:
        query = query.where(Initiative.department_id == department_id)
    return query
