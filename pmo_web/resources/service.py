"""The resource matrix's queries: everything a page needs in a fixed number of statements,
totals added up by the database, and the arithmetic left to `planning` (pure Python).

For other areas (the dashboard's resource KPI):

    from pmo_web.resources.service import utilisation
    figures = utilisation(date(2026, 4, 1), date(2027, 3, 1))
    figures.ratio          # Decimal allocated / capacity (None when nobody has capacity)
    figures.allocated, figures.capacity   # FTE-months in the range, both ends' months included
    figures.over_allocated_people          # people booked above capacity in some month of it

`department_id=` narrows it to the people of one department. Three statements, whatever
the number of people or allocations.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager

from workflows import editing
from workflows.lifecycle import IN_DELIVERY_STATES

from .. import access
from ..extensions import db
from ..models import (
    Allocation,
    Assignment,
    DemandLine,
    DemandMonth,
    Department,
    GateReview,
    Initiative,
    Leave,
    Person,
    PersonSkill,
    Skill,
)
from . import planning
from .planning import ZERO, LevelFte, PersonMonth

# Where demand counts (docs/rules.md 1): committed work is in delivery (or paused in it); the
# pipeline is the business cases being written; "awaiting" adds only the business cases
# whose investment decision is on an approver's desk.
COMMITTED_STATES = IN_DELIVERY_STATES
PIPELINE_STATES = ("business_case",)
SCOPES = (
    ("pipeline", "Delivery and the whole pipeline (every business case)"),
    ("awaiting", "Delivery and business cases awaiting a gate decision"),
    ("delivery", "Delivery only (committed work)"),
)
SCOPE_LABELS = dict(SCOPES)
# Initiatives whose people may be booked, and whose demand may be stated (from the business case on).
ALLOCATABLE_STATES = editing.editable_states("booking")
DEMAND_STATES = editing.editable_states("demand")
PEOPLE_PER_PAGE = 15
ROWS_PER_PAGE = 120  # person-initiative rows: 1,440 month cells at most on a page


def month_range(months: list[date]):
    """SQL condition for a stored month inside the list's span (months are consecutive)."""
    return lambda column: and_(column >= months[0], column <= months[-1])


# ------------------------------------------------------------------- people and months


def person_months(person_ids: list[int], months: list[date]) -> dict[int, dict[date, PersonMonth]]:
    """{person: {month: allocated against capacity}} for these people: two statements, summed in SQL."""
    if not person_ids:
        return {}
    within = month_range(months)
    totals = defaultdict(dict)
    for person_id, month, fte in db.session.execute(
            select(Allocation.person_id, Allocation.month, func.sum(Allocation.fte))
            .where(Allocation.person_id.in_(person_ids), within(Allocation.month))
            .group_by(Allocation.person_id, Allocation.month)):
        totals[person_id][month] = Decimal(fte)
    leave = defaultdict(dict)
    contracted = {}
    for person_id, capacity, month, fte in db.session.execute(
            select(Person.id, Person.capacity_fte, Leave.month, Leave.fte)
            .outerjoin(Leave, and_(Leave.person_id == Person.id, within(Leave.month)))
            .where(Person.id.in_(person_ids))):
        contracted[person_id] = capacity
        if month is not None:
            leave[person_id][month] = fte
    return {person_id: planning.person_months(months, totals[person_id], contracted[person_id], leave[person_id])
            for person_id in contracted}


@dataclass
class Cell:
    """One month of one assignment: the saved row (None when nothing was ever booked)."""

    month: date
    allocation: Allocation | None

    @property
    def fte(self) -> Decimal:
        return self.allocation.fte if self.allocation else ZERO

    @property
    def version(self) -> str:
        return str(self.allocation.version) if self.allocation else "0"


@dataclass
class GridRow:
    """One person on one initiative, with a cell per month."""

    assignment: Assignment
    cells: list[Cell]
    editable: bool

    @property
    def total(self) -> Decimal:
        return sum((cell.fte for cell in self.cells), ZERO)


@dataclass
class PersonBlock:
    """A person's rows in the grid and their monthly totals against capacity."""

    person: Person
    rows: list[GridRow]
    months: dict[date, PersonMonth]
    # FTE booked on initiatives the reader may not see (shown as one row without names).
    hidden: dict[date, Decimal] = field(default_factory=dict)

    @property
    def over(self) -> dict[date, Decimal]:
        return planning.over_allocated(self.months)


