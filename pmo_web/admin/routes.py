"""Admin screens: users and roles, departments, programmes, priorities, weights, gates.

Every view is for administrators only (docs/rules.md 2). Invalid submissions re-render with
their errors and status 422 and write nothing; a successful one commits once, flashes
and redirects (303) so a refresh cannot post twice.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from flask import current_app, flash, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from workflows.gate import GATES

from .. import concurrency
from ..access import roles_required
from ..auth.sessions import revoke_if_access_changed
from ..extensions import db
from ..htmx import redirect_to, render
from ..models import Department, GateSetting, Initiative, Programme, Setting, StrategicPriority, User, UserRole
from ..models.users import RANK_LABELS, ROLE_LABELS, ROLES
from .blueprint import bp
from .forms import (
    ROLE_HINTS,
    WEIGHT_FACTORS,
    DepartmentEditForm,
    DepartmentForm,
    EditUserForm,
    GatesForm,
    NewUserForm,
    PriorityEditForm,
    PriorityForm,
    ProgrammeEditForm,
    ProgrammeForm,
    UserFilterForm,
    WeightsForm,
)

admin_only = roles_required("admin")


def _count(model, *where):
    """A scalar subquery counting rows of `model`, to put several counts in one SELECT."""
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def _user_form_page(form, user: User | None, conflict=None):
    """The new/edit user page, re-rendered with 422 (or 409) when a submission was refused."""
    return render("admin/user_form.html", form=form, user=user, conflict=conflict,
                  role_hints=[{"hint": {"text": ROLE_HINTS[role]}} for role in ROLES],
                  password_min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                  status=form.status(conflict))


def _departments_offered(current_id: int | None = None) -> list[Department]:
    """Departments in use, plus the one a user already belongs to even if it is retired."""
    return list(db.session.scalars(
        select(Department).where(or_(Department.active, Department.id == current_id)).order_by(Department.name)))


@bp.get("/admin")
@admin_only
def index():
    """The admin home: one link per screen, with what is there today."""
    counts = db.session.execute(select(
        _count(User, User.active).label("active_users"),
        _count(User).label("users"),
        _count(Department, Department.active).label("departments"),
        _count(Programme).label("programmes"),
        _count(StrategicPriority, StrategicPriority.active).label("priorities"),
    )).one()
    return render("admin/index.html", counts=counts, weights=Setting.get("scoring_weights"),
                  min_rank=RANK_LABELS.get(Setting.get("dashboard_min_rank"), ""), gate_total=len(GATES))


# ------------------------------------------------------------------------------ users


@bp.get("/admin/users")
@admin_only
def users():
    """Everyone with an account, filtered by role and department; htmx swaps just the table."""
    departments = list(db.session.scalars(select(Department).order_by(Department.name)))
    filters = UserFilterForm(formdata=request.args, departments=departments)
    query = select(User).options(selectinload(User.role_rows)).order_by(User.name)
    role = filters.role.data if filters.role.data in ROLES else None
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    # Only a department on the list: any other number in the address (even one too big for
    # the database) is ignored, like an unknown role.
    department_id = filters.department.data if filters.department.validate(filters) else None
    if department_id:
        query = query.where(User.department_id == department_id)
    return render("admin/users.html", "admin/_users_table.html", filters=filters,
                  users=db.session.scalars(query).all(), filtered=bool(role or department_id),
                  role_order=ROLES, role_labels=ROLE_LABELS)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_only
def user_new():
    """Create an account with its roles and a first password."""
    form = NewUserForm(departments=_departments_offered())
    if form.validate_on_submit():
        user = User()
        form.apply_to(user)
        db.session.add(user)
        db.session.commit()
        flash(f"Account created for {user.name} ({user.email}).", "success")
        return redirect_to(url_for("admin.users"))
    return _user_form_page(form, None)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int):
    """Change a user's details, roles, active flag or password."""
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user, user=user, acting_user=current_user,
                        departments=_departments_offered(user.department_id))
    conflict = None
    if form.validate_on_submit():
        def apply():
            form.apply_to(user)
            revoke_if_access_changed(user)  # a new password or a disabled account ends their sessions
        conflict = concurrency.save(form, [user], apply)
        if conflict is None:
            flash(f"Changes to {user.name} saved.", "success")
            return redirect_to(url_for("admin.users"))
    return _user_form_page(form, user, conflict)


# ------------------------------------------------------------------------ departments


# ------------------------------------------- departments, programmes, strategic priorities


@dataclass(frozen=True)
class ReferenceList:
    """One list of reference data an admin keeps: added to on its list page (which also shows
    how much uses each entry), changed on an edit page of its own. Departments, programmes
    and strategic priorities are all kept this way, by the two views below."""

    key: str  # the row's name in templates, forms and URLs: "department" -> department_id
    label: str  # "Department", in the messages
    model: type
    add_form: type
    edit_form: type
    rows: Callable[[], list]  # (row, counts ...) for the list page
    new_values: Callable[[], dict] = dict  # the add form's starting values

    @property
    def list_endpoint(self) -> str:
        return f"admin.{self.key_plural}"

    @property
    def key_plural(self) -> str:
        return {"priority": "priorities"}.get(self.key, f"{self.key}s")


def _list_page(kept: ReferenceList):
    """The list with its add form; an added entry commits once and redirects (303)."""
    form = kept.add_form(data=kept.new_values())
    if form.validate_on_submit():
        row = kept.model()
        form.apply_to(row)
        db.session.add(row)
        db.session.commit()
        flash(f"{kept.label} “{row.name}” added.", "success")
        return redirect_to(url_for(kept.list_endpoint))
    return render(f"admin/{kept.key_plural}.html", form=form, rows=kept.rows(), status=form.status(),
                  **{kept.key: None})


