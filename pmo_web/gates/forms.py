"""Forms for requesting a gate review and for recording an approver's decision.

The decision form mirrors the gate workflow's input rules (comment unless approving,
conditions for an approval with conditions, a date for a deferral) so the approver gets
field-by-field errors; workflows/gate.py checks the same rules again when it records.
"""
from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    FieldList,
    FormField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

from workflows.gate import DECISION_LABELS, DECISIONS, Condition

from ..fields import GovDateField
from ..forms import PmoForm, PmoSubform


def _stripped(value: str | None) -> str:
    """Text as typed, without surrounding spaces; a field left out of the post is empty."""
    return (value or "").strip()


class GateRequestForm(PmoForm):
    """The PMO's request for a gate review, with an optional note to the approvers."""

    note = TextAreaField(
        "Note to approvers (optional)", widget=GovTextArea(),
        description="For example, what the approvers should look at first.", filters=[_stripped],
        validators=[Length(max=2000, message="The note must be 2,000 characters or fewer")])
    submit = SubmitField("Request gate review", widget=GovSubmitInput())


def _only_for(*decisions: str):
    """Check a field only when the chosen decision needs it.

    The form shows every decision's fields at once (each says which decision it is for), so
    anything typed in another decision's fields, say before the approver changed their mind,
    is ignored rather than reported as an error in a field that does not apply.
    """

    def check(form, field):
        if form.decision.data in decisions:
            return
        for row in getattr(field, "entries", ()):
            for part in row:
                part.errors = []
        field.errors = []
        raise StopValidation()

    return check


def _real_date(missing: str):
    """The day, month and year boxes must be filled in and make a real date."""

    def check(_form, field):
        if field.data is not None:
            return
        typed = any((part or "").strip() for part in field.raw_data or ())
        field.errors[:] = []  # replace WTForms' "Not a valid date value" with our words
        raise StopValidation(f"{field.label.text} must be a real date" if typed else missing)

    return check


def _filled(message: str):
    """Like InputRequired, without putting `required` on an input that may be hidden."""

    def check(_form, field):
        if not field.data:
            raise StopValidation(message)

    return check


def _skip_blank_row(form, field):
    """A condition row left wholly blank is not a condition: ignore it."""
    if form.is_blank:
        field.errors[:] = []
        raise StopValidation()


class ConditionForm(PmoSubform):
    """One condition attached to an approval: what must happen, who owns it, by when."""

    text = StringField("Condition", widget=GovTextInput(), filters=[_stripped],
                          validators=[_skip_blank_row, _filled("Enter the condition")])
    owner = StringField("Owner", widget=GovTextInput(), filters=[_stripped],
                        description="The person or role responsible, for example Head of Finance.",
                           validators=[_skip_blank_row, _filled("Enter who owns the condition")])
    due = GovDateField("Due by", description="For example, 27 3 2027",
                       validators=[_skip_blank_row, _real_date("Enter the date the condition is due")])

    @property
    def is_blank(self) -> bool:
        """True when nothing at all was typed into this row."""
        typed = [self.text.data, self.owner.data, *(self.due.raw_data or ())]
        return not any((value or "").strip() for value in typed)


class DecisionForm(PmoForm):
    """One approver's decision on one gate review."""

    decision = RadioField(
        "Your decision", widget=GovRadioInput(),
        description="An approval counts towards the approvals needed; any other decision settles the review.",
        choices=[SelectChoice(key, DECISION_LABELS[key]) for key in DECISIONS],
        validators=[InputRequired("Select your decision")])
    comment = TextAreaField(
        "Comment", widget=GovTextArea(),
        description="Required unless you approve. If you return it for rework, say what needs fixing.",
        filters=[_stripped],
        validators=[Length(max=5000, message="The comment must be 5,000 characters or fewer")])
    conditions = FieldList(FormField(ConditionForm), min_entries=3, max_entries=3,
                           validators=[_only_for("approve_with_conditions")])
    defer_until = GovDateField(
        "Come back to this gate on", description="For example, 27 3 2027",
        validators=[_only_for("defer"), _real_date("Enter the date to come back to this gate")])
    submit = SubmitField("Record decision", widget=GovSubmitInput())

    def validate_comment(self, field):
        if self.decision.data != "approve" and not field.data:
            raise ValidationError("Enter a comment: it is required for every decision except approve")

    def validate_conditions(self, field):
        # Rows with their own errors are reported already; only an all-blank list is left.
        if not field.errors and not self.entered_conditions():
            raise ValidationError("Add at least one condition, with its owner and due date")

    def validate_defer_until(self, field):
        if field.data <= date.today():
            raise ValidationError("The date to come back to this gate must be in the future")

    def entered_conditions(self) -> tuple[Condition, ...]:
        """The complete condition rows, for an approval with conditions; none otherwise."""
        if self.decision.data != "approve_with_conditions":
            return ()
        return tuple(Condition(text=row.text.data, owner=row.owner.data, due=row.due.data)
                     for row in (entry.form for entry in self.conditions) if not row.is_blank)

    def defer_date(self) -> date | None:
        """The date to come back, for a deferral; None otherwise."""
        return self.defer_until.data if self.decision.data == "defer" else None