@dataclass
class Grid:
    """A page of the allocation grid."""

    months: list[date]
    blocks: list[PersonBlock]
    page: int
    pages: int
    people_count: int


@dataclass
class GridFilters:
    """What the grid is narrowed to (all optional)."""

    department_id: int | None = None
    initiative_id: int | None = None
    person_id: int | None = None
    name: str = ""
    over_only: bool = False


def people_query(filters: GridFilters, months: list[date]):
    """The people the grid lists, by name: active ones, narrowed by the filters."""
    query = select(Person).where(Person.active)
    if filters.department_id:
        query = query.where(Person.department_id == filters.department_id)
    if filters.person_id:
        query = query.where(Person.id == filters.person_id)
    if filters.name:
        query = query.where(Person.name.ilike(f"%{_escape_like(filters.name)}%", escape="\\"))
    if filters.initiative_id:
        query = query.where(Person.id.in_(
            select(Assignment.person_id).where(Assignment.initiative_id == filters.initiative_id)))
    if filters.over_only:
        query = query.where(Person.id.in_(over_allocated_people(months)))
    return query


def over_allocated_people(months: list[date]):
    """A select() of the ids of people booked above capacity in any of `months` (SQL only)."""
    within = month_range(months)
    totals = (select(Allocation.person_id.label("person_id"), Allocation.month.label("month"),
                     func.sum(Allocation.fte).label("fte"))
              .where(within(Allocation.month)).group_by(Allocation.person_id, Allocation.month).subquery())
    return (select(totals.c.person_id)
            .join(Person, Person.id == totals.c.person_id)
            .outerjoin(Leave, and_(Leave.person_id == totals.c.person_id, Leave.month == totals.c.month))
            # Half a hundredth of slack: SQLite adds NUMERIC as floating point (0.5 + 0.3 + 0.2
            # is a hair over 1), and every FTE is stored to two places anyway.
            .where(totals.c.fte > Person.capacity_fte - func.coalesce(Leave.fte, 0) + 0.005))


def grid(user, year: int, filters: GridFilters, page: int = 1, per_page: int = PEOPLE_PER_PAGE) -> Grid:
    """One page of people with their assignments and monthly cells for financial year `year`.

    Eight statements whatever the page holds: the people in order, their row counts, the
    page's people, assignments (with their initiatives), the cells, the totals and the
    leave (two).
    """
    months = planning.months_of_year(year)
    visible = access.visible_clause(user)
    # Pages hold up to `per_page` people and, however many initiatives each is on, about
    # ROWS_PER_PAGE rows: the people in order with their row counts (two statements), then
    # the page's people.
    ordered = db.session.scalars(people_query(filters, months).with_only_columns(Person.id)
                                 .order_by(Person.name, Person.id)).all()
    rows_of = dict(db.session.execute(
        select(Assignment.person_id, func.count()).join(Assignment.initiative)
        .where(Assignment.person_id.in_(ordered), visible)
        .where(Assignment.initiative_id == filters.initiative_id if filters.initiative_id else True)
        .group_by(Assignment.person_id)).all()) if ordered else {}
    paged = planning.pages_of([(each, rows_of.get(each, 0)) for each in ordered], ROWS_PER_PAGE, per_page)
    count, pages = len(ordered), len(paged)
    page = min(max(1, page), pages)
    ids = paged[page - 1]
    people = db.session.scalars(select(Person).where(Person.id.in_(ids))
                                .order_by(Person.name, Person.id)).unique().all() if ids else []
    assignments = db.session.scalars(
        select(Assignment).join(Assignment.initiative).options(contains_eager(Assignment.initiative))
        .where(Assignment.person_id.in_(ids), visible)
        .where(Assignment.initiative_id == filters.initiative_id if filters.initiative_id else True)
        .order_by(Initiative.id)).all() if ids else []
    cells = {}
    if assignments:
        for allocation in db.session.scalars(
                select(Allocation).join(Initiative, Initiative.id == Allocation.initiative_id)
                .where(Allocation.person_id.in_(ids), month_range(months)(Allocation.month), visible)):
            cells[allocation.person_id, allocation.initiative_id, allocation.month] = allocation
    summaries = person_months(ids, months)
    editable = access.can_manage(user)
    blocks = {person.id: PersonBlock(person, [], summaries.get(person.id, {})) for person in people}
    for assignment in assignments:
        row_cells = [Cell(month, cells.get((assignment.person_id, assignment.initiative_id, month)))
                     for month in months]
        blocks[assignment.person_id].rows.append(
            GridRow(assignment, row_cells, editable and assignment.initiative.state in ALLOCATABLE_STATES))
    if visible is not True:
        _hidden_work(blocks, months)
    return Grid(months, list(blocks.values()), page, pages, count)


