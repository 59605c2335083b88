"""The change request form: lenient when saved as a draft, complete when submitted."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import or_, select
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..concurrency import VersionedForm, token
from ..extensions import db
from ..fields import optional_id
from ..forms import PmoForm
from ..models import Department, Initiative, StrategicPriority
from ..models.initiatives import COST_BANDS, REQUIRED_FOR_SUBMIT

# What to tell the requester when a field needed for submission is empty, by model field.
# The list of required fields itself is REQUIRED_FOR_SUBMIT, shared with the lifecycle guard.
SUBMIT_MESSAGES = {
    "title": "Enter a title",
    "description": "Enter a description of the change",
    "problem": "Enter the problem the change would solve",
    "department_id": "Select the department making the request",
    "sponsor": "Enter the name of the sponsor",
    "desired_outcome": "Enter the outcome you want",
    "cost_band": "Select a rough cost",
    "strategic_priority_id": "Select the strategic priority the change serves",
}


class RequestForm(VersionedForm, PmoForm):
    """Title, description, problem, department, sponsor, outcome, deadline, cost, priority."""

    title = StringField(
        "Title", widget=GovTextInput(),
        description="A short name for the change, for example 'Body-worn video for PCSOs'",
        validators=[DataRequired(SUBMIT_MESSAGES["title"]),
                    Length(max=200, message="Title must be 200 characters or fewer")])
    description = TextAreaField("Description", widget=GovTextArea(),
                                description="What would change, and for whom")
    problem = TextAreaField("Problem to solve", widget=GovTextArea(),
                            description="What goes wrong today, and how often")
    department = SelectField("Department", widget=GovSelect(), coerce=optional_id,
                             validators=[Optional()])
    sponsor = StringField(
        "Sponsor", widget=GovTextInput(),
        description="The senior officer or manager who backs the request, for example 'Ch Supt A. Example'",
        validators=[Length(max=120, message="Sponsor must be 120 characters or fewer")])
    desired_outcome = TextAreaField("Desired outcome", widget=GovTextArea(),
                                    description="What success looks like")
    deadline_driver = TextAreaField(
        "Deadline driver (optional)", widget=GovTextArea(),
        description="Anything that fixes a date, for example legislation or a contract ending")
    cost_band = RadioField("Rough cost", widget=GovRadioInput(), validators=[Optional()],
                           choices=[SelectChoice(key, label) for key, label in COST_BANDS])
    strategic_priority = RadioField("Strategic priority it serves", widget=GovRadioInput(),
                                    coerce=optional_id, validators=[Optional()])
    submit_request = SubmitField("Submit request", widget=GovSubmitInput())
    save_draft = SubmitField("Save as draft", widget=GovSubmitInput())

    def __init__(self, *args, current_department_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = db.session.scalars(
            select(Department).where(or_(Department.active, Department.id == current_department_id))
            .order_by(Department.name)).all()
        self.department.choices = [SelectChoice("", "Choose a department")] + [
            SelectChoice(d.id, d.name) for d in departments]
        self.strategic_priority.choices = [SelectChoice(p.id, p.name) for p in StrategicPriority.active_ordered()]

    @classmethod
    def for_draft(cls, initiative: Initiative) -> RequestForm:
        """The form filled from a saved draft (request data, when posted, takes precedence)."""
        return cls(current_department_id=initiative.department_id,
                   data={**cls.draft_values(initiative), "version": token(initiative)})

    @staticmethod
    def draft_values(initiative: Initiative) -> dict:
        """The draft's saved request fields, by form field name."""
        return {
            "title": initiative.title, "description": initiative.description,
            "problem": initiative.problem, "department": initiative.department_id,
            "sponsor": initiative.sponsor, "desired_outcome": initiative.desired_outcome,
            "deadline_driver": initiative.deadline_driver, "cost_band": initiative.cost_band,
            "strategic_priority": initiative.strategic_priority_id,
        }

    def saved_values(self, rows) -> dict:
        return self.draft_values(rows[0])

    @property
    def submitting(self) -> bool:
        """True when the requester pressed "Submit request" rather than "Save as draft"."""
        return bool(self.submit_request.data)

    def validate(self, extra_validators=None) -> bool:
        """A draft needs only a title; a submission needs every REQUIRED_FOR_SUBMIT field."""
        valid = super().validate(extra_validators)
        if self.submitting:
            for model_field, _label in REQUIRED_FOR_SUBMIT:
                field = self[model_field.removesuffix("_id")]
                if not field.errors and _blank(field.data):
                    field.errors.append(SUBMIT_MESSAGES[model_field])
                    valid = False
        return valid

    def apply_to(self, initiative: Initiative) -> None:
        """Copy the request fields, by name, onto the row (never state, owner or anything else)."""
        initiative.title = _trimmed(self.title)
        initiative.description = _trimmed(self.description)
        initiative.problem = _trimmed(self.problem)
        initiative.department_id = self.department.data
        initiative.sponsor = _trimmed(self.sponsor)
        initiative.desired_outcome = _trimmed(self.desired_outcome)
        initiative.deadline_driver = _trimmed(self.deadline_driver)
        initiative.cost_band = self.cost_band.data or None
        initiative.strategic_priority_id = self.strategic_priority.data


def _trimmed(field) -> str:
    return (field.data or "").strip()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
