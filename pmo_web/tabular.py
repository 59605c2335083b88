"""The datasets the exports and the API share: one definition per dataset of its columns.

A dataset names its columns once: the snake_case key the API uses, the heading a CSV or
XLSX file shows, the SQL expression the database selects and the kind of value (text,
number, money, date, timestamp). The CSV and XLSX downloads (pmo_web/exports) and the JSON
API (pmo_web/api) both read rows through `Dataset.select`, so a column added here appears
in all three, with the same name and the same value.

Every dataset reads one SELECT with its joins, never one query per row, and is ordered by
its own id so that the API can page by key ("the next 500 rows after id 1234").

Who sees what: only rows of initiatives the user may see (access.visible_clause), only
past the draft (drafts are their author's until submitted, as on the portfolio page), and
only for users who may read the portfolio at all; the audit trail is for the PMO and
administrators alone, and also holds the events of governance records, which are on no
initiative (left out once the rows are narrowed by a filter on initiatives).
Soft-deleted RAID items and lessons are left out.

Coded values (states, categories, RAG levels ...) are given in the words the app shows,
which are what a report or a spreadsheet wants; ids are given too, for joining datasets
(every child row has `initiative_id`, the `id` of the portfolio dataset).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from workflows.gate import DECISION_LABELS, GATES
from workflows.lifecycle import STAGE_OF, STAGES, STATE_LABELS

from . import access
from .models import (
    AuditEvent,
    Benefit,
    Department,
    GateCondition,
    GateDecision,
    GateReview,
    Initiative,
    Lesson,
    Milestone,
    Programme,
    RaidItem,
    Score,
    StrategicPriority,
    User,
)
from .models.cases import BENEFIT_CATEGORIES
from .models.delivery import BENEFIT_STATUSES, LESSON_PRIORITIES, LESSON_TYPES
from .models.initiatives import CONFIDENCE, COST_BANDS, FUNDING_TYPES, SATISFACTION_SCALE
from .models.raid import (
    DIRECTIONS,
    IMPACTS,
    ISSUE_PRIORITIES,
    ISSUE_TYPES,
    KINDS,
    LIKELIHOODS,
    RESPONSES,
    RISK_CATEGORIES,
    STATUSES,
    band_for,
)

# The kinds of value a column holds: they decide how a file cell and a JSON value are written.
TEXT, INTEGER, MONEY, DATE, TIMESTAMP, BOOLEAN = "text", "integer", "money", "date", "timestamp", "boolean"
SCORE_BANDS = {"High": "High", "Medium": "Medium", "Low": "Low"}


@dataclass(frozen=True)
class Column:
    """One column of a dataset: API key, file heading, what the database selects, its kind.

    `convert` turns the stored value into the exported one (a state code into its label);
    a column without `sql` is not read from the database and `convert(None)` gives it.
    """

    key: str
    label: str
    sql: Any = None
    kind: str = TEXT
    convert: Callable[[Any], Any] | None = None

    def value(self, row) -> Any:
        raw = getattr(row, self.key) if self.sql is not None else None
        return self.convert(raw) if self.convert else raw


@dataclass(frozen=True)
class Dataset:
    """A register or list as rows and columns, for files and the API."""

    name: str  # in URLs and file names: "portfolio", "gate-decisions"
    title: str
    description: str
    columns: tuple[Column, ...]
    id_column: Any  # the primary key: order and keyset paging
    source: Callable[[Select], Select]  # the FROM, the joins and the rows left out
    managers_only: bool = False
    # Rows on no initiative (the outer join finds none) are kept rather than left out.
    keeps_rows_without_initiative: bool = False
    keys: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "keys", tuple(column.key for column in self.columns))

    @property
    def headings(self) -> list[str]:
        return [column.label for column in self.columns]

    def may_read(self, user) -> bool:
        """The portfolio readers may read every dataset; the audit trail only the PMO and admins."""
        if not access.can_read_portfolio(user):
            return False
        return access.can_manage(user) if self.managers_only else True

    def select(self, user, conditions=(), after_id: int | None = None, limit: int | None = None) -> Select:
        """The rows `user` may see, narrowed by `conditions` on Initiative, in id order."""
        query = self.source(select(*(column.sql.label(column.key) for column in self.columns
                                     if column.sql is not None)))
        visible = and_(access.visible_clause(user), Initiative.state != "draft")
        if self.keeps_rows_without_initiative:
            visible = or_(Initiative.id.is_(None), visible)
        query = query.where(visible, *conditions)
        if after_id is not None:
            query = query.where(self.id_column > after_id)
        query = query.order_by(self.id_column)
        return query.limit(limit) if limit is not None else query

    def count(self, user, conditions=()) -> int:
        from .extensions import db

        return db.session.scalar(select(func.count()).select_from(self.select(user, conditions).subquery()))

    def record(self, row) -> dict:
        """One row as {key: value}, values as Python objects (Decimal, date, datetime ...)."""
        return {column.key: column.value(row) for column in self.columns}

    def values(self, row) -> list:
        return [column.value(row) for column in self.columns]


# ----------------------------------------------------------------------------- helpers


def labelled(choices) -> Callable[[Any], Any]:
    """Code -> the label the app shows; an unknown code is kept as it is, none stays none."""
    labels = dict(choices)
    return lambda code: labels.get(code, code) if code not in (None, "") else None


def reference(initiative_id: int | None) -> str | None:
    """CR-0042: the reference staff quote (models.Initiative.reference)."""
    return f"CR-{initiative_id:04d}" if initiative_id else None


def marking(_raw=None) -> str:
    """The organisation's security marking (docs/rules.md 8), carried by every row."""
    return current_app.config["SECURITY_MARKING"]


