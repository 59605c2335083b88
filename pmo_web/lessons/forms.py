"""Forms of the lessons log (one lesson, edited in its row) and the lessons library's search."""
from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from sqlalchemy import select
from wtforms import RadioField, SearchField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from workflows.lifecycle import STAGES

from ..concurrency import VersionedForm
from ..extensions import db
from ..fields import DateRequired, GovDateField, NotInFuture, select_choices
from ..forms import PmoForm
from ..initiatives.forms import InitiativeFilters
from ..models import Initiative, Lesson
from ..models.delivery import LESSON_PRIORITIES, LESSON_TYPES
from ..search import MAX_QUERY_LENGTH

NO_STAGE = ("", "Not specific to a stage")


class LessonForm(VersionedForm, PmoForm):
    """A lesson learned (docs/rules.md 5): owner, dependencies and date added are required, and a
    title, so the lesson can be found in the library."""

    title = StringField("Title", widget=GovTextInput(),
                        validators=[DataRequired("Enter a short title for the lesson"), Length(max=200)])
    owner = StringField("Owner", widget=GovTextInput(),
                        validators=[DataRequired("Enter who owns the lesson"), Length(max=120)])
    dependencies = TextAreaField(
        "Dependencies", widget=GovTextArea(),
        validators=[DataRequired("Enter the lesson’s dependencies, or ‘None’")],
        description="Other initiatives, teams or suppliers it depends on, or ‘None’. "
                    "Name an initiative by its reference, like CR-0012, to link to it.")
    date_added = GovDateField("Date added", validators=[DateRequired("Enter the date the lesson was added"),
                                                        NotInFuture()])
    lesson_type = RadioField("Lesson type", choices=select_choices(LESSON_TYPES), default="project",
                             widget=GovRadioInput(), validators=[InputRequired("Select the lesson type")])
    stage = SelectField("Stage", choices=select_choices([NO_STAGE, *STAGES]), widget=GovSelect())
    category = StringField("Category", widget=GovTextInput(), validators=[Length(max=60)],
                           description="For example, procurement, stakeholders or technology.")
    priority = RadioField("Priority", choices=select_choices(LESSON_PRIORITIES), default="medium",
                          widget=GovRadioInput(), validators=[InputRequired("Select the lesson’s priority")])
    event = TextAreaField("What happened", widget=GovTextArea())
    effect = TextAreaField("Effect", widget=GovTextArea())
    cause = TextAreaField("Cause", widget=GovTextArea())
    early_warning = TextAreaField("Early-warning indicators", widget=GovTextArea(),
                                  description="What could have told us sooner.")
    recommendation = TextAreaField("Recommendation", widget=GovTextArea())
    submit = SubmitField("Save lesson", widget=GovSubmitInput())

    FIELDS = ("title", "owner", "dependencies", "date_added", "lesson_type", "stage", "category", "priority",
              "event", "effect", "cause", "early_warning", "recommendation")

    def apply_to(self, lesson: Lesson) -> None:
        """Copy the submitted values onto the lesson; text is stored trimmed."""
        for name in self.FIELDS:
            value = getattr(self, name).data
            setattr(lesson, name, value.strip() if isinstance(value, str) else value)


class NewLessonForm(LessonForm):
    """A lesson being added: dated today unless the PMO says otherwise."""

    submit = SubmitField("Add lesson", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("date_added", date.today())
        super().__init__(*args, **kwargs)


def category_choices() -> list[SelectChoice]:
    """Every category a live lesson has, as filter choices (one query)."""
    names = db.session.scalars(select(Lesson.category).where(Lesson.deleted_at.is_(None), Lesson.category != "")
                               .distinct().order_by(Lesson.category))
    return [SelectChoice("", "All categories")] + [SelectChoice(name, name) for name in names]


class LibraryFilters(InitiativeFilters):
    """Search words and filters of the lessons library (a GET form: no CSRF)."""

    q = SearchField("Search lessons", widget=GovTextInput(), validators=[Optional()],
                    description="Words to look for in titles, what happened, causes, effects, early warnings "
                                "and recommendations. Put a phrase in quotes; put - before a word to leave it out.")
    category = SelectField("Category", widget=GovSelect(), validators=[Optional()])
    stage = SelectField("Stage", widget=GovSelect(), validators=[Optional()],
                        choices=[SelectChoice("", "All stages")] + select_choices(STAGES))
    lesson_type = SelectField("Lesson type", widget=GovSelect(), validators=[Optional()],
                              choices=[SelectChoice("", "All types")] + select_choices(LESSON_TYPES))
    apply = SubmitField("Search", widget=GovSubmitInput())

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Only the first words of a very long query are searched; show what was used.
        self.q.data = (self.q.data or "")[:MAX_QUERY_LENGTH]

    def set_choices(self) -> None:
        super().set_choices()
        self.category.choices = category_choices()

    def condition(self, name: str, value):
        if name in ("category", "stage", "lesson_type"):
            return getattr(Lesson, name) == value
        return getattr(Initiative, f"{name}_id") == value
