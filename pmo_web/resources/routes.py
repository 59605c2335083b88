"""People, skills and allocations, and the gap between demand and capacity.

Everyone who may read the portfolio (access.can_read_portfolio) reads these pages; the PMO
and admins change them. Grid cells are saved one at a time with htmx (a cell is a tiny
form: without JavaScript, Enter posts it and the page comes back); each cell is its own
versioned row, so a stale cell answers 409 and shows what the other person saved.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from workflows import editing

from .. import access, concurrency
from ..extensions import db
from ..htmx import is_partial, render
from ..models import Allocation, Assignment, DemandLine, DemandMonth, Initiative, Leave, Person, Skill
from ..models.resources import add_default_skills
from . import planning, service
from .blueprint import bp
from .forms import (
    AssignmentForm,
    CellForm,
    ConfirmForm,
    DemandLineForm,
    GridFilterForm,
    SkillEditForm,
    SkillForm,
    person_form,
)


@bp.app_template_filter("fte")
def fte_filter(value) -> str:
    """0.5 -> "0.50"; None -> "0.00"."""
    return planning.fte_text(value)


@bp.app_template_filter("month_key")
def month_key_filter(value: date) -> str:
    return planning.month_key(value)


@bp.app_template_filter("month_label")
def month_label_filter(value: date) -> str:
    return planning.month_label(value)


@bp.app_template_filter("year_label")
def year_label_filter(value: int) -> str:
    return planning.year_label(value)


@bp.app_template_filter("quarter_label")
def quarter_label_filter(value: tuple[int, int]) -> str:
    return planning.quarter_label(value)


@bp.app_template_filter("proficiency")
def proficiency_filter(value: int) -> str:
    return planning.PROFICIENCY_LABELS.get(value, str(value))


@bp.app_template_filter("heat")
def heat_filter(gap: Decimal) -> int:
    """How dark a gap's cell is: 0 none, 1 up to a quarter FTE, 2 a half, 3 one, 4 more."""
    return next((level for level, limit in ((0, 0), (1, 0.25), (2, 0.5), (3, 1)) if gap <= Decimal(str(limit))), 4)


def check_reader() -> None:
    """403 unless the user may read the portfolio (PMO, approvers, admins, ranks from the minimum)."""
    if not access.can_read_portfolio(current_user):
        abort(403)


def check_manager() -> None:
    """403 unless the user is PMO or an admin."""
    if not access.can_manage(current_user):
        abort(403)


def person_or_404(person_id: int) -> Person:
    return db.get_or_404(Person, person_id)


def month_or_404(text: str) -> date:
    month = planning.parse_month(text)
    if month is None:
        abort(404)
    return month


def requested_year() -> int:
    """The financial year asked for (?year=2026), else the current one."""
    current = planning.financial_year_of(date.today())
    text = request.args.get("year", "")
    return int(text) if text.isdigit() and current - 5 <= int(text) <= current + 5 else current


def year_choices() -> list[int]:
    current = planning.financial_year_of(date.today())
    return list(range(current - 2, current + 3))


def page_number() -> int:
    text = request.args.get("page", "1")
    return min(int(text), 10_000) if text.isdigit() and len(text) < 7 else 1


# ------------------------------------------------------------------------ the grid


@bp.get("/resources")
@access.page_permission(access.can_read_portfolio)
def grid():
    """The allocation grid: one row per person on an initiative, a column per month of the year."""
    year = requested_year()
    initiatives = db.session.scalars(
        access.visible_initiatives(current_user)
        .where(or_(Initiative.state.in_(service.ALLOCATABLE_STATES),
                   Initiative.id.in_(select(Assignment.initiative_id))))
        .order_by(Initiative.id)).all()
    form = GridFilterForm(request.args, years=year_choices(), departments=service.departments(),
                          initiatives=initiatives, data={"year": year})
    form.validate()
    filters = service.GridFilters(
        department_id=form.department.data if not form.department.errors else None,
        initiative_id=form.initiative.data if not form.initiative.errors else None,
        person_id=_int_arg("person"), name=(form.name.data or "")[:120] if not form.name.errors else "",
        over_only=bool(form.over.data))
    result = service.grid(current_user, year, filters, page=page_number())
    return render("resources/grid.html", grid=result, year=year, form=form, filters=filters,
                  query=_query_without_page())


