"""Forms of the resource matrix: a grid cell, a person with their skills, a skill, putting
a person on an initiative, and a line of demand."""
from __future__ import annotations

from decimal import Decimal

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import func, select
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..concurrency import VersionedForm
from ..extensions import db
from ..fields import optional_id, select_choices, whole_number
from ..forms import PmoForm
from ..models import Skill
from ..models.resources import EMPLOYMENT_TYPES, JOB_FAMILIES
from . import planning


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CellForm(VersionedForm, PmoForm):
    """One month's FTE in a grid cell (allocation, demand or leave); `value` once valid."""

    fte = StringField("FTE", filters=[_strip], widget=GovTextInput())
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, maximum: Decimal = planning.MAX_ALLOCATION, what: str = "allocation", **kwargs):
        super().__init__(*args, **kwargs)
        self.maximum, self.what = maximum, what
        self.value: Decimal | None = None

    def validate_fte(self, field):
        try:
            self.value = planning.parse_fte(field.data, self.maximum, self.what)
        except planning.FteError as error:
            raise ValidationError(str(error)) from None

    def saved_values(self, rows) -> dict[str, object]:
        row = rows[0]
        return {"fte": planning.fte_text(row.fte if row is not None else None)}


class SkillForm(PmoForm):
    """A skill in the configurable list."""

    name = StringField("Skill", filters=[_strip], widget=GovTextInput(),
                       validators=[InputRequired("Enter the name of the skill"), Length(max=80)])
    description = TextAreaField("What it covers", filters=[_strip], widget=GovTextArea(),
                                validators=[Length(max=2000)],
                                description="One or two sentences, so people rate themselves the same way.")
    submit = SubmitField("Save skill", widget=GovSubmitInput())

    def __init__(self, *args, skill: Skill | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.skill = skill

    def validate_name(self, field):
        query = select(Skill.id).where(func.lower(Skill.name) == func.lower(field.data or ""))
        if self.skill is not None:
            query = query.where(Skill.id != self.skill.id)
        if db.session.scalar(query.limit(1)) is not None:
            raise ValidationError("There is already a skill with that name")

    def apply_to(self, skill: Skill) -> None:
        skill.name = self.name.data
        skill.description = self.description.data or ""


class SkillEditForm(VersionedForm, SkillForm):
    """Rename, describe or retire a skill."""

    active = BooleanField("In use", widget=GovCheckboxInput(),
                          description="A retired skill keeps its history but cannot be chosen for new demand "
                                      "or people.")

    def apply_to(self, skill: Skill) -> None:
        super().apply_to(skill)
        skill.active = bool(self.active.data)


PROFICIENCY_PAIRS = [("", "Not held")] + [(str(level), f"{level} {label}") for level, label in planning.PROFICIENCIES]


def _optional_level(value):
    return int(value) if value not in (None, "", "None") else None


class PersonForm(VersionedForm, PmoForm):
    """A person's details, capacity and skills. The skill fields are added per skill
    (`skill_<id>`) by `person_form`; the name of someone with a login follows their user."""

    name = StringField("Full name", filters=[_strip], widget=GovTextInput(),
                       validators=[InputRequired("Enter the person's full name"), Length(max=120)])
    job_title = StringField("Job title", filters=[_strip], widget=GovTextInput(),
                            validators=[Length(max=120)], description="For example, Senior programme manager")
    job_family = SelectField("Job family", choices=select_choices(JOB_FAMILIES), widget=GovSelect(),
                             invalid_choice_message="Select a job family from the list")
    employment = SelectField("Employed as", choices=select_choices(EMPLOYMENT_TYPES), widget=GovSelect(),
                             invalid_choice_message="Select from the list")
    department_id = SelectField("Department", coerce=optional_id, widget=GovSelect(),
                                invalid_choice_message="Select a department from the list")
    capacity = StringField("Contracted FTE", filters=[_strip], widget=GovTextInput(),
                           description="1.0 is full time; 0.6 is three days a week. Leave is booked per month "
                                       "on the person's page.")
    main_skill_id = SelectField("Main skill", coerce=optional_id, widget=GovSelect(),
                                invalid_choice_message="Select a skill from the list",
                                description="Their time counts towards this skill in the gap view. "
                                            "They must hold it at some proficiency below.")
    active = BooleanField("Available for planning", widget=GovCheckboxInput(), default=True,
                          description="People who have left stay in the history but are not planned.")
    submit = SubmitField("Save person", widget=GovSubmitInput())

    skill_rows: list[Skill] = []
    has_login = False

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id.choices = select_choices([("", "Not recorded"), *((d.id, d.name) for d in departments)])
        self.main_skill_id.choices = select_choices([("", "None"), *((s.id, s.name) for s in self.skill_rows)])
        self.capacity_value: Decimal | None = None

    def skill_fields(self):
        """(skill, its proficiency field) in the list's order."""
        return [(skill, self[f"skill_{skill.id}"]) for skill in self.skill_rows]

    def validate_capacity(self, field):
        try:
            self.capacity_value = planning.parse_fte(field.data or "0", planning.MAX_CAPACITY, "contracted FTE")
        except planning.FteError as error:
            raise ValidationError(str(error)) from None

    def validate_main_skill_id(self, field):
        held = self._fields.get(f"skill_{field.data}")
        if field.data is not None and held is not None and not held.data:
            raise ValidationError("Give a proficiency for the main skill, or choose another main skill")

    def saved_values(self, rows) -> dict[str, object]:
        person = rows[0]
        held = {each.skill_id: str(each.proficiency) for each in person.skills}
        values = {"name": person.name, "job_title": person.job_title, "job_family": person.job_family,
                  "employment": person.employment, "department_id": person.department_id,
                  "capacity": planning.fte_text(person.capacity_fte), "main_skill_id": person.main_skill_id,
                  "active": person.active}
        values.update({f"skill_{skill.id}": held.get(skill.id) for skill in self.skill_rows})
        return values

    def apply_to(self, person) -> None:
        """Copy the details and the skills onto `person` (a user's name and department stay theirs)."""
        from ..models import PersonSkill

        if not self.has_login:
            person.name = self.name.data
            person.department_id = self.department_id.data
            person.active = bool(self.active.data)
        person.job_title = self.job_title.data or ""
        person.job_family = self.job_family.data
        person.employment = self.employment.data
        person.capacity_fte = self.capacity_value
        person.main_skill_id = self.main_skill_id.data
        held = {each.skill_id: each for each in person.skills}
        for skill, field in self.skill_fields():
            level = field.data
            if level is None and skill.id in held:
                person.skills.remove(held[skill.id])
            elif level is not None and skill.id in held:
                held[skill.id].proficiency = level
            elif level is not None:
                person.skills.append(PersonSkill(skill_id=skill.id, proficiency=level))


def person_form(skills: list[Skill], has_login: bool, **kwargs) -> PersonForm:
    """A PersonForm with one proficiency select per skill."""
    fields = {f"skill_{skill.id}": SelectField(skill.name, choices=select_choices(PROFICIENCY_PAIRS),
                                               coerce=_optional_level,
                                               widget=GovSelect(), invalid_choice_message="Select a proficiency")
              for skill in skills}
    form_class = type("PersonSkillsForm", (PersonForm,), {**fields, "skill_rows": skills, "has_login": has_login})
    form = form_class(**kwargs)
    if has_login:
        # Name, department and whether they are active come from the user's account (the
        # admin keeps those): the form has no such fields, so nothing posted can set them.
        del form.name
        del form.department_id
        del form.active
    return form


class AssignmentForm(PmoForm):
    """Put a person on an initiative: a new row of the allocation grid."""

    person_id = SelectField("Person", coerce=optional_id, widget=GovSelect(),
                            invalid_choice_message="Select a person from the list",
                            validators=[InputRequired("Select a person")])
    initiative_id = SelectField("Initiative", coerce=optional_id, widget=GovSelect(),
                                invalid_choice_message="Select an initiative from the list",
                                validators=[InputRequired("Select an initiative")])
    role = StringField("Role on the initiative", filters=[_strip], widget=GovTextInput(),
                       validators=[Length(max=120)], description="For example, Project manager (optional)")
    submit = SubmitField("Add to the grid", widget=GovSubmitInput())

    def __init__(self, *args, people=(), initiatives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.person_id.choices = select_choices([("", "Choose a person"), *((p.id, p.name) for p in people)])
        self.initiative_id.choices = select_choices(
            [("", "Choose an initiative"), *((i.id, f"{i.reference}: {i.title}") for i in initiatives)])

    def validate_person_id(self, field):
        if field.data is None:
            raise ValidationError("Select a person")

    def validate_initiative_id(self, field):
        if field.data is None:
            raise ValidationError("Select an initiative")


class DemandLineForm(PmoForm):
    """A skill an initiative needs, at a minimum proficiency; the months are filled in the grid."""

    skill_id = SelectField("Skill needed", coerce=optional_id, widget=GovSelect(),
                           invalid_choice_message="Select a skill from the list",
                           validators=[InputRequired("Select the skill needed")])
    proficiency = SelectField("Minimum proficiency", coerce=_optional_level, widget=GovSelect(),
                              choices=select_choices(PROFICIENCY_PAIRS[1:]), default="2",
                              invalid_choice_message="Select a proficiency from the list",
                              validators=[InputRequired("Select the minimum proficiency")])
    note = StringField("Role", filters=[_strip], widget=GovTextInput(), validators=[Length(max=200)],
                       description="What the work is, for example Lead BA for the discovery (optional)")
    submit = SubmitField("Add skill needed", widget=GovSubmitInput())

    def __init__(self, *args, skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.skill_id.choices = select_choices([("", "Choose a skill"), *((s.id, s.name) for s in skills)])

    def validate_skill_id(self, field):
        if field.data is None:
            raise ValidationError("Select the skill needed")


class GridFilterForm(PmoForm):
    """Narrow the allocation grid (a GET form): year, department, name, initiative, over-allocated."""

    class Meta:
        csrf = False

    year = SelectField("Financial year", coerce=whole_number, widget=GovSelect(),
                       invalid_choice_message="Select a year from the list")
    department = SelectField("Department", coerce=optional_id, widget=GovSelect(),
                             invalid_choice_message="Select a department from the list")
    name = StringField("Name contains", filters=[_strip], widget=GovTextInput(), validators=[Length(max=120)])
    initiative = SelectField("Initiative", coerce=optional_id, widget=GovSelect(),
                             invalid_choice_message="Select an initiative from the list")
    over = BooleanField("Only people over-allocated this year", widget=GovCheckboxInput())
    submit = SubmitField("Show", widget=GovSubmitInput())

    def __init__(self, *args, years=(), departments=(), initiatives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.year.choices = select_choices([(year, planning.year_label(year)) for year in years])
        self.department.choices = select_choices([("", "All departments"), *((d.id, d.name) for d in departments)])
        self.initiative.choices = select_choices(
            [("", "All initiatives"), *((i.id, f"{i.reference}: {i.title}") for i in initiatives)])


class ConfirmForm(PmoForm):
    """A button that confirms a removal (the CSRF token is the only other field)."""

    submit = SubmitField("Remove", widget=GovSubmitInput())