def as_json_text(value) -> str | None:
    """A JSON column as one text value, so that records stay flat."""
    return json.dumps(value, sort_keys=True, default=str) if value else None


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def stage_label(state: str | None) -> str | None:
    return dict(STAGES).get(STAGE_OF.get(state or "")) if state else None


def number(value) -> int | float | None:
    """A Decimal as a JSON number. Amounts are Numeric(14, 2): at most 14 significant digits,
    which a float's shortest representation gives back exactly."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def json_value(value):
    """A value as the API writes it: ISO-8601 dates, UTC timestamps ending in Z, numbers."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return number(value)
    return value


# The column every dataset ends with: the marking stays with each row wherever it is copied.
MARKING = Column("security_marking", "Security marking", convert=marking)


def initiative_columns(prefix: str = "initiative") -> tuple[Column, ...]:
    """The columns that tie a child row to its initiative (id, reference, title)."""
    return (
        Column(f"{prefix}_id", "Initiative id", Initiative.id, INTEGER),
        Column(f"{prefix}_reference", "Initiative reference", Initiative.id, convert=reference),
        Column(f"{prefix}_title", "Initiative", Initiative.title),
    )


# ---------------------------------------------------------------------------- datasets

_owner = aliased(User, name="owner_user")
_manager = aliased(User, name="manager_user")
_latest_score = (select(Score.initiative_id, func.max(Score.id).label("score_id"))
                 .group_by(Score.initiative_id).subquery("latest_score"))

