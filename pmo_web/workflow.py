"""Binds the pure state machines in workflows/ to one database row when it is acted on.

This is the only module that turns a lifecycle or gate event into rows: the audit event
and the fields a trigger carries (question, answer, reason, merge target) are added to
the session in the same transaction as the state change. Nothing here commits; the view
commits once after a successful fire, or rolls back on a refusal.
"""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import exists, func, select

from workflows.gate import GATES, GateSpec, gate_spec
from workflows.lifecycle import REASONED_END_STATES, Actor, Lifecycle, LifecycleFacts, TransitionEvent

from . import audit
from .extensions import db
from .models import AuditEvent, Benefit, BusinessCase, GateSetting, Initiative, Lesson, Milestone, Score
from .models.base import utcnow


def actor_for(user) -> Actor:
    """The workflow's view of a user: an id and a set of role names."""
    return Actor(id=user.id, roles=frozenset(user.roles))


def current_case(initiative_id: int) -> BusinessCase | None:
    """The latest business case version of an initiative, or None."""
    return db.session.scalar(
        select(BusinessCase).where(BusinessCase.initiative_id == initiative_id)
        .order_by(BusinessCase.version.desc()).limit(1)
    )


def facts_for(initiative: Initiative) -> LifecycleFacts:
    """Everything the lifecycle guards need about one initiative, in a fixed few queries."""
    iid = initiative.id
    case = current_case(iid)
    open_milestones = db.session.scalars(
        select(Milestone.name).where(
            Milestone.initiative_id == iid, Milestone.actual_date.is_(None),
            Milestone.variance_accepted.is_(False))
    ).all()
    benefits = db.session.scalars(
        select(Benefit).where(Benefit.initiative_id == iid, Benefit.deleted_at.is_(None))).all()
    lessons = db.session.scalar(select(func.count()).where(Lesson.initiative_id == iid, Lesson.deleted_at.is_(None)))
    has_score = db.session.scalar(select(exists().where(Score.initiative_id == iid)))
    return LifecycleFacts(
        initiative_id=iid,
        owner_id=initiative.owner_id,
        missing_required_fields=initiative.missing_for_submit(),
        has_current_score=bool(has_score),
        business_case_gaps=case.gaps() if case else ("Business case",),
        open_milestones_without_variance=tuple(open_milestones),
        benefits_without_actual=tuple(b.name for b in benefits if not b.accounted_for),
        lesson_count=lessons or 0,
        satisfaction_recorded=initiative.satisfaction_score is not None,
    )


def facts_for_many(initiatives) -> dict[int, LifecycleFacts]:
    """facts_for each of `initiatives`, by id, in a fixed few queries whatever their number
    (for lists that ask the guards of many rows, such as the gates ready to request)."""
    ids = [i.id for i in initiatives]
    if not ids:
        return {}
    latest = (select(BusinessCase.initiative_id, func.max(BusinessCase.version).label("version"))
              .where(BusinessCase.initiative_id.in_(ids)).group_by(BusinessCase.initiative_id).subquery())
    cases = {case.initiative_id: case for case in db.session.scalars(select(BusinessCase).join(
        latest, (BusinessCase.initiative_id == latest.c.initiative_id) & (BusinessCase.version == latest.c.version)))}
    open_milestones: dict[int, list[str]] = {}
    for iid, name in db.session.execute(select(Milestone.initiative_id, Milestone.name).where(
            Milestone.initiative_id.in_(ids), Milestone.actual_date.is_(None),
            Milestone.variance_accepted.is_(False)).order_by(Milestone.id)):
        open_milestones.setdefault(iid, []).append(name)
    unmeasured: dict[int, list[str]] = {}
    for benefit in db.session.scalars(select(Benefit).where(Benefit.initiative_id.in_(ids),
                                                            Benefit.deleted_at.is_(None)).order_by(Benefit.id)):
        if not benefit.accounted_for:
            unmeasured.setdefault(benefit.initiative_id, []).append(benefit.name)
    lessons = dict(db.session.execute(select(Lesson.initiative_id, func.count()).where(
        Lesson.initiative_id.in_(ids), Lesson.deleted_at.is_(None)).group_by(Lesson.initiative_id)).all())
    scored = set(db.session.scalars(select(Score.initiative_id).where(Score.initiative_id.in_(ids)).distinct()))
    return {i.id: LifecycleFacts(
        initiative_id=i.id,
        owner_id=i.owner_id,
        missing_required_fields=i.missing_for_submit(),
        has_current_score=i.id in scored,
        business_case_gaps=cases[i.id].gaps() if i.id in cases else ("Business case",),
        open_milestones_without_variance=tuple(open_milestones.get(i.id, ())),
        benefits_without_actual=tuple(unmeasured.get(i.id, ())),
        lesson_count=lessons.get(i.id, 0),
        satisfaction_recorded=i.satisfaction_score is not None,
    ) for i in initiatives}


# What each trigger's inputs do to the row, besides moving its state.
def _record_inputs(initiative: Initiative, event: TransitionEvent, inputs: dict) -> None:
    if event.trigger == "submit" and initiative.submitted_at is None:
        initiative.submitted_at = utcnow()
    if event.trigger == "request_info":
        initiative.info_question = inputs["question"]
        initiative.info_answer = ""
    elif event.trigger == "resubmit":
        initiative.info_answer = inputs["answer"]
    elif event.trigger == "merge":
        initiative.merged_into_id = int(inputs["target_id"])
    if event.to_state in REASONED_END_STATES and event.reason:
        initiative.outcome_reason = event.reason