def _hidden_work(blocks: dict[int, PersonBlock], months: list[date]) -> None:
    """For readers who see only some initiatives: what the rest adds to each person's months."""
    shown = defaultdict(lambda: ZERO)
    for block in blocks.values():
        for row in block.rows:
            for cell in row.cells:
                shown[block.person.id, cell.month] += cell.fte
    for block in blocks.values():
        block.hidden = {month: block.months[month].allocated - shown[block.person.id, month]
                        for month in months if block.months[month].allocated > shown[block.person.id, month]}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ------------------------------------------------------------------------ one person


@dataclass
class PersonYear:
    """A person's financial year: their initiatives by month, totals, leave and over-allocation."""

    person: Person
    months: list[date]
    rows: list[GridRow]
    summary: dict[date, PersonMonth]
    leave: dict[date, Leave]
    hidden: dict[date, Decimal]

    @property
    def over(self) -> dict[date, Decimal]:
        return planning.over_allocated(self.summary)


def person_year(user, person: Person, year: int) -> PersonYear:
    """What the person page shows for one financial year."""
    months = planning.months_of_year(year)
    block = grid(user, year, GridFilters(person_id=person.id), per_page=1).blocks
    block = block[0] if block else PersonBlock(person, [], person_months([person.id], months)[person.id])
    leave = {row.month: row for row in db.session.scalars(
        select(Leave).where(Leave.person_id == person.id, month_range(months)(Leave.month)))}
    return PersonYear(person, months, block.rows, block.months, leave, block.hidden)


def person_skills(person: Person) -> list[PersonSkill]:
    """The person's skills, strongest first."""
    return db.session.scalars(
        select(PersonSkill).join(Skill).where(PersonSkill.person_id == person.id)
        .order_by(PersonSkill.proficiency.desc(), Skill.name)).all()


@dataclass
class PersonListing:
    """A row of the people list: the person, their skills and this month."""

    person: Person
    skills: list[PersonSkill]
    month: PersonMonth


def people_listing(month: date, department_id: int | None = None, skill_id: int | None = None) -> list[PersonListing]:
    """Every active person with their skills and this month's booking: four statements."""
    query = select(Person).where(Person.active).order_by(Person.name, Person.id)
    if department_id:
        query = query.where(Person.department_id == department_id)
    if skill_id:
        query = query.where(Person.id.in_(select(PersonSkill.person_id).where(PersonSkill.skill_id == skill_id)))
    people = db.session.scalars(query).unique().all()
    ids = [person.id for person in people]
    skills = defaultdict(list)
    if ids:
        for held in db.session.scalars(select(PersonSkill).join(Skill).where(PersonSkill.person_id.in_(ids))
                                       .order_by(PersonSkill.proficiency.desc(), Skill.name)):
            skills[held.person_id].append(held)
    months = person_months(ids, [month])
    return [PersonListing(person, skills[person.id], months[person.id][month]) for person in people]


# ------------------------------------------------------------------------------ cells


def allocation_cell(person_id: int, initiative_id: int, month: date) -> Allocation | None:
    return db.session.scalar(select(Allocation).where(
        Allocation.person_id == person_id, Allocation.initiative_id == initiative_id, Allocation.month == month))


def assignment_of(person_id: int, initiative_id: int) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(
        Assignment.person_id == person_id, Assignment.initiative_id == initiative_id))


def demand_cell(line_id: int, month: date) -> DemandMonth | None:
    return db.session.scalar(select(DemandMonth).where(DemandMonth.line_id == line_id, DemandMonth.month == month))


def leave_cell(person_id: int, month: date) -> Leave | None:
    return db.session.scalar(select(Leave).where(Leave.person_id == person_id, Leave.month == month))


# ------------------------------------------------------------------- one initiative


@dataclass
class DemandRow:
    """One demand line with a cell per month."""

    line: DemandLine
    cells: list[tuple[date, DemandMonth | None]]

    @property
    def total(self) -> Decimal:
        return sum((cell.fte for _month, cell in self.cells if cell is not None), ZERO)


