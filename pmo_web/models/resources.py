"""The resource and skills matrix: people, skills, capacity, allocations and demand.

* A **person** is anyone whose time the PMO plans: every user (a person row is made with
  the user and follows their name and department) and people without a login
  (contractors, partners, staff who never sign in).
* **Skills** are a configurable list (`DEFAULT_SKILLS` to start with); a person holds
  skills at a proficiency 1-4 and has one **main skill**, the one their time counts
  towards in the gap view.
* **Capacity**: contracted FTE (1.0 full time) less **leave** booked per month.
* An **assignment** puts a person on an initiative (one row of the allocation grid); the
  **allocations** are its months, one row per month with the FTE booked.
* **Demand**: a **demand line** says an initiative needs a skill at a minimum proficiency;
  its **demand months** say how much, in FTE per month.

Months are stored as the first day of the month. Every cell (allocation, demand month,
leave) is its own versioned row, so two people editing different cells never collide and
two editing the same cell get a conflict, not a silent overwrite.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, event, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..history import Audited
from .base import UTCDateTime, Versioned, utcnow

# Seeded on a new installation and in the demo; an admin or the PMO edits the list.
DEFAULT_SKILLS = (
    ("Project management", "Plans, runs and closes projects to time, cost and quality (PRINCE2, APM)."),
    ("Programme management", "Co-ordinates related projects towards shared outcomes (MSP)."),
    ("Portfolio management", "Prioritises and balances the whole change portfolio; runs the PMO."),
    ("Business analysis", "Elicits requirements, maps processes, writes user stories and business rules."),
    ("Enterprise architecture", "Shapes how systems, data and processes fit together across the force."),
    ("Benefits management", "Defines, tracks and evidences the benefits an initiative delivers."),
    ("Procurement", "Runs compliant tenders and call-offs, and manages suppliers and contracts."),
    ("Data analysis", "Turns operational data into measures, baselines and insight."),
    ("Change management", "Prepares people and teams to adopt new ways of working."),
    ("Agile delivery", "Runs iterative delivery: backlogs, sprints, product ownership, scrum."),
    ("Business improvement", "Lean and continuous improvement; removes waste from processes."),
    ("Stakeholder engagement", "Communication, consultation and engagement with staff and partners."),
    ("Risk management", "Identifies, assesses and manages risks and issues (M_o_R)."),
    ("Finance and business cases", "Costs, appraises and writes five-case business cases (Green Book)."),
    ("Project support", "Plans, RAID logs, reporting and governance administration."),
)

JOB_FAMILIES = (
    ("leadership", "Change leadership"),
    ("portfolio", "Portfolio and programme management"),
    ("project", "Project management"),
    ("analysis", "Business analysis and improvement"),
    ("architecture", "Architecture and design"),
    ("support", "Project support"),
    ("specialist", "Specialist (technical, data, commercial)"),
    ("business", "Operational staff seconded to change"),
)
EMPLOYMENT_TYPES = (
    ("staff", "Police staff"),
    ("officer", "Police officer"),
    ("contractor", "Contractor or interim"),
    ("partner", "Partner organisation"),
)

FTE = Numeric(4, 2)


class Skill(Versioned, db.Model):
    """A skill the PMO plans for (business analysis, procurement ...)."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # A retired skill keeps its history but is offered for nothing new.
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Person(Versioned, db.Model):
    """Someone whose time is planned: a user (user_id set) or a person without a login."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    job_title: Mapped[str] = mapped_column(String(120), default="")
    job_family: Mapped[str] = mapped_column(String(20), default="project")
    employment: Mapped[str] = mapped_column(String(20), default="staff")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # Contracted FTE: 1.0 full time, 0.6 three days a week. Leave is taken off per month.
    capacity_fte: Mapped[Decimal] = mapped_column(FTE, default=Decimal("1.00"))
    main_skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    department = relationship("Department", lazy="joined")
    main_skill = relationship("Skill", lazy="joined")
    skills: Mapped[list[PersonSkill]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonSkill.skill_id")

    @property
    def has_login(self) -> bool:
        return self.user_id is not None

    @property
    def job_family_label(self) -> str:
        return dict(JOB_FAMILIES).get(self.job_family, self.job_family)

    @property
    def employment_label(self) -> str:
        return dict(EMPLOYMENT_TYPES).get(self.employment, self.employment)

    def __str__(self) -> str:
        return self.name


class PersonSkill(db.Model):
    """A skill one person holds, at a proficiency 1 (aware) to 4 (lead)."""

    __tablename__ = "person_skills"
    __table_args__ = (UniqueConstraint("person_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    proficiency: Mapped[int] = mapped_column(default=2)

    person: Mapped[Person] = relationship(back_populates="skills")
    skill = relationship("Skill", lazy="joined")


class Leave(Versioned, db.Model):
    """Time a person is away in a month (annual leave, training, secondment), in FTE."""

    __tablename__ = "person_leave"
    __table_args__ = (UniqueConstraint("person_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    month: Mapped[date]
    fte: Mapped[Decimal] = mapped_column(FTE, default=Decimal("0"))


class Assignment(db.Model):
    """A person working on an initiative: one row of the allocation grid."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("person_id", "initiative_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    role: Mapped[str] = mapped_column(String(120), default="")  # on this initiative: "Project manager"
    created_at = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person")
    initiative = relationship("Initiative")


