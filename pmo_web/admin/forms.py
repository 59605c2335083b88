"""Forms of the admin area: users and roles, reference data, weights and gate settings.

Each form names the fields an admin may change; views copy those fields one by one onto
the row (never `populate_obj`), so nothing else a request carries can reach the database.
"""
from __future__ import annotations

import json

from flask import current_app
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import Email, EqualTo, InputRequired, Length, NumberRange, Optional

from ..concurrency import VersionedForm
from ..extensions import db
from ..fields import optional_id
from ..forms import PmoForm, PmoSubform
from ..models import Department, Programme, Setting, StrategicPriority, User
from ..models.users import RANKS, ROLE_LABELS, ROLES

ROLE_CHOICES = [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]
# What each role does here (docs/rules.md 2), shown under its checkbox.
ROLE_HINTS = {
    "requester": "Submits change requests and follows their department's requests",
    "pmo": "Triages, scores, requests gates and runs delivery and the registers",
    "approver": "Signs off stage gates",
    "viewer": "Reads the portfolio and the dashboard",
    "admin": "Manages users, reference data, scoring weights and gate settings",
}
RANK_CHOICES = [SelectChoice(key, label) for key, label, _level in RANKS]
# Gates are decided by a governance role; requesters and viewers never sign one off.
GATE_APPROVER_ROLES = ("approver", "pmo", "admin")
WEIGHT_FACTORS = ("urgency", "desirability", "alignment", "complexity")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def name_taken(model, name: str, current=None) -> bool:
    """True when another row of `model` already has `name`, ignoring case."""
    # Both sides lowered by the database: SQLite's lower() folds ASCII only, so Python's
    # "Ω".lower() would miss an exact duplicate and the unique index would fail instead.
    query = select(model.id).where(func.lower(model.name) == func.lower(name))
    if current is not None and current.id is not None:
        query = query.where(model.id != current.id)
    return db.session.scalar(query.limit(1)) is not None


class MinimumPasswordLength:
    """The app's configured minimum, read when validating so tests and deployments may change it."""

    def __call__(self, form, field):
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if field.data and len(field.data) < minimum:
            raise ValidationError(f"The password must be at least {minimum} characters long")


# ------------------------------------------------------------------------------ users


class UserFilterForm(PmoForm):
    """Narrow the list of users to one role and/or one department (a GET form)."""

    class Meta:
        csrf = False

    role = SelectField("Role", widget=GovSelect(), validators=[Optional()],
                       choices=[SelectChoice("", "All roles")] + ROLE_CHOICES)
    department = SelectField("Department", widget=GovSelect(), coerce=optional_id, validators=[Optional()])

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = [SelectChoice("", "All departments")] + [
            SelectChoice(str(d.id), d.name) for d in departments]


