"""Governance rows for tests: a layer board that escalates to an executive board, a corporate
board that hears the portfolio, and a held and a planned meeting. Also used by the security
tests' World (tests/security/conftest.py) so every governance URL has real rows to name."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from pmo_web.extensions import db
from pmo_web.models import AgendaItem, Board, GateDecision, GateReview, Meeting


@dataclass
class GovernanceRows:
    executive_id: int
    corporate_id: int
    layer_id: int
    held_meeting_id: int
    planned_meeting_id: int
    held_item_id: int


def make_boards(suffix: str = "") -> tuple[Board, Board, Board]:
    """The executive board, a corporate board hearing the portfolio, and a layer board (names
    end in `suffix`, for a second set in the same database)."""
    executive = Board(name="Chief Officer Group" + suffix, level="executive")
    db.session.add(executive)
    db.session.flush()
    corporate = Board(name="Corporate Delivery Board" + suffix, level="corporate", hears_portfolio=True,
                      escalates_to_id=executive.id)
    layer = Board(name="Digital and Technology Board" + suffix, level="layer", escalates_to_id=executive.id)
    db.session.add_all([corporate, layer])
    db.session.flush()
    return executive, corporate, layer


def make_meeting(board: Board, days: int = 7, status: str = "planned", **fields) -> Meeting:
    meeting = Meeting(board_id=board.id, meets_on=date.today() + timedelta(days=days), starts_at=time(9, 30),
                      location="Room 1", status=status, **fields)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def make_review(initiative, requested_by, gate: str = "G2") -> GateReview:
    review = GateReview(initiative_id=initiative.id, gate=gate, approver_role="approver", quorum=1,
                        requested_by_id=requested_by.id, note="Business case ready")
    db.session.add(review)
    db.session.flush()
    return review


def make_decision(review: GateReview, approver, decision: str = "approve") -> GateDecision:
    made = GateDecision(review_id=review.id, approver_id=approver.id, decision=decision, comment="Agreed")
    db.session.add(made)
    db.session.flush()
    return made


def add_governance_rows(pmo_user) -> GovernanceRows:
    """For tests/security/conftest.py's World: boards, a held meeting with one item, a planned one."""
    executive, corporate, layer = make_boards()
    held = make_meeting(layer, days=-14, status="held")
    item = AgendaItem(meeting_id=held.id, kind="other", position=1, title="Cloud hosting strategy",
                      added_by_id=pmo_user.id)
    db.session.add(item)
    planned = make_meeting(layer, days=0)  # meets today: still planned, and may be marked held
    db.session.flush()
    return GovernanceRows(executive.id, corporate.id, layer.id, held.id, planned.id, item.id)


def sweep_rows(world: dict) -> GovernanceRows:
    """For tests/web/test_bad_input.py's URL_VALUES: the governance rows, made (and committed) once."""
    if "governance" not in world:
        world["governance"] = add_governance_rows(world["users"]["pmo"])
        db.session.commit()
    return world["governance"]