class Allocation(Audited, Versioned, db.Model):
    """The FTE of one person booked to one initiative in one month (one grid cell)."""

    audit_noun = "allocation"

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("person_id", "initiative_id", "month"),
        Index("ix_allocations_person_month", "person_id", "month"),
        Index("ix_allocations_initiative_month", "initiative_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    month: Mapped[date]
    fte: Mapped[Decimal] = mapped_column(FTE, default=Decimal("0"))


class DemandLine(db.Model):
    """An initiative's need for a skill at a minimum proficiency (one row of its demand grid)."""

    __tablename__ = "demand_lines"
    __table_args__ = (UniqueConstraint("initiative_id", "skill_id", "proficiency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    proficiency: Mapped[int] = mapped_column(default=2)
    note: Mapped[str] = mapped_column(String(200), default="")  # the role: "Lead BA for the discovery"
    created_at = mapped_column(UTCDateTime, default=utcnow)

    skill = relationship("Skill", lazy="joined")
    months: Mapped[list[DemandMonth]] = relationship(back_populates="line", cascade="all, delete-orphan")


class DemandMonth(Audited, Versioned, db.Model):
    """The FTE a demand line needs in one month (one cell of the demand grid)."""

    audit_noun = "demand"

    __tablename__ = "demand_months"
    __table_args__ = (UniqueConstraint("line_id", "month"), Index("ix_demand_months_month", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("demand_lines.id", ondelete="CASCADE"), index=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    month: Mapped[date]
    fte: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))

    line: Mapped[DemandLine] = relationship(back_populates="months")


# ------------------------------------------------- every user is a person, kept in step


def _person_for_new_user(_mapper, connection, user) -> None:
    """A user's person row is made in the same transaction as the user."""
    connection.execute(insert(Person.__table__).values(
        user_id=user.id, name=user.name, department_id=user.department_id, job_title="",
        job_family="project", employment="staff", capacity_fte=Decimal("1.00"), active=True,
        version=1, changed_by="", created_at=utcnow()))


def _person_follows_user(_mapper, connection, user) -> None:
    """Name, department and whether they are active follow the user's record."""
    connection.execute(update(Person.__table__).where(Person.__table__.c.user_id == user.id).values(
        name=user.name, department_id=user.department_id, active=bool(user.active)))


def register_people_sync() -> None:
    """Install the two listeners (once): a person for every new user, kept in step."""
    from .users import User

    if not event.contains(User, "after_insert", _person_for_new_user):
        event.listen(User, "after_insert", _person_for_new_user)
        event.listen(User, "after_update", _person_follows_user)


def people_for_users_without_one() -> int:
    """Add the person rows of users made before the resource matrix existed; returns how many.

    For a migration or the CLI on an existing database; new users get theirs as they are made.
    """
    from .users import User

    missing = db.session.execute(
        select(User.id, User.name, User.department_id, User.active)
        .where(~select(Person.id).where(Person.user_id == User.id).exists())).all()
    for user_id, name, department_id, active in missing:
        db.session.add(Person(user_id=user_id, name=name, department_id=department_id, active=active))
    return len(missing)


def add_default_skills() -> int:
    """Add the DEFAULT_SKILLS not there yet (by name); returns how many were added."""
    have = set(db.session.scalars(select(Skill.name)))
    added = [Skill(name=name, description=text) for name, text in DEFAULT_SKILLS if name not in have]
    db.session.add_all(added)
    return len(added)
