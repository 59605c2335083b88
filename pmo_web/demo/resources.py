"""Demo data for the resource matrix: the PMO team, their skills, leave, bookings on the
initiatives in delivery and the demand of delivery and business cases, over the current
financial year. Called by pmo_web.demo.seed() once the portfolio is walked.

The team is the force's PMO of the brief: the Head of Change, an enterprise architect, a
senior programme manager, the programme manager, nine project managers, two graduate
project officers, a business improvement officer and one business analyst. Four project
managers, the programme manager and the Head of Change have logins (data/force.json); the rest
are people without one. The numbers are chosen to leave real gaps (business analysis,
procurement, change management) and one over-allocated person (the only business analyst).
"""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select

from workflows.lifecycle import IN_DELIVERY_STATES

from ..extensions import db
from ..models import Allocation, Assignment, DemandLine, DemandMonth, Department, Initiative, Leave, Person, Skill
from ..models.resources import add_default_skills
from ..resources import planning
from .datafiles import load

# The team, in data/team.json: each person as (login email or None, name, job title, job family,
# employment, contracted FTE, main skill, {skill: proficiency}).
_TEAM = load("team")
TEAM_DEPARTMENT = _TEAM["department"]
TEAM = tuple((p["email"], p["name"], p["job_title"], p["job_family"], p["employment"], p["capacity_fte"],
              p["main_skill"], p["skills"]) for p in _TEAM["people"])
PROJECT_MANAGERS = tuple(_TEAM["project_managers"])
OFFICERS = tuple(_TEAM["officers"])
# Leave by month of the financial year (0 = April): summer holidays, Christmas, a course.
LEAVE = {name: {int(month): fte for month, fte in by_month.items()} for name, by_month in _TEAM["leave"].items()}

COMMITTED = IN_DELIVERY_STATES


def seed(today: date) -> None:
    """Add the team, skills, leave, bookings and demand for the financial year of `today`."""
    rng = random.Random(606)
    add_default_skills()
    db.session.flush()
    skills = {skill.name: skill for skill in db.session.scalars(select(Skill))}
    people = _team(skills)
    year = planning.financial_year_of(today)
    months = planning.months_of_year(year)
    for name, by_month in LEAVE.items():
        for index, fte in by_month.items():
            db.session.add(Leave(person_id=people[name].id, month=months[index], fte=Decimal(fte)))
    delivery = db.session.scalars(select(Initiative).where(Initiative.state.in_(COMMITTED))
                                  .order_by(Initiative.id)).all()
    cases = db.session.scalars(select(Initiative).where(Initiative.state == "business_case")
                               .order_by(Initiative.id)).all()
    allocations = _bookings(rng, people, delivery, cases, months)
    db.session.flush()
    # Bulk inserts: the demo's bookings are its starting point, not edits to audit one by one.
    if allocations:
        db.session.execute(insert(Allocation), allocations)
    demand = _demand(rng, skills, delivery, cases, months)
    if demand:
        db.session.execute(insert(DemandMonth), demand)


def _team(skills: dict[str, Skill]) -> dict[str, Person]:
    """The PMO's people: the login holders' person rows filled in, the others added."""
    from ..models import PersonSkill, User

    department = db.session.scalar(select(Department).where(Department.name == TEAM_DEPARTMENT))
    by_email = {user.email: user for user in db.session.scalars(select(User))}
    people = {}
    for email, name, title, family, employment, capacity, main, held in TEAM:
        person = None
        if email and email in by_email:
            person = db.session.scalar(select(Person).where(Person.user_id == by_email[email].id))
        if person is None:
            person = Person(name=name, department=department)
            db.session.add(person)
        person.job_title, person.job_family, person.employment = title, family, employment
        person.capacity_fte = Decimal(capacity)
        person.main_skill = skills[main]
        person.skills = [PersonSkill(skill=skills[skill], proficiency=level) for skill, level in held.items()]
        people[name] = person
    db.session.flush()
    return people


def _row(person: Person, initiative: Initiative, month: date, fte: str | Decimal) -> dict:
    return {"person_id": person.id, "initiative_id": initiative.id, "month": month, "fte": Decimal(fte),
            "version": 1, "changed_by": ""}


