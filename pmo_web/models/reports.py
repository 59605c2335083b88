"""Highlight and exception reports (docs/rules.md 7), and the delivery confidence scale they use.

A report is written for one initiative and one period. While it is a draft the manager and
the PMO edit it; issuing it freezes it: the facts it was written against (milestones,
budget, end dates, top RAID items, lessons, tolerances) are copied into `snapshot_json`,
so nothing that happens to the initiative afterwards can change what was reported.

The confidence scale is configurable (an admin setting): five-point by default, or
three-point Red/Amber/Green. Values are always stored in the five-point vocabulary; on the
three-point scale Amber/Green and Amber/Red are shown, and counted, as Amber.
"""
from __future__ import annotations

import json
from datetime import date, datetime

from flask import has_request_context, request
from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, Versioned, utcnow
from .reference import Setting

# The scales an admin may choose; the first is the default (docs/rules.md 7).
CONFIDENCE_SCALES = (
    ("five_point", "Five-point: Green, Amber/Green, Amber, Amber/Red, Red"),
    ("three_point", "Three-point: Green, Amber, Red"),
)
FIVE_POINT = (
    ("green", "Green"),
    ("amber_green", "Amber/Green"),
    ("amber", "Amber"),
    ("amber_red", "Amber/Red"),
    ("red", "Red"),
)
THREE_POINT = (("green", "Green"), ("amber", "Amber"), ("red", "Red"))
# How a five-point value reads on the three-point scale: the in-between levels become Amber.
THREE_POINT_OF = {"green": "green", "amber_green": "amber", "amber": "amber", "amber_red": "amber", "red": "red"}
SCALE_SETTING = "confidence_scale"


def confidence_scale() -> str:
    """The configured scale's key, read once per request (pages list many ratings)."""
    cached = getattr(request, "pmo_confidence_scale", None) if has_request_context() else None
    if cached:
        return cached
    scale = Setting.get(SCALE_SETTING)
    scale = scale if scale in dict(CONFIDENCE_SCALES) else CONFIDENCE_SCALES[0][0]
    if has_request_context():
        request.pmo_confidence_scale = scale
    return scale


def forget_confidence_scale() -> None:
    """Drop this request's copy after an admin changes the setting."""
    if has_request_context():
        request.pmo_confidence_scale = None


def confidence_levels() -> tuple[tuple[str, str], ...]:
    """The levels of the active scale, best first, as (value, label): every control offers these."""
    return THREE_POINT if confidence_scale() == "three_point" else FIVE_POINT


def shown_confidence(value: str | None) -> str | None:
    """A stored rating as the active scale shows it (Amber/Green reads Amber on three points)."""
    if not value:
        return None
    return THREE_POINT_OF.get(value, value) if confidence_scale() == "three_point" else value


def confidence_label(value: str | None, missing: str = "Not assessed") -> str:
    """The words for a stored rating on the active scale."""
    shown = shown_confidence(value)
    return dict(FIVE_POINT).get(shown or "", missing)


def confidence_rank(value: str | None) -> int | None:
    """Position on the active scale, 0 = best; None when not rated (for better/worse arrows)."""
    shown = shown_confidence(value)
    keys = [key for key, _ in confidence_levels()]
    return keys.index(shown) if shown in keys else None


REPORT_KINDS = (("highlight", "Highlight report"), ("exception", "Exception report"))
REPORT_STATUSES = (("draft", "Draft"), ("issued", "Issued"))
# The dimensions rated in every report, this period against the last (docs/rules.md 7).
DIMENSIONS = (
    ("time", "Time"),
    ("cost", "Cost"),
    ("scope", "Scope"),
    ("quality", "Quality"),
    ("benefits", "Benefits"),
    ("risk", "Risk"),
)
# The free-text sections, in the order the report prints them.
HIGHLIGHT_SECTIONS = (
    ("achievements", "Achievements this period"),
    ("next_period", "Plan for next period"),
    ("tolerance_status", "Tolerance status"),
    ("change_requests", "Requests for change"),
    ("key_risks_issues", "Key risks and issues"),
    ("decisions_needed", "Decisions needed"),
    ("lessons", "Lessons"),
)
EXCEPTION_SECTIONS = (
    ("breach", "The tolerance breached"),
    ("cause", "Cause of the exception"),
    ("options", "Options"),
    ("recommendation", "Recommendation"),
)


ISSUED_EXCEPTION = text("kind = 'exception' AND status = 'issued'")


class HighlightReport(Versioned, db.Model):
    """One highlight or exception report of an initiative for a period: a draft, then issued."""

    __tablename__ = "highlight_reports"
    # One issued exception report per initiative and period, even when two are issued at once.
    __table_args__ = (
        Index("uq_highlight_reports_one_issued_exception", "initiative_id", "period_start", "period_end",
              unique=True, sqlite_where=ISSUED_EXCEPTION, postgresql_where=ISSUED_EXCEPTION),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="highlight", server_default="highlight")
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft", index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]

    overall_confidence: Mapped[str | None] = mapped_column(String(20))
    confidence_justification: Mapped[str] = mapped_column(Text, default="")
    rag_time: Mapped[str | None] = mapped_column(String(20))
    rag_cost: Mapped[str | None] = mapped_column(String(20))
    rag_scope: Mapped[str | None] = mapped_column(String(20))
    rag_quality: Mapped[str | None] = mapped_column(String(20))
    rag_benefits: Mapped[str | None] = mapped_column(String(20))
    rag_risk: Mapped[str | None] = mapped_column(String(20))

    achievements: Mapped[str] = mapped_column(Text, default="")
    next_period: Mapped[str] = mapped_column(Text, default="")
    tolerance_status: Mapped[str] = mapped_column(Text, default="")
    change_requests: Mapped[str] = mapped_column(Text, default="")
    key_risks_issues: Mapped[str] = mapped_column(Text, default="")
    decisions_needed: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")

    # Exception reports only.
    breach: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(Text, default="")

    # The facts as they stood when issued (JSON); empty while a draft.
    snapshot_json: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    initiative = relationship("Initiative")
    created_by = relationship("User", foreign_keys=[created_by_id])
    issued_by = relationship("User", foreign_keys=[issued_by_id])

    @property
    def is_issued(self) -> bool:
        return self.status == "issued"

    @property
    def is_exception(self) -> bool:
        return self.kind == "exception"

    @property
    def kind_label(self) -> str:
        return dict(REPORT_KINDS).get(self.kind, self.kind)

    @property
    def sections(self) -> tuple[tuple[str, str], ...]:
        """The free-text sections this kind of report has, in print order."""
        return (*EXCEPTION_SECTIONS, *HIGHLIGHT_SECTIONS) if self.is_exception else HIGHLIGHT_SECTIONS

    @property
    def period_text(self) -> str:
        return f"{_uk(self.period_start)} to {_uk(self.period_end)}"

    def rag(self, dimension: str) -> str | None:
        return getattr(self, f"rag_{dimension}")

    @property
    def snapshot(self) -> dict:
        """The facts frozen at issue ({} for a draft)."""
        return json.loads(self.snapshot_json) if self.snapshot_json else {}

    def freeze(self, facts: dict, who, when: datetime | None = None) -> None:
        """Issue the report: store the facts it reports on; from now on it is read-only."""
        self.snapshot_json = json.dumps(facts)
        self.status = "issued"
        self.issued_at = when or utcnow()
        self.issued_by_id = who.id

    def __repr__(self) -> str:
        return f"<HighlightReport {self.id} {self.kind} {self.status} {self.period_start}>"


def _uk(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "Not set"
