"""Governance boards and their meetings: agendas that build themselves, minutes, escalation
to the board above, and the printable board pack.

Whoever may read the portfolio (access.can_read_portfolio) reads boards, meetings and packs,
limited to the initiatives they may see; the PMO and admins (the boards' secretariat) set up
boards, schedule meetings, add other business, mark meetings held and take the minutes.
Gate decisions are still taken by approvers on the gate page; a minute only links to one.
"""
from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workflows.gate import DECISION_LABELS

from .. import access, concurrency
from ..extensions import db
from ..htmx import redirect_to, render
from ..models import AgendaItem, Board, BoardEscalation, Meeting, Minute, RaidItem
from ..models.base import utcnow
from ..models.governance import AGENDA_KINDS
from .agenda import agenda, freeze, previous_actions
from .blueprint import bp
from .forms import AgendaItemForm, BoardForm, EscalationForm, HeldForm, MeetingForm, MinuteForm


def _secretary() -> None:
    if not access.can_manage(current_user):
        abort(403)


def _meeting_or_404(meeting_id: int) -> Meeting:
    return db.get_or_404(Meeting, meeting_id)


def _held_item_or_404(meeting: Meeting, agenda_item_id: int) -> AgendaItem:
    """An item of this held meeting, about an initiative the user may see; 404 otherwise.
    Minutes and escalations are taken only on a held meeting's frozen agenda (409 before)."""
    item = db.session.get(AgendaItem, agenda_item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    if item.initiative is not None and not access.can_see(current_user, item.initiative):
        abort(404)
    if not meeting.is_held:
        abort(409)
    return item


# ------------------------------------------------------------------------------ boards


@bp.get("/boards")
@access.portfolio_readers_only
def boards():
    """Every board with its level, the board above, and its next and last meetings."""
    all_boards = list(db.session.scalars(select(Board).order_by(Board.level, Board.name)))
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.meets_on, Meeting.starts_at))
    next_meeting, last_meeting = {}, {}
    for meeting in meetings:
        if meeting.is_held:
            last_meeting[meeting.board_id] = meeting
        else:
            next_meeting.setdefault(meeting.board_id, meeting)
    return render("governance/boards.html", boards=all_boards, next_meeting=next_meeting, last_meeting=last_meeting)


@bp.route("/boards/new", methods=["GET", "POST"])
@login_required
def new_board():
    """Set up a board (reference data the PMO and admins add to)."""
    _secretary()
    form = BoardForm()
    if form.validate_on_submit():
        board = Board()
        form.apply_to(board)
        db.session.add(board)
        db.session.commit()
        flash(f"Board “{board.name}” added.", "success")
        return redirect_to(url_for(".board", board_id=board.id))
    return render("governance/board_form.html", status=form.status(), form=form, board=None)


@bp.get("/boards/<int:board_id>")
@access.portfolio_readers_only
def board(board_id: int):
    """A board: its purpose, the board above, and its meetings, next first."""
    found = db.get_or_404(Board, board_id)
    meetings = list(db.session.scalars(select(Meeting).where(Meeting.board_id == found.id)
                                       .order_by(Meeting.meets_on.desc(), Meeting.starts_at.desc())))
    return render("governance/board.html", board=found, meetings=meetings)


@bp.route("/boards/<int:board_id>/edit", methods=["GET", "POST"])
@login_required
def edit_board(board_id: int):
    """Change a board's name, level, purpose or the board it escalates to."""
    _secretary()
    found = db.get_or_404(Board, board_id)
    form = BoardForm(obj=found, board=found)
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [found], lambda: _apply_board(form, found))
        if conflict is None:
            flash(f"Board “{found.name}” saved.", "success")
            return redirect_to(url_for(".board", board_id=found.id))
    return render("governance/board_form.html", status=form.status(conflict), form=form, board=found,
                  conflict=conflict)


def _apply_board(form: BoardForm, board: Board) -> None:
    """Save the form onto the board; a renamed board keeps the RAID items escalated to it
    (they name their board), changed through the ORM so each item's history records it."""
    old_name = board.name
    form.apply_to(board)
    if board.name != old_name:
        for item in db.session.scalars(select(RaidItem).where(RaidItem.escalated_to == old_name)):
            item.escalated_to = board.name


# ---------------------------------------------------------------------------- meetings


@bp.route("/boards/<int:board_id>/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting(board_id: int):
    """Schedule a meeting of a board."""
    _secretary()
    found = db.get_or_404(Board, board_id)
    form = MeetingForm()
    if form.validate_on_submit():
        meeting = Meeting(board_id=found.id)
        form.apply_to(meeting)
        db.session.add(meeting)
        db.session.commit()
        flash("Meeting scheduled. Its agenda builds itself from the portfolio.", "success")
        return redirect_to(url_for(".meeting", meeting_id=meeting.id))
    return render("governance/meeting_form.html", status=form.status(), form=form, board=found, meeting=None)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int):
    """Move a meeting or change where it is held."""
    _secretary()
    meeting = _meeting_or_404(meeting_id)
    form = MeetingForm(obj=meeting, data={"start_time": f"{meeting.starts_at:%H:%M}"})
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [meeting], lambda: form.apply_to(meeting))
        if conflict is None:
            flash("Meeting saved.", "success")
            return redirect_to(url_for(".meeting", meeting_id=meeting.id))
    return render("governance/meeting_form.html", status=form.status(conflict), form=form, board=meeting.board,
                  meeting=meeting, conflict=conflict)


