"""How a meeting's agenda builds itself, and how it is frozen when the meeting is held.

A planned meeting's agenda is read live from the portfolio each time it is opened:
gate reviews awaiting decision and red or amber/red initiatives (for boards that hear the
portfolio), items escalated to this board from a lower board's meeting and not yet heard,
RAID items escalated to this board by name, then any other business the secretary added.
The live entries are AgendaItem objects that are never added to the session; marking the
meeting held saves them, numbered, so the minutes keep what was discussed.

Each source is one joined select, so an agenda costs a fixed number of statements
whatever the size of the portfolio. Entries about an initiative are limited by
``access.visible_clause``; freezing uses the whole portfolio (``user=None``).
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .. import access, history
from ..extensions import db
from ..models import AgendaItem, BoardEscalation, GateReview, Initiative, Meeting, Minute, RaidItem
from ..models.raid import ALL_OPEN_STATUSES
from ..raid.portfolio import NOT_LIVE

# Delivery confidence that brings an initiative before the board, worst first.
RED_RATINGS = ("red", "amber_red")


def _visible(user):
    return True if user is None else access.visible_clause(user)


def _gate_reviews(user) -> list[AgendaItem]:
    reviews = db.session.scalars(
        select(GateReview).join(Initiative, Initiative.id == GateReview.initiative_id)
        .where(GateReview.state == "requested", _visible(user))
        .order_by(GateReview.requested_at, GateReview.id))
    return [AgendaItem(kind="gate_review", title=f"{r.initiative.reference} {r.initiative.title}: Gate {r.gate[1:]}",
                       note=r.note, gate_review=r, gate_review_id=r.id, initiative=r.initiative,
                       initiative_id=r.initiative_id) for r in reviews]


def _escalations(meeting: Meeting, user) -> list[AgendaItem]:
    source = AgendaItem
    escalations = db.session.scalars(
        select(BoardEscalation).join(source, source.id == BoardEscalation.agenda_item_id)
        .outerjoin(Initiative, Initiative.id == source.initiative_id)
        .where(BoardEscalation.to_board_id == meeting.board_id, BoardEscalation.heard_at_meeting_id.is_(None),
               or_(source.initiative_id.is_(None), _visible(user)))
        .options(contains_eager(BoardEscalation.agenda_item).selectinload(AgendaItem.gate_review),
                 contains_eager(BoardEscalation.agenda_item).selectinload(AgendaItem.raid_item)
                 .joinedload(RaidItem.owner),
                 contains_eager(BoardEscalation.agenda_item).selectinload(AgendaItem.initiative),
                 joinedload(BoardEscalation.from_board), joinedload(BoardEscalation.from_meeting),
                 joinedload(BoardEscalation.escalated_by))
        .order_by(BoardEscalation.escalated_at, BoardEscalation.id))
    return [AgendaItem(kind="escalation", title=e.agenda_item.title, note=e.note, live_escalation=e,
                       gate_review=e.agenda_item.gate_review, gate_review_id=e.agenda_item.gate_review_id,
                       raid_item=e.agenda_item.raid_item, raid_item_id=e.agenda_item.raid_item_id,
                       initiative=e.agenda_item.initiative, initiative_id=e.agenda_item.initiative_id)
            for e in escalations]


def _raid_items(meeting: Meeting, user) -> list[AgendaItem]:
    items = db.session.scalars(
        select(RaidItem).join(RaidItem.initiative)
        .where(RaidItem.escalated.is_(True), RaidItem.escalated_to == meeting.board.name,
               RaidItem.status.in_(ALL_OPEN_STATUSES), RaidItem.deleted_at.is_(None),
               Initiative.state.not_in(NOT_LIVE), _visible(user))
        .options(contains_eager(RaidItem.initiative), joinedload(RaidItem.owner))
        .order_by(RaidItem.escalated_at, RaidItem.id))
    return [AgendaItem(kind="raid_item", title=f"{i.initiative.reference} {i.kind_label}: {i.title}",
                       note=i.escalation_note, raid_item=i, raid_item_id=i.id, initiative=i.initiative,
                       initiative_id=i.initiative_id) for i in items]


def _red_initiatives(user) -> list[AgendaItem]:
    initiatives = db.session.scalars(
        select(Initiative).where(Initiative.delivery_confidence.in_(RED_RATINGS),
                                 Initiative.state.not_in(NOT_LIVE), _visible(user))
        .options(joinedload(Initiative.manager))
        .order_by(Initiative.delivery_confidence.desc(), Initiative.id))
    return [AgendaItem(kind="initiative", title=f"{i.reference} {i.title}: {i.confidence_label}",
                       note=i.confidence_justification, initiative=i, initiative_id=i.id)
            for i in initiatives]


def built_items(meeting: Meeting, user) -> list[AgendaItem]:
    """The entries the portfolio puts on this meeting's agenda now (unsaved)."""
    hears_portfolio = meeting.board.hears_portfolio
    return [*(_gate_reviews(user) if hears_portfolio else ()), *_escalations(meeting, user),
            *_raid_items(meeting, user), *(_red_initiatives(user) if hears_portfolio else ())]


