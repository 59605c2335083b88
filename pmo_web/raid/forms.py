"""Forms for the RAID log: one per kind of item (docs/rules.md 4), escalation, removal and the
log's filters.

Each kind draws only its own fields, so a risk form never asks for an issue's priority and
a posted value for a field the kind does not have is never read. A risk's score and band
are not fields: they follow from likelihood and impact.
"""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import or_, select
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..concurrency import VersionedForm
from ..extensions import db
from ..fields import GovDateField, optional_id, select_choices
from ..forms import PmoForm
from ..models import User
from ..models.governance import escalation_boards
from ..models.raid import (
    DIRECTIONS,
    IMPACTS,
    ISSUE_PRIORITIES,
    ISSUE_TYPES,
    KINDS,
    LIKELIHOODS,
    RESPONSES,
    RISK_CATEGORIES,
    STATUSES,
)
from .service import LogQuery

# Long text is capped well above anything a person writes in a log row.
LONG_TEXT = 10_000


def _scale(pairs) -> list[tuple[int, str]]:
    """A 1-5 scale as choices that show the number too: "4 – Likely"."""
    return [(value, f"{value} – {label}") for value, label in pairs]


def _trimmed(value):
    return value.strip() if isinstance(value, str) else value


class RaidItemForm(VersionedForm, PmoForm):
    """What every kind of item has: a title, a description, an owner and a status.

    Subclasses add the fields of their kind and say in FIELDS which to draw, in order.
    """

    kind = ""
    FIELDS: tuple[str, ...] = ()
    title = StringField("Title", widget=GovTextInput(), validators=[DataRequired("Enter a title"), Length(max=200)])
    description = TextAreaField("Description", widget=GovTextArea(), validators=[Length(max=LONG_TEXT)])
    owner_id = SelectField("Owner", coerce=optional_id, widget=GovSelect(), validators=[Optional()])
    status = SelectField("Status", widget=GovSelect(), validators=[DataRequired("Select a status")])
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, current_owner_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Anyone active may own an item; an owner who has since left stays selectable, so
        # saving other changes does not force a new owner.
        people = db.session.scalars(select(User).where(or_(User.active, User.id == current_owner_id))
                                    .order_by(User.name))
        self.owner_id.choices = [SelectChoice("", "Not assigned"), *(SelectChoice(u.id, u.name) for u in people)]
        self.status.choices = select_choices(STATUSES[self.kind])
        if not self.is_submitted() and not self.status.data:
            self.status.data = STATUSES[self.kind][0][0]

    @property
    def kind_label(self) -> str:
        return dict(KINDS)[self.kind]

    def drawn(self):
        """The fields to draw, in order."""
        return [self[name] for name in self.FIELDS]

    def apply_to(self, item) -> None:
        """Copy the kind's fields onto the item; text is stored trimmed."""
        for name in self.FIELDS:
            setattr(item, name, _trimmed(self[name].data))


def _required_with_open_status(message: str):
    def check(form, field):
        if field.data is None and not field.errors and form.status.data in ("open", "unvalidated"):
            raise ValidationError(message)
    return check


class RiskForm(RaidItemForm):
    """A risk: cause, event and effect, scored likelihood x impact (docs/rules.md 4)."""

    kind = "risk"
    FIELDS = ("title", "description", "category", "owner_id", "likelihood", "impact", "response",
              "mitigation", "status", "review_date", "proximity_date")
    title = StringField("Risk", widget=GovTextInput(),
                        validators=[DataRequired("Enter the risk"), Length(max=200)],
                        description="A short name, for example ‘Supplier delivers the software late’.")
    description = TextAreaField(
        "Cause, event and effect", widget=GovTextArea(), validators=[Length(max=LONG_TEXT)],
        description="Because of [cause], [event] may happen, which would lead to [effect].")
    category = SelectField("Category", widget=GovSelect(), validators=[Optional()],
                           choices=select_choices([("", "Not categorised"), *RISK_CATEGORIES]))
    likelihood = SelectField("Likelihood", coerce=optional_id, widget=GovSelect(),
                             choices=select_choices([("", "Choose"), *_scale(LIKELIHOODS)]),
                             validators=[DataRequired("Select how likely the risk is")])
    impact = SelectField("Impact", coerce=optional_id, widget=GovSelect(),
                         choices=select_choices([("", "Choose"), *_scale(IMPACTS)]),
                         validators=[DataRequired("Select the risk's impact")])
    response = SelectField("Response", widget=GovSelect(), validators=[Optional()],
                           choices=select_choices([("", "Not decided"), *RESPONSES]))
    mitigation = TextAreaField("Mitigation", widget=GovTextArea(), validators=[Length(max=LONG_TEXT)],
                               description="What is being done to reduce the risk, and by when.")
    review_date = GovDateField("Review date", validators=[
        _required_with_open_status("Enter the date the risk will next be reviewed")])
    proximity_date = GovDateField("Proximity", description="When the risk would happen, if it does.")


class AssumptionForm(RaidItemForm):
    """An assumption the plan rests on, and when it must be checked."""

    kind = "assumption"
    FIELDS = ("title", "description", "owner_id", "due_date", "status")
    title = StringField("Assumption", widget=GovTextInput(),
                        validators=[DataRequired("Enter the assumption"), Length(max=200)])
    description = TextAreaField("Basis", widget=GovTextArea(), validators=[Length(max=LONG_TEXT)],
                                description="Why it is believed, and what happens if it is wrong.")
    due_date = GovDateField("Validate by", validators=[
        _required_with_open_status("Enter the date the assumption must be validated by")])