class UserForm(PmoForm):
    """The fields an admin sets on any user account."""

    name = StringField("Full name", widget=GovTextInput(), filters=[_strip],
                       validators=[InputRequired("Enter the user's full name"), Length(max=120)])
    email = EmailField("Email address", widget=GovTextInput(), filters=[_strip, _lower],
                       validators=[InputRequired("Enter the user's email address"), Length(max=254)])
    # Named as the column so an edit form can be filled from the user row (obj=user).
    department_id = SelectField("Department", widget=GovSelect(), coerce=optional_id,
                                invalid_choice_message="Select a department from the list",
                                validators=[InputRequired("Select the user's department")])
    rank = SelectField("Rank or grade", widget=GovSelect(), choices=RANK_CHOICES,
                       invalid_choice_message="Select a rank or grade from the list",
                       description="Decides whether they may read the dashboard",
                       validators=[InputRequired("Select the user's rank or grade")])
    roles = SelectMultipleField("Roles", widget=GovCheckboxesInput(), choices=ROLE_CHOICES,
                                invalid_choice_message="Select roles from the list ('%(value)s' is not a role)",
                                description="Select all that apply",
                                validators=[InputRequired("Select at least one role")])
    active = BooleanField("Account active", widget=GovCheckboxInput(), default=True,
                          description="Inactive users cannot sign in; their records are kept")

    def __init__(self, *args, user: User | None = None, acting_user: User | None = None,
                 departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.acting_user = acting_user
        self.department_id.choices = [SelectChoice("", "Choose a department")] + [
            SelectChoice(str(d.id), d.name) for d in departments]

    @property
    def editing_self(self) -> bool:
        return self.user is not None and self.acting_user is not None and self.user.id == self.acting_user.id

    def validate_email(self, field):
        # The format is checked only for a new or changed address: an existing one (the
        # demo accounts' reserved demo.local domain, say) must not block other edits.
        if self.user is None or field.data != self.user.email:
            Email("Enter an email address in the correct format, like name@example.police.uk")(self, field)
        query = select(User.id).where(func.lower(User.email) == field.data)
        if self.user is not None:
            query = query.where(User.id != self.user.id)
        if db.session.scalar(query.limit(1)) is not None:
            raise ValidationError("Another user already has this email address")

    def validate_roles(self, field):
        # An admin who removed their own admin role would lock themselves out mid-task.
        if self.editing_self and "admin" not in field.data:
            raise ValidationError("You cannot remove your own administrator role")

    def validate_active(self, field):
        if self.editing_self and not field.data:
            raise ValidationError("You cannot deactivate your own account")

    def apply_to(self, user: User) -> None:
        """Copy the editable fields onto `user`; nothing else is touched."""
        user.name = self.name.data
        user.email = self.email.data
        user.department_id = self.department_id.data
        user.rank = self.rank.data
        user.active = self.active.data
        user.set_roles(self.roles.data)


class NewUserForm(UserForm):
    """A new account: everything on UserForm plus a first password."""

    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter a password"), MinimumPasswordLength()])
    password_confirm = PasswordField("Confirm password", widget=GovPasswordInput(),
                                     validators=[InputRequired("Enter the password again"),
                                                 EqualTo("password", "The passwords do not match")])
    submit = SubmitField("Create user", widget=GovSubmitInput())

    def apply_to(self, user: User) -> None:
        super().apply_to(user)
        user.set_password(self.password.data)


class EditUserForm(VersionedForm, UserForm):
    """An existing account; the password changes only when a new one is typed."""

    new_password = PasswordField("New password (optional)", widget=GovPasswordInput(),
                                 description="Leave blank to keep the current password",
                                 validators=[Optional(), MinimumPasswordLength()])
    new_password_confirm = PasswordField("Confirm new password", widget=GovPasswordInput(),
                                         validators=[EqualTo("new_password", "The passwords do not match")])
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def apply_to(self, user: User) -> None:
        super().apply_to(user)
        if self.new_password.data:
            user.set_password(self.new_password.data)


# --------------------------------------------------------------------- reference data


class DepartmentForm(PmoForm):
    """Add a department."""

    name = StringField("Department name", widget=GovTextInput(), filters=[_strip],
                       validators=[InputRequired("Enter the department's name"), Length(max=120)])
    submit = SubmitField("Add department", widget=GovSubmitInput())

    def __init__(self, *args, department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.department = department

    def validate_name(self, field):
        if name_taken(Department, field.data, self.department):
            raise ValidationError("A department with this name already exists")

    def apply_to(self, department: Department) -> None:
        department.name = self.name.data


class DepartmentEditForm(VersionedForm, DepartmentForm):
    """Rename a department or take it out of use."""

    active = BooleanField("In use", widget=GovCheckboxInput(), default=True,
                          description="Departments not in use are not offered for new users and requests")
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def apply_to(self, department: Department) -> None:
        super().apply_to(department)
        department.active = self.active.data


class ProgrammeForm(PmoForm):
    """A programme: a group of initiatives managed together over some years."""

    name = StringField("Programme name", widget=GovTextInput(), filters=[_strip],
                       validators=[InputRequired("Enter the programme's name"), Length(max=160)])
    description = TextAreaField("Description (optional)", widget=GovTextArea(), filters=[_strip],
                                validators=[Optional()])
    start_year = IntegerField("Start year (optional)", widget=GovTextInput(), description="For example, 2026",
                              validators=[Optional(), NumberRange(2000, 2100, "Enter a year between 2000 and 2100")])
    end_year = IntegerField("End year (optional)", widget=GovTextInput(), description="For example, 2029",
                            validators=[Optional(), NumberRange(2000, 2100, "Enter a year between 2000 and 2100")])
    submit = SubmitField("Add programme", widget=GovSubmitInput())

    def __init__(self, *args, programme: Programme | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme

    def validate_name(self, field):
        if name_taken(Programme, field.data, self.programme):
            raise ValidationError("A programme with this name already exists")

    def validate_end_year(self, field):
        if field.data is not None and self.start_year.data is not None and field.data < self.start_year.data:
            raise ValidationError("The end year must be the same as or after the start year")

    def apply_to(self, programme: Programme) -> None:
        programme.name = self.name.data
        programme.description = self.description.data or ""
        programme.start_year = self.start_year.data
        programme.end_year = self.end_year.data


class ProgrammeEditForm(VersionedForm, ProgrammeForm):
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class PriorityForm(PmoForm):
    """Add a strategic priority at a place in the order requesters and scorers see."""

    name = StringField("Strategic priority", widget=GovTextInput(), filters=[_strip],
                       validators=[InputRequired("Enter the strategic priority"), Length(max=160)])
    position = IntegerField("Position in the list", widget=GovTextInput(),
                            description="1 is shown first",
                            validators=[InputRequired("Enter a position, like 1"),
                                        NumberRange(1, 99, "Enter a position between 1 and 99")])
    submit = SubmitField("Add priority", widget=GovSubmitInput())

    def __init__(self, *args, priority: StrategicPriority | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.priority = priority

    def validate_name(self, field):
        if name_taken(StrategicPriority, field.data, self.priority):
            raise ValidationError("A strategic priority with this name already exists")

    def apply_to(self, priority: StrategicPriority) -> None:
        priority.name = self.name.data
        priority.position = self.position.data


class PriorityEditForm(VersionedForm, PriorityForm):
    """Rename, reorder or retire a strategic priority."""

    active = BooleanField("In use", widget=GovCheckboxInput(), default=True,
                          description="Retired priorities are not offered for new requests or scoring; "
                                      "past scores keep them")
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def validate_active(self, field):
        # Requests must name a priority and scoring aligns to them: keep at least one.
        if field.data or not self.priority.active:
            return
        others = select(func.count(StrategicPriority.id)).where(
            StrategicPriority.active, StrategicPriority.id != self.priority.id)
        if not db.session.scalar(others):
            raise ValidationError("At least one strategic priority must stay in use")

    def apply_to(self, priority: StrategicPriority) -> None:
        super().apply_to(priority)
        priority.active = self.active.data


# ------------------------------------------------------------------ scoring and gates


def _weight_field(label: str, hint: str) -> IntegerField:
    return IntegerField(label, widget=GovTextInput(), description=hint,
                        validators=[InputRequired(f"Enter the weight for {label.lower()}"),
                                    NumberRange(0, 100, f"The weight for {label.lower()} must be between 0 and 100")])


class WeightsForm(VersionedForm, PmoForm):
    """The prioritisation matrix's weights (docs/rules.md 3) and who may read the dashboard."""

    urgency = _weight_field("Urgency", "From no time driver to a statutory deadline or an immediate risk to safety")
    desirability = _weight_field("Desirability", "From nice to have to a large benefit to the public or the service")
    alignment = _weight_field("Strategic alignment", "The best rating against any one strategic priority counts")
    complexity = _weight_field("Complexity", "Counts against: a simpler initiative scores higher")
    dashboard_min_rank = SelectField("Lowest rank or grade that may read the dashboard", widget=GovSelect(),
                                     choices=RANK_CHOICES,
                                     invalid_choice_message="Select a rank or grade from the list",
                                     description="PMO staff, approvers and administrators always may",
                                     validators=[InputRequired("Select a rank or grade")])
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    @property
    def weights(self) -> dict[str, int]:
        return {factor: self[factor].data for factor in WEIGHT_FACTORS}

    def saved_values(self, rows) -> dict:
        """The stored weights and minimum rank (the defaults where none is stored yet)."""
        weights, min_rank = (json.loads(row.value_json) if row else None for row in rows)
        return {**(weights or Setting.DEFAULTS["scoring_weights"]),
                "dashboard_min_rank": min_rank or Setting.DEFAULTS["dashboard_min_rank"]}

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        total = sum(self.weights.values())
        if total != 100:
            # Shown against the first weight so the error summary links to the group.
            self.urgency.errors.append(f"The four weights must add up to 100; they add up to {total}")
            return False
        return True


class GateSettingForm(PmoSubform):
    """One gate's approver role and quorums (a row of GatesForm; no CSRF of its own)."""

    approver_role = SelectField("Role that decides this gate", widget=GovSelect(),
                                choices=[SelectChoice(role, ROLE_LABELS[role]) for role in GATE_APPROVER_ROLES],
                                invalid_choice_message="Select a role from the list",
                                validators=[InputRequired("Select the role that decides this gate")])
    quorum = IntegerField("Approvals needed", widget=GovTextInput(),
                          validators=[InputRequired("Enter how many approvals are needed, from 1 to 5"),
                                      NumberRange(1, 5, "Approvals needed must be between 1 and 5")])
    # Typically 2 at G2, where capital spending is committed; blank means the quorum above.
    capital_quorum = IntegerField(
        "Approvals needed for capital-funded initiatives (optional)", widget=GovTextInput(),
        description="Applies to capital-funded initiatives; leave blank to use the number above",
        validators=[Optional(), NumberRange(1, 5, "Approvals needed for capital funding must be between 1 and 5")])


class GatesForm(VersionedForm, PmoForm):
    """Settings for every gate, one row each in the order G1-G4."""

    gates = FieldList(FormField(GateSettingForm), min_entries=4, max_entries=4)
    submit = SubmitField("Save gate settings", widget=GovSubmitInput())

    def saved_values(self, rows) -> dict:
        """Each gate's stored role and quorums, by the name of the field that edits it."""
        return {f"gates-{index}-{name}": getattr(row, name)
                for index, row in enumerate(rows) for name in ("approver_role", "quorum", "capital_quorum")}

    def conflict_label(self, field) -> str:
        """Say which gate a row's field belongs to: "G2: Approvals needed"."""
        index = int(field.name.split("-")[1])
        return f"G{index + 1}: {field.label.text}"