def demand_rows(initiative: Initiative, months: list[date]) -> list[DemandRow]:
    """The initiative's demand lines, each with its months of the year: two statements."""
    lines = db.session.scalars(select(DemandLine).join(Skill).where(DemandLine.initiative_id == initiative.id)
                               .order_by(Skill.name, DemandLine.proficiency)).all()
    cells = {(cell.line_id, cell.month): cell for cell in db.session.scalars(
        select(DemandMonth).where(DemandMonth.initiative_id == initiative.id, month_range(months)(DemandMonth.month)))}
    return [DemandRow(line, [(month, cells.get((line.id, month))) for month in months]) for line in lines]


def initiative_people(user, initiative: Initiative, months: list[date]) -> list[GridRow]:
    """The people assigned to the initiative, with their months: two statements."""
    assignments = db.session.scalars(
        select(Assignment).join(Assignment.person).options(contains_eager(Assignment.person))
        .where(Assignment.initiative_id == initiative.id).order_by(Person.name)).all()
    cells = {(row.person_id, row.month): row for row in db.session.scalars(
        select(Allocation).where(Allocation.initiative_id == initiative.id, month_range(months)(Allocation.month)))}
    editable = access.can_manage(user) and initiative.state in ALLOCATABLE_STATES
    return [GridRow(assignment, [Cell(month, cells.get((assignment.person_id, month))) for month in months], editable)
            for assignment in assignments]


# ----------------------------------------------------------------------------- gaps


def scoped_states(scope: str):
    """SQL condition on Initiative for the demand that counts in `scope`."""
    committed = Initiative.state.in_(COMMITTED_STATES)
    if scope == "delivery":
        return committed
    if scope == "awaiting":
        awaiting = select(GateReview.id).where(GateReview.initiative_id == Initiative.id,
                                               GateReview.state == "requested").exists()
        return or_(committed, and_(Initiative.state.in_(PIPELINE_STATES), awaiting))
    return Initiative.state.in_(COMMITTED_STATES + PIPELINE_STATES)


def demand(months: list[date], condition, skill_ids=None) -> list[LevelFte]:
    """Demand by skill, proficiency and month for the initiatives matching `condition` (summed in SQL)."""
    query = (select(DemandLine.skill_id, DemandLine.proficiency, DemandMonth.month, func.sum(DemandMonth.fte))
             .join(DemandMonth.line).join(Initiative, Initiative.id == DemandLine.initiative_id)
             .where(condition, month_range(months)(DemandMonth.month))
             .group_by(DemandLine.skill_id, DemandLine.proficiency, DemandMonth.month))
    if skill_ids is not None:
        query = query.where(DemandLine.skill_id.in_(skill_ids))
    return [LevelFte(skill, level, month, Decimal(fte)) for skill, level, month, fte in db.session.execute(query)]


def supply(months: list[date]) -> list[LevelFte]:
    """Each active person's capacity, month by month, towards their main skill at their
    proficiency in it (people with no main skill count towards none): two statements."""
    people = db.session.execute(
        select(Person.id, Person.main_skill_id, PersonSkill.proficiency, Person.capacity_fte)
        .join(PersonSkill, and_(PersonSkill.person_id == Person.id, PersonSkill.skill_id == Person.main_skill_id))
        .where(Person.active)).all()
    leave = {(person_id, month): fte for person_id, month, fte in db.session.execute(
        select(Leave.person_id, Leave.month, Leave.fte).where(month_range(months)(Leave.month)))}
    return [LevelFte(skill, level, month, planning.capacity_in_month(capacity, leave.get((person_id, month))))
            for person_id, skill, level, capacity in people for month in months]


@dataclass
class GapView:
    """The heat map: skills down, months across, a Gap in each cell."""

    skills: list[Skill]
    months: list[date]
    table: dict[tuple[int, date], planning.Gap]

    def gap_months(self, skill: Skill) -> int:
        return sum(1 for month in self.months if self.table[skill.id, month].gap > 0)

    @property
    def total_gap_cells(self) -> int:
        return sum(1 for gap in self.table.values() if gap.gap > 0)


def gap_view(year: int, scope: str) -> GapView:
    """Demand in `scope` against supply for every active skill, month by month of the year."""
    months = planning.months_of_year(year)
    skills = db.session.scalars(select(Skill).where(Skill.active).order_by(Skill.name)).all()
    table = planning.gap_table(demand(months, scoped_states(scope)), supply(months),
                               [skill.id for skill in skills], months)
    return GapView(skills, months, table)