def _int_arg(name: str) -> int | None:
    text = request.args.get(name, "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _query_without_page() -> dict:
    return {key: value for key, value in request.args.items() if key != "page"}


@bp.route("/resources/allocations/new", methods=["GET", "POST"])
@login_required
def assignment_new():
    """Put a person on an initiative, adding their row to the grid."""
    check_manager()
    people = db.session.scalars(select(Person).where(Person.active).order_by(Person.name)).unique().all()
    initiatives = db.session.scalars(select(Initiative).where(Initiative.state.in_(service.ALLOCATABLE_STATES))
                                     .order_by(Initiative.id)).all()
    form = AssignmentForm(people=people, initiatives=initiatives,
                          data={"person_id": _int_arg("person"), "initiative_id": _int_arg("initiative")})
    if form.validate_on_submit():
        existing = service.assignment_of(form.person_id.data, form.initiative_id.data)
        if existing is None:
            db.session.add(Assignment(person_id=form.person_id.data, initiative_id=form.initiative_id.data,
                                      role=form.role.data or ""))
            db.session.commit()
            flash("Added to the grid: book their months in the row", "success")
        else:
            flash("They were already on that initiative: their row is below", "success")
        return redirect(url_for(".grid", person=form.person_id.data,
                                _anchor=f"row-{form.initiative_id.data}-{form.person_id.data}"), 303)
    status = 422 if form.is_submitted() else 200
    return render("resources/assignment_new.html", status=status, form=form)


@bp.route("/initiatives/<int:initiative_id>/allocations/<int:person_id>/remove", methods=["GET", "POST"])
@login_required
def assignment_remove(initiative_id: int, person_id: int):
    """Take a person off an initiative: their row and every month booked on it go."""
    check_manager()
    initiative = access.initiative_or_404(initiative_id)
    assignment = service.assignment_of(person_or_404(person_id).id, initiative.id)
    if assignment is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        done = f"{assignment.person.name} was taken off {initiative.reference}"
        for allocation in db.session.scalars(select(Allocation).where(
                Allocation.person_id == assignment.person_id, Allocation.initiative_id == initiative.id)):
            db.session.delete(allocation)
        db.session.delete(assignment)
        db.session.commit()
        flash(done, "success")
        return redirect(url_for(".grid", person=person_id), 303)
    booked = db.session.scalars(select(Allocation).where(
        Allocation.person_id == assignment.person_id, Allocation.initiative_id == initiative.id,
        Allocation.fte > 0).order_by(Allocation.month)).all()
    return render("resources/assignment_remove.html", assignment=assignment, initiative=initiative,
                  booked=booked, form=form)


# ------------------------------------------------------------------------ grid cells


@dataclass
class CellKind:
    """What differs between an allocation, a demand and a leave cell."""

    what: str  # the noun in messages: "allocation"
    month: date
    maximum: Decimal
    cell_id: str
    url: str
    title: str  # "Daniel Okafor on CR-0042 in April 2026"
    labelled_by: str  # ids of the row and column headers that name the cell in its grid
    back_url: str  # where the no-JavaScript page returns to
    person_id: int | None = None  # whose totals row follows a save (allocation and leave cells)


def _edit_cell(kind: CellKind, row, create, reload):
    """Show or save one cell. `create(value)` adds the row for a cell never saved before
    (and returns it); `reload()` fetches the row again after a lost race."""
    form = CellForm(maximum=kind.maximum, what=kind.what,
                    data={"fte": planning.fte_text(row.fte if row else None), "version": concurrency.token(row)})
    conflict = None
    if form.validate_on_submit():
        def apply():
            if row is not None:
                row.fte = form.value
            elif form.value > 0:
                create(form.value)
        conflict = concurrency.save(form, [row], apply, reload=lambda: [reload()])
        if conflict is None:
            saved = reload()
            if not is_partial():
                flash(f"Saved: {kind.title}, {planning.fte_text(form.value)} FTE", "success")
                return redirect(kind.back_url + f"#{kind.cell_id}", 303)
            return _cell_response(kind, form, saved, 200)
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return _cell_response(kind, form, row, status, conflict)


def _cell_response(kind: CellKind, form: CellForm, row, status: int, conflict=None):
    """The cell (and, after a save, its person's totals) for htmx; the one-cell page otherwise."""
    totals = None
    if kind.person_id is not None and status == 200 and is_partial() and request.method == "POST":
        months = planning.months_of_year(planning.financial_year_of(kind.month))
        totals = service.person_months([kind.person_id], months)[kind.person_id]
    error = form.fte.errors[0] if form.fte.errors else None
    saved_text = planning.fte_text(row.fte if row is not None else None)
    return render("resources/cell.html", "resources/_cell.html", status, kind=kind, form=form,
                  value=form.fte.data if (error or conflict) else saved_text,
                  version=concurrency.token(row) if not (error or conflict) else form.version.data,
                  error=error, conflict=conflict, saved_text=saved_text, totals=totals,
                  person_id=kind.person_id)


@bp.route("/initiatives/<int:initiative_id>/allocations/<int:person_id>/<month>", methods=["GET", "POST"])
@login_required
def allocation_cell(initiative_id: int, person_id: int, month: str):
    """One cell of the allocation grid: a person's FTE on an initiative in one month."""
    check_manager()
    initiative = access.initiative_or_404(initiative_id)
    person = person_or_404(person_id)
    when = month_or_404(month)
    editing.require("booking", initiative.state, initiative.reference)
    key = dict(person_id=person.id, initiative_id=initiative.id)

    def create(value):
        if service.assignment_of(person.id, initiative.id) is None:
            db.session.add(Assignment(**key))
        db.session.add(Allocation(**key, month=when, fte=value))

    kind = CellKind("allocation", when, planning.MAX_ALLOCATION, f"a-{initiative.id}-{person.id}-{month}",
                    url_for(".allocation_cell", initiative_id=initiative.id, person_id=person.id, month=month),
                    f"{person.name} on {initiative.reference} in {planning.month_label(when)}",
                    f"row-{initiative.id}-{person.id}-head m-{month}",
                    url_for(".grid", person=person.id, year=planning.financial_year_of(when)), person.id)
    return _edit_cell(kind, service.allocation_cell(person.id, initiative.id, when), create,
                      lambda: service.allocation_cell(person.id, initiative.id, when))


@bp.route("/resources/people/<int:person_id>/leave/<month>", methods=["GET", "POST"])
@login_required
def leave_cell(person_id: int, month: str):
    """A person's leave in one month, in FTE: it comes off their capacity that month."""
    check_manager()
    person = person_or_404(person_id)
    when = month_or_404(month)

    def create(value):
        db.session.add(Leave(person_id=person.id, month=when, fte=value))

    kind = CellKind("leave", when, planning.MAX_LEAVE, f"l-{person.id}-{month}",
                    url_for(".leave_cell", person_id=person.id, month=month),
                    f"{person.name}’s leave in {planning.month_label(when)}", f"leave-{person.id} m-{month}",
                    url_for(".person", person_id=person.id, year=planning.financial_year_of(when)), person.id)
    return _edit_cell(kind, service.leave_cell(person.id, when), create,
                      lambda: service.leave_cell(person.id, when))


@bp.route("/initiatives/<int:initiative_id>/demand/<int:line_id>/<month>", methods=["GET", "POST"])
@login_required
def demand_cell(initiative_id: int, line_id: int, month: str):
    """One month of an initiative's demand for a skill, in FTE (several people's worth allowed)."""
    check_manager()
    initiative = access.initiative_or_404(initiative_id)
    line = _line_or_404(initiative, line_id)
    when = month_or_404(month)
    _check_demand_editable(initiative)

    def create(value):
        db.session.add(DemandMonth(line_id=line.id, initiative_id=initiative.id, month=when, fte=value))

    kind = CellKind("demand", when, planning.MAX_DEMAND, f"d-{line.id}-{month}",
                    url_for(".demand_cell", initiative_id=initiative.id, line_id=line.id, month=month),
                    f"{line.skill.name} needed by {initiative.reference} in {planning.month_label(when)}",
                    f"line-{line.id} m-{month}",
                    url_for(".initiative", initiative_id=initiative.id, year=planning.financial_year_of(when)))
    return _edit_cell(kind, service.demand_cell(line.id, when), create, lambda: service.demand_cell(line.id, when))


# ---------------------------------------------------------------------------- people


@bp.get("/resources/people")
@login_required
def people():
    """Everyone whose time is planned: skills, capacity and this month's booking."""
    check_reader()
    department_id, skill_id = _int_arg("department"), _int_arg("skill")
    this_month = date.today().replace(day=1)
    skills = db.session.scalars(select(Skill).order_by(Skill.name)).all()
    return render("resources/people.html", listing=service.people_listing(this_month, department_id, skill_id),
                  month=this_month, departments=service.departments(), skills=skills,
                  department_id=department_id, skill_id=skill_id)


@bp.get("/resources/people/<int:person_id>")
@login_required
def person(person_id: int):
    """One person: skills, capacity and leave, and their initiatives month by month with totals."""
    check_reader()
    person = person_or_404(person_id)
    year = requested_year()
    return render("resources/person.html", person=person, year=year, years=year_choices(),
                  plan=service.person_year(current_user, person, year), skills=service.person_skills(person))


@bp.route("/resources/people/new", methods=["GET", "POST"])
@login_required
def person_new():
    """Add someone without a login (a contractor, a partner's analyst) to the plan."""
    check_manager()
    skills = _active_skills()
    form = person_form(skills, has_login=False, departments=service.departments(),
                       data={"capacity": "1.00", "active": True, "job_family": "project", "employment": "staff"})
    if form.validate_on_submit():
        person = Person(name=form.name.data)
        form.apply_to(person)
        db.session.add(person)
        db.session.commit()
        flash(f"{person.name} added", "success")
        return redirect(url_for(".person", person_id=person.id), 303)
    status = 422 if form.is_submitted() else 200
    return render("resources/person_form.html", status=status, form=form, person=None)


@bp.route("/resources/people/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def person_edit(person_id: int):
    """Change a person's job, capacity, main skill and skills with their proficiency."""
    check_manager()
    person = person_or_404(person_id)
    held = {each.skill_id: each.proficiency for each in person.skills}
    skills = _active_skills(also=held)
    form = person_form(skills, has_login=person.has_login, departments=service.departments(), obj=person,
                       capacity=planning.fte_text(person.capacity_fte),
                       **{f"skill_{skill_id}": level for skill_id, level in held.items()})
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [person], lambda: _apply_person(form, person))
        if conflict is None:
            flash(f"{person.name} saved", "success")
            return redirect(url_for(".person", person_id=person.id), 303)
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return render("resources/person_form.html", status=status, form=form, person=person, conflict=conflict)


def _apply_person(form, person: Person) -> None:
    form.apply_to(person)
    # Touch the row itself, so that a change of skills alone still moves its version on
    # (the before-flush hook then stamps the real time).
    person.changed_at = None


def _active_skills(also=()) -> list[Skill]:
    """Skills in use, and any retired one a person still holds (so saving does not drop it)."""
    return db.session.scalars(select(Skill).where(or_(Skill.active, Skill.id.in_(list(also))))
                              .order_by(Skill.name)).all()


# ---------------------------------------------------------------------------- skills


@bp.get("/resources/skills")
@login_required
def skills():
    """The configurable list of skills, with how many people hold each."""
    check_reader()
    return render("resources/skills.html", skills=service.skill_counts())


@bp.route("/resources/skills/new", methods=["GET", "POST"])
@login_required
def skill_new():
    """Add a skill to the list (PMO and admins)."""
    check_manager()
    form = SkillForm()
    if form.validate_on_submit():
        skill = Skill()
        form.apply_to(skill)
        db.session.add(skill)
        db.session.commit()
        flash(f"Skill ‘{skill.name}’ added", "success")
        return redirect(url_for(".skills"), 303)
    status = 422 if form.is_submitted() else 200
    return render("resources/skill_form.html", status=status, form=form, skill=None)


@bp.route("/resources/skills/standard", methods=["GET", "POST"])
@login_required
def skills_standard():
    """Add the standard PMO and change skills that are not in the list yet."""
    check_manager()
    form = ConfirmForm()
    if form.validate_on_submit():
        added = add_default_skills()
        db.session.commit()
        flash(f"{added} standard skill{'s' if added != 1 else ''} added", "success")
        return redirect(url_for(".skills"), 303)
    return render("resources/skills_standard.html", form=form, missing=service.missing_default_skills())


@bp.route("/resources/skills/<int:skill_id>/edit", methods=["GET", "POST"])
@login_required
def skill_edit(skill_id: int):
    """Rename, describe or retire a skill."""
    check_manager()
    skill = db.get_or_404(Skill, skill_id)
    form = SkillEditForm(obj=skill, skill=skill)
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [skill], lambda: form.apply_to(skill))
        if conflict is None:
            flash(f"Skill ‘{skill.name}’ saved", "success")
            return redirect(url_for(".skills"), 303)
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return render("resources/skill_form.html", status=status, form=form, skill=skill, conflict=conflict)


