"""Demo registers: the RAID logs, more lessons and valued benefits of the seeded portfolio.

Called once from pmo_web.demo.seed() after the initiatives have walked their lifecycle, so
each log matches where its initiative stands: work in business case and delivery keeps open
risks (some with reviews overdue), assumptions, issues and dependencies; finished work keeps
a closed log. A few items are escalated to the boards, some initiatives wait on each other
(one on work that is paused, one on work that is late) and on outside bodies, and every
initiative at benefits review or closed has two to four lessons. The data is the same on
every run (its own seeded generator); dates move with today.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from workflows.lifecycle import CASED_STATES, DELIVERED_STATES

from ..extensions import db
from ..models import Benefit, Initiative, Lesson, RaidItem
from .cast import Cast
from .datafiles import load
from .portfolio import INITIATIVES, PROJECT_MANAGERS

# Initiatives far enough on to keep a RAID log, and those whose log is history.
LOGGED_STATES = CASED_STATES
FINISHED_STATES = DELIVERED_STATES
CORPORATE_DELIVERY_BOARD = "Corporate Delivery Board"
CHIEF_OFFICER_GROUP = "Chief Officer Group"
# What an hour of officer or staff time released is worth, fully loaded (salary, on-costs,
# overheads): how the force values non-cash-releasing benefits in its business cases.
HOURLY_VALUE = Decimal(32)


@dataclass(frozen=True)
class Risk:
    title: str
    description: str  # cause, event, effect
    category: str
    likelihood: int
    impact: int
    response: str
    mitigation: str


@dataclass(frozen=True)
class Note:
    """An assumption, issue or external dependency: title, description and, for issues, type
    and priority; for dependencies, the outside party."""

    title: str
    description: str
    issue_type: str = ""
    priority: str = ""
    party: str = ""


# --------------------------------------------------------------------------- the pools
# In data/registers.json; the further lessons are in data/lessons.json ("more").

_POOLS = load("registers")
RISKS_BY_KIND = {kind: tuple(Risk(**risk) for risk in risks) for kind, risks in _POOLS["risks_by_kind"].items()}
COMMON_RISKS = tuple(Risk(**risk) for risk in _POOLS["common_risks"])
ASSUMPTIONS = tuple(Note(**note) for note in _POOLS["assumptions"])
ISSUES = tuple(Note(**note) for note in _POOLS["issues"])
EXTERNAL_DEPENDENCIES = {kind: tuple(Note(**note) for note in notes)
                         for kind, notes in _POOLS["external_dependencies"].items()}
# Escalations: (initiative title, kind, board, title, description, note, likelihood and impact
# of a risk or priority of an issue)
ESCALATIONS = tuple((e["initiative"], e["kind"], e["board"], e["title"], e["description"], e["note"],
                     tuple(e["level"]) if isinstance(e["level"], list) else e["level"])
                    for e in _POOLS["escalations"])
# Dependencies between seeded initiatives: (waiting, provider, title, description)
INITIATIVE_DEPENDENCIES = tuple((d["waiting"], d["provider"], d["title"], d["description"])
                                for d in _POOLS["initiative_dependencies"])
EXTRA_LESSONS = tuple(load("lessons")["more"])


# ------------------------------------------------------------------------------ seeding


def seed(cast: Cast, today: datetime) -> None:
    """Add the registers to the initiatives `cast` walked; nothing if any RAID item exists."""
    if db.session.scalar(select(RaidItem.id).limit(1)) is not None:
        return
    rng = random.Random(4)
    kinds = {demo.title: demo.kind for demo in INITIATIVES}
    logged = {title: initiative for title, initiative in cast.walked.items() if initiative.state in LOGGED_STATES}
    staff = [cast.people[email] for email in PROJECT_MANAGERS]
    day = today.date()
    for title in sorted(logged, key=lambda t: logged[t].id):
        initiative = logged[title]
        _at(cast, initiative, rng, today)
        owners = [person for person in (initiative.manager, *staff) if person is not None]
        _log(initiative, kinds[title], owners, rng, day, cast)
        db.session.flush()  # its audit rows take the time the log was written
    cast.clock.start(today - timedelta(days=rng.uniform(1, 5)))
    _escalate(logged, rng, day, cast)
    _link_dependencies(logged, rng, day, cast)
    _add_lessons(logged, rng, day, cast)
    _value_benefits(logged)
    db.session.flush()


def _at(cast: Cast, initiative: Initiative, rng: random.Random, today: datetime) -> None:
    """Put the demo clock where this initiative's log was written: after it reached business case."""
    age = (today - initiative.created_at).total_seconds() / 86400 if initiative.created_at else 60
    cast.clock.start(today - timedelta(days=max(1.0, age * rng.uniform(0.05, 0.4))))


def _item(initiative: Initiative, kind: str, owner, cast: Cast, **fields) -> RaidItem:
    item = RaidItem(initiative_id=initiative.id, kind=kind, owner_id=owner.id, created_by_id=owner.id,
                    created_at=cast.clock.now, **fields)
    db.session.add(item)
    return item


