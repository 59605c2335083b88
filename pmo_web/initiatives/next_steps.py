"""The "What happens next" panel, first on every initiative page (issue 14).

For the person looking at it: the stage, who holds the next action and since when
(workflows/next_step.py decides), what is needed to move on (the guards of the move out of
the stage that fail today, workflows/next_step.failing_criteria, and the conditions of
earlier gates still open), each linked to the screen where it is fixed when the viewer may
open it; the open question; the last gate's outcome with its comment; the open conditions
with owner and due date; the deferral date; then the key facts: score and band, delivery
confidence, budget against forecast, next milestone and open RAID items by band.
A fixed few queries, whatever the size of the registers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for
from sqlalchemy import func, select

from workflows.conditions import OpenCondition, earlier_conditions_open
from workflows.gate import GATE_FOR_STATE, GATE_ORDER
from workflows.lifecycle import STAGES
from workflows.next_step import NextAction, failing_criteria, is_holder, next_action

from .. import access
from ..extensions import db
from ..gates.panel import GatePanel
from ..gates.service import decision_refusals, last_review, settling_decision
from ..models import GateReview, Initiative, Milestone, RaidItem, Score
from ..models.raid import BANDS, OPEN_STATUSES
from ..mywork import situation_of
from ..workflow import available_triggers, facts_for

# Where each guard of workflows/lifecycle.py is put right: (endpoint, link text).
FIXED_AT: dict[str, tuple[str, str]] = {
    "required_fields_complete": ("intake.edit", "Finish the request"),
    "has_current_score": ("scoring.score", "Score the initiative"),
    "business_case_complete": ("cases.edit", "Open the business case"),
    "milestones_settled": ("delivery.edit", "Open the milestones"),
    "benefits_measured": ("review.benefits", "Record the benefits' actuals"),
    "lesson_recorded": ("lessons.log", "Open the lessons log"),
    "satisfaction_recorded": ("review.satisfaction", "Record the sponsor's satisfaction"),
}


@dataclass
class Need:
    """One thing that stops the initiative moving on, and where it is fixed (if the viewer may)."""

    text: str
    href: str | None = None
    link_text: str = ""


@dataclass
class KeyFacts:
    score: Score | None
    next_milestone: Milestone | None
    risks_by_band: list[tuple[str, int]]
    other_open: list[tuple[str, int]]


@dataclass
class NextSteps:
    """What the panel shows to one viewer."""

    initiative: Initiative
    action: NextAction
    yours: bool
    since: datetime | None
    action_link: tuple[str, str] | None  # (text, href) of where the next action is taken
    needs: list[Need] = field(default_factory=list)
    last_review: GateReview | None = None
    last_comment: str = ""
    last_approver: str = ""
    facts: KeyFacts | None = None
    today: date = field(default_factory=date.today)

    @property
    def stage_text(self) -> str:
        """The stage, and the state within it where the two differ: "Triage (Info requested)"."""
        stage = dict(STAGES)[self.initiative.stage]
        state = self.initiative.state_label
        return stage if stage == state else f"{stage} ({state})"


def next_steps(initiative: Initiative, user, gate_panel: GatePanel, today: date | None = None) -> NextSteps:
    """The panel for `user` on `initiative` (gate_panel: its rework, deferral and conditions)."""
    today = today or date.today()
    review = last_review(initiative)
    facts = facts_for(initiative)
    code = GATE_FOR_STATE.get(initiative.state)
    earlier = []
    if code is not None:
        earlier = earlier_conditions_open(code, (OpenCondition(c.gate, c.text, c.owner_name, c.due)
                                                 for c in gate_panel.open_conditions))
    action = next_action(situation_of(initiative, review, facts, today, tuple(earlier)))
    in_play = review if review is not None and review.state == "requested" else None
    decides = in_play is not None and not decision_refusals(in_play, user)
    yours = is_holder(action, owns=initiative.owner_id == user.id, manages=access.can_manage(user), decides=decides)
    since = {"state_changed": initiative.state_changed_at,
             "gate_requested": review.requested_at if review else None,
             "gate_decided": review.decided_at if review else None}[action.since]
    steps = NextSteps(initiative, action, yours, since, _action_link(initiative, user, action, review),
                      today=today)
    steps.needs = _needs(initiative, user, facts, gate_panel, code)
    if review is not None and review.state != "requested":
        decision = settling_decision(review)
        steps.last_review = review
        steps.last_comment = decision.comment if decision else ""
        steps.last_approver = decision.approver.name if decision and decision.approver else ""
    steps.facts = _key_facts(initiative)
    return steps


def _action_link(initiative: Initiative, user, action: NextAction, review: GateReview | None):
    """Where the viewer takes the next action, when it is theirs to take and they may open it."""
    iid = initiative.id
    if action.task == "decide_gate" and review is not None:
        return ("Open the gate review", url_for("gates.review", review_id=review.id))
    if action.task in ("request_again", "wait_deferral") and review is not None:
        return ("Open the deferred gate review", url_for("gates.review", review_id=review.id))
    if action.task in ("request_gate", "rework") and access.may_open(user, "gates.request_review", initiative):
        return ("See the gate's entry criteria and request it", url_for("gates.request_review", initiative_id=iid))
    if action.task == "score" and access.may_open(user, "scoring.score", initiative):
        return ("Score the initiative", url_for("scoring.score", initiative_id=iid))
    if action.task == "finish_draft" and access.may_open(user, "intake.edit", initiative):
        return ("Edit the draft", url_for("intake.edit", initiative_id=iid))
    if action.task == "answer_question" and "resubmit" in available_triggers(initiative, user):
        return ("Answer the question", url_for("initiatives.transition", initiative_id=iid, trigger="resubmit"))
    if action.task in ("start_triage", "triage", "resume_or_cancel") and available_triggers(initiative, user):
        return ("Use the buttons below", "#lifecycle-panel")
    return None


def _needs(initiative: Initiative, user, facts, gate_panel: GatePanel, code: str | None) -> list[Need]:
    """The failing criteria of the move out of the stage, then earlier gates' open conditions."""
    needs = []
    for criterion in failing_criteria(initiative.state, facts):
        endpoint, text = FIXED_AT.get(criterion.guard, (None, ""))
        href = None
        if endpoint is not None and access.may_open(user, endpoint, initiative):
            href = url_for(endpoint, initiative_id=initiative.id)
        needs.append(Need(criterion.reason, href, text))
    if code is not None:
        position = GATE_ORDER.index(code)
        earlier = sorted((c for c in gate_panel.open_conditions if GATE_ORDER.index(c.gate) < position),
                         key=lambda c: (GATE_ORDER.index(c.gate), c.due, c.text))
        for condition in earlier:
            for reason in earlier_conditions_open(code, [OpenCondition(condition.gate, condition.text,
                                                                       condition.owner_name, condition.due)]):
                needs.append(Need(reason, url_for("gates.condition", initiative_id=initiative.id,
                                                  condition_id=condition.id), "Open the condition"))
    return needs