class IssueForm(RaidItemForm):
    """An issue: something that has happened and needs resolving."""

    kind = "issue"
    FIELDS = ("title", "description", "issue_type", "priority", "owner_id", "resolution", "due_date", "status")
    title = StringField("Issue", widget=GovTextInput(), validators=[DataRequired("Enter the issue"), Length(max=200)])
    issue_type = SelectField("Type", widget=GovSelect(), choices=select_choices(ISSUE_TYPES), default="problem",
                             validators=[DataRequired("Select the type of issue")])
    priority = SelectField("Priority", widget=GovSelect(),
                           choices=select_choices([("", "Choose"), *ISSUE_PRIORITIES]),
                           validators=[DataRequired("Select the issue's priority")])
    resolution = TextAreaField("Resolution", widget=GovTextArea(), validators=[Length(max=LONG_TEXT)],
                               description="What is being done, or what resolved it.")
    due_date = GovDateField("Due date")


class DependencyForm(RaidItemForm):
    """A dependency on another initiative or on an outside party, in either direction."""

    kind = "dependency"
    FIELDS = ("title", "description", "direction", "depends_on_id", "external_party", "owner_id", "due_date",
              "status")
    title = StringField("Dependency", widget=GovTextInput(),
                        validators=[DataRequired("Enter the dependency"), Length(max=200)])
    description = TextAreaField("What is needed", widget=GovTextArea(), validators=[Length(max=LONG_TEXT)])
    direction = SelectField("Direction", widget=GovSelect(), choices=select_choices(DIRECTIONS), default="we_need",
                            validators=[DataRequired("Select who depends on whom")])
    depends_on_id = SelectField("Other initiative", coerce=optional_id, widget=GovSelect(), validators=[Optional()],
                                description="Leave as ‘None’ for a dependency on an outside party.")
    external_party = StringField("Outside party", widget=GovTextInput(), validators=[Length(max=200)],
                                 description="A supplier, partner agency or team outside the portfolio.")
    due_date = GovDateField("Needed by")

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.depends_on_id.choices = [SelectChoice("", "None"), *(
            SelectChoice(t.id, f"{t.reference}: {t.title}") for t in targets)]

    def validate_external_party(self, field):
        party = (field.data or "").strip()
        if self.depends_on_id.data is None and not party and not self.depends_on_id.errors:
            raise ValidationError("Choose the other initiative, or enter the outside party")
        if self.depends_on_id.data is not None and party:
            raise ValidationError("Choose another initiative or enter an outside party, not both")


FORMS = {form.kind: form for form in (RiskForm, AssumptionForm, IssueForm, DependencyForm)}


class EscalationForm(VersionedForm, PmoForm):
    """Escalate an item to a board with a note, or withdraw the escalation."""

    # No Optional(): it would stop validate_escalated_to from running on an empty choice.
    escalated_to = SelectField("Board", widget=GovSelect())
    escalation_note = TextAreaField("Note for the board", widget=GovTextArea(), validators=[Length(max=LONG_TEXT)],
                                    description="What the board is asked to decide or do, and by when.")
    submit = SubmitField("Escalate", widget=GovSubmitInput())
    withdraw = SubmitField("Withdraw the escalation", widget=GovSubmitInput())

    def __init__(self, *args, current_board: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        boards = escalation_boards()
        if current_board and current_board not in boards:
            boards.append(current_board)
        self.escalated_to.choices = [SelectChoice("", "Choose a board"), *(SelectChoice(b, b) for b in boards)]

    def validate_escalated_to(self, field):
        if not self.withdraw.data and not field.data:
            raise ValidationError("Select the board the item is escalated to")

    def validate_escalation_note(self, field):
        if not self.withdraw.data and not (field.data or "").strip():
            raise ValidationError("Enter a note for the board")


class RemoveForm(VersionedForm, PmoForm):
    """Confirm removing an item from the log (a soft delete, undone with Restore)."""

    submit = SubmitField("Yes, remove it", widget=GovSubmitInput())


class LogFilters(PmoForm):
    """Narrow and order the log (a GET form: no CSRF). Bad values in the address are ignored."""

    class Meta:
        csrf = False

    kind = SelectField("Kind", widget=GovSelect(), validators=[Optional()],
                       choices=select_choices([("", "All kinds"), *KINDS]))
    owner = SelectField("Owner", widget=GovSelect(), coerce=optional_id, validators=[Optional()])
    status = SelectField("Status", widget=GovSelect(), validators=[Optional()],
                         choices=select_choices([("", "Open and closed"), ("open", "Open"),
                                                 ("closed", "Closed, resolved or met")]))
    due = SelectField("Review or due date", widget=GovSelect(), validators=[Optional()],
                      choices=select_choices([("", "Any date"), ("overdue", "Overdue"),
                                              ("soon", "In the next 30 days")]))
    sort = SelectField("Sort by", widget=GovSelect(), validators=[Optional()],
                       choices=select_choices([("date", "Review or due date, soonest first"),
                                               ("score", "Risk score, highest first"),
                                               ("owner", "Owner"), ("status", "Kind and status"),
                                               ("newest", "Newest first")]))
    apply = SubmitField("Apply", widget=GovSubmitInput())

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner.choices = [SelectChoice("", "Anyone"), *(SelectChoice(u.id, u.name) for u in owners)]
        self.validate()

    def value(self, name: str):
        """The filter's value, or None when it was not given or is not one of the choices."""
        field = self[name]
        return field.data if field.data not in (None, "") and not field.errors else None

    @property
    def chosen(self) -> dict:
        """The valid filters given, by name (to carry them on links)."""
        return {name: self.value(name) for name in ("kind", "owner", "status", "due", "sort")
                if self.value(name) is not None}

    def query(self) -> LogQuery:
        return LogQuery(kind=self.value("kind"), owner_id=self.value("owner"), status=self.value("status"),
                        due=self.value("due"), sort=self.value("sort") or "date")
