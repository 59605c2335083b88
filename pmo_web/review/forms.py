"""Forms for benefits review and closure: benefit actuals and stakeholder satisfaction (lessons: pmo_web/lessons)."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..concurrency import VersionedForm
from ..fields import GovDateField, MoneyField, NotInFuture, select_choices, whole_number
from ..forms import PmoForm
from ..models.cases import BENEFIT_CATEGORIES
from ..models.delivery import BENEFIT_STATUSES
from ..models.initiatives import SATISFACTION_SCALE


class BenefitActualsForm(VersionedForm, PmoForm):
    """What a benefit actually delivered, or why there is no measure of it yet."""

    owner = StringField("Benefit owner", widget=GovTextInput(), validators=[Length(max=120)],
                        description="The person in the business accountable for the benefit.")
    actual_value = StringField("Actual value", widget=GovTextInput(), validators=[Length(max=120)],
                               description="In the benefit's measure, for example 380 hours a month.")
    actual_date = GovDateField("Date measured", validators=[NotInFuture()])
    realised_value = MoneyField("Realised financial value",
                                description="Cash-releasing, cost-avoidance or dis-benefit amounts only.")
    evidence = TextAreaField("Evidence", widget=GovTextArea(),
                             description="Where the measurement comes from, for example a duty-system report.")
    no_actual_reason = TextAreaField("Reason there is no actual value", widget=GovTextArea(),
                                     description="Closure needs an actual value or a reason for every benefit.")
    status = RadioField("Status", choices=select_choices(BENEFIT_STATUSES), widget=GovRadioInput(),
                        validators=[InputRequired("Select the benefit's status")])
    submit = SubmitField("Save benefit", widget=GovSubmitInput())

    def validate_actual_date(self, field):
        if field.data and not (self.actual_value.data or "").strip():
            raise ValidationError("Enter the actual value measured on this date, or clear the date")

    FIELDS = ("owner", "actual_value", "actual_date", "realised_value", "evidence", "no_actual_reason", "status")

    def apply_to(self, benefit) -> None:
        """Copy the submitted values onto the benefit; text is stored trimmed."""
        for name in self.FIELDS:
            value = getattr(self, name).data
            setattr(benefit, name, value.strip() if isinstance(value, str) else value)


class NewBenefitForm(BenefitActualsForm):
    """A benefit found at review that the business case did not plan."""

    name = StringField("Benefit", widget=GovTextInput(),
                       validators=[DataRequired("Enter the benefit"), Length(max=200)])
    category = SelectField("Category", choices=select_choices(BENEFIT_CATEGORIES), widget=GovSelect())
    measure = StringField("Measure", widget=GovTextInput(), validators=[Length(max=200)])
    baseline_value = StringField("Baseline value", widget=GovTextInput(), validators=[Length(max=120)])
    target_value = StringField("Target value", widget=GovTextInput(), validators=[Length(max=120)])
    submit = SubmitField("Add benefit", widget=GovSubmitInput())

    FIELDS = ("name", "category", "measure", "baseline_value", "target_value", *BenefitActualsForm.FIELDS)


def satisfaction_score(value) -> int | None:
    """Coerce the chosen score; anything that is not a whole number is no choice at all."""
    try:
        return whole_number(value)
    except ValueError:
        return None


class SatisfactionForm(VersionedForm, PmoForm):
    """The sponsor's satisfaction with what was delivered, 1 (very dissatisfied) to 5."""

    satisfaction_score = RadioField(
        "How satisfied are the stakeholders with what was delivered?",
        choices=select_choices(SATISFACTION_SCALE), coerce=satisfaction_score, widget=GovRadioInput(),
        invalid_choice_message="Select a score from 1 (very dissatisfied) to 5 (very satisfied)",
        validators=[InputRequired("Select how satisfied the stakeholders are")])
    satisfaction_comment = TextAreaField("Comment", widget=GovTextArea(),
                                         description="Who was asked, and what they said.")
    submit = SubmitField("Save satisfaction", widget=GovSubmitInput())

    def apply_to(self, initiative) -> None:
        initiative.satisfaction_score = self.satisfaction_score.data
        initiative.satisfaction_comment = (self.satisfaction_comment.data or "").strip()