PORTFOLIO = Dataset(
    name="portfolio",
    title="Portfolio",
    description="Every initiative past its draft: department, programme, state, stage, people, "
                "priority, budget, dates, funding and delivery confidence.",
    id_column=Initiative.id,
    source=lambda query: (
        query.select_from(Initiative)
        .outerjoin(Department, Department.id == Initiative.department_id)
        .outerjoin(Programme, Programme.id == Initiative.programme_id)
        .outerjoin(StrategicPriority, StrategicPriority.id == Initiative.strategic_priority_id)
        .outerjoin(_owner, _owner.id == Initiative.owner_id)
        .outerjoin(_manager, _manager.id == Initiative.manager_id)
        .outerjoin(_latest_score, _latest_score.c.initiative_id == Initiative.id)
        .outerjoin(Score, Score.id == _latest_score.c.score_id)),
    columns=(
        Column("id", "Id", Initiative.id, INTEGER),
        Column("reference", "Reference", Initiative.id, convert=reference),
        Column("title", "Title", Initiative.title),
        Column("department_id", "Department id", Initiative.department_id, INTEGER),
        Column("department", "Department", Department.name),
        Column("programme_id", "Programme id", Initiative.programme_id, INTEGER),
        Column("programme", "Programme", Programme.name),
        Column("state", "State", Initiative.state, convert=labelled(STATE_LABELS.items())),
        Column("stage", "Stage", Initiative.state, convert=stage_label),
        Column("owner", "Requester", _owner.name),
        Column("sponsor", "Sponsor", Initiative.sponsor),
        Column("manager", "Manager", _manager.name),
        Column("strategic_priority", "Strategic priority", StrategicPriority.name),
        Column("priority_score", "Priority score", Score.total, INTEGER),
        Column("priority_band", "Priority band", func.coalesce(Score.band_override, Score.band),
               convert=labelled(SCORE_BANDS.items())),
        Column("cost_band", "Rough cost", Initiative.cost_band, convert=labelled(COST_BANDS)),
        Column("funding_type", "Funding type", Initiative.funding_type, convert=labelled(FUNDING_TYPES)),
        Column("budget_approved", "Approved budget (GBP)", Initiative.budget_approved, MONEY),
        Column("budget_forecast", "Forecast cost (GBP)", Initiative.budget_forecast, MONEY),
        Column("budget_actual", "Actual cost (GBP)", Initiative.budget_actual, MONEY),
        Column("planned_end", "Planned end", Initiative.planned_end, DATE),
        Column("forecast_end", "Forecast end", Initiative.forecast_end, DATE),
        Column("delivery_confidence", "Delivery confidence", Initiative.delivery_confidence,
               convert=labelled(CONFIDENCE)),
        Column("confidence_justification", "Confidence justification", Initiative.confidence_justification),
        Column("satisfaction_score", "Stakeholder satisfaction (1-5)", Initiative.satisfaction_score, INTEGER),
        Column("satisfaction", "Stakeholder satisfaction", Initiative.satisfaction_score,
               convert=labelled(SATISFACTION_SCALE)),
        Column("merged_into_id", "Merged into id", Initiative.merged_into_id, INTEGER),
        Column("outcome_reason", "Reason it ended", Initiative.outcome_reason),
        Column("description", "Description", Initiative.description),
        Column("created_at", "Created (UTC)", Initiative.created_at, TIMESTAMP),
        Column("submitted_at", "Submitted (UTC)", Initiative.submitted_at, TIMESTAMP),
        Column("state_changed_at", "State changed (UTC)", Initiative.state_changed_at, TIMESTAMP),
        MARKING,
    ),
)

MILESTONES = Dataset(
    name="milestones",
    title="Milestones",
    description="Delivery milestones with baseline, forecast and actual dates.",
    id_column=Milestone.id,
    source=lambda query: query.select_from(Milestone).join(Initiative, Initiative.id == Milestone.initiative_id),
    columns=(
        Column("id", "Id", Milestone.id, INTEGER),
        *initiative_columns(),
        Column("name", "Milestone", Milestone.name),
        Column("baseline_date", "Baseline date", Milestone.baseline_date, DATE),
        Column("forecast_date", "Forecast date", Milestone.forecast_date, DATE),
        Column("actual_date", "Actual date", Milestone.actual_date, DATE),
        Column("variance_accepted", "Variance accepted", Milestone.variance_accepted, BOOLEAN),
        Column("variance_note", "Variance note", Milestone.variance_note),
        MARKING,
    ),
)

_raid_owner = aliased(User, name="raid_owner")
_depends_on = aliased(Initiative, name="depends_on")
_ALL_STATUSES = {code: label for statuses in STATUSES.values() for code, label in statuses}

