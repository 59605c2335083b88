"""Force-scale data for benchmarks: `flask --app pmo_web seed-scale`.

Ten years of a large force's portfolio, generated deterministically from a seed so two
runs give the same rows: by default 5,000 initiatives spread over every lifecycle state,
40 departments, 500 users, 50,000 RAID items, 5,000 lessons, 10,000 benefits, 20,000
milestones and 100,000 audit events (a real hash chain: `audit-verify` passes).

Rows go in with bulk INSERTs (executemany of plain dicts), not one ORM object at a time,
so the whole load takes well under two minutes on a 2-core machine. Bulk inserts bypass
the ORM's per-row events on purpose: register edits are not audited here (the generated
audit events stand in for the history) and the chain is built in Python in id order.

The scale data is for measuring, not for demonstrating: it refuses to run on a database
that already holds initiatives, unless told to add to them.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from workflows.lifecycle import CASED_STATES, DELIVERED_STATES, DELIVERY_STATES, REASONED_END_STATES, STATES

from . import audit
from .extensions import db
from .models import (
    AuditEvent,
    Benefit,
    Department,
    Initiative,
    Lesson,
    Milestone,
    Programme,
    RaidItem,
    Score,
    StrategicPriority,
    User,
    UserRole,
)
from .models.raid import RESPONSES, RISK_CATEGORIES, STATUSES

PASSWORD = "scale-password-2026"
BATCH = 5000


@dataclass(frozen=True)
class Sizes:
    """How many rows of each kind to create."""

    initiatives: int = 5000
    departments: int = 40
    users: int = 500
    raid_items: int = 50000
    lessons: int = 5000
    benefits: int = 10000
    audit_events: int = 100000
    milestones: int = 20000
    years: int = 10

    def scaled(self, factor: float) -> Sizes:
        """The same shape, `factor` times the size (at least one of each)."""
        return Sizes(**{name: max(1, int(getattr(self, name) * factor)) if name != "years" else self.years
                        for name in self.__dataclass_fields__})


# Share of initiatives in each state: most work is closed or ended, a live pipeline remains.
STATE_WEIGHTS = {
    "draft": 3, "submitted": 3, "triage": 3, "info_requested": 1, "scoring": 3, "business_case": 4,
    "delivery": 10, "on_hold": 2, "benefits_review": 3, "closed": 40, "rejected": 12,
    "withdrawn": 8, "cancelled": 4, "merged": 4,
}
assert set(STATE_WEIGHTS) == set(STATES)
DELIVERED = DELIVERY_STATES
CASED = CASED_STATES
# Work ended by a decision once it may have been scored (a withdrawal comes before scoring).
SCORED_ENDS = tuple(state for state in REASONED_END_STATES if state != "withdrawn")

VERBS = ("Replace", "Upgrade", "Introduce", "Automate", "Consolidate", "Digitise", "Review",
         "Modernise", "Extend", "Pilot", "Roll out", "Redesign")
THINGS = ("body-worn video", "custody booking", "mobile data terminals", "crime recording",
          "case file preparation", "firearms licensing", "fleet telematics", "duty rostering",
          "evidence storage", "control room telephony", "missing persons triage", "drone capability",
          "digital forensics lab", "front counter services", "vetting workflow", "intelligence sharing",
          "officer wellbeing support", "training records", "property store", "ANPR cameras",
          "domestic abuse risk assessment", "victim updates", "station estate", "radio airtime",
          "procurement approvals", "overtime claims", "neighbourhood surveys", "stop and search records")
PLACES = ("for the north division", "for response teams", "in custody suites", "across the force",
          "for neighbourhood teams", "in the control room", "for investigators", "at headquarters",
          "for roads policing", "with partner agencies")
WORDS = ("officers", "demand", "hours", "risk", "public", "partners", "data", "supplier", "training",
         "savings", "system", "process", "backlog", "quality", "safety", "victims", "statutory")
RAID_TITLES = {
    "risk": ("Supplier may not deliver on time", "Vetting delays for contractors", "Key staff abstracted",
             "Data protection impact not assessed", "Home Office funding not confirmed",
             "Network outage during cut-over", "Union consultation extends timeline"),
    "assumption": ("Funding continues next financial year", "Users available for testing",
                   "Current contract can be extended", "Estates work completes first"),
    "issue": ("Test environment unavailable", "Licence count exceeded", "Training venue cancelled",
              "Interface fails with crime system", "Budget code closed"),
    "dependency": ("Needs the new network", "Waits for the records system upgrade",
                   "Needs vetting capacity", "Needs the estates move"),
}


def _sentence(rng: random.Random, words: int = 18) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def seed_scale(sizes: Sizes = Sizes(), seed: int = 2026, add: bool = False, echo=print) -> dict:
    """Load the scale data in one transaction; returns the row counts created."""
    if not add and db.session.scalar(select(func.count(Initiative.id))):
        raise RuntimeError("the database already holds initiatives; seed-scale is for an empty "
                           "database (or pass add=True to add to it)")
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    first = now - timedelta(days=365 * sizes.years)
    started = time.perf_counter()
    counts = {}

    def bulk(model, rows: list[dict]) -> None:
        for at in range(0, len(rows), BATCH):
            db.session.execute(insert(model), rows[at:at + BATCH])
        counts[model.__tablename__] = counts.get(model.__tablename__, 0) + len(rows)

    def ids(model) -> list[int]:
        return list(db.session.scalars(select(model.id).order_by(model.id)))

    # Reference data. Names carry the run's seed so adding to a database never collides.
    tag = f"{seed}-{db.session.scalar(select(func.count(Department.id))) or 0}"
    bulk(Department, [{"name": f"Department {n:02d} ({tag})"} for n in range(sizes.departments)])
    departments = ids(Department)[-sizes.departments:]
    bulk(Programme, [{"name": f"Programme {n} ({tag})", "description": _sentence(rng)} for n in range(8)])
    programmes = ids(Programme)[-8:]
    if not db.session.scalar(select(func.count(StrategicPriority.id))):
        bulk(StrategicPriority, [{"name": name, "position": n} for n, name in enumerate((
            "Enhancing service and standards", "Empowering individuals and supporting wellbeing",
            "Leveraging technology", "Reducing demand through partnership working"))])

    # People: one password hash shared by all (hashing 500 passwords would dominate the load).
    probe = User(email="x", name="x")
    probe.set_password(PASSWORD)
    role_cycle = ("requester",) * 6 + ("pmo", "approver", "viewer", "admin")
    ranks = ("constable", "sergeant", "inspector", "chief_inspector")
    bulk(User, [{"email": f"user{n}.{tag}@scale.example", "name": f"Scale User {n}",
                 "department_id": rng.choice(departments), "rank": rng.choice(ranks),
                 "password_hash": probe.password_hash, "active": True} for n in range(sizes.users)])
    users = ids(User)[-sizes.users:]
    bulk(UserRole, [{"user_id": user, "role": role_cycle[n % len(role_cycle)]} for n, user in enumerate(users)])
    managers = [user for n, user in enumerate(users) if role_cycle[n % len(role_cycle)] == "pmo"] or users
    scorers = managers

    # Initiatives across every state and the whole period.
    states = list(STATE_WEIGHTS)
    weights = [STATE_WEIGHTS[s] for s in states]
    rows = []
    for n in range(sizes.initiatives):
        state = rng.choices(states, weights)[0]
        created = _moment(rng, first, now - timedelta(days=2))
        row = {
            "title": f"{rng.choice(VERBS)} {rng.choice(THINGS)} {rng.choice(PLACES)}",
            "description": _sentence(rng, 30), "problem": _sentence(rng), "desired_outcome": _sentence(rng),
            "deadline_driver": _sentence(rng, 8), "sponsor": f"Chief Superintendent {n % 97}",
            "department_id": rng.choice(departments), "owner_id": rng.choice(users), "state": state,
            "cost_band": rng.choice(("under_10k", "10k_100k", "100k_500k", "500k_1m", "over_1m")),
            "created_at": created, "submitted_at": created + timedelta(days=1) if state != "draft" else None,
            "programme_id": rng.choice(programmes) if rng.random() < 0.6 else None,
            "manager_id": None, "funding_type": None, "budget_approved": None, "budget_forecast": None,
            "budget_actual": None, "planned_end": None, "forecast_end": None, "delivery_confidence": None,
        }
        if state in DELIVERED:
            budget = Decimal(rng.randrange(20, 2000) * 1000)
            planned = (created + timedelta(days=rng.randint(200, 900))).date()
            row.update(manager_id=rng.choice(managers), funding_type=rng.choice(("capital", "revenue")),
                       budget_approved=budget,
                       budget_forecast=budget * Decimal(rng.choice(("0.9", "1", "1", "1.1", "1.3"))),
                       budget_actual=budget * Decimal("0.5"), planned_end=planned,
                       forecast_end=planned + timedelta(days=rng.choice((0, 0, 14, 45, -10))),
                       delivery_confidence=rng.choice(("green", "amber_green", "amber", "amber_red", "red")))
        rows.append(row)
    bulk(Initiative, rows)
    initiative_rows = db.session.execute(
        select(Initiative.id, Initiative.state, Initiative.created_at).order_by(Initiative.id)
    ).all()[-sizes.initiatives:]
    by_state: dict[str, list] = {}
    for row in initiative_rows:
        by_state.setdefault(row.state, []).append(row)
    cased = [row for row in initiative_rows if row.state in CASED]
    delivered = [row for row in initiative_rows if row.state in DELIVERED] or cased or initiative_rows

    # Scores for everything that reached scoring.
    score_rows = []
    for row in initiative_rows:
        if row.state in ("scoring", *CASED) or (row.state in SCORED_ENDS and rng.random() < 0.5):
            factors = [rng.randint(1, 5) for _ in range(4)]
            total = int(sum(factors) * 5)
            score_rows.append({"initiative_id": row.id, "scorer_id": rng.choice(scorers), "urgency": factors[0],
                               "complexity": factors[1], "desirability": factors[2], "alignment": factors[3],
                               "weights": {"urgency": 30, "desirability": 30, "alignment": 25, "complexity": 15},
                               "total": total, "band": "High" if total >= 70 else "Medium" if total >= 40 else "Low",
                               "rationale": _sentence(rng, 10), "created_at": row.created_at + timedelta(days=10)})
    bulk(Score, score_rows)

    # Milestones, benefits, lessons and RAID items on work that has reached those stages.
    today = now.date()
    milestone_rows = []
    for n in range(sizes.milestones):
        owner = rng.choice(delivered)
        baseline = (owner.created_at + timedelta(days=rng.randint(60, 800))).date()
        met = owner.state in DELIVERED_STATES or baseline < today and rng.random() < 0.7
        milestone_rows.append({"initiative_id": owner.id, "name": f"Milestone {n % 9 + 1}: {rng.choice(THINGS)}",
                               "baseline_date": baseline,
                               "forecast_date": baseline + timedelta(days=rng.choice((0, 0, 7, 30))),
                               "actual_date": (min(today, baseline + timedelta(days=rng.choice((-3, 0, 5, 20))))
                                               if met else None),
                               "variance_accepted": False, "variance_note": ""})
    bulk(Milestone, milestone_rows)

    categories = ("cash_releasing", "non_cash_releasing", "cost_avoidance", "quality", "dis_benefit")
    benefit_rows = []
    for n in range(sizes.benefits):
        owner = rng.choice(cased)
        planned = Decimal(rng.randrange(5, 500) * 1000)
        realised = (planned * Decimal(rng.choice(("0.6", "0.9", "1", "1.2")))
                    if owner.state in DELIVERED_STATES else None)
        benefit_rows.append({"initiative_id": owner.id, "name": f"Benefit {n}: fewer {rng.choice(WORDS)}",
                             "category": rng.choice(categories), "owner": f"Superintendent {n % 61}",
                             "measure": "Hours per month", "baseline_value": "100", "target_value": "80",
                             "target_date": (owner.created_at + timedelta(days=rng.randint(300, 1200))).date(),
                             "planned_value": planned, "realised_value": realised,
                             "actual_value": "85" if realised is not None else "",
                             "status": "realised" if realised is not None else "planned"})
    bulk(Benefit, benefit_rows)

    finished = [row for row in initiative_rows if row.state in DELIVERY_STATES and row.state != "on_hold"] or delivered
    openings = ("Engage", "Involve", "Test", "Plan", "Budget for")
    lesson_categories = ("Procurement", "Stakeholders", "Technology", "People", "Governance")
    lesson_rows = []
    for n in range(sizes.lessons):
        owner = rng.choice(finished)
        lesson_rows.append({"initiative_id": owner.id, "owner": f"Project manager {n % 40}",
                            "dependencies": "None",
                            "date_added": min(today, (owner.created_at + timedelta(days=rng.randint(30, 900))).date()),
                            "title": f"{rng.choice(openings)} {rng.choice(THINGS)} early",
                            "lesson_type": rng.choice(("project", "corporate", "both")), "event": _sentence(rng),
                            "effect": _sentence(rng), "cause": _sentence(rng), "early_warning": _sentence(rng, 8),
                            "recommendation": _sentence(rng),
                            "stage": rng.choice(("delivery", "business_case", "benefits_review")),
                            "category": rng.choice(lesson_categories),
                            "priority": rng.choice(("low", "medium", "high")), "logged_by_id": rng.choice(managers)})
    bulk(Lesson, lesson_rows)

    raid_rows = []
    kinds = ("risk", "risk", "risk", "issue", "assumption", "dependency")
    for _ in range(sizes.raid_items):
        owner = rng.choice(cased)
        kind = rng.choice(kinds)
        open_now = owner.state not in ("closed",) and rng.random() < 0.7
        status = STATUSES[kind][0][0] if open_now else STATUSES[kind][-1][0]
        row = {"initiative_id": owner.id, "kind": kind, "title": rng.choice(RAID_TITLES[kind]),
               "description": _sentence(rng), "owner_id": rng.choice(managers), "status": status,
               "review_date": today + timedelta(days=rng.randint(-60, 90)), "due_date": None,
               "category": "", "likelihood": None, "impact": None, "response": "", "mitigation": "",
               "issue_type": "", "priority": "", "depends_on_id": None, "external_party": "", "direction": "",
               "escalated": False, "created_by_id": rng.choice(managers),
               "created_at": min(now, owner.created_at + timedelta(days=rng.randint(20, 400)))}
        if kind == "risk":
            row.update(category=rng.choice(RISK_CATEGORIES)[0], likelihood=rng.randint(1, 5), impact=rng.randint(1, 5),
                       response=rng.choice(RESPONSES)[0], mitigation=_sentence(rng, 12), escalated=rng.random() < 0.02)
        else:
            row.update(review_date=None, due_date=today + timedelta(days=rng.randint(-30, 120)))
        if kind == "issue":
            row.update(issue_type=rng.choice(("problem", "change_request", "off_specification")),
                       priority=rng.choice(("low", "medium", "high", "critical")))
        if kind == "dependency":
            other = rng.choice(cased)
            row.update(direction="we_need", depends_on_id=other.id if other.id != owner.id else None,
                       external_party="" if other.id != owner.id else "Network supplier")
        raid_rows.append(row)
    bulk(RaidItem, raid_rows)

    # The audit trail: transitions spread over the initiatives, chained in id order.
    connection = db.session.connection()
    audit.lock_chain(connection)
    head = audit.head_hash(connection)
    event_rows = []
    per_initiative = max(1, sizes.audit_events // max(1, len(initiative_rows)))
    moments = sorted(_moment(rng, first, now) for _ in range(sizes.audit_events))
    for n, at in enumerate(moments):
        owner = initiative_rows[min(n // per_initiative, len(initiative_rows) - 1)]
        event = _EventFields(initiative_id=owner.id, gate_review_id=None, kind="transition",
                             trigger=rng.choice(("submit", "accept", "score", "approve", "start_delivery")),
                             from_state="submitted", to_state="triage", actor_id=rng.choice(users),
                             reason="", detail={}, created_at=at)
        fields = vars(event)
        fields["prev_hash"] = head
        head = audit.chain_hash(head, event)
        fields["hash"] = head
        event_rows.append(fields)
    _insert_audit(event_rows, counts)

    db.session.commit()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    echo(f"seed-scale: {counts}")
    return counts


class _EventFields:
    """The fields of one audit event, as attributes (what audit.canonical reads)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def _insert_audit(rows: list[dict], counts: dict) -> None:
    """Insert audit events in order without the ORM's per-row chaining (they are chained)."""
    table = AuditEvent.__table__
    for at in range(0, len(rows), BATCH):
        db.session.execute(table.insert(), rows[at:at + BATCH])
    counts["audit_events"] = len(rows)
    # The ORM caches the chain head per session; the next ORM append must read it afresh.
    audit.forget_head(db.session)