# ------------------------------------------------------------------------ demand


def _line_or_404(initiative: Initiative, line_id: int) -> DemandLine:
    line = db.session.get(DemandLine, line_id)
    if line is None or line.initiative_id != initiative.id:
        abort(404)
    return line


def _check_demand_editable(initiative: Initiative) -> None:
    editing.require("demand", initiative.state, initiative.reference)


@bp.get("/initiatives/<int:initiative_id>/resources")
@login_required
def initiative(initiative_id: int):
    """An initiative's demand for skills month by month, and the people booked on it."""
    initiative = access.initiative_or_404(initiative_id)
    check_reader()
    year = requested_year()
    months = planning.months_of_year(year)
    return render("resources/initiative.html", initiative=initiative, year=year, years=year_choices(),
                  months=months, lines=service.demand_rows(initiative, months),
                  people=service.initiative_people(current_user, initiative, months),
                  can_edit=access.can_manage(current_user) and initiative.state in service.DEMAND_STATES,
                  allocatable_states=service.ALLOCATABLE_STATES)


@bp.route("/initiatives/<int:initiative_id>/demand/new", methods=["GET", "POST"])
@login_required
def demand_new(initiative_id: int):
    """Say that the initiative needs a skill at a minimum proficiency; the months follow in the grid."""
    check_manager()
    initiative = access.initiative_or_404(initiative_id)
    _check_demand_editable(initiative)
    form = DemandLineForm(skills=_active_skills(), data={"skill_id": _int_arg("skill"), "proficiency": 2})
    if form.validate_on_submit():
        exists = db.session.scalar(select(DemandLine).where(
            DemandLine.initiative_id == initiative.id, DemandLine.skill_id == form.skill_id.data,
            DemandLine.proficiency == form.proficiency.data))
        if exists is None:
            db.session.add(DemandLine(initiative_id=initiative.id, skill_id=form.skill_id.data,
                                      proficiency=form.proficiency.data, note=form.note.data or ""))
            db.session.commit()
            flash("Skill added: fill in the FTE needed each month", "success")
        else:
            flash("That skill at that proficiency is already listed: fill in its months", "success")
        return redirect(url_for(".initiative", initiative_id=initiative.id), 303)
    status = 422 if form.is_submitted() else 200
    return render("resources/demand_new.html", status=status, form=form, initiative=initiative)


@bp.route("/initiatives/<int:initiative_id>/demand/<int:line_id>/remove", methods=["GET", "POST"])
@login_required
def demand_remove(initiative_id: int, line_id: int):
    """Remove a skill from the initiative's demand, with all its months."""
    check_manager()
    initiative = access.initiative_or_404(initiative_id)
    line = _line_or_404(initiative, line_id)
    _check_demand_editable(initiative)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = line.skill.name
        db.session.delete(line)
        db.session.commit()
        flash(f"{name} removed from the demand", "success")
        return redirect(url_for(".initiative", initiative_id=initiative.id), 303)
    return render("resources/demand_remove.html", initiative=initiative, line=line, form=form)


# ----------------------------------------------------------------------------- gaps


@bp.get("/resources/gaps")
@login_required
def gaps():
    """The gap view: demand against capacity per skill and month, as a heat map with the numbers."""
    check_reader()
    year = requested_year()
    scope = request.args.get("scope", "pipeline")
    if scope not in service.SCOPE_LABELS:
        scope = "pipeline"
    return render("resources/gaps.html", view=service.gap_view(year, scope), year=year, years=year_choices(),
                  scope=scope, scopes=service.SCOPES, scope_label=service.SCOPE_LABELS[scope])
