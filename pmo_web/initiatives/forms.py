"""Forms of the initiative page: the inputs a lifecycle button needs, and portfolio filters."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea
from sqlalchemy import select
from wtforms import SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional

from workflows.lifecycle import STAGE_OF, STAGES, TRIGGER_INPUTS, TRIGGER_LABELS

from ..extensions import db
from ..fields import optional_id, select_choices
from ..forms import PmoForm
from ..models import Department, Initiative, Programme, StrategicPriority
from ..models.initiatives import CONFIDENCE, FUNDING_TYPES
from ..models.reports import confidence_levels, shown_confidence
from ..scoring.matrix import BANDS
from .portfolio import current_band

# The words on the form for each trigger's input: (label, hint). The requester reads
# reasons, questions and answers on the initiative page, so the hints say so.
INPUT_WORDING: dict[str, dict[str, tuple[str, str]]] = {
    "reject": {"reason": ("Why is it being rejected?", "The requester will see this reason.")},
    "withdraw": {"reason": ("Why is it being withdrawn?",
                            "Everyone who can see the initiative will see this reason.")},
    "hold": {"reason": ("Why is it being put on hold?", "Say what has to happen before it resumes.")},
    "resume": {"reason": ("Why can it resume?", "")},
    "cancel": {"reason": ("Why is it being cancelled?", "The requester and sponsor will see this reason.")},
    "request_info": {"question": ("What does the requester need to tell you?",
                                  "The request goes back to the requester until they answer.")},
    "resubmit": {"answer": ("Your answer", "The request goes back to the PMO for triage with your answer.")},
    "merge": {"target_id": ("Which initiative does it duplicate?",
                            "Only open initiatives are listed. This request will point to the one you choose.")},
}
MISSING_MESSAGES = {
    "reason": "Enter a reason",
    "question": "Enter your question",
    "answer": "Enter your answer",
    "target_id": "Select the initiative it duplicates",
}


class TransitionForm(PmoForm):
    """What one lifecycle trigger needs before it fires; fields it does not need are removed."""

    reason = TextAreaField("Reason", widget=GovTextArea(), validators=[DataRequired(MISSING_MESSAGES["reason"])])
    question = TextAreaField("Question", widget=GovTextArea(),
                             validators=[DataRequired(MISSING_MESSAGES["question"])])
    answer = TextAreaField("Answer", widget=GovTextArea(), validators=[DataRequired(MISSING_MESSAGES["answer"])])
    target_id = SelectField("Target", widget=GovSelect(), coerce=optional_id,
                            validators=[DataRequired(MISSING_MESSAGES["target_id"])])
    confirm = SubmitField("Confirm", widget=GovSubmitInput())

    def __init__(self, trigger: str, merge_targets: list[Initiative] = (), **kwargs):
        super().__init__(**kwargs)
        self.trigger = trigger
        for name in ("reason", "question", "answer", "target_id"):
            if name not in TRIGGER_INPUTS[trigger]:
                delattr(self, name)
        for name, (label, hint) in INPUT_WORDING.get(trigger, {}).items():
            self[name].label.text = label
            self[name].description = hint
        if "target_id" in TRIGGER_INPUTS[trigger]:
            self.target_id.choices = [SelectChoice("", "Choose an initiative")] + [
                SelectChoice(target.id, f"{target.reference}: {target.title} ({target.state_label})")
                for target in merge_targets]
        self.confirm.label.text = TRIGGER_LABELS[trigger]

    def inputs(self) -> dict:
        """The workflow inputs by name, text trimmed."""
        values = {name: self[name].data for name in TRIGGER_INPUTS[self.trigger]}
        return {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}


STAGE_STATES = {key: tuple(state for state, stage in STAGE_OF.items() if stage == key) for key, _ in STAGES}


class InitiativeFilters(PmoForm):
    """Department and programme filters for a list of initiatives (GET forms: no CSRF needed).

    A filter named `x` narrows on `Initiative.x_id` unless a subclass says otherwise.
    """

    class Meta:
        csrf = False

    department = SelectField("Department", widget=GovSelect(), coerce=optional_id, validators=[Optional()])
    programme = SelectField("Programme", widget=GovSelect(), coerce=optional_id, validators=[Optional()])
    apply = SubmitField("Apply filters", widget=GovSubmitInput())

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.set_choices()
        self.validate()  # marks bad values, which `chosen` then leaves out

    def set_choices(self) -> None:
        self.department.choices = [SelectChoice("", "All departments")] + [
            SelectChoice(d.id, d.name) for d in db.session.scalars(select(Department).order_by(Department.name))]
        self.programme.choices = [SelectChoice("", "All programmes")] + [
            SelectChoice(p.id, p.name) for p in db.session.scalars(select(Programme).order_by(Programme.name))]

    @property
    def chosen(self) -> dict:
        """The filters given with a valid value, by name; a bad value in the address is ignored."""
        return {field.name: field.data for field in self
                if isinstance(field, SelectField) and field.data and not field.errors}

    def conditions(self) -> list:
        """SQL conditions for the chosen filters."""
        return [self.condition(name, value) for name, value in self.chosen.items()]

    def condition(self, name: str, value):
        return getattr(Initiative, f"{name}_id") == value


NOT_ASSESSED = "none"


class PortfolioFilters(InitiativeFilters):
    """Narrow the portfolio by department, programme, stage, priority band, strategic
    priority, funding type and delivery confidence (the exports take the same filters)."""

    stage = SelectField("Stage", widget=GovSelect(), validators=[Optional()],
                        choices=[SelectChoice("", "All stages")] + [SelectChoice(key, label) for key, label in STAGES])
    band = SelectField("Priority band", widget=GovSelect(), validators=[Optional()],
                       choices=[SelectChoice("", "All bands")] + [SelectChoice(band, band) for band in BANDS])
    priority = SelectField("Strategic priority", widget=GovSelect(), coerce=optional_id, validators=[Optional()])
    funding = SelectField("Funding type", widget=GovSelect(), validators=[Optional()],
                          choices=[SelectChoice("", "Capital and revenue")] + select_choices(FUNDING_TYPES))
    confidence = SelectField("Delivery confidence", widget=GovSelect(), validators=[Optional()])

    def set_choices(self) -> None:
        super().set_choices()
        self.priority.choices = [SelectChoice("", "All priorities")] + [
            SelectChoice(p.id, p.name) for p in db.session.scalars(
                select(StrategicPriority).order_by(StrategicPriority.position, StrategicPriority.id))]
        self.confidence.choices = [SelectChoice("", "Any confidence")] + [
            SelectChoice(key, label) for key, label in confidence_levels()] + [
            SelectChoice(NOT_ASSESSED, "Not assessed")]

    def condition(self, name: str, value):
        if name == "stage":
            return Initiative.state.in_(STAGE_STATES[value])
        if name == "band":
            return current_band() == value
        if name == "priority":
            return Initiative.strategic_priority_id == value
        if name == "funding":
            return Initiative.funding_type == value
        if name == "confidence":
            if value == NOT_ASSESSED:
                return Initiative.delivery_confidence.is_(None)
            # On the three-point scale Amber takes in Amber/Green and Amber/Red.
            return Initiative.delivery_confidence.in_(
                [key for key, _label in CONFIDENCE if shown_confidence(key) == value])
        return super().condition(name, value)
