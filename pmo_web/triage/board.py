"""The PMO's kanban: which initiatives sit in which column and lane, and what each card can do.

The board loads in a fixed number of queries whatever its size: one for the cards with
their latest priority band, plus what the eager loads of owner and department need.
What a card may do is worked out from its state and the user's roles alone (no queries).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain

from sqlalchemy import func, select

from workflows.lifecycle import STAGE_OF, STAGES, STATE_LABELS, TRIGGER_INPUTS, TRIGGER_LABELS, transition_for

from .. import access
from ..extensions import db
from ..models import Initiative, Score
from ..workflow import available_triggers

# One column per working stage; the triage states (and on hold) are lanes inside their column.
# Drafts are the requester's own business and ended work is in the portfolio, so neither is here.
COLUMN_LANES: dict[str, tuple[str, ...]] = {
    "request": ("submitted",),
    "triage": ("triage", "info_requested"),
    "scoring": ("scoring",),
    "business_case": ("business_case",),
    "delivery": ("delivery", "on_hold"),
    "benefits_review": ("benefits_review",),
}
BOARD_STATES: tuple[str, ...] = tuple(chain.from_iterable(COLUMN_LANES.values()))
STAGE_LABELS = dict(STAGES)
# Priority bands (DOMAIN.md 3) as tag colours; the band is always written out too.
BAND_TAGS = {"High": "govuk-tag--red", "Medium": "govuk-tag--orange", "Low": "govuk-tag--green"}


@dataclass(frozen=True)
class Move:
    """One trigger a card's Move menu offers, and the column it leads to."""

    trigger: str
    label: str
    needs_input: bool
    to_stage: str


@dataclass
class Card:
    """One initiative on the board with its current priority band and its moves for this user."""

    initiative: Initiative
    band: str | None
    moves: list[Move]

    @property
    def band_tag_class(self) -> str:
        return BAND_TAGS.get(self.band or "", "govuk-tag--grey")

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.initiative.stage]

    @property
    def drop_moves(self) -> dict[str, str]:
        """Column -> trigger for a drag and drop: only where exactly one move needing no
        input leads there; anything else goes through the Move menu."""
        by_stage: dict[str, list[str]] = {}
        for move in self.moves:
            if not move.needs_input:
                by_stage.setdefault(move.to_stage, []).append(move.trigger)
        return {stage: triggers[0] for stage, triggers in by_stage.items() if len(triggers) == 1}


@dataclass
class Lane:
    state: str
    label: str
    cards: list[Card] = field(default_factory=list)


@dataclass
class Column:
    stage: str
    label: str
    lanes: list[Lane]

    @property
    def count(self) -> int:
        return sum(len(lane.cards) for lane in self.lanes)

    @property
    def shows_lanes(self) -> bool:
        """Lane headings only where they add something: several lanes, or one named unlike its column."""
        return len(self.lanes) > 1 or self.lanes[0].label != self.label


def moves_for(initiative: Initiative, user) -> list[Move]:
    """The triggers `user` may press on this card now, with where each one leads."""
    return [
        Move(trigger, TRIGGER_LABELS[trigger], bool(TRIGGER_INPUTS[trigger]),
             STAGE_OF[transition_for(initiative.state, trigger)["dest"]])
        for trigger in available_triggers(initiative, user)
    ]


def load_cards(user, *conditions) -> list[Card]:
    """Cards for the board's initiatives matching `conditions`, longest in their state first."""
    # The latest scoring is the current one (DOMAIN.md 3); ids grow with time.
    latest = (select(Score.initiative_id, func.max(Score.id).label("score_id"))
              .group_by(Score.initiative_id).subquery())
    band = func.coalesce(func.nullif(Score.band_override, ""), Score.band)
    rows = db.session.execute(
        select(Initiative, band)
        .outerjoin(latest, latest.c.initiative_id == Initiative.id)
        .outerjoin(Score, Score.id == latest.c.score_id)
        .where(access.visible_clause(user), Initiative.state.in_(BOARD_STATES), *conditions)
        .order_by(Initiative.state_changed_at, Initiative.id)
    ).all()
    return [Card(initiative, band, moves_for(initiative, user)) for initiative, band in rows]


def arrange(cards: list[Card]) -> list[Column]:
    """Put the cards in their columns and lanes, keeping their order."""
    lanes = {state: Lane(state, STATE_LABELS[state]) for state in BOARD_STATES}
    for card in cards:
        lanes[card.initiative.state].cards.append(card)
    return [Column(stage, STAGE_LABELS[stage], [lanes[state] for state in states])
            for stage, states in COLUMN_LANES.items()]
