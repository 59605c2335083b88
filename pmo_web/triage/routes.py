"""The PMO's kanban board: see every live initiative by stage and move cards through the lifecycle."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from workflows.lifecycle import (
    IRREVERSIBLE_TRIGGERS,
    STATE_LABELS,
    GuardRefused,
    IllegalTransition,
    NotPermitted,
    WorkflowError,
    transition_for,
    triggers_from,
)

from .. import access
from ..errors import workflow_status
from ..extensions import db
from ..htmx import is_partial, render
from ..models import Initiative
from ..models.base import utcnow
from ..workflow import actor_for, available_triggers, fire, lifecycle_for
from .blueprint import bp
from .board import BOARD_STATES, LANE_PAGE, Move, lane_of, load_board, load_cards, moves_for
from .forms import BoardFilters, MoveForm


@bp.get("/triage")
@access.page_permission(access.can_manage)
def board():
    """The kanban: one column per stage, filtered by department, programme and manager."""
    filters = BoardFilters(formdata=request.args)
    return render("triage/board.html", "triage/_board.html", **_board_context(filters))


# The most cards one lane may be asked to show at once.
LANE_LIMIT = 1000


@bp.get("/triage/lanes/<lane>")
@access.roles_required("pmo", "admin")
def lane(lane: str):
    """One lane with more of its cards ("Show more"): the lane for htmx, else the whole board."""
    if lane not in BOARD_STATES:
        abort(404)
    show = min(max(request.args.get("show", LANE_PAGE, type=int), LANE_PAGE), LANE_LIMIT)
    filters = BoardFilters(formdata=request.args)
    context = _board_context(filters, expanded=(lane, show))
    return render("triage/board.html", "triage/_lane.html", lane=lane_of(context["columns"], lane),
                  first_new=show - LANE_PAGE, **context)


@bp.get("/triage/<int:initiative_id>/moves")
@access.roles_required("pmo", "admin")
def moves(initiative_id: int):
    """A card's Move menu, fetched when opened; without JavaScript, a page of its own."""
    initiative = access.initiative_or_404(initiative_id)
    filters = BoardFilters(formdata=request.args)
    return render("triage/moves.html", "triage/_moves.html", initiative=initiative, filters=filters,
                  moves=moves_for(initiative, current_user))


@bp.get("/triage/<int:initiative_id>/confirm/<trigger>")
@access.roles_required("pmo", "admin")
def confirm(initiative_id: int, trigger: str):
    """Ask to confirm a move that cannot be undone: in place of the card's Move menu, or a page
    of its own without JavaScript. A move the user may not make now is refused as the move
    itself would be."""
    initiative = access.initiative_or_404(initiative_id)
    if trigger not in IRREVERSIBLE_TRIGGERS:
        abort(404)
    move = next((m for m in moves_for(initiative, current_user) if m.trigger == trigger), None)
    if move is None:
        # Not a move the user may make now: say why, as the lifecycle would on firing it.
        reasons = lifecycle_for(initiative).refusals(trigger, actor_for(current_user))
        error = IllegalTransition if trigger not in triggers_from(initiative.state) else NotPermitted
        return _refused(initiative, BoardFilters(formdata=request.args), error(reasons))
    return _confirmation(initiative, BoardFilters(formdata=request.args), move)


@bp.post("/triage/<int:initiative_id>/move")
@access.roles_required("pmo", "admin")
def move(initiative_id: int):
    """Move one card by firing a lifecycle trigger; a refusal is shown on the card itself."""
    initiative = access.initiative_or_404(initiative_id)
    filters = BoardFilters(formdata=request.args)
    form = MoveForm()
    try:
        if not form.validate_on_submit():
            raise GuardRefused(form.problems())
        if needs_confirming(initiative, form):
            # A drop (or a stale page) sends an irreversible move unconfirmed: ask first.
            move = next(m for m in moves_for(initiative, current_user) if m.trigger == form.trigger.data)
            return _confirmation(initiative, filters, move, form.inputs())
        fire(initiative, form.trigger.data, current_user, **form.inputs())
    except WorkflowError as refusal:
        db.session.rollback()
        return _refused(initiative, filters, refusal)
    db.session.commit()
    if is_partial():
        return render("triage/board.html", "triage/_board.html", **_board_context(filters, moved=initiative))
    flash(f"{initiative.reference} is now at {initiative.state_label}.", "success")
    return redirect(url_for("triage.board", **filters.chosen), 303)


def _board_context(filters: BoardFilters, moved: Initiative | None = None,
                   refused: Initiative | None = None, refusal: WorkflowError | None = None,
                   expanded: tuple[str, int] | None = None) -> dict:
    """The columns and what the board page, its fragment and its cards need."""
    return {
        "filters": filters,
        # The card just moved (or refused) is shown even when its lane's page would leave it out.
        "columns": load_board(current_user, *filters.conditions(), also=(moved or refused or Initiative()).id,
                              expanded=expanded),
        "now": utcnow(),
        "moved": moved,
        "refused_id": refused.id if refused else None,
        "refusal": refusal,
    }


def _refused(initiative: Initiative, filters: BoardFilters, refusal: WorkflowError):
    """Show why a move was refused, on the card: for htmx the card alone, swapped in place."""
    status = workflow_status(refusal)
    on_board = load_cards(current_user, Initiative.id == initiative.id)
    if on_board and is_partial():
        response = render("triage/board.html", "triage/_card.html", status=status, card=on_board[0],
                          filters=filters, now=utcnow(), refused_id=initiative.id, refusal=refusal)
        response.headers["HX-Retarget"] = f"#card-{initiative.id}"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    # The whole board, for normal navigation or when the card has left it (someone else moved it).
    context = _board_context(filters, refused=initiative, refusal=refusal)
    return render("triage/board.html", "triage/_board.html", status=status, refusal_off_board=not on_board, **context)


def needs_confirming(initiative: Initiative, form: MoveForm) -> bool:
    """An irreversible move, not yet confirmed, that would otherwise be made (a move the
    lifecycle refuses is refused straight away, not confirmed first)."""
    trigger = form.trigger.data
    return (trigger in IRREVERSIBLE_TRIGGERS and form.confirmed.data != "yes"
            and trigger in available_triggers(initiative, current_user)
            and not lifecycle_for(initiative).refusals(trigger, actor_for(current_user), **form.inputs()))


def _confirmation(initiative: Initiative, filters: BoardFilters, move: Move, inputs: dict | None = None):
    """The confirmation step for `move` (carrying the `inputs` sent with it): for htmx in
    place of the card's Move menu."""
    response = render("triage/confirm.html", "triage/_confirm.html", initiative=initiative, filters=filters,
                      move=move, inputs=inputs or {},
                      destination=STATE_LABELS[transition_for(initiative.state, move.trigger)["dest"]])
    if is_partial():
        response.headers["HX-Retarget"] = f"#moves-{initiative.id}"
        response.headers["HX-Reswap"] = "outerHTML"
    return response
