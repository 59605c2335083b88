"""The initiative hub page, its lifecycle buttons and timeline, and the portfolio list."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from workflows.lifecycle import (
    CASE_STATES,
    DELIVERED_STATES,
    DELIVERY_STATES,
    IRREVERSIBLE_TRIGGERS,
    LESSONS_LOG_STATES,
    MERGE_TARGET_STATES,
    MERGEABLE_STATES,
    STAGE_OF,
    STAGES,
    STATE_LABELS,
    TRIGGER_INPUTS,
    TRIGGER_LABELS,
    WorkflowError,
    transition_for,
)

from .. import access, history
from ..errors import workflow_status
from ..extensions import db
from ..gates.panel import gate_panel
from ..gates.service import gate_code_for, open_review
from ..htmx import htmx_response, is_partial
from ..models import AuditEvent, Initiative
from ..models.base import utcnow
from ..similarity import SimilarWork, similar_work
from ..workflow import available_triggers, fire, require_button
from .blueprint import bp
from .forms import PortfolioFilters, TransitionForm
from .next_steps import next_steps
from .portfolio import COLUMNS, Sort, portfolio_page
from .timeline import StageMove, describe, time_in_stages

# Buttons that stop work are drawn as warnings and steps aside as secondary; moving
# forward is the primary action.
STOPPING_TRIGGERS = frozenset({"reject", "withdraw", "cancel"})
SIDE_STEP_TRIGGERS = frozenset({"request_info", "merge", "hold"})


@bp.get("/initiatives/<int:initiative_id>")
@login_required
def show(initiative_id: int):
    """One initiative: where it is, what can be done next, its details and its history."""
    initiative = access.initiative_or_404(initiative_id)
    return render_template("initiatives/show.html", similar=_possible_duplicates(initiative),
                           merge_states=MERGE_TARGET_STATES, **_hub_context(initiative))


@bp.route("/initiatives/<int:initiative_id>/transitions/<trigger>", methods=["GET", "POST"])
@login_required
def transition(initiative_id: int, trigger: str):
    """Press one lifecycle button: ask for what it needs (reason, question, answer, target), then fire it."""
    initiative = access.initiative_or_404(initiative_id)
    if trigger not in TRIGGER_LABELS:
        abort(404)
    targets = _merge_targets(initiative) if trigger == "merge" else []
    # The Merge button beside a possible duplicate opens this form with its target chosen.
    chosen = request.args.get("target_id", type=int) if request.method == "GET" else None
    form = TransitionForm(trigger, merge_targets=targets, target_id=chosen)
    try:
        _check_may_press(initiative, trigger)
        if not form.validate_on_submit():
            return _transition_page(initiative, form, 422 if form.is_submitted() else 200)
        fire(initiative, trigger, current_user, **form.inputs())
    except WorkflowError as refusal:
        db.session.rollback()
        return _refused(initiative, form, refusal)
    db.session.commit()
    if is_partial():
        return _lifecycle_update(initiative, moved=True)
    flash(f"{initiative.reference} is now at {initiative.state_label}.", "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id), 303)


@bp.get("/initiatives")
@access.page_permission(access.can_read_portfolio)
def portfolio():
    """Every initiative the user may read, sortable by each column, filtered by department,
    programme, stage, priority band, strategic priority, funding type and confidence."""
    filters = PortfolioFilters(formdata=request.args)
    sort = Sort.from_request()
    page = portfolio_page(current_user, filters.conditions(), sort)
    # Sorting starts again at page 1 and keeps the filters; paging keeps both.
    sort_links = {column.key: url_for("initiatives.portfolio", **filters.chosen, **sort.link_args(column.key))
                  for column in COLUMNS}
    return render_template("initiatives/portfolio.html", page=page, filters=filters, sort=sort, columns=COLUMNS,
                           sort_links=sort_links, kept={**filters.chosen, **sort.args},
                           stage_labels=dict(STAGES), today=date.today())


def _hub_context(initiative: Initiative, refusal: WorkflowError | None = None, moved: bool = False) -> dict:
    """Everything the hub page and its lifecycle and timeline fragments show."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.initiative_id == initiative.id,
                                 AuditEvent.kind != history.KIND)  # lifecycle, not register edits
        .order_by(AuditEvent.created_at, AuditEvent.id)).all()  # actors are joined eagerly
    moves = [StageMove(e.created_at, e.from_state, e.to_state) for e in events if e.kind == "transition"]
    stage_times = time_in_stages(initiative.created_at, moves, initiative.state, utcnow())
    review = open_review(initiative)
    panel = gate_panel(initiative)
    return {
        "gate_panel": panel,
        "next": next_steps(initiative, current_user, panel),
        "initiative": initiative,
        "buttons": _buttons(initiative),
        "stage_steps": _stage_steps(initiative, {t.stage for t in stage_times}),
        "stage_screens": _stage_screens(initiative, review),
        "open_review": review,
        "timeline": [describe(e.kind, e.trigger, e.from_state, e.to_state, e.actor.name if e.actor else None,
                              e.created_at, e.reason, e.detail) for e in events],
        "stage_times": stage_times,
        "refusal": refusal,
        "moved": moved,
    }


