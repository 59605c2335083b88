"""Board filters and the move a card's menu (or a drag and drop) sends."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from sqlalchemy import select
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Optional

from workflows.lifecycle import TRIGGER_INPUTS, TRIGGER_LABELS

from ..extensions import db
from ..fields import optional_id
from ..forms import PmoForm
from ..initiatives.forms import InitiativeFilters
from ..models import Initiative, User


class BoardFilters(InitiativeFilters):
    """Narrow the board by department, programme and manager."""

    manager = SelectField("Manager", widget=GovSelect(), coerce=optional_id, validators=[Optional()])

    def set_choices(self) -> None:
        super().set_choices()
        managers = select(User).where(User.id.in_(select(Initiative.manager_id))).order_by(User.name)
        self.manager.choices = [SelectChoice("", "All managers")] + [
            SelectChoice(u.id, u.name) for u in db.session.scalars(managers)]


class MoveForm(PmoForm):
    """The trigger to fire on a card, with the inputs it needs when sent from a fuller form."""

    trigger = HiddenField("Move", validators=[
        InputRequired("Choose a move"), AnyOf(list(TRIGGER_LABELS), message="That is not a move the board knows")])
    # Sent from the lifecycle's text boxes, so they get a text box's length limit.
    reason = TextAreaField("Reason", validators=[Optional()])
    question = TextAreaField("Question", validators=[Optional()])
    answer = TextAreaField("Answer", validators=[Optional()])
    target_id = IntegerField("Target initiative", validators=[Optional()])
    # "yes" once the user has confirmed a move that cannot be undone (triage/_confirm.html).
    confirmed = HiddenField("Confirmed", validators=[Optional()])

    def inputs(self) -> dict:
        """The inputs the chosen trigger takes, as sent; the lifecycle refuses blanks by name."""
        return {name: self[name].data for name in TRIGGER_INPUTS[self.trigger.data]}

    def problems(self) -> list[str]:
        """Every validation message, for showing on the card."""
        return [message for messages in self.errors.values() for message in messages]
