"""Forms for delivery: the initiative's delivery details and its milestones."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import or_, select
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..concurrency import VersionedForm
from ..extensions import db
from ..fields import (
    DateRequired,
    GovDateField,
    MoneyField,
    NotInFuture,
    optional_id,
    select_choices,
)
from ..forms import PmoForm
from ..models import Programme, User, UserRole
from ..models.initiatives import CONFIDENCE_NEEDING_JUSTIFICATION
from ..models.reports import confidence_label, confidence_levels, shown_confidence


class DeliveryForm(VersionedForm, PmoForm):
    """Who runs the delivery, what it may spend, when it ends and how confident the PMO is.

    Not the funding type: that is the business case's (capital costs make it capital), so
    there is one place it is decided, before Gate 2 counts its approvals.
    """

    manager_id = SelectField("Delivery manager", coerce=optional_id, widget=GovSelect())
    programme_id = SelectField("Programme", coerce=optional_id, widget=GovSelect())
    budget_approved = MoneyField("Approved budget")
    budget_forecast = MoneyField("Forecast spend")
    budget_actual = MoneyField("Actual spend to date")
    planned_end = GovDateField("Planned end date")
    forecast_end = GovDateField("Forecast end date")
    delivery_confidence = RadioField(
        "Delivery confidence", choices=[], validators=[Optional()], widget=GovRadioInput(),
        description="How likely is successful delivery on time, on budget and to the expected quality?")
    confidence_justification = TextAreaField(
        "Justification for the confidence rating", widget=GovTextArea(),
        description="Required for Amber/Red and Red: what is wrong and what is being done about it.")
    cost_tolerance_pct = IntegerField(
        "Cost tolerance", widget=GovTextInput(),
        description="How far, as a percentage of the approved budget, the forecast may go over before an "
                    "exception report is needed.",
        validators=[Optional(), NumberRange(0, 100, "The cost tolerance must be between 0 and 100 per cent")])
    time_tolerance_days = IntegerField(
        "Time tolerance", widget=GovTextInput(),
        description="How many days the forecast end may pass the planned end before an exception report is needed.",
        validators=[Optional(), NumberRange(0, 730, "The time tolerance must be between 0 and 730 days")])
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
        # The configured scale; a five-point rating reads as its three-point level (Amber/Green
        # is Amber), so saving other details keeps the rating instead of clearing it.
        self.delivery_confidence.choices = select_choices(confidence_levels())
        self.delivery_confidence.data = shown_confidence(self.delivery_confidence.data)

    def validate_confidence_justification(self, field):
        if self.delivery_confidence.data in CONFIDENCE_NEEDING_JUSTIFICATION and not (field.data or "").strip():
            label = confidence_label(self.delivery_confidence.data)
            raise ValidationError(f"Explain why delivery confidence is {label}")

    def apply_to(self, initiative) -> None:
        """Copy the submitted details onto the initiative (its state is not touched)."""
        for name in ("manager_id", "programme_id", "budget_approved", "budget_forecast", "budget_actual",
                     "planned_end", "forecast_end"):
            setattr(initiative, name, getattr(self, name).data)
        # A tolerance left blank keeps the one set before (10 % and 30 days to begin with).
        for name in ("cost_tolerance_pct", "time_tolerance_days"):
            if getattr(self, name).data is not None:
                setattr(initiative, name, getattr(self, name).data)
        rating = self.delivery_confidence.data or None
        justification = (self.confidence_justification.data or "").strip()
        if rating == "green" and initiative.delivery_confidence != "green" \
                and justification == (initiative.confidence_justification or "").strip():
            # Back to Green: the reasons given for the lower rating no longer stand. A
            # justification written afresh with the Green rating is kept.
            justification = ""
        initiative.delivery_confidence = rating
        initiative.confidence_justification = justification


class MilestoneForm(VersionedForm, PmoForm):
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