def _buttons(initiative: Initiative) -> list[dict]:
    """The lifecycle buttons this user may press now; those needing input open a form."""
    return [{
        "trigger": trigger,
        "label": TRIGGER_LABELS[trigger],
        "needs_input": bool(TRIGGER_INPUTS[trigger]),
        "href": url_for("initiatives.transition", initiative_id=initiative.id, trigger=trigger),
        "classes": _button_classes(trigger),
    } for trigger in available_triggers(initiative, current_user)]


def _button_classes(trigger: str) -> str:
    if trigger in STOPPING_TRIGGERS:
        return "govuk-button--warning"
    return "govuk-button--secondary" if trigger in SIDE_STEP_TRIGGERS else ""


def _stage_steps(initiative: Initiative, visited: set[str]) -> list[dict]:
    """The six stages and Closed, each completed, current or not reached.

    Work that ended early (rejected, withdrawn ...) completed only the stages it was in;
    otherwise every stage before the current one is behind it.
    """
    current = STAGE_OF[initiative.state]
    current_index = [key for key, _ in STAGES].index(current)
    ended_early = initiative.is_terminal and initiative.state != "closed"
    steps = []
    for index, (key, label) in enumerate(STAGES):
        completed = key in visited if ended_early else index < current_index
        status = "current" if key == current else "completed" if completed else "not reached"
        steps.append({"label": label, "status": status})
    return steps


def _stage_screens(initiative: Initiative, review) -> list[dict]:
    """Links to the stage screens: the PMO works on them, everyone who can see the
    initiative may read its business case, delivery and benefits pages."""
    manager = access.can_manage(current_user)
    gate = gate_code_for(initiative)
    screens = [
        (manager and initiative.state == "scoring", "Score this initiative", "scoring.score"),
        (initiative.state in CASE_STATES, "Business case", "cases.edit"),
        (initiative.state in DELIVERY_STATES, "Delivery", "delivery.edit"),
        (initiative.state in DELIVERED_STATES, "Benefits review", "review.benefits"),
        (initiative.state != "draft", "RAID log", "raid.log"),
        # Lessons are logged from delivery on; stopped work keeps its log to be read.
        (initiative.state in LESSONS_LOG_STATES, "Lessons log", "lessons.log"),
        (initiative.state in DELIVERY_STATES, "Highlight reports", "reports.index"),
        # Skills are asked for from the business case on; the page is for portfolio readers.
        (initiative.state in CASE_STATES and access.can_read_portfolio(current_user),
         "Skills needed and people booked", "resources.initiative"),
        (manager and gate is not None and review is None, f"Request the gate {gate} review",
         "gates.request_review"),
    ]
    return [{"text": text, "href": url_for(endpoint, initiative_id=initiative.id)}
            for shown, text, endpoint in screens if shown]


def _lifecycle_update(initiative: Initiative, status: int = 200, **context):
    """The htmx answer to a button: the lifecycle panel, plus the timeline swapped out of band."""
    hub = _hub_context(initiative, **context)
    body = (render_template("initiatives/_lifecycle.html", **hub)
            + render_template("initiatives/_next_steps.html", oob=True, **hub)
            + render_template("initiatives/_timeline.html", oob=True, **hub))
    response = htmx_response(body, status)
    response.vary.add("HX-Request")
    return response


def _refused(initiative: Initiative, form: TransitionForm, refusal: WorkflowError):
    """Show why the button was refused: on the lifecycle panel (htmx) or on the form page."""
    status = workflow_status(refusal)
    if is_partial():
        return _lifecycle_update(initiative, status, refusal=refusal)
    return _transition_page(initiative, form, status, refusal)


def _transition_page(initiative: Initiative, form: TransitionForm, status: int, refusal: WorkflowError | None = None):
    """The page asking for a trigger's inputs (or confirmation), with any refusal on it."""
    move = transition_for(initiative.state, form.trigger)
    return render_template("initiatives/transition.html", initiative=initiative, form=form,
                           destination=STATE_LABELS[move["dest"]] if move else None,
                           stops_work=form.trigger in STOPPING_TRIGGERS,
                           irreversible=form.trigger in IRREVERSIBLE_TRIGGERS,
                           refusal=refusal, refusal_status=status if refusal else None), status


def _check_may_press(initiative: Initiative, trigger: str) -> None:
    """Refuse a button this user cannot press now, before asking them to fill it in."""
    require_button(initiative, trigger, current_user)


def _possible_duplicates(initiative: Initiative) -> SimilarWork | None:
    """For the PMO at triage: existing work this request looks like (None elsewhere)."""
    if not access.can_manage(current_user) or initiative.state not in MERGEABLE_STATES:
        return None
    return similar_work(initiative.title, initiative.description, current_user,
                        exclude_id=initiative.id, lessons=0)


def _merge_targets(initiative: Initiative) -> list[Initiative]:
    """Open initiatives the user can see that this one could be a duplicate of."""
    return list(db.session.scalars(
        access.visible_initiatives(current_user)
        .where(Initiative.state.in_(MERGE_TARGET_STATES), Initiative.id != initiative.id)
        .order_by(Initiative.id.desc())))