def _stored(meeting: Meeting, user, kinds=None) -> list[AgendaItem]:
    """The saved items of a meeting, with all an agenda, minutes or board pack shows."""
    query = (select(AgendaItem).outerjoin(Initiative, Initiative.id == AgendaItem.initiative_id)
             .where(AgendaItem.meeting_id == meeting.id, or_(AgendaItem.initiative_id.is_(None), _visible(user)))
             .options(selectinload(AgendaItem.gate_review), selectinload(AgendaItem.initiative),
                      selectinload(AgendaItem.raid_item).joinedload(RaidItem.owner),
                      selectinload(AgendaItem.heard_escalation).joinedload(BoardEscalation.from_board),
                      selectinload(AgendaItem.heard_escalation).joinedload(BoardEscalation.from_meeting),
                      selectinload(AgendaItem.heard_escalation).joinedload(BoardEscalation.escalated_by),
                      selectinload(AgendaItem.minutes).joinedload(Minute.gate_decision))
             .order_by(AgendaItem.position, AgendaItem.id))
    if kinds:
        query = query.where(AgendaItem.kind.in_(kinds))
    return list(db.session.scalars(query))


def agenda(meeting: Meeting, user) -> list[AgendaItem]:
    """The agenda as this user may see it: frozen if held, built live (plus any other
    business) if planned; pages number the items in this order."""
    if meeting.is_held:
        return _stored(meeting, user)
    return [*built_items(meeting, user), *_stored(meeting, user, kinds=("other",))]


def freeze(meeting: Meeting) -> None:
    """Save the live agenda onto the meeting (whole portfolio, not one user's view), other
    business last, and mark the escalations it takes as heard at this meeting.

    Nothing is flushed here: the caller marks the meeting held and commits, so the items
    saved and the escalations heard are flushed with it and recorded as parts of its one
    "held" audit event (pmo_web/history.py)."""
    built = built_items(meeting, None)
    others = _stored(meeting, None, kinds=("other",))
    for number, item in enumerate([*built, *others], start=1):
        item.position = number
        item.meeting_id = meeting.id
        history.record_within(item, meeting)
        if item.live_escalation is not None:
            item.live_escalation.heard_at_meeting_id = meeting.id
            item.live_escalation.heard_as_item = item
            history.record_within(item.live_escalation, meeting)
    db.session.add_all(built)


def previous_actions(meeting: Meeting) -> tuple[Meeting | None, list[Minute]]:
    """The board's last held meeting before this one, and the actions minuted at it."""
    previous = db.session.scalar(
        select(Meeting).where(Meeting.board_id == meeting.board_id, Meeting.status == "held",
                              Meeting.id != meeting.id, Meeting.meets_on <= meeting.meets_on)
        .order_by(Meeting.meets_on.desc(), Meeting.id.desc()).limit(1))
    if previous is None:
        return None, []
    actions = db.session.scalars(
        select(Minute).where(Minute.meeting_id == previous.id, Minute.kind == "action")
        .order_by(Minute.due, Minute.id))
    return previous, list(actions)