RAID = Dataset(
    name="raid",
    title="RAID log",
    description="Risks, assumptions, issues and dependencies (deleted items left out).",
    id_column=RaidItem.id,
    source=lambda query: (
        query.select_from(RaidItem).join(Initiative, Initiative.id == RaidItem.initiative_id)
        .outerjoin(_raid_owner, _raid_owner.id == RaidItem.owner_id)
        .where(RaidItem.deleted_at.is_(None))),
    columns=(
        Column("id", "Id", RaidItem.id, INTEGER),
        *initiative_columns(),
        Column("kind", "Type", RaidItem.kind, convert=labelled(KINDS)),
        Column("title", "Title", RaidItem.title),
        Column("description", "Description", RaidItem.description),
        Column("owner", "Owner", _raid_owner.name),
        Column("status", "Status", RaidItem.status, convert=labelled(_ALL_STATUSES.items())),
        Column("category", "Risk category", RaidItem.category, convert=labelled(RISK_CATEGORIES)),
        Column("likelihood", "Likelihood (1-5)", RaidItem.likelihood, INTEGER),
        Column("likelihood_label", "Likelihood", RaidItem.likelihood, convert=labelled(LIKELIHOODS)),
        Column("impact", "Impact (1-5)", RaidItem.impact, INTEGER),
        Column("impact_label", "Impact", RaidItem.impact, convert=labelled(IMPACTS)),
        Column("score", "Score (1-25)", RaidItem.likelihood * RaidItem.impact, INTEGER),
        Column("band", "Score band", RaidItem.likelihood * RaidItem.impact,
               convert=lambda score: (band_for(score) or (None, None))[1]),
        Column("response", "Response", RaidItem.response, convert=labelled(RESPONSES)),
        Column("mitigation", "Mitigation", RaidItem.mitigation),
        Column("review_date", "Review date", RaidItem.review_date, DATE),
        Column("due_date", "Due, validate-by or needed-by date", RaidItem.due_date, DATE),
        Column("proximity_date", "Proximity date", RaidItem.proximity_date, DATE),
        Column("issue_type", "Issue type", RaidItem.issue_type, convert=labelled(ISSUE_TYPES)),
        Column("priority", "Issue priority", RaidItem.priority, convert=labelled(ISSUE_PRIORITIES)),
        Column("resolution", "Resolution", RaidItem.resolution),
        Column("depends_on_id", "Depends on initiative id", RaidItem.depends_on_id, INTEGER),
        Column("depends_on_reference", "Depends on initiative", RaidItem.depends_on_id, convert=reference),
        Column("external_party", "External party", RaidItem.external_party),
        Column("direction", "Direction", RaidItem.direction, convert=labelled(DIRECTIONS)),
        Column("escalated", "Escalated", RaidItem.escalated, BOOLEAN),
        Column("escalated_to", "Escalated to", RaidItem.escalated_to),
        Column("escalated_at", "Escalated (UTC)", RaidItem.escalated_at, TIMESTAMP),
        Column("created_at", "Created (UTC)", RaidItem.created_at, TIMESTAMP),
        MARKING,
    ),
)

_logged_by = aliased(User, name="logged_by")

LESSONS = Dataset(
    name="lessons",
    title="Lessons log",
    description="Lessons learned across the portfolio (deleted lessons left out).",
    id_column=Lesson.id,
    source=lambda query: (
        query.select_from(Lesson).join(Initiative, Initiative.id == Lesson.initiative_id)
        .outerjoin(_logged_by, _logged_by.id == Lesson.logged_by_id)
        .where(Lesson.deleted_at.is_(None))),
    columns=(
        Column("id", "Id", Lesson.id, INTEGER),
        *initiative_columns(),
        Column("title", "Title", Lesson.title),
        Column("owner", "Owner", Lesson.owner),
        Column("dependencies", "Dependencies", Lesson.dependencies),
        Column("date_added", "Date added", Lesson.date_added, DATE),
        Column("lesson_type", "Lesson type", Lesson.lesson_type, convert=labelled(LESSON_TYPES)),
        Column("category", "Category", Lesson.category),
        Column("stage", "Stage", Lesson.stage, convert=labelled(STAGES)),
        Column("priority", "Priority", Lesson.priority, convert=labelled(LESSON_PRIORITIES)),
        Column("event", "What happened", Lesson.event),
        Column("effect", "Effect", Lesson.effect),
        Column("cause", "Cause", Lesson.cause),
        Column("early_warning", "Early-warning indicators", Lesson.early_warning),
        Column("recommendation", "Recommendation", Lesson.recommendation),
        Column("logged_by", "Logged by", _logged_by.name),
        Column("created_at", "Created (UTC)", Lesson.created_at, TIMESTAMP),
        MARKING,
    ),
)

BENEFITS = Dataset(
    name="benefits",
    title="Benefits register",
    description="Planned and realised benefits: measure, baseline, target and actual.",
    id_column=Benefit.id,
    source=lambda query: (query.select_from(Benefit).join(Initiative, Initiative.id == Benefit.initiative_id)
                          .where(Benefit.deleted_at.is_(None))),
    columns=(
        Column("id", "Id", Benefit.id, INTEGER),
        *initiative_columns(),
        Column("name", "Benefit", Benefit.name),
        Column("category", "Category", Benefit.category, convert=labelled(BENEFIT_CATEGORIES)),
        Column("owner", "Benefit owner", Benefit.owner),
        Column("measure", "Measure", Benefit.measure),
        Column("baseline_value", "Baseline", Benefit.baseline_value),
        Column("baseline_date", "Baseline date", Benefit.baseline_date, DATE),
        Column("target_value", "Target", Benefit.target_value),
        Column("target_date", "Target date", Benefit.target_date, DATE),
        Column("actual_value", "Actual", Benefit.actual_value),
        Column("actual_date", "Actual date", Benefit.actual_date, DATE),
        Column("planned_value", "Planned value (GBP)", Benefit.planned_value, MONEY),
        Column("realised_value", "Realised value (GBP)", Benefit.realised_value, MONEY),
        Column("status", "Status", Benefit.status, convert=labelled(BENEFIT_STATUSES)),
        Column("no_actual_reason", "Why there is no actual", Benefit.no_actual_reason),
        Column("evidence", "Evidence", Benefit.evidence),
        MARKING,
    ),
)

