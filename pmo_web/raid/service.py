"""The RAID log's rules and queries: who may change it when, what the page loads, and
the soft delete, undo and escalation of items.

The log can be changed by the PMO and admins from the moment a request is submitted until
the initiative ends: risks and dependencies are spotted at triage and scoring, and the
business case and delivery live on them. A draft is still the requester's to write, and
once an initiative is closed, rejected, withdrawn, cancelled or merged its log is the
record of what happened, so it is read-only (docs/rules.md 2, 4).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from workflows.lifecycle import LIVE_STATES

from .. import access
from ..extensions import db
from ..models import Initiative, RaidItem, User
from ..models.base import utcnow
from ..models.raid import ALL_OPEN_STATUSES, KINDS

EDITABLE_STATES = LIVE_STATES
# The largest id an integer primary key holds (PostgreSQL INTEGER).
MAX_ID = 2**31 - 1
# How far ahead "due soon" looks.
SOON = timedelta(days=30)


def can_edit_log(initiative: Initiative) -> bool:
    """True when the signed-in user may change this initiative's RAID log now."""
    return access.can_manage(current_user) and initiative.state in EDITABLE_STATES


def refusal_reason(initiative: Initiative) -> str:
    """Why the log of an initiative in a read-only state cannot be changed."""
    if initiative.state == "draft":
        return ("The RAID log can be changed once the request has been submitted; "
                "this initiative is still a draft.")
    return (f"The RAID log of an initiative that has ended is kept as the record and cannot be "
            f"changed; this initiative is {initiative.state_label}.")


def watch_date_column():
    """The date an item next needs attention, as SQL: a risk's review date, else the due date."""
    return case((RaidItem.kind == "risk", RaidItem.review_date), else_=RaidItem.due_date)


def is_live():
    """SQL: an item still open (a risk or issue open, an assumption unvalidated ...)."""
    return RaidItem.status.in_(ALL_OPEN_STATUSES)


@dataclass(frozen=True)
class LogQuery:
    """What the reader asked the log for: a kind, owner, open or closed, a date window, an order."""

    kind: str | None = None
    owner_id: int | None = None
    status: str | None = None  # "open", "closed" or None for both
    due: str | None = None  # "overdue", "soon" or None
    sort: str = "date"

    SORTS = ("date", "score", "owner", "status", "newest")

    def conditions(self, today: date) -> list:
        watched = watch_date_column()
        conditions = []
        if self.kind:
            conditions.append(RaidItem.kind == self.kind)
        if self.owner_id:
            conditions.append(RaidItem.owner_id == self.owner_id)
        if self.status == "open":
            conditions.append(is_live())
        elif self.status == "closed":
            conditions.append(~is_live())
        if self.due == "overdue":
            conditions += [is_live(), watched < today]
        elif self.due == "soon":
            conditions += [is_live(), watched >= today, watched <= today + SOON]
        return conditions

    def order(self) -> list:
        watched = watch_date_column()
        by = {
            "date": [watched.asc().nulls_last()],
            "score": [RaidItem.score.desc().nulls_last()],
            "owner": [User.name.asc().nulls_last()],
            "status": [RaidItem.kind, RaidItem.status],
            "newest": [RaidItem.created_at.desc()],
        }[self.sort if self.sort in self.SORTS else "date"]
        return [*by, RaidItem.id.desc()]


def log_items(initiative: Initiative, query: LogQuery) -> list[RaidItem]:
    """The items in the log (not removed), filtered and ordered, with what each row shows."""
    statement = (select(RaidItem).outerjoin(User, RaidItem.owner_id == User.id)
                 .where(RaidItem.initiative_id == initiative.id, RaidItem.deleted_at.is_(None),
                        *query.conditions(date.today()))
                 .options(selectinload(RaidItem.owner), selectinload(RaidItem.depends_on))
                 .order_by(*query.order()))
    return list(db.session.scalars(statement))


def removed_items(initiative: Initiative) -> list[RaidItem]:
    """Items removed from the log, latest first: they stay restorable and in the history."""
    return list(db.session.scalars(
        select(RaidItem).where(RaidItem.initiative_id == initiative.id, RaidItem.deleted_at.is_not(None))
        .options(selectinload(RaidItem.owner)).order_by(RaidItem.deleted_at.desc(), RaidItem.id.desc())))


def kind_counts(initiative: Initiative) -> dict[str, int]:
    """How many items of each kind the log holds (not removed), for the kind navigation."""
    rows = db.session.execute(
        select(RaidItem.kind, func.count()).where(RaidItem.initiative_id == initiative.id,
                                                  RaidItem.deleted_at.is_(None))
        .group_by(RaidItem.kind)).all()
    counts = {key: 0 for key, _ in KINDS}
    counts.update({kind: count for kind, count in rows})
    return counts


def log_owners(initiative: Initiative) -> list[User]:
    """The people who own an item in this log, for the owner filter."""
    owners = select(RaidItem.owner_id).where(RaidItem.initiative_id == initiative.id,
                                             RaidItem.deleted_at.is_(None))
    return list(db.session.scalars(select(User).where(User.id.in_(owners)).order_by(User.name)))


def dependents(initiative: Initiative) -> list[RaidItem]:
    """Dependencies other initiatives' logs record on this one, where the user may see them."""
    return list(db.session.scalars(
        select(RaidItem).join(Initiative, RaidItem.initiative_id == Initiative.id)
        .where(RaidItem.depends_on_id == initiative.id, RaidItem.kind == "dependency",
               RaidItem.initiative_id != initiative.id, RaidItem.deleted_at.is_(None),
               access.visible_clause(current_user))
        .options(selectinload(RaidItem.initiative))
        .order_by(RaidItem.due_date.asc().nulls_last(), RaidItem.id)))


def dependency_targets(user, initiative: Initiative, current_id: int | None) -> list[Initiative]:
    """Initiatives an item of this log may depend on: live work the user can see (not this
    one, not drafts), and the one it points at now even if that has since ended."""
    statement = (access.visible_initiatives(user)
                 .where(Initiative.id != initiative.id,
                        Initiative.state.in_(EDITABLE_STATES) | (Initiative.id == (current_id or 0)))
                 .order_by(Initiative.id))
    return list(db.session.scalars(statement).unique())


def item_of(initiative: Initiative, raid_item_id: int) -> RaidItem | None:
    """One item of this initiative's log (removed ones too); None for an item of another."""
    if not 0 < raid_item_id <= MAX_ID:  # an id no integer column holds is no item at all
        return None
    item = db.session.get(RaidItem, raid_item_id)
    if item is None or item.initiative_id != initiative.id:
        return None
    return item


def remove(item: RaidItem) -> None:
    """Soft delete: the item leaves the log and stays restorable and in the history."""
    if item.deleted_at is None:
        item.deleted_at = utcnow()


def restore(item: RaidItem) -> None:
    """Undo a removal: the item returns to the log as it was."""
    item.deleted_at = None


def escalate(item: RaidItem, board: str, note: str) -> None:
    """Escalate to a board with a note; the date is kept from the first escalation."""
    if not item.escalated:
        item.escalated_at = utcnow()
    item.escalated = True
    item.escalated_to = board
    item.escalation_note = note


def de_escalate(item: RaidItem) -> None:
    """Withdraw an escalation; what it said stays in the item's history."""
    item.escalated = False
    item.escalated_to = ""
    item.escalation_note = ""
    item.escalated_at = None