def _escalations_sent(meeting: Meeting) -> dict[int, list[BoardEscalation]]:
    """What this meeting sent to the board above, by agenda item."""
    sent: dict[int, list[BoardEscalation]] = {}
    for escalation in db.session.scalars(
            select(BoardEscalation).where(BoardEscalation.from_meeting_id == meeting.id)
            .options(joinedload(BoardEscalation.to_board), joinedload(BoardEscalation.escalated_by))
            .order_by(BoardEscalation.id)):
        sent.setdefault(escalation.agenda_item_id, []).append(escalation)
    return sent


def _meeting_page(meeting: Meeting, status: int = 200, held_form: HeldForm | None = None, **context):
    return render("governance/meeting.html", status=status, meeting=meeting, items=agenda(meeting, current_user),
                  kinds=dict(AGENDA_KINDS), decision_labels=DECISION_LABELS, sent=_escalations_sent(meeting),
                  held_form=held_form or HeldForm(obj=meeting), **context)


@bp.get("/meetings/<int:meeting_id>")
@access.portfolio_readers_only
def meeting(meeting_id: int):
    """A meeting: its agenda (live while planned, frozen once held) and its minutes."""
    return _meeting_page(_meeting_or_404(meeting_id))


@bp.post("/meetings/<int:meeting_id>/held")
@login_required
def mark_held(meeting_id: int):
    """Mark the meeting held: the agenda as it stands is saved onto it, for the minutes."""
    _secretary()
    meeting = _meeting_or_404(meeting_id)
    if meeting.is_held:
        abort(409)
    form = HeldForm()
    if not form.validate_on_submit():
        return _meeting_page(meeting, 422, held_form=form)

    def hold():
        freeze(meeting)
        meeting.status, meeting.held_at, meeting.held_by_id = "held", utcnow(), current_user.id

    conflict = concurrency.save(form, [meeting], hold)
    if conflict is not None:
        return _meeting_page(meeting, 409, held_form=form, conflict=conflict)
    flash("Meeting marked as held. Its agenda is frozen; minute the decisions and actions.", "success")
    return redirect_to(url_for(".meeting", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/items/new", methods=["GET", "POST"])
@login_required
def add_item(meeting_id: int):
    """Add other business to the agenda: it follows the items that build themselves, or, on a
    held meeting, the frozen agenda (business raised at the meeting, to be minuted)."""
    _secretary()
    meeting = _meeting_or_404(meeting_id)
    form = AgendaItemForm()
    if form.validate_on_submit():
        position = 1 + (db.session.scalar(select(db.func.max(AgendaItem.position))
                                          .where(AgendaItem.meeting_id == meeting.id)) or 0)
        db.session.add(AgendaItem(meeting_id=meeting.id, kind="other", position=position,
                                  title=form.title.data.strip(), note=(form.note.data or "").strip(),
                                  added_by_id=current_user.id))
        db.session.commit()
        flash("Item added to the agenda.", "success")
        return redirect_to(url_for(".meeting", meeting_id=meeting.id))
    return render("governance/item_form.html", status=form.status(), form=form, meeting=meeting)


@bp.route("/meetings/<int:meeting_id>/items/<int:agenda_item_id>/minute", methods=["GET", "POST"])
@login_required
def minute(meeting_id: int, agenda_item_id: int):
    """Minute a decision or an action against an item; on a gate review, link the approver's decision."""
    _secretary()
    meeting = _meeting_or_404(meeting_id)
    item = _held_item_or_404(meeting, agenda_item_id)
    form = MinuteForm(gate_review=item.gate_review)
    if form.validate_on_submit():
        decision_id = form.gate_decision_id.data if "gate_decision_id" in form else None
        db.session.add(Minute(meeting_id=meeting.id, agenda_item_id=item.id, kind=form.kind.data,
                              text=form.text.data.strip(), owner=(form.owner.data or "").strip(),
                              due=form.due.data, gate_decision_id=decision_id, minuted_by_id=current_user.id))
        db.session.commit()
        flash("Minute saved.", "success")
        return redirect_to(url_for(".meeting", meeting_id=meeting.id))
    return render("governance/minute_form.html", status=form.status(), form=form, meeting=meeting, item=item,
                  decision_labels=DECISION_LABELS)


@bp.route("/meetings/<int:meeting_id>/items/<int:agenda_item_id>/escalate", methods=["GET", "POST"])
@login_required
def escalate(meeting_id: int, agenda_item_id: int):
    """Escalate an item to the board above, with a note: it comes to that board's next agenda."""
    _secretary()
    meeting = _meeting_or_404(meeting_id)
    item = _held_item_or_404(meeting, agenda_item_id)
    above = meeting.board.escalates_to
    if above is None:
        abort(409)
    form = EscalationForm()
    if form.validate_on_submit():
        db.session.add(BoardEscalation(from_board_id=meeting.board_id, from_meeting_id=meeting.id,
                                       agenda_item_id=item.id, to_board_id=above.id, note=form.note.data.strip(),
                                       escalated_by_id=current_user.id))
        db.session.commit()
        flash(f"Escalated to the {above.name}. It will be on the agenda of its next meeting.", "success")
        return redirect_to(url_for(".meeting", meeting_id=meeting.id))
    return render("governance/escalate_form.html", status=form.status(), form=form, meeting=meeting, item=item,
                  above=above)


@bp.get("/meetings/<int:meeting_id>/pack")
@access.portfolio_readers_only
def pack(meeting_id: int):
    """The printable board pack: agenda, each item's papers, and the last meeting's actions."""
    meeting = _meeting_or_404(meeting_id)
    previous, actions = previous_actions(meeting)
    return render("governance/pack.html", meeting=meeting, items=agenda(meeting, current_user),
                  kinds=dict(AGENDA_KINDS), decision_labels=DECISION_LABELS, previous=previous,
                  actions=actions, sent=_escalations_sent(meeting))