def what_if_for(initiative: Initiative, today: date) -> tuple[planning.WhatIf, dict[int, Skill]]:
    """What approving `initiative` does to the gaps: its demand from this month for a year,
    added to the committed work of every other initiative; with the skills by id."""
    start = today.replace(day=1)
    months = [date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1) for i in range(12)]
    own = Initiative.id == initiative.id
    extra = demand(months, own)
    skill_ids = {row.skill for row in extra}
    if not skill_ids:
        return planning.WhatIf(), {}
    baseline = demand(months, and_(Initiative.state.in_(COMMITTED_STATES), ~own), skill_ids)
    result = planning.what_if(baseline, extra, [row for row in supply(months) if row.skill in skill_ids], months)
    skills = {skill.id: skill for skill in db.session.scalars(select(Skill).where(Skill.id.in_(skill_ids)))}
    return result, skills


# Gates after which an initiative's demand becomes the PMO's to meet (they move it into a state
# whose demand is stated): the what-if panel shows there.
WHAT_IF_TO_STATES = DEMAND_STATES


def what_if_panel(gate_review, gate, user, today: date) -> dict:
    """Template context for the what-if panel on a gate review; empty when it does not apply
    (decided, a gate that does not commit work, or a user who may not read the portfolio)."""
    if gate_review.state != "requested" or gate.to_state not in WHAT_IF_TO_STATES:
        return {}
    if not access.can_read_portfolio(user):
        return {}
    result, skills = what_if_for(gate_review.initiative, today)
    return {"what_if": result, "what_if_skills": skills}


# ------------------------------------------------------------------------ utilisation


@dataclass(frozen=True)
class Utilisation:
    """Allocated against capacity over a span of months (FTE-months)."""

    allocated: Decimal
    capacity: Decimal
    over_allocated_people: int

    @property
    def ratio(self) -> Decimal | None:
        return planning.utilisation(self.allocated, self.capacity)


def utilisation(first: date, last: date, department_id: int | None = None) -> Utilisation:
    """Utilisation of active people from month `first` to month `last` (both included).

    Allocated and capacity are summed by the database (capacity: contracted FTE times the
    months, less leave, where leave above someone's contracted FTE counts only up to it).
    """
    first, last = first.replace(day=1), last.replace(day=1)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count <= 0:
        return Utilisation(ZERO, ZERO, 0)
    months = [first, last]
    within = month_range(months)
    people = select(Person.id).where(Person.active)
    if department_id:
        people = people.where(Person.department_id == department_id)
    allocated = db.session.scalar(
        select(func.coalesce(func.sum(Allocation.fte), 0)).where(Allocation.person_id.in_(people),
                                                                 within(Allocation.month)))
    contracted = select(func.coalesce(func.sum(Person.capacity_fte), 0) * count).where(Person.id.in_(people))
    away = (select(func.coalesce(func.sum(case((Leave.fte > Person.capacity_fte, Person.capacity_fte),
                                               else_=Leave.fte)), 0))
            .select_from(Leave).join(Person, Person.id == Leave.person_id)
            .where(Leave.person_id.in_(people), within(Leave.month)))
    capacity = db.session.scalar(select(contracted.scalar_subquery() - away.scalar_subquery()))
    over = db.session.scalar(select(func.count(func.distinct(Person.id))).where(
        Person.id.in_(over_allocated_people(months)), Person.id.in_(people)))
    return Utilisation(Decimal(allocated), Decimal(capacity), over or 0)


def skill_counts() -> list[tuple[Skill, int, int]]:
    """Every skill with how many active people hold it and have it as their main skill."""
    held = (select(PersonSkill.skill_id, func.count().label("held")).join(Person)
            .where(Person.active).group_by(PersonSkill.skill_id).subquery())
    main = (select(Person.main_skill_id.label("skill_id"), func.count().label("main"))
            .where(Person.active).group_by(Person.main_skill_id).subquery())
    return [(skill, holders or 0, mains or 0) for skill, holders, mains in db.session.execute(
        select(Skill, held.c.held, main.c.main).outerjoin(held, held.c.skill_id == Skill.id)
        .outerjoin(main, main.c.skill_id == Skill.id).order_by(Skill.active.desc(), Skill.name))]


def missing_default_skills() -> list[str]:
    """Names of the standard skills not in the list yet."""
    from ..models.resources import DEFAULT_SKILLS

    have = {name.lower() for name in db.session.scalars(select(Skill.name))}
    return [name for name, _text in DEFAULT_SKILLS if name.lower() not in have]


def departments() -> list[Department]:
    return db.session.scalars(select(Department).where(Department.active).order_by(Department.name)).all()