def _log(initiative: Initiative, kind: str, owners: list, rng: random.Random, day: date, cast: Cast) -> None:
    """Three to eight items for one initiative, open or closed as its state says."""
    finished = initiative.state in FINISHED_STATES
    risks = rng.sample(RISKS_BY_KIND[kind], rng.randint(1, 3)) + rng.sample(COMMON_RISKS, rng.randint(1, 2))
    assumptions = rng.sample(ASSUMPTIONS, rng.randint(0, 1) if len(risks) > 2 else 1)
    issues = rng.sample(ISSUES, rng.randint(0, 2) if len(risks) < 5 else 1)
    externals = rng.sample(EXTERNAL_DEPENDENCIES[kind], rng.randint(0, 1))
    for risk in risks:
        still_open = not finished and rng.random() < 0.85
        # Reviews fall due over the coming weeks; a few have already been missed.
        review = day + timedelta(days=rng.randint(-21, 50) if still_open else -rng.randint(30, 200))
        _item(initiative, "risk", rng.choice(owners), cast, title=risk.title, description=risk.description,
              category=risk.category, likelihood=risk.likelihood, impact=risk.impact, response=risk.response,
              mitigation=risk.mitigation, status="open" if still_open else "closed", review_date=review,
              proximity_date=day + timedelta(days=rng.randint(30, 240)) if still_open else None)
    for note in assumptions:
        _item(initiative, "assumption", rng.choice(owners), cast, title=note.title, description=note.description,
              status="valid" if finished else rng.choice(("unvalidated", "unvalidated", "valid")),
              due_date=day + timedelta(days=rng.randint(-10, 90)))
    for note in issues:
        still_open = not finished and rng.random() < 0.7
        _item(initiative, "issue", rng.choice(owners), cast, title=note.title, description=note.description,
              issue_type=note.issue_type, priority=note.priority,
              status="open" if still_open else "resolved",
              resolution="" if still_open else "Resolved by the project team; no lasting effect on the plan.",
              due_date=day + timedelta(days=rng.randint(-7, 30) if still_open else -rng.randint(20, 120)))
    for note in externals:
        _item(initiative, "dependency", rng.choice(owners), cast, title=note.title, description=note.description,
              external_party=note.party, direction="we_need", status="met" if finished else "open",
              due_date=day + timedelta(days=rng.randint(-5, 120)))


def _escalate(logged: dict, rng: random.Random, day: date, cast: Cast) -> None:
    """The items the projects have put to the boards, each with what the board is asked to do."""
    for title, kind, board, item_title, description, note, level in ESCALATIONS:
        initiative = logged.get(title)
        if initiative is None:
            continue
        owner = initiative.manager or cast.people["pmo@demo.local"]
        fields = dict(title=item_title, description=description, status="open", escalated=True,
                      escalated_to=board, escalation_note=note,
                      escalated_at=cast.clock.latest - timedelta(days=rng.randint(2, 40), hours=rng.randint(0, 8)))
        if kind == "risk":
            fields.update(likelihood=level[0], impact=level[1], category="operational", response="reduce",
                          mitigation="Options paper to the board; interim measures in place.",
                          review_date=day + timedelta(days=rng.randint(3, 14)))
        else:
            fields.update(issue_type="problem", priority=level, due_date=day + timedelta(days=rng.randint(5, 21)))
        _item(initiative, kind, owner, cast, **fields)


def _link_dependencies(logged: dict, rng: random.Random, day: date, cast: Cast) -> None:
    """Initiatives that wait on each other; needed-by dates fall before a late provider's forecast."""
    for waiting_title, provider_title, title, description in INITIATIVE_DEPENDENCIES:
        waiting, provider = logged.get(waiting_title), logged.get(provider_title)
        if waiting is None or provider is None:
            continue
        needed_by = provider.forecast_end - timedelta(days=rng.randint(10, 30)) \
            if provider.forecast_end and provider.forecast_end > day else day + timedelta(days=rng.randint(30, 90))
        _item(waiting, "dependency", waiting.manager or cast.people["pmo@demo.local"], cast, title=title,
              description=description, depends_on_id=provider.id, direction="we_need",
              status="met" if waiting.state in FINISHED_STATES else "open", due_date=needed_by)


def _add_lessons(logged: dict, rng: random.Random, day: date, cast: Cast) -> None:
    """Two to four lessons for every initiative at benefits review or closed."""
    finished = [initiative for initiative in logged.values() if initiative.state in FINISHED_STATES]
    counts = dict(db.session.execute(
        select(Lesson.initiative_id, func.count(Lesson.id))
        .where(Lesson.initiative_id.in_([initiative.id for initiative in finished]))
        .group_by(Lesson.initiative_id)).all())
    given = 0
    for initiative in sorted(finished, key=lambda i: i.id):
        have = counts.get(initiative.id, 0)
        author = initiative.manager or cast.people["pmo@demo.local"]
        for _ in range(max(0, rng.randint(2, 4) - have)):
            lesson = EXTRA_LESSONS[given % len(EXTRA_LESSONS)]
            given += 1
            db.session.add(Lesson(initiative_id=initiative.id, owner=author.name, logged_by_id=author.id,
                                  date_added=day - timedelta(days=rng.randint(5, 60)), **lesson))


HOURS = re.compile(r"([\d,]+)\s*hours")


def _value_benefits(logged: dict) -> None:
    """Officer and staff hours released, valued in pounds: planned from the target, realised from the actual."""
    ids = [initiative.id for initiative in logged.values()]
    for benefit in db.session.scalars(select(Benefit).where(Benefit.initiative_id.in_(ids),
                                                            Benefit.category == "non_cash_releasing",
                                                            Benefit.planned_value.is_(None))):
        planned = HOURS.search(benefit.target_value or "")
        if planned:
            benefit.planned_value = int(planned.group(1).replace(",", "")) * HOURLY_VALUE
        actual = HOURS.search(benefit.actual_value or "")
        if actual:
            benefit.realised_value = int(actual.group(1).replace(",", "")) * HOURLY_VALUE
