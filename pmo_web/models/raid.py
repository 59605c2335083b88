"""The RAID log (docs/rules.md 4): risks, assumptions, issues and dependencies of an initiative.

One table holds all four kinds, so the portfolio views (heat map, escalations, dependencies,
exports) read one place; the columns a kind does not use stay empty. A risk's score is
likelihood x impact, computed by the database (``score`` is a column expression, never
typed or stored), and its band follows from the score. Deleting an item is a soft delete
(``deleted_at``), so it can be undone and stays visible in the history.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..extensions import db
from ..history import Audited
from .base import UTCDateTime, Versioned, utcnow

KINDS = (
    ("risk", "Risk"),
    ("assumption", "Assumption"),
    ("issue", "Issue"),
    ("dependency", "Dependency"),
)
KIND_PLURALS = {"risk": "Risks", "assumption": "Assumptions", "issue": "Issues", "dependency": "Dependencies"}

LIKELIHOODS = ((1, "Rare"), (2, "Unlikely"), (3, "Possible"), (4, "Likely"), (5, "Almost certain"))
IMPACTS = ((1, "Negligible"), (2, "Minor"), (3, "Moderate"), (4, "Major"), (5, "Severe"))
# Score bands, inclusive ranges of likelihood x impact (docs/rules.md 4).
BANDS = (
    ("low", "Low", 1, 4),
    ("medium", "Medium", 5, 9),
    ("high", "High", 10, 16),
    ("very_high", "Very high", 20, 25),
)
RISK_CATEGORIES = (
    ("strategic", "Strategic"),
    ("operational", "Operational"),
    ("financial", "Financial"),
    ("technical", "Technical"),
    ("legal", "Legal and regulatory"),
    ("reputational", "Reputational"),
    ("people", "People"),
    ("information", "Information security"),
    ("supplier", "Supplier"),
)
RESPONSES = (
    ("avoid", "Avoid"),
    ("reduce", "Reduce"),
    ("transfer", "Transfer"),
    ("accept", "Accept"),
    ("contingency", "Contingency"),
)
ISSUE_TYPES = (
    ("problem", "Problem or concern"),
    ("change_request", "Request for change"),
    ("off_specification", "Off-specification"),
)
ISSUE_PRIORITIES = (("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical"))
DIRECTIONS = (("we_need", "We need them"), ("they_need", "They need us"))
# The boards an item can be escalated to; `escalated_to` stores the board's name as shown.
ESCALATION_BOARDS = ("Corporate Delivery Board", "Chief Officer Group", "Programme board", "Project board")

# The statuses of each kind; the first is the status of a new item, OPEN_STATUSES the live ones.
STATUSES = {
    "risk": (("open", "Open"), ("closed", "Closed")),
    "assumption": (("unvalidated", "Unvalidated"), ("valid", "Valid"), ("invalid", "Invalid")),
    "issue": (("open", "Open"), ("resolved", "Resolved"), ("closed", "Closed")),
    "dependency": (("open", "Open"), ("met", "Met"), ("cancelled", "Cancelled")),
}
OPEN_STATUSES = {"risk": ("open",), "assumption": ("unvalidated",), "issue": ("open",),
                 "dependency": ("open",)}
ALL_OPEN_STATUSES = ("open", "unvalidated")
# The date that says when a kind of item next needs attention, by column name.
WATCH_DATE = {"risk": "review_date", "assumption": "due_date", "issue": "due_date",
              "dependency": "due_date"}
WATCH_DATE_LABEL = {"risk": "Review date", "assumption": "Validate by", "issue": "Due date",
                    "dependency": "Needed by"}


def band_for(score: int | None) -> tuple[str, str] | None:
    """(key, label) of the band a risk score falls in; None for no score."""
    if score is None:
        return None
    for key, label, low, high in BANDS:
        if low <= score <= high:
            return key, label
    return None


class RaidItem(Audited, Versioned, db.Model):
    """One risk, assumption, issue or dependency of an initiative."""

    audit_noun = "raid_item"

    __tablename__ = "raid_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Risk: cause, event and effect; assumption: the statement; issue/dependency: description.
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # Risk review date; assumption validate-by, issue due and dependency needed-by dates.
    review_date: Mapped[date | None]
    due_date: Mapped[date | None]

    # Risks.
    category: Mapped[str] = mapped_column(String(30), default="")
    likelihood: Mapped[int | None] = mapped_column(Integer)
    impact: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(String(20), default="")
    mitigation: Mapped[str] = mapped_column(Text, default="")
    proximity_date: Mapped[date | None]

    # Issues.
    issue_type: Mapped[str] = mapped_column(String(20), default="")
    priority: Mapped[str] = mapped_column(String(10), default="")
    resolution: Mapped[str] = mapped_column(Text, default="")

    # Dependencies: on another initiative or an external party.
    depends_on_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"), index=True)
    external_party: Mapped[str] = mapped_column(String(200), default="")
    direction: Mapped[str] = mapped_column(String(10), default="")

    # Escalation to a board, with a note (any kind of item).
    escalated: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    escalated_to: Mapped[str] = mapped_column(String(120), default="")
    escalation_note: Mapped[str] = mapped_column(Text, default="")
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Soft delete: hidden from the log, restorable, and kept in the history.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    # Computed by the database, so lists can sort and filter on it; never typed.
    score = column_property(likelihood * impact)

    initiative = relationship("Initiative", foreign_keys=[initiative_id])
    depends_on = relationship("Initiative", foreign_keys=[depends_on_id])
    owner = relationship("User", foreign_keys=[owner_id])

    @property
    def kind_label(self) -> str:
        return dict(KINDS).get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return dict(STATUSES.get(self.kind, ())).get(self.status, self.status)

    @property
    def category_label(self) -> str:
        return dict(RISK_CATEGORIES).get(self.category, self.category)

    @property
    def response_label(self) -> str:
        return dict(RESPONSES).get(self.response, self.response)

    @property
    def issue_type_label(self) -> str:
        return dict(ISSUE_TYPES).get(self.issue_type, self.issue_type)

    @property
    def priority_label(self) -> str:
        return dict(ISSUE_PRIORITIES).get(self.priority, self.priority)

    @property
    def direction_label(self) -> str:
        return dict(DIRECTIONS).get(self.direction, self.direction)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES.get(self.kind, ())

    @property
    def risk_score(self) -> int | None:
        """likelihood x impact, from the values in hand (also before the row is reloaded)."""
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact

    @property
    def band(self) -> str | None:
        found = band_for(self.risk_score)
        return found[0] if found else None

    @property
    def band_label(self) -> str | None:
        found = band_for(self.risk_score)
        return found[1] if found else None

    @property
    def watch_date(self) -> date | None:
        """The date this item next needs attention (review, validate-by, due, needed-by)."""
        return getattr(self, WATCH_DATE.get(self.kind, "due_date"))

    @property
    def watch_date_label(self) -> str:
        return WATCH_DATE_LABEL.get(self.kind, "Due date")

    @property
    def is_overdue(self) -> bool:
        """Open and its review/due date has passed."""
        watched = self.watch_date
        return self.is_open and watched is not None and watched < date.today()
