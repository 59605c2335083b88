"""Governance: the boards that oversee the portfolio, their meetings, agendas and minutes.

A board sits at one level (executive, corporate or layer) and may escalate to the board
above it. A planned meeting's agenda is built from the portfolio each time it is read
(pmo_web/governance/agenda.py); marking the meeting held freezes that agenda into
``AgendaItem`` rows, so the minutes keep what was discussed even after the gate reviews
are decided and the risks closed. Minutes are decisions and actions against an agenda
item; a decision on a gate review links to the approver's ``GateDecision`` taken on the
gate page. An item escalated from a meeting to the board above is a ``BoardEscalation``:
who, when, from which board and meeting, and the meeting of the higher board that heard it.

Every create, change and delete of these records is audited (pmo_web/history.py): one
event each, on no initiative's trail, with the record as its subject. Marking a meeting
held is one ``meeting.held`` event whose parts are the agenda items it froze and the
escalations it heard.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..history import Audited
from .base import UTCDateTime, Versioned, utcnow

LEVELS = (("executive", "Executive"), ("corporate", "Corporate"), ("layer", "Layer"))
MEETING_STATUSES = (("planned", "Planned"), ("held", "Held"))
# Where an agenda item comes from; all but "other" are built from the portfolio.
AGENDA_KINDS = (
    ("gate_review", "Gate reviews awaiting decision"),
    ("escalation", "Escalated from other boards"),
    ("raid_item", "Escalated risks, issues and dependencies"),
    ("initiative", "Initiatives with red or amber/red delivery confidence"),
    ("other", "Other business"),
)
MINUTE_KINDS = (("decision", "Decision"), ("action", "Action"))


class GovernanceRecord(Audited):
    """Audited, but on no initiative's trail: the record is the board's, not a project's."""

    audit_per_initiative = False


class Board(GovernanceRecord, Versioned, db.Model):
    """A governance board: its level, what it hears, and the board it escalates to."""

    __tablename__ = "boards"
    audit_noun = "board"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    level: Mapped[str] = mapped_column(String(12), default="layer")
    description: Mapped[str] = mapped_column(Text, default="")
    escalates_to_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id"))
    # Gate reviews awaiting decision and red or amber/red initiatives come to this board.
    hears_portfolio: Mapped[bool] = mapped_column(Boolean, default=False)

    escalates_to = relationship("Board", remote_side=[id], lazy="joined", join_depth=1)

    @property
    def level_label(self) -> str:
        return dict(LEVELS).get(self.level, self.level)


def escalation_boards() -> list[str]:
    """The board names a RAID item can be escalated to: the Board table, or, before any board
    is set up, the fixed list the RAID log has always offered."""
    from .raid import ESCALATION_BOARDS

    names = list(db.session.scalars(select(Board.name).order_by(Board.name)))
    return names or list(ESCALATION_BOARDS)


class Meeting(GovernanceRecord, Versioned, db.Model):
    """One meeting of a board: planned (agenda built live) or held (agenda frozen, minuted)."""

    __tablename__ = "meetings"
    audit_noun = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), index=True)
    meets_on: Mapped[date] = mapped_column(index=True)
    starts_at: Mapped[time]
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="planned", index=True)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    board: Mapped[Board] = relationship(lazy="joined")
    held_by = relationship("User")

    @property
    def is_held(self) -> bool:
        return self.status == "held"

    @property
    def status_label(self) -> str:
        return dict(MEETING_STATUSES).get(self.status, self.status)

    @property
    def title(self) -> str:
        return f"{self.board.name}, {self.meets_on.day} {self.meets_on:%B %Y}"

    def audit_action(self, action: str, changes: dict) -> str:
        """A planned meeting marked held is "held" in the trail, not merely "updated"."""
        if action == "updated" and changes.get("status", {}).get("after") == "held":
            return "held"
        return action


class BoardEscalation(GovernanceRecord, db.Model):
    """An agenda item sent from one board's meeting to the board above, with a note."""

    __tablename__ = "board_escalations"
    audit_noun = "board_escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"))
    from_meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    to_board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), index=True)
    note: Mapped[str] = mapped_column(Text)
    escalated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    escalated_at = mapped_column(UTCDateTime, default=utcnow)
    # The meeting of the higher board whose agenda took it, and its item there (set when held).
    heard_at_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    heard_as_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))

    from_board = relationship("Board", foreign_keys=[from_board_id])
    to_board = relationship("Board", foreign_keys=[to_board_id])
    from_meeting = relationship("Meeting", foreign_keys=[from_meeting_id])
    agenda_item = relationship("AgendaItem", foreign_keys=[agenda_item_id])
    heard_as_item = relationship("AgendaItem", foreign_keys=[heard_as_item_id])
    escalated_by = relationship("User")


class AgendaItem(GovernanceRecord, db.Model):
    """One item on a meeting's agenda: added by the secretary, or frozen from the portfolio
    when the meeting was held. Items about an initiative keep its id, so visibility applies."""

    __tablename__ = "agenda_items"
    audit_noun = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")
    gate_review_id: Mapped[int | None] = mapped_column(ForeignKey("gate_reviews.id"))
    raid_item_id: Mapped[int | None] = mapped_column(ForeignKey("raid_items.id"))
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    gate_review = relationship("GateReview")
    raid_item = relationship("RaidItem")
    initiative = relationship("Initiative")
    # An escalation heard at this (held) meeting; the key sits on the escalation, so the two
    # tables do not point at each other.
    heard_escalation = relationship("BoardEscalation", primaryjoin="BoardEscalation.heard_as_item_id == AgendaItem.id",
                                    foreign_keys="BoardEscalation.heard_as_item_id", uselist=False, viewonly=True)
    minutes: Mapped[list[Minute]] = relationship(order_by="Minute.id", viewonly=True)
    # Set on the unsaved items of a live agenda (pmo_web/governance/agenda.py); not a column.
    live_escalation = None

    @property
    def escalation(self):
        """The escalation from a lower board this item puts before the board, if any."""
        return self.live_escalation or self.heard_escalation

    @property
    def kind_label(self) -> str:
        return dict(AGENDA_KINDS).get(self.kind, self.kind)


class Minute(GovernanceRecord, db.Model):
    """A decision or an action minuted against an agenda item of a held meeting."""

    __tablename__ = "minutes"
    audit_noun = "minute"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(120), default="")
    due: Mapped[date | None]
    # The approver's decision on the gate page this minute records (gate review items only).
    gate_decision_id: Mapped[int | None] = mapped_column(ForeignKey("gate_decisions.id"))
    minuted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    gate_decision = relationship("GateDecision")
    minuted_by = relationship("User")

    @property
    def kind_label(self) -> str:
        return dict(MINUTE_KINDS).get(self.kind, self.kind)