def lifecycle_for(initiative: Initiative, inputs: dict | None = None, gate_review_id: int | None = None) -> Lifecycle:
    """A Lifecycle bound to this one row; each fired event becomes an AuditEvent row."""
    inputs = inputs or {}

    def on_event(event: TransitionEvent) -> None:
        _record_inputs(initiative, event, inputs)
        initiative.state_changed_at = utcnow()
        db.session.add(AuditEvent(
            initiative_id=initiative.id, gate_review_id=gate_review_id, kind="transition",
            trigger=event.trigger, from_state=event.from_state, to_state=event.to_state,
            actor_id=event.actor_id, reason=event.reason or "",
            detail={k: v for k, v in (event.detail or {}).items() if _jsonable(v)},
        ))

    return Lifecycle(initiative, facts_for(initiative), on_event=on_event)


def fire(initiative: Initiative, trigger: str, user, **inputs) -> TransitionEvent:
    """Fire one lifecycle trigger by hand for `user`. Raises the workflow's errors."""
    if trigger == "merge" and inputs.get("target_id"):
        target = db.session.get(Initiative, int(inputs["target_id"]))
        inputs["target_state"] = target.state if target else "closed"
    return lifecycle_for(initiative, inputs).fire(trigger, actor_for(user), **inputs)


def funding_of(initiative: Initiative) -> str | None:
    """"capital" or "revenue" as the current business case says (docs/rules.md 9: funding is
    captured in the case); the initiative's own value only when it has no case (imported)."""
    case = current_case(initiative.id)
    return case.funding_type if case is not None else initiative.funding_type


def gate_spec_for(initiative: Initiative, code: str) -> GateSpec:
    """The gate's rules with the admin's settings applied (capital quorum where set)."""
    setting = db.session.get(GateSetting, code)
    if setting is None:
        return GATES[code]
    quorum = setting.quorum
    if setting.capital_quorum and funding_of(initiative) == "capital":
        quorum = setting.capital_quorum
    return gate_spec(code, approver_role=setting.approver_role, quorum=quorum)


def _jsonable(value) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


def available_triggers(initiative: Initiative, user) -> list[str]:
    """The lifecycle buttons `user` may press on this initiative now (never gate triggers).

    Whether a button is drawn depends only on the state, the user's roles and ownership:
    guards are checked when it is pressed, so the refusal can say why. That needs no
    guard facts, hence no queries, so boards may ask this for every card.
    """
    facts = LifecycleFacts(initiative_id=initiative.id, owner_id=initiative.owner_id)
    return Lifecycle(initiative, facts).available_triggers(actor_for(user))


def require_button(initiative: Initiative, trigger: str, user) -> None:
    """Refuse a lifecycle button `user` cannot press on this initiative now (the workflow's
    IllegalTransition or NotPermitted); like available_triggers, no queries."""
    facts = LifecycleFacts(initiative_id=initiative.id, owner_id=initiative.owner_id)
    Lifecycle(initiative, facts).require_button(trigger, actor_for(user), initiative.reference)


# An imported initiative arrives in its state from another tracker: no trigger of the
# machine moved it there, so its audit row is of its own kind and trigger, never a transition.
IMPORT_KIND = "import"
IMPORT_TRIGGER = "import"


def place_imported(placed: list[tuple[dict, str, int]], user, file_name: str) -> list[int]:
    """Insert new initiatives read from a tracker file in their starting state, audit each,
    and return their ids in the order given.

    `placed` holds (the initiative's column values, the state it arrives in, its row number
    in the file); every values dict must have the same keys. The state is written here,
    beside the lifecycle's own moves, so that this module stays the only code that writes
    `Initiative.state`. Each initiative gets one AuditEvent of kind "import" saying who
    imported it from which file and row (from_state is empty: it had no state here before).

    Thousands of rows take a fixed few statements: both tables are filled by one
    executemany each, without the ORM, which on SQLite inserts one row at a time when it
    must read back ids. The ids are read back in one query (the rows share their
    created_at instant, and titles are unique within an import), and the audit rows are
    chained in Python exactly as pmo_web.audit chains ORM inserts, under the same lock.
    Nothing is committed: the caller commits the whole import at once, or rolls it back.
    """
    if not placed:
        return []
    now = utcnow()
    db.session.flush()  # anything pending joins the chain before these rows
    db.session.execute(Initiative.__table__.insert(), [
        {**values, "state": state, "created_at": now, "state_changed_at": now,
         "submitted_at": None if state == "draft" else now}
        for values, state, _row in placed])
    ids = dict(db.session.execute(select(Initiative.title, Initiative.id).where(Initiative.created_at == now)).all())
    connection = db.session.connection()
    audit.lock_chain(connection)
    head = audit.head_hash(connection)
    events = []
    for values, state, row in placed:
        event = SimpleNamespace(
            initiative_id=ids[values["title"]], gate_review_id=None, kind=IMPORT_KIND, trigger=IMPORT_TRIGGER,
            from_state=None, to_state=state, actor_id=user.id, reason=f"Imported from {file_name}, row {row}",
            detail={"file": file_name, "row": row}, created_at=now)
        event.prev_hash, head = head, audit.chain_hash(head, event)
        event.hash = head
        events.append(vars(event))
    db.session.execute(AuditEvent.__table__.insert(), events)
    audit.forget_head(db.session)  # the next ORM append reads the new head
    return [ids[values["title"]] for values, _state, _row in placed]
