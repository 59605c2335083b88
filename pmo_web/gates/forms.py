"""Forms for requesting a gate review and for recording an approver's decision.

The decision form mirrors the gate workflow's input rules (comment unless approving,
conditions for an approval with conditions, a date for a deferral) so the approver gets
field-by-field errors; workflows/gate.py checks the same rules again when it records.
"""
from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

from workflows.gate import DECISION_LABELS, DECISIONS, Condition

from ..concurrency import VersionedForm
from ..extensions import db
from ..fields import GovDateField, optional_id
from ..forms import PmoForm, PmoSubform
from ..models import User


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


def _one_owner(form, field):
    """An owner from the list or typed, not neither and not both."""
    if form.owner_id.data is None and not field.data:
        raise StopValidation("Enter who owns the condition: choose them from the list or type their name or role")
    if form.owner_id.data is not None and field.data:
        raise StopValidation("Choose the owner from the list or type their name, not both")


def people_choices() -> list[SelectChoice]:
    """Active users, by name, for choosing a condition's owner; first, the choice of none."""
    people = db.session.execute(select(User.id, User.name).where(User.active.is_(True)).order_by(User.name, User.id))
    return [SelectChoice("", "Not listed: type their name or role below"),
            *(SelectChoice(person_id, name) for person_id, name in people)]


class ConditionForm(PmoSubform):
    """One condition attached to an approval: what must happen, who owns it, by when.

    The owner is a PMO Web user chosen from the list (they then see it as theirs) or, for
    someone without an account, a name or role typed in.
    """

    text = StringField("Condition", widget=GovTextInput(), filters=[_stripped],
                       validators=[_skip_blank_row, _filled("Enter the condition")])
    owner_id = SelectField("Owner", coerce=optional_id, widget=GovSelect(), choices=[],
                           description="The person responsible, if they use PMO Web.")
    owner = StringField("Owner's name or role, if not listed", widget=GovTextInput(), filters=[_stripped],
                        description="For example, Head of Finance.",
                        validators=[_skip_blank_row, Length(max=120, message="The owner must be 120 characters "
                                                                              "or fewer"), _one_owner])
    due = GovDateField("Due by", description="For example, 27 3 2027",
                       validators=[_skip_blank_row, _real_date("Enter the date the condition is due")])

    @property
    def is_blank(self) -> bool:
        """True when nothing at all was typed or chosen in this row."""
        typed = [self.text.data, self.owner.data, *(self.due.raw_data or ())]
        return self.owner_id.data is None and not any((value or "").strip() for value in typed)


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
    # Rejecting at Gate 1 or 2 ends the initiative for good: the approver confirms it first.
    confirm_reject = BooleanField("I understand that rejecting closes this initiative as rejected, and that "
                                  "this cannot be undone", widget=GovCheckboxInput())
    submit = SubmitField("Record decision", widget=GovSubmitInput())

    def __init__(self, *args, rejection_closes: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.rejection_closes = rejection_closes
        choices = people_choices()
        self.people = {choice.value: choice.label for choice in choices if choice.value != ""}
        for entry in self.conditions:
            entry.form.owner_id.choices = choices

    def validate_confirm_reject(self, field):
        if self.decision.data == "reject" and self.rejection_closes and not field.data:
            raise ValidationError("Confirm that you want to reject: it closes the initiative and cannot be undone")

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
        return tuple(Condition(text=row.text.data, due=row.due.data, owner_id=row.owner_id.data,
                               owner=self.people[row.owner_id.data] if row.owner_id.data is not None
                               else row.owner.data)
                     for row in (entry.form for entry in self.conditions) if not row.is_blank)

    def defer_date(self) -> date | None:
        """The date to come back, for a deferral; None otherwise."""
        return self.defer_until.data if self.decision.data == "defer" else None


class ConditionCloseForm(VersionedForm, PmoForm):
    """Closing one gate condition: the evidence that it is met, or why it is waived.

    Carries the version of the condition it was drawn from (pmo_web/concurrency.py), so two
    people closing the same condition at once cannot both succeed unseen.
    """

    note = TextAreaField("", widget=GovTextArea(), filters=[_stripped],
                         validators=[Length(max=5000, message="This must be 5,000 characters or fewer")])
    submit = SubmitField("", widget=GovSubmitInput())

    # action -> (the note's label, its hint, the message when it is left empty, the button)
    WORDING = {
        "meet": ("Evidence that the condition is met",
                 "What shows it is done, and where to find it: a document, a decision, a date.",
                 "Enter the evidence that the condition is met", "Mark as met"),
        "waive": ("Why the condition is waived",
                  "Why it no longer needs to be met. Only an approver can waive a condition.",
                  "Enter why the condition is waived", "Waive condition"),
    }

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        label, hint, self._missing, button = self.WORDING[action]
        self.note.label.text = label
        self.note.description = hint
        self.submit.label.text = button

    def validate_note(self, field):
        if not field.data:
            raise ValidationError(self._missing)

    def saved_values(self, rows) -> dict[str, object]:
        """For the conflict panel: what the other person recorded on the condition."""
        condition = rows[0]
        return {"note": condition.evidence if self.action == "meet" else condition.waiver_reason}