def _bookings(rng: random.Random, people: dict[str, Person], delivery: list[Initiative],
              cases: list[Initiative], months: list[date]) -> list[dict]:
    """Assignments and a year of monthly bookings: a project manager per initiative in
    delivery, the programme managers across them, the architect on digital work, the one
    business analyst spread too thin (over-allocated from the summer)."""
    rows: list[dict] = []
    booked: dict[tuple[int, int], Decimal] = {}

    def book(name: str, initiative: Initiative, fte: str, role: str, start: int = 0, end: int = 12) -> None:
        person = people[name]
        db.session.add(Assignment(person_id=person.id, initiative_id=initiative.id, role=role))
        for index in range(start, end):
            # Within capacity, apart from the deliberate case of the business analyst.
            away = Decimal(LEAVE.get(name, {}).get(index, "0"))
            room = person.capacity_fte - away - booked.get((person.id, index), Decimal(0))
            amount = Decimal(fte) if name == "Priyanka Desai" else min(Decimal(fte), max(room, Decimal(0)))
            if amount <= 0:
                continue
            booked[person.id, index] = booked.get((person.id, index), Decimal(0)) + amount
            rows.append(_row(person, initiative, months[index], amount))

    for n, initiative in enumerate(delivery):
        manager = PROJECT_MANAGERS[n % len(PROJECT_MANAGERS)]
        book(manager, initiative, rng.choice(("0.40", "0.50", "0.50", "0.60")), "Project manager")
        book(OFFICERS[n % 2], initiative, "0.20", "Project support")
        book("Catherine Boyd" if n % 2 else "Daniel Okafor", initiative, "0.15", "Programme manager")
        if n % 3 == 0:
            book("Robert Ellison", initiative, "0.20", "Design authority")
        if n % 4 == 1:
            book("Nadia Hussain", initiative, "0.30", "Process redesign", start=2)
    # The only business analyst: three initiatives at once from the summer.
    # A small portfolio may have fewer than three in delivery.
    for initiative, fte, start in zip(delivery[:3], ("0.50", "0.40", "0.30"), (0, 3, 4), strict=False):
        book("Priyanka Desai", initiative, fte, "Business analyst", start=start)
    for initiative in cases[:2]:
        book("Helen Marsh", initiative, "0.10", "Senior sponsor support")
    return rows


def _demand(rng: random.Random, skills: dict[str, Skill], delivery: list[Initiative],
            cases: list[Initiative], months: list[date]) -> list[dict]:
    """What each initiative says it needs: project management everywhere; business analysis,
    architecture and change management on most; procurement on estates and fleet work."""
    rows: list[dict] = []

    def need(initiative: Initiative, skill: str, level: int, fte: str, start: int = 0, end: int = 12,
             note: str = "") -> None:
        line = DemandLine(initiative_id=initiative.id, skill_id=skills[skill].id, proficiency=level, note=note)
        db.session.add(line)
        db.session.flush()
        rows.extend({"line_id": line.id, "initiative_id": initiative.id, "month": months[index],
                     "fte": Decimal(fte), "version": 1, "changed_by": ""} for index in range(start, end))

    for n, initiative in enumerate(delivery):
        need(initiative, "Project management", 2, "0.50", note="Project manager")
        need(initiative, "Project support", 2, "0.20")
        if n % 2 == 0:
            need(initiative, "Business analysis", 3, rng.choice(("0.30", "0.40", "0.50")), start=n % 4,
                 note="Requirements and process maps")
        if n % 3 == 0:
            need(initiative, "Enterprise architecture", 3, "0.20")
        if n % 3 == 1:
            need(initiative, "Change management", 2, "0.30", start=4, note="Business change and training")
        if n % 5 == 2:
            need(initiative, "Procurement", 2, "0.20", end=6, note="Tender and contract award")
    for n, initiative in enumerate(cases):
        need(initiative, "Business analysis", 3, "0.50", start=6, note="Discovery and requirements")
        need(initiative, "Project management", 2, "0.40", start=6)
        if n % 2 == 0:
            need(initiative, "Finance and business cases", 2, "0.20", end=6)
    return rows