def _key_facts(initiative: Initiative) -> KeyFacts:
    """Score and band, next milestone and open RAID by band, in three queries."""
    score = db.session.scalar(select(Score).where(Score.initiative_id == initiative.id)
                              .order_by(Score.id.desc()).limit(1))
    next_milestone = db.session.scalar(
        select(Milestone).where(Milestone.initiative_id == initiative.id, Milestone.actual_date.is_(None))
        .order_by(func.coalesce(Milestone.forecast_date, Milestone.baseline_date), Milestone.id).limit(1))
    open_items = db.session.execute(
        select(RaidItem.kind, RaidItem.status, RaidItem.likelihood, RaidItem.impact)
        .where(RaidItem.initiative_id == initiative.id, RaidItem.deleted_at.is_(None))).all()
    bands = {key: 0 for key, *_ in BANDS}
    unscored = 0
    others = {"issue": 0, "assumption": 0, "dependency": 0}
    for kind, status, likelihood, impact in open_items:
        if status not in OPEN_STATUSES.get(kind, ()):
            continue
        if kind != "risk":
            others[kind] += 1
            continue
        score_value = likelihood * impact if likelihood and impact else None
        band = next((key for key, _label, low, high in BANDS if score_value and low <= score_value <= high), None)
        if band is None:
            unscored += 1
        else:
            bands[band] += 1
    labels = {key: label for key, label, *_ in BANDS}
    by_band = [(labels[key], count) for key, count in reversed(bands.items()) if count]
    if unscored:
        by_band.append(("Not scored", unscored))
    other_labels = {"issue": "Open issues", "assumption": "Assumptions to validate", "dependency": "Open dependencies"}
    return KeyFacts(score, next_milestone, by_band,
                    [(other_labels[kind], count) for kind, count in others.items() if count])
