"""Resource-matrix rows for the security tests' world and the bad-input sweep: a skill, a
line of demand on every initiative, and the PMO officer's person put on every initiative."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import Assignment, DemandLine, Person, Skill
from pmo_web.resources import planning

# A month every cell URL of the tests can name: this one.
MONTH = planning.month_key(date.today().replace(day=1))


@dataclass
class ResourceRows:
    skill_id: int
    person_id: int


def skill() -> Skill:
    """The tests' one skill (made on first use)."""
    found = db.session.scalar(select(Skill).where(Skill.name == "Business analysis"))
    if found is None:
        found = Skill(name="Business analysis", description="Requirements and process maps")
        db.session.add(found)
        db.session.flush()
    return found


def person_of(user) -> Person:
    return db.session.scalar(select(Person).where(Person.user_id == user.id))


def put_on(person: Person, initiative) -> None:
    """The person on the initiative and a line of demand on it (each once)."""
    if db.session.scalar(select(Assignment.id).where(Assignment.person_id == person.id,
                                                     Assignment.initiative_id == initiative.id)) is None:
        db.session.add(Assignment(person_id=person.id, initiative_id=initiative.id, role="Project manager"))
    if db.session.scalar(select(DemandLine.id).where(DemandLine.initiative_id == initiative.id)) is None:
        db.session.add(DemandLine(initiative_id=initiative.id, skill_id=skill().id, proficiency=2))
    db.session.flush()


def add_resource_rows(pmo_user, initiatives) -> ResourceRows:
    """For tests/security/conftest.py's World: rows for every resource URL to reach."""
    person = person_of(pmo_user)
    for initiative in initiatives:
        put_on(person, initiative)
    return ResourceRows(skill_id=skill().id, person_id=person.id)


# For tests/web/test_bad_input.py's URL_VALUES: (world, initiative id or None) -> a URL value.

def sweep_person_id(world: dict, initiative_id: int | None) -> int:
    """The PMO officer's person, put on the initiative when the URL names one (committed)."""
    from pmo_web.models import Initiative

    person = person_of(world["users"]["pmo"])
    if initiative_id is not None:
        put_on(person, db.session.get(Initiative, initiative_id))
    db.session.commit()
    return person.id


def sweep_line_id(initiative_id: int) -> int:
    """The initiative's line of demand (made on first use, committed)."""
    from pmo_web.models import Initiative

    initiative = db.session.get(Initiative, initiative_id)
    put_on(person_of(initiative.owner), initiative)
    db.session.commit()
    return db.session.scalar(select(DemandLine.id).where(DemandLine.initiative_id == initiative_id))


def sweep_skill_id() -> int:
    found = skill()
    db.session.commit()
    return found.id


def new_person(name: str = "Sam Contractor") -> int:
    """A person without a login, on nothing yet (committed); their id."""
    person = Person(name=name, job_title="Business analyst")
    db.session.add(person)
    db.session.commit()
    return person.id


def person_without_login() -> int:
    """The first person without a login (made on first use, committed)."""
    found = db.session.scalar(select(Person.id).where(Person.user_id.is_(None)).order_by(Person.id).limit(1))
    return found if found is not None else new_person()


def new_skill() -> int:
    """A skill in use, held by nobody and needed by nothing yet (committed); its id."""
    made = Skill(name=f"Skill {db.session.scalar(select(func.max(Skill.id))) or 0} and more", description="")
    db.session.add(made)
    db.session.commit()
    return made.id