def _edit_page(kept: ReferenceList, **address):
    """One entry's edit page; a save someone else beat shows both versions (409)."""
    row = db.get_or_404(kept.model, address[f"{kept.key}_id"])
    form = kept.edit_form(obj=row, **{kept.key: row})
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [row], lambda: form.apply_to(row))
        if conflict is None:
            flash(f"{kept.label} “{row.name}” saved.", "success")
            return redirect_to(url_for(kept.list_endpoint))
    return render(f"admin/{kept.key}_form.html", form=form, conflict=conflict, status=form.status(conflict),
                  **{kept.key: row})


def _departments_with_counts():
    users_in = _count(User, User.department_id == Department.id)
    initiatives_in = _count(Initiative, Initiative.department_id == Department.id)
    return db.session.execute(
        select(Department, users_in.label("user_count"), initiatives_in.label("initiative_count"))
        .order_by(Department.name)).all()


def _programmes_with_counts():
    initiatives_in = _count(Initiative, Initiative.programme_id == Programme.id)
    return db.session.execute(
        select(Programme, initiatives_in.label("initiative_count")).order_by(Programme.name)).all()


def _priorities_with_counts():
    requests_for = _count(Initiative, Initiative.strategic_priority_id == StrategicPriority.id)
    return db.session.execute(
        select(StrategicPriority, requests_for.label("initiative_count"))
        .order_by(StrategicPriority.position, StrategicPriority.id)).all()


def _next_priority_position() -> dict:
    return {"position": (db.session.scalar(select(func.max(StrategicPriority.position))) or 0) + 1}


REFERENCE_LISTS = (
    # The departments that send requests; renamed or taken out of use on their edit page.
    ReferenceList("department", "Department", Department, DepartmentForm, DepartmentEditForm,
                  _departments_with_counts),
    # Programmes that group initiatives: name, description, years.
    ReferenceList("programme", "Programme", Programme, ProgrammeForm, ProgrammeEditForm, _programmes_with_counts),
    # The strategic priorities, in the order requesters and scorers see them.
    ReferenceList("priority", "Strategic priority", StrategicPriority, PriorityForm, PriorityEditForm,
                  _priorities_with_counts, _next_priority_position),
)

for _kept in REFERENCE_LISTS:
    bp.add_url_rule(f"/admin/{_kept.key_plural}", _kept.key_plural, admin_only(partial(_list_page, _kept)),
                    methods=["GET", "POST"])
    bp.add_url_rule(f"/admin/{_kept.key_plural}/<int:{_kept.key}_id>/edit", f"{_kept.key}_edit",
                    admin_only(partial(_edit_page, _kept)), methods=["GET", "POST"])


# ------------------------------------------------------------------ weights and gates


@bp.route("/admin/weights", methods=["GET", "POST"])
@admin_only
def weights():
    """The prioritisation weights and the lowest rank that may read the dashboard."""
    rows = _settings_rows()
    form = WeightsForm(data={**Setting.get("scoring_weights"), "version": concurrency.token(*rows),
                             "dashboard_min_rank": Setting.get("dashboard_min_rank")})
    conflict = None
    if form.validate_on_submit():
        def apply():
            Setting.put("scoring_weights", form.weights)
            Setting.put("dashboard_min_rank", form.dashboard_min_rank.data)
        conflict = concurrency.save(form, rows, apply, reload=_settings_rows)
        if conflict is None:
            flash("Scoring weights and dashboard access saved. New scores use these weights.", "success")
            return redirect_to(url_for("admin.weights"))
    return render("admin/weights.html", form=form, factors=WEIGHT_FACTORS, conflict=conflict,
                  status=form.status(conflict))


def _settings_rows() -> list[Setting | None]:
    """The two settings rows the weights page edits (None where only the default exists)."""
    return [db.session.get(Setting, "scoring_weights"), db.session.get(Setting, "dashboard_min_rank")]


@bp.route("/admin/gates", methods=["GET", "POST"])
@admin_only
def gates():
    """Who decides each stage gate and how many approvals it needs."""
    current = _gate_settings()
    form = GatesForm(data={"version": concurrency.token(*current),
                           "gates": [{"approver_role": s.approver_role, "quorum": s.quorum,
                                      "capital_quorum": s.capital_quorum} for s in current]})
    conflict = None
    if form.validate_on_submit():
        def apply():
            for setting, entry in zip(current, form.gates.entries, strict=True):
                setting.approver_role = entry.form.approver_role.data
                setting.quorum = entry.form.quorum.data
                setting.capital_quorum = entry.form.capital_quorum.data
                db.session.add(setting)
        conflict = concurrency.save(form, current, apply, reload=_gate_settings)
        if conflict is None:
            flash("Gate settings saved. Gate reviews requested from now on use them.", "success")
            return redirect_to(url_for("admin.gates"))
    # One row per gate: the form always holds four (min_entries = max_entries = 4).
    gate_rows = list(zip(GATES.values(), form.gates.entries, strict=True))
    return render("admin/gates.html", form=form, gate_rows=gate_rows,
                  conflict=conflict, status=form.status(conflict))


def _gate_settings() -> list[GateSetting]:
    """Each gate's stored settings, G1 to G4, or its defaults where none are stored (not added)."""
    settings = {row.code: row for row in db.session.scalars(select(GateSetting))}
    return [settings.get(code) or GateSetting(code=code, approver_role=spec.approver_role, quorum=spec.quorum)
            for code, spec in GATES.items()]
