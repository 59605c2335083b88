"""Forms of the scoring area: the prioritisation matrix and the backlog filter."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import RadioField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ..fields import optional_id
from ..forms import PmoForm
from ..models import Score, ScoreAlignment, StrategicPriority
from . import matrix

BAND_OVERRIDE_CHOICES = [SelectChoice("", "No override: use the calculated band")] + [
    SelectChoice(band, band) for band in matrix.BANDS]


def _factor_field(factor: matrix.Factor) -> RadioField:
    return RadioField(
        factor.label, description=factor.question, coerce=optional_id,
        choices=[SelectChoice(level.value, level.label) for level in factor.levels],
        validators=[InputRequired(message=f"Choose a level for {factor.label.lower()}")],
        widget=GovRadioInput(),
    )


def _alignment_field(priority: StrategicPriority) -> SelectField:
    return SelectField(
        priority.name, coerce=optional_id,
        choices=[SelectChoice("", "Choose alignment")] + [
            SelectChoice(level.value, level.label) for level in matrix.ALIGNMENT.levels],
        validators=[InputRequired(message=f"Choose the alignment to ‘{priority.name}’")],
        widget=GovSelect(),
    )


class MatrixForm(PmoForm):
    """The three 1-5 factors; alignment, rationale and override are added per request."""

    urgency = _factor_field(matrix.URGENCY)
    complexity = _factor_field(matrix.COMPLEXITY)
    desirability = _factor_field(matrix.DESIRABILITY)

    priorities: list[StrategicPriority] = []

    def validate_override_comment(self, field):
        """A band override needs its reason written down (docs/rules.md 3)."""
        if self.band_override.data and not (field.data or "").strip():
            raise ValidationError("Explain why you are overriding the calculated band")

    @property
    def alignment_fields(self):
        """(priority, field) for each active strategic priority, in the admin's order."""
        return [(p, self[f"alignment_{p.id}"]) for p in self.priorities]

    def alignments(self) -> dict[int, int | None]:
        return {p.id: field.data for p, field in self.alignment_fields}

    def levels(self) -> dict | None:
        """The chosen factor levels, or None while any factor is missing or out of range."""
        chosen = {"urgency": self.urgency.data, "complexity": self.complexity.data,
                  "desirability": self.desirability.data}
        if any(chosen[key] not in matrix.FACTOR_BY_KEY[key].values for key in chosen):
            return None
        alignments = self.alignments()
        if any(value not in matrix.ALIGNMENT.values for value in alignments.values()):
            return None
        return {**chosen, "alignments": alignments}

    def to_score(self, initiative, scorer, weights: dict) -> Score:
        """A new Score row (with its alignments) from a validated form."""
        levels = self.levels()
        total, band = matrix.compute(weights=weights, **levels)
        return Score(
            initiative_id=initiative.id, scorer_id=scorer.id,
            urgency=levels["urgency"], complexity=levels["complexity"],
            desirability=levels["desirability"],
            alignment=matrix.best_alignment(levels["alignments"]),
            weights=dict(weights), total=total, band=band,
            band_override=self.band_override.data or None,
            override_comment=(self.override_comment.data or "").strip() if self.band_override.data else "",
            rationale=self.rationale.data.strip(),
            alignments=[ScoreAlignment(priority_id=pid, value=value)
                        for pid, value in levels["alignments"].items()],
        )


def score_form(priorities: list[StrategicPriority], current: Score | None = None) -> MatrixForm:
    """The scoring form for today's active priorities, prefilled from the current score.

    Built per request because the priorities are configurable; fields are declared in
    the order they appear on the page so the error summary follows the page.
    """
    fields = {f"alignment_{p.id}": _alignment_field(p) for p in priorities}
    fields.update(
        rationale=TextAreaField(
            "Rationale", description="Why these levels? Name the evidence, deadlines and benefits "
                                     "you relied on. It is kept with the score.",
            validators=[DataRequired(message="Enter the rationale for this score")],
            widget=GovTextArea()),
        band_override=RadioField(
            "Override the band (optional)", choices=BAND_OVERRIDE_CHOICES, default="",
            description="Only where the calculated band misrepresents the initiative.",
            widget=GovRadioInput()),
        override_comment=TextAreaField(
            "Reason for the override", widget=GovTextArea(),
            description="Required when you override the band."),
        save=SubmitField("Save score", widget=GovSubmitInput()),
    )
    form_class = type("ScoreForm", (MatrixForm,), {"priorities": priorities, **fields})
    prefill = {}
    if current is not None:
        prefill = {"urgency": current.urgency, "complexity": current.complexity,
                   "desirability": current.desirability,
                   **{f"alignment_{a.priority_id}": a.value for a in current.alignments}}
    return form_class(data=prefill)


class BacklogFilterForm(PmoForm):
    """Narrow the ranked backlog by band and department (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    band = SelectField("Band", choices=[SelectChoice("", "All bands")] + [SelectChoice(b, b) for b in matrix.BANDS],
                       default="", widget=GovSelect())
    department = SelectField("Department", choices=[SelectChoice("", "All departments")], default="",
                             widget=GovSelect())
    apply = SubmitField("Apply filters", widget=GovSubmitInput())

    def __init__(self, departments, **kwargs):
        super().__init__(**kwargs)
        self.department.choices = [SelectChoice("", "All departments")] + [
            SelectChoice(str(d.id), d.name) for d in departments]

    def department_id(self) -> int | None:
        """The chosen department's id when the filter is valid, else None."""
        value = self.department.data
        return int(value) if value and value in {choice.value for choice in self.department.choices} else None

    def chosen_band(self) -> str | None:
        return self.band.data if self.band.data in matrix.BANDS else None

    @property
    def chosen(self) -> dict:
        """The valid filters as address arguments (for page links that keep them)."""
        return {name: value for name, value in (("band", self.chosen_band()), ("department", self.department_id()))
                if value}