_approver = aliased(User, name="approver")
_conditions = (select(func.aggregate_strings(GateCondition.text, "; "))
               .where(GateCondition.decision_id == GateDecision.id).correlate(GateDecision).scalar_subquery())
_condition_count = (select(func.count(GateCondition.id))
                    .where(GateCondition.decision_id == GateDecision.id).correlate(GateDecision).scalar_subquery())

GATE_DECISIONS = Dataset(
    name="gate-decisions",
    title="Gate decisions",
    description="Every approver's decision at every stage gate, with its comment and conditions.",
    id_column=GateDecision.id,
    source=lambda query: (
        query.select_from(GateDecision).join(GateReview, GateReview.id == GateDecision.review_id)
        .join(Initiative, Initiative.id == GateReview.initiative_id)
        .outerjoin(_approver, _approver.id == GateDecision.approver_id)),
    columns=(
        Column("id", "Id", GateDecision.id, INTEGER),
        Column("review_id", "Gate review id", GateDecision.review_id, INTEGER),
        *initiative_columns(),
        Column("gate", "Gate", GateReview.gate),
        Column("gate_name", "Gate name", GateReview.gate,
               convert=lambda code: GATES[code].name if code in GATES else code),
        Column("decision", "Decision", GateDecision.decision, convert=labelled(DECISION_LABELS.items())),
        Column("approver", "Approver", _approver.name),
        Column("comment", "Comment", GateDecision.comment),
        Column("defer_until", "Deferred until", GateDecision.defer_until, DATE),
        Column("condition_count", "Conditions", _condition_count, INTEGER),
        Column("conditions", "Conditions set", _conditions),
        Column("review_outcome", "Review outcome", GateReview.outcome),
        Column("requested_at", "Review requested (UTC)", GateReview.requested_at, TIMESTAMP),
        Column("decided_at", "Decided (UTC)", GateDecision.created_at, TIMESTAMP),
        MARKING,
    ),
)

_actor = aliased(User, name="actor")

AUDIT_EVENTS = Dataset(
    name="audit-events",
    title="Audit trail",
    description="Every lifecycle move, gate request and decision, register edit and change to a governance "
                "record (boards, meetings, agendas, minutes, escalations): who, when, what.",
    id_column=AuditEvent.id,
    managers_only=True,
    keeps_rows_without_initiative=True,
    source=lambda query: (
        query.select_from(AuditEvent).outerjoin(Initiative, Initiative.id == AuditEvent.initiative_id)
        .outerjoin(_actor, _actor.id == AuditEvent.actor_id)),
    columns=(
        Column("id", "Id", AuditEvent.id, INTEGER),
        *initiative_columns(),
        Column("kind", "Kind", AuditEvent.kind),
        Column("trigger", "Trigger", AuditEvent.trigger),
        Column("subject_kind", "Record", AuditEvent.subject_kind),
        Column("subject_id", "Record id", AuditEvent.subject_id, INTEGER),
        Column("from_state", "From", AuditEvent.from_state, convert=labelled(STATE_LABELS.items())),
        Column("to_state", "To", AuditEvent.to_state, convert=labelled(STATE_LABELS.items())),
        Column("actor_id", "Actor id", AuditEvent.actor_id, INTEGER),
        Column("actor", "Actor", _actor.name),
        Column("reason", "Reason", AuditEvent.reason),
        Column("gate_review_id", "Gate review id", AuditEvent.gate_review_id, INTEGER),
        Column("detail", "Detail (JSON)", AuditEvent.detail, convert=as_json_text),
        Column("created_at", "When (UTC)", AuditEvent.created_at, TIMESTAMP),
        Column("hash", "Chain hash", AuditEvent.hash),
        MARKING,
    ),
)

DATASETS: dict[str, Dataset] = {dataset.name: dataset for dataset in (
    PORTFOLIO, MILESTONES, RAID, LESSONS, BENEFITS, GATE_DECISIONS, AUDIT_EVENTS)}
