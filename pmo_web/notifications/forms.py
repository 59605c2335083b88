"""The email preferences form: one choice per kind of notification."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SelectChoice, SubmitField
from wtforms.validators import InputRequired

from ..forms import PmoForm
from ..models.notifications import KINDS

EMAIL, IN_APP = "email", "in_app"
CHOICES = (SelectChoice(EMAIL, "Email and in the app"), SelectChoice(IN_APP, "In the app only"))


class PreferencesForm(PmoForm):
    """A radio group per kind (fields named after the kinds, added below)."""

    submit = SubmitField("Save settings", widget=GovSubmitInput())

    @classmethod
    def for_choices(cls, saved: dict[str, bool]) -> PreferencesForm:
        """The form showing the saved choices (no row: email, the default)."""
        return cls(data={kind: EMAIL if saved.get(kind, True) else IN_APP for kind, _label in KINDS})

    def choices(self) -> dict[str, bool]:
        """{kind: wants email} as submitted."""
        return {kind: self[kind].data == EMAIL for kind, _label in KINDS}


for _kind, _label in KINDS:
    setattr(PreferencesForm, _kind, RadioField(
        _label, choices=list(CHOICES), widget=GovRadioInput(),
        validators=[InputRequired(f"Choose how you are told: {_label[0].lower()}{_label[1:]}")]))
