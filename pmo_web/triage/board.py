"""The PMO's kanban: which initiatives sit in which column and lane, and what each card can do.

A lane shows its LANE_PAGE longest-waiting cards and a "Show more" control for the rest
(loaded with htmx, a page at a time), so the board costs the same to draw with 200 live
initiatives or 20,000: one query counts every lane, one fetches the shown cards with their
latest priority band (a window function numbers each lane's cards), plus the eager loads
of owner and department, and one reads the shown cards' open gate reviews. What a card may
do is worked out from its state, the user's roles and that review (workflows/: the lifecycle
and the gate machines); its Move menu is fetched only when opened.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain

from flask import url_for
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import lazyload

from workflows.gate import OPEN_REVIEW_STATES, GateStep, gate_step
from workflows.lifecycle import (
    IRREVERSIBLE_TRIGGERS,
    LIVE_STATES,
    STAGE_OF,
    STAGES,
    STATE_LABELS,
    TRIGGER_INPUTS,
    TRIGGER_LABELS,
    transition_for,
)

from .. import access
from ..extensions import db
from ..models import GateReview, Initiative, Score
from ..workflow import actor_for, available_triggers

# One column per working stage; the triage states (and on hold) are lanes inside their column.
# Drafts are the requester's own business and ended work is in the portfolio, so neither is here.
COLUMN_LANES: dict[str, tuple[str, ...]] = {
    stage: tuple(state for state in LIVE_STATES if STAGE_OF[state] == stage)
    for stage, _label in STAGES if stage != "closed"
}
BOARD_STATES: tuple[str, ...] = tuple(chain.from_iterable(COLUMN_LANES.values()))
STAGE_LABELS = dict(STAGES)
# Priority bands (docs/rules.md 3) as tag colours; the band is always written out too.
BAND_TAGS = {"High": "govuk-tag--red", "Medium": "govuk-tag--orange", "Low": "govuk-tag--green"}
# Cards a lane shows before "Show more", and cards each "Show more" adds.
LANE_PAGE = 20


@dataclass(frozen=True)
class Move:
    """One thing a card's Move menu offers, and the column it leads to: a lifecycle trigger,
    or (with `href`, no trigger) the step towards the gate that makes the move."""

    trigger: str | None
    label: str
    needs_input: bool
    to_stage: str
    href: str | None = None
    # Cannot be undone (workflows.lifecycle.IRREVERSIBLE_TRIGGERS): asks to be confirmed first.
    confirm: bool = False


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

    @property
    def ways(self) -> dict[str, tuple[str, str]]:
        """Column -> (action, address) for the columns a drop cannot reach but the Move menu
        can (a gate, a move asking for details): a refused drop names and links the way."""
        drops = self.drop_moves
        ways: dict[str, tuple[str, str]] = {}
        for move in self.moves:
            if move.to_stage in COLUMN_LANES and move.to_stage not in drops and move.to_stage != self.initiative.stage:
                ways.setdefault(move.to_stage, (move.label, move.href or _transition_href(self.initiative, move)))
        return ways

    @property
    def shows_confidence(self) -> bool:
        """Cards in the delivery column say how confident the PMO is of delivery."""
        return self.initiative.stage == "delivery"


@dataclass
class Lane:
    state: str
    label: str
    cards: list[Card] = field(default_factory=list)
    # Whether the lane has a heading of its own (see Column.shows_lanes).
    titled: bool = False
    # Every card in the lane, shown or not.
    total: int = 0

    @property
    def hidden(self) -> int:
        """Cards in the lane not shown yet."""
        return max(0, self.total - len(self.cards))

    @property
    def next_show(self) -> int:
        """How many cards "Show more" asks for: one more page than are shown."""
        return len(self.cards) + LANE_PAGE

    @property
    def more(self) -> int:
        """How many cards "Show more" adds."""
        return min(self.hidden, LANE_PAGE)


@dataclass
class Column:
    stage: str
    label: str
    lanes: list[Lane]

    @property
    def count(self) -> int:
        return sum(lane.total for lane in self.lanes)

    @property
    def shows_lanes(self) -> bool:
        """Lane headings only where they add something: several lanes, or one named unlike its column."""
        return len(self.lanes) > 1 or self.lanes[0].label != self.label


def _transition_href(initiative: Initiative, move: Move) -> str:
    return url_for("initiatives.transition", initiative_id=initiative.id, trigger=move.trigger)


def trigger_moves(initiative: Initiative, user) -> list[Move]:
    """The lifecycle triggers `user` may press on this card now, with where each one leads."""
    return [
        Move(trigger, TRIGGER_LABELS[trigger], bool(TRIGGER_INPUTS[trigger]),
             STAGE_OF[transition_for(initiative.state, trigger)["dest"]], confirm=trigger in IRREVERSIBLE_TRIGGERS)
        for trigger in available_triggers(initiative, user)
    ]


def gate_move(initiative: Initiative, user, review: tuple[int, str] | None) -> Move | None:
    """The step towards the gate that moves this card on (workflows.gate.gate_step), given
    its open review as (id, state), or None."""
    step: GateStep | None = gate_step(initiative.state, actor_for(user), review[1] if review else None)
    if step is None:
        return None
    if step.action == "open_review":
        assert review is not None
        href = url_for("gates.review", review_id=review[0])
    else:
        href = url_for("gates.request_review", initiative_id=initiative.id)
    return Move(None, step.label, True, STAGE_OF[step.to_state], href)


def open_reviews(initiative_ids) -> dict[int, tuple[int, str]]:
    """Initiative id -> (id, state) of its open gate review, for these initiatives, in one query."""
    ids = list(initiative_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(GateReview.initiative_id, GateReview.id, GateReview.state)
        .where(GateReview.state.in_(OPEN_REVIEW_STATES), GateReview.initiative_id.in_(ids))).all()
    return {initiative_id: (review_id, state) for initiative_id, review_id, state in rows}


def moves_for(initiative: Initiative, user) -> list[Move]:
    """Everything `user` may do on this card now: its lifecycle triggers, then its gate step."""
    gate = gate_move(initiative, user, open_reviews([initiative.id]).get(initiative.id))
    return trigger_moves(initiative, user) + ([gate] if gate else [])


def _band():
    """The current priority band of the initiative in the row: its own latest scoring's, as overridden.

    Correlated to the row's initiative explicitly: left to auto-correlation, a subquery nested
    in another subquery found no Initiative to correlate to and took the latest score of any
    initiative, so every card showed one band.
    """
    # The latest scoring is the current one (docs/rules.md 3); ids grow with time.
    return (select(func.coalesce(func.nullif(Score.band_override, ""), Score.band))
            .where(Score.initiative_id == Initiative.id)
            .order_by(Score.id.desc()).limit(1)
            .correlate(Initiative).scalar_subquery())


def _cards(rows, user) -> list[Card]:
    """Cards from (initiative, band) rows. Which triggers a card offers depends only on its
    state and whether `user` owns it (see workflow.available_triggers), so they are worked
    out once per kind of card, not once per card; the gate steps need the cards' open gate
    reviews, read in one query for them all."""
    triggers: dict[tuple[str, bool], list[Move]] = {}
    reviews = open_reviews(initiative.id for initiative, _band in rows
                           if gate_step(initiative.state, actor_for(user)) is not None)
    cards = []
    for initiative, band in rows:
        kind = (initiative.state, initiative.owner_id == user.id)
        if kind not in triggers:
            triggers[kind] = trigger_moves(initiative, user)
        gate = gate_move(initiative, user, reviews.get(initiative.id))
        cards.append(Card(initiative, band, triggers[kind] + ([gate] if gate else [])))
    return cards


def _card_query():
    """Initiatives with their current band, as cards show them. A card shows no owner, so
    the owner (and their department) that an initiative otherwise brings along is left out."""
    return select(Initiative, _band()).options(lazyload(Initiative.owner))


def load_cards(user, *conditions) -> list[Card]:
    """Every card matching `conditions` (used for one card at a time), longest in its state first."""
    rows = db.session.execute(
        _card_query().where(access.visible_clause(user), Initiative.state.in_(BOARD_STATES), *conditions)
        .order_by(Initiative.state_changed_at, Initiative.id)).all()
    return _cards(rows, user)


def lane_counts(user, *conditions) -> dict[str, int]:
    """Cards per board state for `user` and the filters, in one query."""
    return dict(db.session.execute(
        select(Initiative.state, func.count())
        .where(access.visible_clause(user), Initiative.state.in_(BOARD_STATES), *conditions)
        .group_by(Initiative.state)).all())


def load_board(user, *conditions, also: int | None = None, expanded: tuple[str, int] | None = None) -> list[Column]:
    """The board's columns: each lane's first LANE_PAGE cards (or, for the `expanded`
    (state, count) lane, its first `count`), and the card `also` wherever it is."""
    position = func.row_number().over(
        partition_by=Initiative.state, order_by=(Initiative.state_changed_at, Initiative.id)).label("position")
    ranked = (select(Initiative.id, Initiative.state, position)
              .where(access.visible_clause(user), Initiative.state.in_(BOARD_STATES), *conditions)
              .subquery())
    shown = [ranked.c.position <= LANE_PAGE, Initiative.id == also]
    if expanded:
        shown.append(and_(ranked.c.state == expanded[0], ranked.c.position <= expanded[1]))
    rows = db.session.execute(
        _card_query().join(ranked, ranked.c.id == Initiative.id)
        .where(or_(*shown))
        .order_by(Initiative.state_changed_at, Initiative.id)
    ).all()
    return arrange(_cards(rows, user), lane_counts(user, *conditions))


def lane_of(columns: list[Column], state: str) -> Lane:
    """The lane of `state` on a board built by load_board."""
    return next(lane for column in columns for lane in column.lanes if lane.state == state)


def arrange(cards: list[Card], totals: dict[str, int] | None = None) -> list[Column]:
    """Put the cards in their columns and lanes, keeping their order; `totals` counts each lane."""
    lanes = {state: Lane(state, STATE_LABELS[state]) for state in BOARD_STATES}
    for card in cards:
        lanes[card.initiative.state].cards.append(card)
    for state, lane in lanes.items():
        lane.total = (totals or {}).get(state, len(lane.cards))
    columns = [Column(stage, STAGE_LABELS[stage], [lanes[state] for state in states])
               for stage, states in COLUMN_LANES.items()]
    for column in columns:
        for lane in column.lanes:
            lane.titled = column.shows_lanes
    return columns
