"""Forms for delivery: the initiative's delivery details and its milestones."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxInput, GovDateInput, GovRadioInput,
                                                GovSelect, GovSubmitInput, GovTextArea, GovTextInput)
from sqlalchemy import or_, select
from wtforms import (BooleanField, DateField, DecimalField, RadioField, SelectChoice, SelectField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from ..extensions import db
from ..models import Programme, User, UserRole
from ..models.initiatives import CONFIDENCE, CONFIDENCE_NEEDING_JUSTIFICATION, FUNDING_TYPES


class GovDateField(DateField):
    """A date typed as day, month and year boxes (the GOV.UK date input).

    All three boxes empty means no date; a partly filled or impossible date is an error
    rather than a silent blank.
    """

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist):
        parts = [part.strip() for part in valuelist]
        if not any(parts):
            self.data = None
            return
        if len(parts) != 3 or not all(parts):
            self.data = None
            raise ValueError(f"{self.label.text} must include a day, month and year")
        if len(parts[2]) != 4:
            self.data = None
            raise ValueError(f"{self.label.text}: the year must have 4 numbers")
        super().process_formdata(parts)


class DateRequired:
    """A GovDateField must have a date. Unlike InputRequired, which looks only at the day
    box, this keeps the more precise message of a partly filled date."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data is None and not field.errors:
            raise StopValidation(self.message)


class NotInFuture:
    """The date must be today or earlier: an actual date records something that happened."""

    def __call__(self, form, field):
        if field.data and field.data > date.today():
            raise ValidationError(f"{field.label.text} must be today or in the past")


# The largest amount the Numeric(14, 2) budget and benefit columns hold.
LARGEST_AMOUNT = Decimal("999999999999.99")


class MoneyField(DecimalField):
    """An amount in pounds; accepts the £ sign and thousands separators people type."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        validators = [Optional(), NumberRange(min=0, max=LARGEST_AMOUNT,
                                              message=f"{label} must be £0 or more, up to £999,999,999,999"),
                      *(validators or [])]
        super().__init__(label, validators, places=2,
                         invalid_value_message=f"{label} must be an amount in pounds, like 125000 or 125,000.50",
                         **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        typed = valuelist[0].replace("£", "").replace(",", "").strip()
        if not typed:
            self.data = None
            return
        super().process_formdata([typed])
        # Decimal() also reads "NaN" and "Infinity", which are no amount of money.
        if not self.data.is_finite():
            self.data = None
            raise ValueError(self.invalid_value_message)
        if self.data.as_tuple().exponent < -2:
            raise ValueError(f"{self.label.text} can have at most 2 decimal places (pence)")


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs, such as the models' code lists, as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def optional_id(value) -> int | None:
    """Coerce a select's value: the empty choice means none."""
    return int(value) if value not in (None, "") else None


def money_params(hint: str = "") -> dict:
    """Render params for a MoneyField: a £ prefix and a width that fits millions."""
    return {"prefix": {"text": "£"}, "classes": "govuk-input--width-10", "spellcheck": False,
            "attributes": {"inputmode": "decimal"}, **({"hint": {"text": hint}} if hint else {})}


class DeliveryForm(FlaskForm):
    """Who runs the delivery, what it may spend, when it ends and how confident the PMO is."""

    manager_id = SelectField("Delivery manager", coerce=optional_id, widget=GovSelect())
    programme_id = SelectField("Programme", coerce=optional_id, widget=GovSelect())
    funding_type = RadioField("Funding type", choices=select_choices(FUNDING_TYPES), validators=[Optional()],
                              widget=GovRadioInput(),
                              description="Capital buys or builds assets; revenue pays for running costs.")
    budget_approved = MoneyField("Approved budget")
    budget_forecast = MoneyField("Forecast spend")
    budget_actual = MoneyField("Actual spend to date")
    planned_end = GovDateField("Planned end date")
    forecast_end = GovDateField("Forecast end date")
    delivery_confidence = RadioField(
        "Delivery confidence", choices=select_choices(CONFIDENCE), validators=[Optional()], widget=GovRadioInput(),
        description="How likely is successful delivery on time, on budget and to the expected quality?")
    confidence_justification = TextAreaField(
        "Justification for the confidence rating", widget=GovTextArea(),
        description="Required for Amber/Red and Red: what is wrong and what is being done about it.")
    submit = SubmitField("Save delivery details", widget=GovSubmitInput())

    def __init__(self, *args, current_manager_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A manager who has since left the PMO stays selectable, so saving other details
        # does not force a change of manager.
        managers = db.session.scalars(
            select(User).join(UserRole).where(
                or_(UserRole.role == "pmo", User.id == current_manager_id), User.active)
            .distinct().order_by(User.name))
        self.manager_id.choices = select_choices([("", "Not assigned"), *((u.id, u.name) for u in managers)])
        programmes = db.session.scalars(select(Programme).order_by(Programme.name))
        self.programme_id.choices = select_choices([("", "Not part of a programme"),
                                                    *((p.id, p.name) for p in programmes)])

    def validate_confidence_justification(self, field):
        if self.delivery_confidence.data in CONFIDENCE_NEEDING_JUSTIFICATION and not (field.data or "").strip():
            label = dict(CONFIDENCE)[self.delivery_confidence.data]
            raise ValidationError(f"Explain why delivery confidence is {label}")

    def apply_to(self, initiative) -> None:
        """Copy the submitted details onto the initiative (its state is not touched)."""
        for name in ("manager_id", "programme_id", "budget_approved", "budget_forecast", "budget_actual",
                     "planned_end", "forecast_end"):
            setattr(initiative, name, getattr(self, name).data)
        initiative.funding_type = self.funding_type.data or None
        initiative.delivery_confidence = self.delivery_confidence.data or None
        initiative.confidence_justification = (self.confidence_justification.data or "").strip()


class MilestoneForm(FlaskForm):
    """One milestone's dates; edited in place in the milestones table."""

    name = StringField("Milestone", validators=[DataRequired("Enter the milestone's name"), Length(max=200)],
                       widget=GovTextInput())
    baseline_date = GovDateField("Baseline date", validators=[DateRequired("Enter the baseline date")])
    forecast_date = GovDateField("Forecast date")
    actual_date = GovDateField("Actual date", validators=[NotInFuture()],
                               description="Leave blank until the milestone is met.")
    variance_accepted = BooleanField(
        "Variance accepted by the board", widget=GovCheckboxInput(),
        description="Gate 3 accepts a milestone that is still open only when its variance has been accepted.")
    variance_note = TextAreaField("Variance note", widget=GovTextArea(),
                                  description="Who accepted the variance, when, and why.")
    submit = SubmitField("Save milestone", widget=GovSubmitInput())

    def validate_variance_note(self, field):
        if self.variance_accepted.data and not (field.data or "").strip():
            raise ValidationError("Enter a variance note saying who accepted the variance and why")

    def apply_to(self, milestone) -> None:
        milestone.name = self.name.data.strip()
        milestone.baseline_date = self.baseline_date.data
        milestone.forecast_date = self.forecast_date.data
        milestone.actual_date = self.actual_date.data
        milestone.variance_accepted = bool(self.variance_accepted.data)
        milestone.variance_note = (self.variance_note.data or "").strip()
