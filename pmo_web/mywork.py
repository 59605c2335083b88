"""My work: the home page, listing what waits on the signed-in person, by role (issue 14).

- a requester: their questions to answer, drafts to finish, the decisions on their requests
  with the reasons, and where each of their requests stands and who has it;
- the PMO: the triage queue, answers back and work to score, gates ready to request,
  rework returned by a gate, deferrals coming due, gate conditions due or overdue, highlight
  reports due, RAID items past their review date, and initiatives with no update for weeks;
- an approver: the gate reviews awaiting their decision (with the score and the case), and
  their recent decisions;
- an admin: set-up tasks (accounts that must have a second factor and have none, gates whose
  quorum was never set, gates whose approver role no one holds);
- anyone: the gate conditions they own that are due or overdue.

Each section says what to do next and links to the screen where it is done, asking
access.may_open first, so no link answers 403. Lists are capped at SHOWN rows with their
full count. Every section is a fixed few queries whatever the number of rows; the counted
sections are built from one SQL query each, and `count_for` counts the same queries in one
statement for the number beside "My work" in the menu.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import url_for
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from workflows.gate import GATE_FOR_STATE, GATES
from workflows.lifecycle import ACTIVE_STATES, STOPPED_STATES, TERMINAL_STATES
from workflows.next_step import Situation, failing_criteria, next_action

from . import access
from .extensions import db
from .gates.conditions import conditions_due_query, in_force
from .gates.service import deferred_query, rework_query, settling_decision
from .models import (
    AuditEvent,
    BusinessCase,
    GateCondition,
    GateDecision,
    GateReview,
    GateSetting,
    HighlightReport,
    Initiative,
    RaidItem,
    Score,
    SecondFactor,
    User,
    UserRole,
)
from .models.raid import ALL_OPEN_STATUSES
from .tags import state_tag_class
from .workflow import available_triggers, facts_for_many

SHOWN = 10  # rows listed per section; the heading gives the full count
DEFERRAL_WINDOW_DAYS = 7  # deferred gates due to be asked for again within a week
CONDITION_WINDOW_DAYS = 7  # gate conditions due within a week, and overdue ones
DECISIONS_WINDOW_DAYS = 60  # decisions on a requester's requests shown for two months
RECENT_DECISIONS = 5  # an approver's own recent decisions
STALE_WEEKS = 6  # initiatives with nothing recorded for this long
LIVE_STATES = tuple(s for s in GATE_FOR_STATE)  # a gate leads out of each


@dataclass
class Item:
    """One row of a section: what it is about, the facts to read, and the action's link."""

    title: str
    href: str | None = None  # the initiative (or thing) itself
    details: list[str] = field(default_factory=list)
    action: str | None = None  # the link text of what to do
    action_href: str | None = None
    tag: str | None = None  # a short status shown beside the title
    tag_class: str = ""
    quote: str | None = None  # a comment or question, shown as the person wrote it


@dataclass
class Section:
    """One heading of My work: what to do next, the rows, what an empty one says."""

    key: str
    title: str
    next_step: str
    empty: str
    items: list[Item] = field(default_factory=list)
    total: int = 0
    counted: bool = True  # counted in the menu's number
    link: tuple[str, str] | None = None  # (text, href) of the screen with the whole list


@dataclass
class MyWork:
    """Everything the home page shows, grouped by the roles the person holds."""

    groups: list[tuple[str, list[Section]]]

    @property
    def count(self) -> int:
        return sum(s.total for _title, sections in self.groups for s in sections if s.counted)


def _ref(initiative: Initiative) -> str:
    return f"{initiative.reference}: {initiative.title}"


def _initiative_href(initiative: Initiative) -> str:
    return url_for("initiatives.show", initiative_id=initiative.id)


