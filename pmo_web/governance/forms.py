"""Forms of the governance area: boards, meetings, other business, minutes and escalations."""
from __future__ import annotations

import re
from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import func, select
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from workflows.gate import DECISION_LABELS

from ..concurrency import VersionedForm
from ..extensions import db
from ..fields import DateRequired, GovDateField, optional_id, select_choices
from ..forms import PmoForm
from ..models import Board
from ..models.governance import LEVELS, MINUTE_KINDS

LONG_TEXT = 5000
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class BoardForm(VersionedForm, PmoForm):
    """A board: its name (unique), level, purpose, what it hears and whom it escalates to."""

    name = StringField("Name", widget=GovTextInput(),
                       validators=[DataRequired("Enter the board’s name"), Length(max=120)])
    level = RadioField("Level", widget=GovRadioInput(), choices=select_choices(LEVELS), default="layer",
                       validators=[DataRequired("Select the board’s level")])
    description = TextAreaField("Purpose", widget=GovTextArea(), validators=[Length(max=LONG_TEXT)],
                                description="What the board decides and who sits on it.")
    escalates_to_id = SelectField("Escalates to", widget=GovSelect(), coerce=optional_id,
                                  validators=[Optional()])
    hears_portfolio = BooleanField(
        "Hears the portfolio", widget=GovCheckboxInput(),
        description="Gate reviews awaiting decision and initiatives rated red or amber/red come to its agenda.")
    submit = SubmitField("Save board", widget=GovSubmitInput())

    def __init__(self, *args, board: Board | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.board = board
        others = db.session.scalars(select(Board).order_by(Board.name))
        self.escalates_to_id.choices = [SelectChoice("", "No board above"),
                                        *(SelectChoice(b.id, b.name) for b in others if b is not board)]

    def validate_name(self, field):
        name = (field.data or "").strip()
        clash = db.session.scalar(select(Board.id).where(func.lower(Board.name) == name.lower()))
        if clash is not None and (self.board is None or clash != self.board.id):
            raise ValidationError("A board with this name already exists")

    def validate_escalates_to_id(self, field):
        """No board may escalate to itself, directly or round a loop."""
        if self.board is None or field.data is None or field.errors:  # not one of the choices: said already
            return
        above = db.session.get(Board, field.data)
        seen = set()
        while above is not None and above.id not in seen:
            if above.id == self.board.id:
                raise ValidationError("A board cannot escalate to itself or to a board below it")
            seen.add(above.id)
            above = above.escalates_to

    def apply_to(self, board: Board) -> None:
        board.name = self.name.data.strip()
        board.level = self.level.data
        board.description = (self.description.data or "").strip()
        board.escalates_to_id = self.escalates_to_id.data
        board.hears_portfolio = bool(self.hears_portfolio.data)


class MeetingForm(VersionedForm, PmoForm):
    """When and where a board meets."""

    meets_on = GovDateField("Date", validators=[DateRequired("Enter the date of the meeting")])
    start_time = StringField("Start time", widget=GovTextInput(), description="For example, 09:30 or 14:00.",
                            validators=[DataRequired("Enter the start time"), Length(max=5)])
    location = StringField("Location", widget=GovTextInput(), validators=[Length(max=200)],
                           description="A room, or Microsoft Teams.")
    submit = SubmitField("Save meeting", widget=GovSubmitInput())

    def validate_start_time(self, field):
        if not TIME_PATTERN.match((field.data or "").strip()):
            raise ValidationError("Enter the start time as hours and minutes, like 09:30")

    def typed_time(self):
        hours, minutes = TIME_PATTERN.match(self.start_time.data.strip()).groups()
        return datetime.strptime(f"{hours}:{minutes}", "%H:%M").time()

    def saved_values(self, rows) -> dict[str, object]:
        meeting = rows[0]
        return {self.meets_on.name: meeting.meets_on, self.start_time.name: f"{meeting.starts_at:%H:%M}",
                self.location.name: meeting.location}

    def apply_to(self, meeting) -> None:
        meeting.meets_on = self.meets_on.data
        meeting.starts_at = self.typed_time()
        meeting.location = (self.location.data or "").strip()


class HeldForm(VersionedForm, PmoForm):
    """Mark a meeting held: its agenda is frozen and minutes can be taken."""

    submit = SubmitField("Mark as held and freeze the agenda", widget=GovSubmitInput())

    def saved_values(self, rows) -> dict[str, object]:
        return {}


class AgendaItemForm(PmoForm):
    """Other business the secretary adds to a planned meeting."""

    title = StringField("Item", widget=GovTextInput(),
                        validators=[DataRequired("Enter the agenda item"), Length(max=300)])
    note = TextAreaField("Note", widget=GovTextArea(), validators=[Length(max=LONG_TEXT)],
                         description="Optional. What the board is asked to note or decide, and papers to read.")
    submit = SubmitField("Add to the agenda", widget=GovSubmitInput())


class MinuteForm(PmoForm):
    """A decision or an action minuted against an agenda item."""

    kind = RadioField("Type", widget=GovRadioInput(), choices=select_choices(MINUTE_KINDS), default="decision",
                      validators=[DataRequired("Select decision or action")])
    text = TextAreaField("Minute", widget=GovTextArea(),
                         validators=[DataRequired("Enter what was decided or is to be done"), Length(max=LONG_TEXT)])
    owner = StringField("Action owner", widget=GovTextInput(), validators=[Length(max=120)],
                        description="For an action: who will do it.")
    due = GovDateField("Action due date", description="For an action. For example, 27 3 2027.")
    gate_decision_id = SelectField("Gate decision", widget=GovSelect(), coerce=optional_id, validators=[Optional()],
                                   description="The approver’s decision on the gate page that this minute records.")
    submit = SubmitField("Save minute", widget=GovSubmitInput())

    def __init__(self, *args, gate_review=None, **kwargs):
        super().__init__(*args, **kwargs)
        decisions = gate_review.decisions if gate_review is not None else []
        self.gate_decision_id.choices = [SelectChoice("", "Not linked to a gate decision"), *(
            SelectChoice(d.id, f"{DECISION_LABELS.get(d.decision, d.decision)} by {d.approver.name}")
            for d in decisions)]
        if not decisions:
            del self.gate_decision_id

    def validate_owner(self, field):
        if self.kind.data == "action" and not (field.data or "").strip():
            raise ValidationError("Enter who owns the action")

    def validate_due(self, field):
        if self.kind.data == "action" and field.data is None and not field.errors:
            raise ValidationError("Enter the date the action is due")


class EscalationForm(PmoForm):
    """Send an agenda item to the board above, with what it is asked to do."""

    note = TextAreaField("Note for the board above", widget=GovTextArea(),
                         validators=[DataRequired("Enter a note for the board above"), Length(max=LONG_TEXT)],
                         description="Why this board cannot settle it, and what the board above is asked to decide.")
    submit = SubmitField("Escalate", widget=GovSubmitInput())
