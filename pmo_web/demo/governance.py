"""Demo governance: the force's boards, a held Corporate Delivery Board with its minutes, and
planned meetings whose agendas build themselves from the seeded portfolio.

Called once from pmo_web.demo.seed() after the registers, so the gate reviews, escalated RAID
items and red initiatives the agendas draw on are already there. The boards are the brief's:
the Chief Officer Group (the executive board), the Corporate Delivery Board (which hears the
portfolio: gate reviews and red or amber/red work) and two layer boards that escalate to the
Chief Officer Group. The held meetings' agendas are written as they were frozen; one item of
the Digital and Technology Board is escalated to the Chief Officer Group's next meeting.
Boards an admin already made are reused by name. Dates move with today.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import AgendaItem, Board, BoardEscalation, GateReview, Meeting, Minute
from .cast import Cast
from .registers import CHIEF_OFFICER_GROUP, CORPORATE_DELIVERY_BOARD

DIGITAL_BOARD = "Digital and Technology Board"
OPERATIONAL_BOARD = "Operational Change Board"
# (name, level, escalates to, hears the portfolio, purpose), the board above first.
BOARDS = (
    (CHIEF_OFFICER_GROUP, "executive", None, False,
     "The executive board: the Chief Constable, Deputy, Assistant Chief Constables and the Director of Finance. "
     "Takes what the Corporate Delivery Board and the layer boards cannot settle."),
    (CORPORATE_DELIVERY_BOARD, "corporate", CHIEF_OFFICER_GROUP, True,
     "Chaired by the Assistant Chief Constable. Takes gate decisions and oversees delivery across the portfolio."),
    (DIGITAL_BOARD, "layer", CHIEF_OFFICER_GROUP, False,
     "Technology, data and information security change; chaired by the Head of Digital Services."),
    (OPERATIONAL_BOARD, "layer", CHIEF_OFFICER_GROUP, False,
     "Change to frontline policing, custody and contact; chaired by the Chief Superintendent, Operations."),
)
LOCATION = "Force Headquarters, Conference Room 2"
PMO_LEAD = "pmo@demo.local"


def _weekday(day: date) -> date:
    """Boards meet on working days: a weekend date moves to the Monday."""
    return day + timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else day


def _meeting(board: Board, day: date, hour: int, **fields) -> Meeting:
    meeting = Meeting(board_id=board.id, meets_on=_weekday(day), starts_at=time(hour, 0), location=LOCATION,
                      **fields)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _boards() -> dict[str, Board]:
    made: dict[str, Board] = {}
    for name, level, above, hears, purpose in BOARDS:
        board = db.session.scalar(select(Board).where(Board.name == name))
        if board is None:
            board = Board(name=name, level=level, hears_portfolio=hears, description=purpose,
                          escalates_to_id=made[above].id if above else None)
            db.session.add(board)
            db.session.flush()
        made[name] = board
    return made


def _held_corporate_board(board: Board, day: date, at: datetime, pmo) -> None:
    """Last month's Corporate Delivery Board: the gate reviews it heard (decided since), minuted
    against the approvers' decisions, and the actions the next board pack reports on."""
    meeting = _meeting(board, day, 10, status="held", held_at=at, held_by_id=pmo.id, changed_by=pmo.name)
    reviews = db.session.scalars(select(GateReview).where(GateReview.state == "decided")
                                 .order_by(GateReview.decided_at.desc(), GateReview.id.desc()).limit(3)).all()
    position = 0
    for position, review in enumerate(reviews, start=1):
        item = AgendaItem(meeting_id=meeting.id, position=position, kind="gate_review", gate_review_id=review.id,
                          initiative_id=review.initiative_id, note=review.note, created_at=at,
                          title=f"{review.initiative.reference} {review.initiative.title}: Gate {review.gate[1:]}")
        db.session.add(item)
        db.session.flush()
        decision = review.decisions[0] if review.decisions else None
        db.session.add(Minute(meeting_id=meeting.id, agenda_item_id=item.id, kind="decision",
                              gate_decision_id=decision.id if decision else None, minuted_by_id=pmo.id,
                              created_at=at, text=f"The board supported the Gate {review.gate[1:]} decision; "
                                                  f"the approver recorded it on the gate page."))
    other = AgendaItem(meeting_id=meeting.id, position=position + 1, kind="other", title="Portfolio finances",
                       note="The quarter two forecast of the change portfolio against the approved budget.",
                       added_by_id=pmo.id, created_at=at)
    db.session.add(other)
    db.session.flush()
    for text, owner, days in (
            ("Bring the reforecast of the capital programme to the next meeting", "Head of Change", 20),
            ("Confirm the contingency left for the custody refurbishment", "Director of Finance", 10)):
        db.session.add(Minute(meeting_id=meeting.id, agenda_item_id=other.id, kind="action", text=text, owner=owner,
                              due=day + timedelta(days=days), minuted_by_id=pmo.id, created_at=at))


def _held_digital_board(board: Board, above: Board, day: date, at: datetime, pmo) -> None:
    """Last week's Digital and Technology Board, which escalated a funding gap upwards."""
    meeting = _meeting(board, day, 14, status="held", held_at=at, held_by_id=pmo.id, changed_by=pmo.name)
    item = AgendaItem(meeting_id=meeting.id, position=1, kind="other", title="Network refresh funding gap",
                      note="The core network refresh needs £180,000 more than the capital plan holds.",
                      added_by_id=pmo.id, created_at=at)
    db.session.add(item)
    db.session.flush()
    db.session.add(Minute(meeting_id=meeting.id, agenda_item_id=item.id, kind="decision", minuted_by_id=pmo.id,
                          created_at=at, text="The board cannot fund the gap from its budget and escalates it."))
    db.session.add(BoardEscalation(from_board_id=board.id, from_meeting_id=meeting.id, agenda_item_id=item.id,
                                   to_board_id=above.id, escalated_by_id=pmo.id, escalated_at=at,
                                   note="The Chief Officer Group is asked to release £180,000 of capital or to "
                                        "defer the refresh by a year."))


def seed(cast: Cast, today: datetime) -> None:
    """The boards, two held meetings with minutes, and each board's next (planned) meeting."""
    pmo = cast.people[PMO_LEAD]
    boards = _boards()
    day = today.date()
    _held_corporate_board(boards[CORPORATE_DELIVERY_BOARD], day - timedelta(days=28),
                          today - timedelta(days=28), pmo)
    _held_digital_board(boards[DIGITAL_BOARD], boards[CHIEF_OFFICER_GROUP], day - timedelta(days=7),
                        today - timedelta(days=7), pmo)
    for name, days, hour in ((CHIEF_OFFICER_GROUP, 7, 9), (CORPORATE_DELIVERY_BOARD, 14, 10),
                             (DIGITAL_BOARD, 28, 14), (OPERATIONAL_BOARD, 21, 10)):
        _meeting(boards[name], day + timedelta(days=days), hour)