def _total(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _listed(query) -> tuple[list, int]:
    """The first SHOWN rows of `query` and how many there are in all (always two statements)."""
    rows = list(db.session.scalars(query.limit(SHOWN)).unique())
    return rows, _total(query)


def _link(user, endpoint: str, initiative: Initiative | None = None, **values) -> str | None:
    """The URL of `endpoint` when `user` may open it, else None (never a link to a 403)."""
    if not access.may_open(user, endpoint, initiative):
        return None
    if initiative is not None:
        values.setdefault("initiative_id", initiative.id)
    return url_for(endpoint, **values)


def _since(value: datetime | None) -> datetime:
    return value if value is not None else datetime.min.replace(tzinfo=UTC)


# ----------------------------------------------------------------------- the counted queries


def _questions(user):
    return (select(Initiative).where(Initiative.owner_id == user.id, Initiative.state == "info_requested")
            .order_by(Initiative.state_changed_at, Initiative.id))


def _drafts(user):
    return (select(Initiative).where(Initiative.owner_id == user.id, Initiative.state == "draft")
            .order_by(Initiative.created_at, Initiative.id))


def _my_conditions(user, today: date):
    return conditions_due_query(today, within_days=CONDITION_WINDOW_DAYS, owner=user, viewer=user)


def _triage(user):
    """Submitted requests, and those in triage with no answer back to read."""
    return (access.visible_initiatives(user)
            .where(or_(Initiative.state == "submitted",
                       and_(Initiative.state == "triage", Initiative.info_answer == "")))
            .order_by(Initiative.submitted_at, Initiative.id))


def _waiting_on_pmo(user):
    """Answers back from requesters (in triage again), and accepted work with no score yet."""
    scored = exists().where(Score.initiative_id == Initiative.id)
    return (access.visible_initiatives(user)
            .where(or_(and_(Initiative.state == "triage", Initiative.info_answer != ""),
                       and_(Initiative.state == "scoring", ~scored)))
            .order_by(Initiative.state_changed_at, Initiative.id))


def _pmo_conditions(user, today: date):
    return conditions_due_query(today, within_days=CONDITION_WINDOW_DAYS, viewer=user)


def report_window_start(today: date) -> date:
    """The first day of last calendar month: a report issued since then is recent enough
    (as the daily digest counts it)."""
    from .notifications.digest import report_window_start as digest_window

    return digest_window(today)


def _reports_due(user, today: date):
    """In delivery, managed by this officer or by no one, with no report issued since last month began."""
    since = report_window_start(today)
    issued = exists().where(HighlightReport.initiative_id == Initiative.id, HighlightReport.status == "issued",
                            HighlightReport.issued_at >= datetime(since.year, since.month, 1, tzinfo=UTC))
    return (access.visible_initiatives(user)
            .where(Initiative.state == "delivery", ~issued,
                   or_(Initiative.manager_id == user.id, Initiative.manager_id.is_(None)))
            .order_by(Initiative.id))


def _raid_overdue(user, today: date):
    """Open RAID items of live work past their review (or due) date, on work this officer
    manages, owns the item of, or that has no manager."""
    watched = func.coalesce(RaidItem.review_date, RaidItem.due_date)
    return (select(RaidItem).join(Initiative, Initiative.id == RaidItem.initiative_id)
            .where(RaidItem.deleted_at.is_(None), RaidItem.status.in_(ALL_OPEN_STATUSES),
                   watched < today, Initiative.state.not_in((*TERMINAL_STATES, "draft")),
                   access.visible_clause(user),
                   or_(RaidItem.owner_id == user.id, Initiative.manager_id == user.id,
                       Initiative.manager_id.is_(None)))
            .order_by(watched, RaidItem.id))


def _last_update():
    """SQL: the moment anything was last recorded about the initiative (its audit trail)."""
    return (select(func.max(AuditEvent.created_at)).where(AuditEvent.initiative_id == Initiative.id)
            .correlate(Initiative).scalar_subquery())


def _stale(user, today: date):
    cutoff = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(weeks=STALE_WEEKS)
    last = func.coalesce(_last_update(), Initiative.created_at)
    return (access.visible_initiatives(user)
            .where(Initiative.state.in_(ACTIVE_STATES), last < cutoff)
            .order_by(last, Initiative.id))


def _awaiting(user):
    return GateReview.awaiting(user).options(selectinload(GateReview.decisions))


def _counted_queries(user, today: date) -> list:
    """The queries of the counted sections this person sees, in the order of the page."""
    queries = []
    if access.decides_gates(user):
        queries.append(_awaiting(user))
    if access.can_manage(user):
        queries += [_triage(user), _waiting_on_pmo(user), rework_query(user),
                    deferred_query(user, today + timedelta(days=DEFERRAL_WINDOW_DAYS)),
                    _pmo_conditions(user, today), _reports_due(user, today), _raid_overdue(user, today),
                    _stale(user, today)]
    if user.has_role("requester"):
        queries += [_questions(user), _drafts(user)]
    if not access.can_manage(user):
        queries.append(_my_conditions(user, today))
    return queries


def count_for(user, today: date) -> int:
    """The number beside "My work" in the menu: the rows of the counted sections, in one
    statement (plus the admin's set-up checks, for an admin)."""
    queries = _counted_queries(user, today)
    total = 0
    if queries:
        counts = [select(func.count()).select_from(q.order_by(None).subquery()).scalar_subquery() for q in queries]
        total = sum(db.session.execute(select(*counts)).one())
    if user.has_role("admin"):
        total += len(_setup_items(user))
    return total


# ---------------------------------------------------------------------------- the sections


def _next_actions(initiatives: list[Initiative], today: date) -> dict[int, object]:
    """next_action for each initiative, from a fixed few queries: their latest gate reviews
    and the facts the guards read."""
    ids = [i.id for i in initiatives]
    if not ids:
        return {}
    latest = select(func.max(GateReview.id)).where(GateReview.initiative_id.in_(ids)).group_by(
        GateReview.initiative_id)
    reviews = {r.initiative_id: r for r in db.session.scalars(select(GateReview).where(GateReview.id.in_(latest)))}
    facts = facts_for_many(initiatives)
    actions = {}
    for initiative in initiatives:
        actions[initiative.id] = next_action(situation_of(initiative, reviews.get(initiative.id),
                                                          facts[initiative.id], today))
    return actions


def gate_situation(initiative: Initiative, review: GateReview | None) -> str:
    """"requested", "deferred", "returned" or "none": the latest review as the rule reads it."""
    if review is None or initiative.state != GATES[review.gate].from_state:
        return "none"
    if review.state in ("requested", "deferred"):
        return review.state
    if review.state == "decided" and review.outcome in ("returned", "rejected"):
        return "returned"
    return "none"


def situation_of(initiative: Initiative, review: GateReview | None, facts, today: date,
                 extra_failing: tuple[str, ...] = ()) -> Situation:
    """The facts the next-step rule reads about one initiative."""
    gate = gate_situation(initiative, review)
    failing = tuple(c.reason for c in failing_criteria(initiative.state, facts)) + extra_failing
    return Situation(state=initiative.state, gate=gate, has_current_score=facts.has_current_score,
                     failing=failing,
                     defer_due=bool(gate == "deferred" and review.defer_until and review.defer_until <= today))


def _requester_sections(user, today: date) -> list[Section]:
    questions, questions_total = _listed(_questions(user))
    drafts, drafts_total = _listed(_drafts(user))
    sections = [
        Section("questions", "Questions to answer", "Answer the PMO's question so your request can be triaged.",
                "The PMO has asked you nothing: there is no question to answer.", total=questions_total,
                items=[Item(_ref(i), _initiative_href(i), quote=i.info_question,
                            details=[f"Asked on {_day(i.state_changed_at)}"],
                            action="Answer the question" if "resubmit" in available_triggers(i, user) else None,
                            action_href=url_for("initiatives.transition", initiative_id=i.id, trigger="resubmit")
                            if "resubmit" in available_triggers(i, user) else None)
                       for i in questions]),
        Section("drafts", "Drafts to finish", "Finish each draft and submit it: until then only you can see it.",
                "You have no drafts.", total=drafts_total,
                items=[Item(_ref(i), _initiative_href(i), details=[f"Started on {_day(i.created_at)}"]
                            + ([f"Still to fill in: {', '.join(i.missing_for_submit())}"]
                               if i.missing_for_submit() else ["Ready to submit"]),
                            action="Edit the draft", action_href=_link(user, "intake.edit", i)) for i in drafts]),
        _decisions_received(user, today),
        _my_requests(user, today),
    ]
    return sections


def _decisions_received(user, today: date) -> Section:
    """Gate decisions on this person's requests in the last two months, and requests ended
    (rejected, cancelled ...), each with the reason given."""
    since = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(days=DECISIONS_WINDOW_DAYS)
    reviews = list(db.session.scalars(
        select(GateReview).join(Initiative, Initiative.id == GateReview.initiative_id)
        .where(Initiative.owner_id == user.id, GateReview.state != "requested", GateReview.decided_at >= since,
               GateReview.outcome.is_not(None))
        .options(selectinload(GateReview.decisions).selectinload(GateDecision.approver))
        .order_by(GateReview.decided_at.desc(), GateReview.id.desc()).limit(SHOWN)))
    ended = list(db.session.scalars(
        select(Initiative).where(Initiative.owner_id == user.id,
                                 Initiative.state.in_(STOPPED_STATES),
                                 Initiative.submitted_at.is_not(None), Initiative.state_changed_at >= since)
        .order_by(Initiative.state_changed_at.desc()).limit(SHOWN)))
    rows: list[tuple[datetime, Item]] = []
    for review in reviews:
        decision = settling_decision(review)
        gate = f"Gate {review.gate.removeprefix('G')}"
        outcome = {"approved": "approved", "rejected": "rejected", "returned": "returned for rework",
                   "deferred": "deferred"}.get(review.outcome or "", review.outcome or "")
        details = [f"{gate} {outcome} on {_day(review.decided_at)}"]
        if review.outcome == "deferred" and review.defer_until:
            details.append(f"To be looked at again on {_day(review.defer_until)}")
        rows.append((_since(review.decided_at), Item(
            _ref(review.initiative), _initiative_href(review.initiative), details=details,
            tag=outcome.capitalize(), quote=decision.comment if decision and decision.comment else None,
            action="Read the decision", action_href=url_for("gates.review", review_id=review.id))))
    for initiative in ended:
        rows.append((_since(initiative.state_changed_at), Item(
            _ref(initiative), _initiative_href(initiative), tag=initiative.state_label,
            details=[f"{initiative.state_label} on {_day(initiative.state_changed_at)}"],
            quote=initiative.outcome_reason or None)))
    rows.sort(key=lambda row: row[0], reverse=True)
    items = [item for _when, item in rows[:SHOWN]]
    return Section("decisions", "Decisions on your requests",
                   "Read each decision and its reasons; the PMO contacts you if anything more is needed.",
                   f"No decisions on your requests in the last {DECISIONS_WINDOW_DAYS} days.",
                   items=items, total=len(items), counted=False)


def _my_requests(user, today: date) -> Section:
    """Every submitted request of this person still under way: its stage and who has it."""
    query = (select(Initiative).where(Initiative.owner_id == user.id, Initiative.state != "draft",
                                      Initiative.state.not_in(TERMINAL_STATES))
             .order_by(Initiative.state_changed_at.desc(), Initiative.id.desc()))
    initiatives, total = _listed(query)
    actions = _next_actions(initiatives, today)
    items = []
    for initiative in initiatives:
        action = actions[initiative.id]
        holder = "You" if action.holder == "requester" else action.holder_label
        items.append(Item(_ref(initiative), _initiative_href(initiative), tag=initiative.state_label,
                          tag_class=_tag_class(initiative.state),
                          details=[f"Next: {holder} – {action.text}"]))
    return Section("requests", "Your requests", "Open a request to see what happens next and who has it.",
                   "You have no requests under way.", items=items, total=total, counted=False,
                   link=("All your requests", url_for("intake.mine")))


def _conditions_section(key: str, title: str, rows: list[GateCondition], total: int, today: date,
                        next_step: str) -> Section:
    items = []
    for condition in rows:
        overdue = condition.overdue_on(today)
        page = url_for("gates.condition", initiative_id=condition.initiative_id, condition_id=condition.id)
        items.append(Item(
            condition.text, page,
            details=[f"{_ref(condition.initiative)}", f"Set at Gate {condition.gate.removeprefix('G')}",
                     f"Owner: {condition.owner_name}", f"Due {_day(condition.due)}"],
            tag="Overdue" if overdue else "Due soon", tag_class="govuk-tag--red" if overdue else "govuk-tag--yellow",
            action="Open the condition", action_href=page))
    return Section(key, title, next_step, f"No gate conditions are due in the next {CONDITION_WINDOW_DAYS} days "
                   "or overdue.", items=items, total=total)


def _pmo_sections(user, today: date) -> list[Section]:
    triage, triage_total = _listed(_triage(user))
    waiting, waiting_total = _listed(_waiting_on_pmo(user))
    rework_rows, rework_total = _listed(rework_query(user))
    deferred_rows, deferred_total = _listed(deferred_query(user, today + timedelta(days=DEFERRAL_WINDOW_DAYS)))
    conditions, conditions_total = _listed(_pmo_conditions(user, today))
    reports, reports_total = _listed(_reports_due(user, today).options(selectinload(Initiative.manager)))
    raid, raid_total = _listed(_raid_overdue(user, today).options(selectinload(RaidItem.initiative)))
    stale, stale_total = _listed(_stale(user, today))
    last_updates = _last_updates([i.id for i in stale])
    board = _link(user, "triage.board")
    return [
        Section("triage", "Triage queue", "Start triage on each new request, then accept it, ask a question, "
                "merge it or reject it.", "No requests are waiting for triage.", total=triage_total,
                link=("Open the triage board", board) if board else None,
                items=[Item(_ref(i), _initiative_href(i), tag=i.state_label, tag_class=_tag_class(i.state),
                            details=[f"Submitted on {_day(i.submitted_at)} by {i.owner.name}"],
                            action="Triage it", action_href=_initiative_href(i)) for i in triage]),
        Section("waiting", "Requests waiting on you", "Read each answer and decide; score each accepted "
                "initiative so it can go to Gate 1.", "No answers are back and nothing is waiting to be scored.",
                total=waiting_total, items=[_waiting_item(user, i) for i in waiting]),
        _gates_ready(user, today),
        Section("rework", "Returned for rework", "Fix what the approvers asked for, then request the gate again.",
                "No gate has returned work that is still to be resubmitted.", total=rework_total,
                items=[_rework_item(user, r) for r in rework_rows]),
        Section("deferrals", "Deferrals coming due", f"Request each deferred gate again when its date comes "
                f"(those due in the next {DEFERRAL_WINDOW_DAYS} days, and any past their date).",
                f"No deferred gate is due in the next {DEFERRAL_WINDOW_DAYS} days.", total=deferred_total,
                items=[_deferral_item(r, today) for r in deferred_rows]),
        _conditions_section("conditions", "Gate conditions due or overdue", conditions, conditions_total, today,
                            "Chase each condition's owner; record it as met with the evidence, or ask an "
                            "approver to waive it."),
        Section("reports", "Highlight reports due", "Write and issue this month's highlight report for each "
                "initiative in delivery you manage (or that has no manager).",
                "No highlight reports are due.", total=reports_total,
                items=[Item(_ref(i), _initiative_href(i), details=[_manager_line(i)],
                            action="Write the report", action_href=_link(user, "reports.new", i)
                            or _link(user, "reports.index", i)) for i in reports]),
        Section("raid", "RAID items past their review date", "Review each item with its owner and set its next "
                "review date, or close it.", "No RAID items are past their review date.", total=raid_total,
                items=[Item(item.title, url_for("raid.log", initiative_id=item.initiative_id)
                            + f"#raid-item-{item.id}",
                            details=[_ref(item.initiative), f"{item.kind_label}, {item.watch_date_label.lower()} "
                                     f"{_day(item.watch_date)}"],
                            tag=item.kind_label, action="Review it",
                            action_href=_link(user, "raid.item_edit", item.initiative,
                                              raid_item_id=item.id)) for item in raid]),
        Section("stale", f"No update for {STALE_WEEKS} weeks or more", "Ask for news, and record it: a "
                "report, a milestone, a RAID review.", f"Every initiative under way has had an update in the last "
                f"{STALE_WEEKS} weeks.", total=stale_total,
                items=[Item(_ref(i), _initiative_href(i), tag=i.state_label, tag_class=_tag_class(i.state),
                            details=[f"Last update on {_day(last_updates.get(i.id) or i.created_at)}"])
                       for i in stale]),
    ]


def _manager_line(initiative: Initiative) -> str:
    return f"Manager: {initiative.manager.name}" if initiative.manager else "No manager named"


def _waiting_item(user, initiative: Initiative) -> Item:
    if initiative.state == "triage":
        return Item(_ref(initiative), _initiative_href(initiative), tag="Answer received",
                    details=[f"You asked: {initiative.info_question}"], quote=initiative.info_answer,
                    action="Read the answer and decide", action_href=_initiative_href(initiative))
    return Item(_ref(initiative), _initiative_href(initiative), tag="To score",
                details=[f"Accepted on {_day(initiative.state_changed_at)}"],
                action="Score it", action_href=_link(user, "scoring.score", initiative))


def _rework_item(user, review: GateReview) -> Item:
    decision = settling_decision(review)
    gate = f"Gate {review.gate.removeprefix('G')}"
    what = "returned for rework" if review.outcome == "returned" else "rejected"
    return Item(_ref(review.initiative), _initiative_href(review.initiative), tag=f"{gate} {what}",
                details=[f"{gate} {what} on {_day(review.decided_at)}"
                         + (f" by {decision.approver.name}" if decision else "")],
                quote=decision.comment if decision else None,
                action=f"Request {gate} again", action_href=_link(user, "gates.request_review", review.initiative))


def _deferral_item(review: GateReview, today: date) -> Item:
    decision = settling_decision(review)
    gate = f"Gate {review.gate.removeprefix('G')}"
    due = review.defer_until is not None and review.defer_until <= today
    return Item(_ref(review.initiative), _initiative_href(review.initiative),
                tag="Due now" if due else "Due soon", tag_class="govuk-tag--red" if due else "govuk-tag--yellow",
                details=[f"{gate} deferred until {_day(review.defer_until)}"],
                quote=decision.comment if decision else None,
                action=f"Open {gate} to request it again", action_href=url_for("gates.review", review_id=review.id))


def _gates_ready(user, today: date) -> Section:
    """Initiatives whose next gate's entry criteria all pass, with no review in play: the PMO
    may request it now. The guards decide (workflows/), read for all of them at once."""
    in_play = (select(GateReview.id).where(GateReview.initiative_id == Initiative.id,
                                           GateReview.state.in_(("requested", "deferred"))))
    latest_returned = (select(GateReview.id).where(
        GateReview.id.in_(select(func.max(GateReview.id)).group_by(GateReview.initiative_id)),
        GateReview.initiative_id == Initiative.id, GateReview.state == "decided",
        GateReview.outcome.in_(("returned", "rejected"))))
    open_condition = (select(GateCondition.id).where(GateCondition.initiative_id == Initiative.id,
                                                     GateCondition.state == "open", in_force()))
    candidates = list(db.session.scalars(
        access.visible_initiatives(user)
        .where(Initiative.state.in_(LIVE_STATES), ~exists(in_play), ~exists(latest_returned),
               # Conditions of an earlier gate hold a later one back; checked here as the
               # rule in workflows/conditions.py does, for all candidates at once.
               ~exists(open_condition))
        .order_by(Initiative.state_changed_at, Initiative.id)))
    facts = facts_for_many(candidates)
    ready = [i for i in candidates if not failing_criteria(i.state, facts[i.id])]
    items = []
    for initiative in ready[:SHOWN]:
        code = GATE_FOR_STATE[initiative.state]
        gate = f"Gate {code.removeprefix('G')}"
        items.append(Item(_ref(initiative), _initiative_href(initiative), tag=initiative.state_label,
                          tag_class=_tag_class(initiative.state),
                          details=[f"{gate} ({GATES[code].name}): every entry criterion is met"],
                          action=f"Request {gate}",
                          action_href=_link(user, "gates.request_review", initiative)))
    return Section("ready", "Gates ready to request", "Request each gate review: every entry criterion is met.",
                   "No initiative has a gate ready to request.", items=items, total=len(ready), counted=False)


def _last_updates(ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    return dict(db.session.execute(select(AuditEvent.initiative_id, func.max(AuditEvent.created_at))
                                   .where(AuditEvent.initiative_id.in_(ids))
                                   .group_by(AuditEvent.initiative_id)).all())


def _approver_sections(user, today: date) -> list[Section]:
    reviews, total = _listed(_awaiting(user))
    ids = [r.initiative_id for r in reviews]
    scores = _latest_scores(ids)
    cases = _latest_cases(ids)
    items = []
    for review in reviews:
        initiative = review.initiative
        details = [f"Gate {review.gate.removeprefix('G')}: {GATES[review.gate].name}",
                   f"Requested on {_day(review.requested_at)}"]
        score = scores.get(initiative.id)
        details.append(f"Score {score.total} out of 100, {score.effective_band} priority" if score
                       else "Not scored")
        if review.quorum > 1:
            details.append(f"{review.approvals} of {review.quorum} approvals so far")
        case = cases.get(initiative.id)
        summary = None
        if case is not None:
            details.append(f"Business case version {case.version}: whole-life cost £{case.whole_life_cost():,.0f}")
            summary = _shorten(case.strategic_case)
        items.append(Item(_ref(initiative), _initiative_href(initiative), details=details,
                          quote=summary or initiative.description or None,
                          action="Open the review and decide",
                          action_href=url_for("gates.review", review_id=review.id)))
    queue = _link(user, "gates.queue")
    decisions = list(db.session.scalars(
        select(GateDecision).where(GateDecision.approver_id == user.id)
        .options(selectinload(GateDecision.review))
        .order_by(GateDecision.created_at.desc(), GateDecision.id.desc()).limit(RECENT_DECISIONS)))
    from workflows.gate import DECISION_LABELS

    recent = [Item(_ref(d.review.initiative), url_for("gates.review", review_id=d.review_id),
                   tag=DECISION_LABELS.get(d.decision, d.decision),
                   details=[f"Gate {d.review.gate.removeprefix('G')}, decided on {_day(d.created_at)}"],
                   quote=d.comment or None) for d in decisions]
    return [
        Section("awaiting", "Awaiting your decision", "Open each review, read the case and the entry criteria, "
                "and record your decision.", "No gate reviews are waiting for your decision.", items=items,
                total=total, link=("Open your decision queue", queue) if queue else None),
        Section("recent", "Your recent decisions", "Nothing to do: these are for reference.",
                "You have not decided any gate yet.", items=recent, total=len(recent), counted=False),
    ]


def _latest_scores(ids: list[int]) -> dict[int, Score]:
    if not ids:
        return {}
    latest = select(func.max(Score.id)).where(Score.initiative_id.in_(ids)).group_by(Score.initiative_id)
    return {s.initiative_id: s for s in db.session.scalars(select(Score).where(Score.id.in_(latest)))}


def _latest_cases(ids: list[int]) -> dict[int, BusinessCase]:
    if not ids:
        return {}
    latest = (select(func.max(BusinessCase.id)).where(BusinessCase.initiative_id.in_(ids))
              .group_by(BusinessCase.initiative_id))
    return {c.initiative_id: c for c in db.session.scalars(select(BusinessCase).where(BusinessCase.id.in_(latest)))}


def _setup_items(user) -> list[Item]:
    """What an admin has still to set up, from the real settings and accounts."""
    from .auth.mfa import required_roles

    items = []
    needing = required_roles()
    if needing:
        without = list(db.session.scalars(
            select(User).join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role.in_(needing),
                   ~exists().where(SecondFactor.user_id == User.id))
            .order_by(User.name, User.id)).unique())
        for person in without:
            items.append(Item(f"{person.name} has no second factor", None,
                              details=[f"{person.email}: must set one up at their next sign-in "
                                       f"({', '.join(sorted(person.roles & needing))})"],
                              tag="Second factor", action="Check their account",
                              action_href=_link(user, "admin.user_edit", user_id=person.id)))
    settings = {s.code: s for s in db.session.scalars(select(GateSetting))}
    held = set(db.session.scalars(select(UserRole.role).join(User, User.id == UserRole.user_id)
                                  .where(User.active.is_(True)).distinct()))
    for code, spec in GATES.items():
        setting = settings.get(code)
        gate = f"Gate {code.removeprefix('G')}"
        if setting is None:
            items.append(Item(f"{gate}: quorum not configured", None, tag="Gates",
                              details=[f"{gate} uses the default: {spec.quorum} {spec.approver_role} approval"],
                              action="Set the gate's approvers and quorum", action_href=_link(user, "admin.gates")))
        role = setting.approver_role if setting else spec.approver_role
        if role not in held:
            items.append(Item(f"{gate}: no one can decide it", None, tag="Gates",
                              details=[f"No active user holds the {role} role that decides {gate}"],
                              action="Give someone the role", action_href=_link(user, "admin.users")))
    return items


def _admin_sections(user) -> list[Section]:
    items = _setup_items(user)
    return [Section("setup", "Set-up tasks", "Finish setting the service up: each task links to its screen.",
                    "Nothing is left to set up.", items=items[:SHOWN], total=len(items),
                    link=("Open the admin pages", url_for("admin.index")))]


def build(user, today: date) -> MyWork:
    """My work for `user` on `today`: a group of sections per role they hold."""
    groups: list[tuple[str, list[Section]]] = []
    if access.decides_gates(user):
        groups.append(("Gate decisions", _approver_sections(user, today)))
    if access.can_manage(user):
        groups.append(("PMO work", _pmo_sections(user, today)))
    if user.has_role("requester"):
        groups.append(("Your requests", _requester_sections(user, today)))
    if not access.can_manage(user):
        rows, total = _listed(_my_conditions(user, today))
        groups.append(("Gate conditions", [_conditions_section(
            "my-conditions", "Gate conditions you own", rows, total, today,
            "Do what each condition asks by its due date, then record it as met with the evidence.")]))
    if user.has_role("admin"):
        groups.append(("Administration", _admin_sections(user)))
    return MyWork(groups)


def _day(value) -> str:
    if not value:
        return "an unknown date"
    return f"{value.day} {value:%B %Y}"


def _shorten(text: str, limit: int = 280) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _tag_class(state: str) -> str:
    return state_tag_class(state)
