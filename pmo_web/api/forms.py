"""Forms of the token pages: make a token (for yourself, or as an admin for anyone)."""
from __future__ import annotations

from datetime import timedelta

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from sqlalchemy import select
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from ..extensions import db
from ..fields import optional_id
from ..forms import PmoForm
from ..models import User

# How long a new token lasts; an expiry is the default, so a forgotten token stops by itself.
LIFETIMES = {"30": timedelta(days=30), "90": timedelta(days=90), "365": timedelta(days=365), "never": None}
LIFETIME_CHOICES = [SelectChoice("30", "30 days"), SelectChoice("90", "90 days"), SelectChoice("365", "1 year"),
                    SelectChoice("never", "No expiry (for a service account a system owner looks after)")]


class TokenForm(PmoForm):
    """Name a new token and choose how long it lasts."""

    name = StringField("What is the token for?", widget=GovTextInput(),
                       description="For example, the name of the Power BI report that will use it.",
                       validators=[DataRequired("Enter what the token is for"),
                                   Length(max=80, message="What the token is for must be 80 characters or fewer")],
                       filters=[lambda value: value.strip() if isinstance(value, str) else value])
    lifetime = RadioField("When should it expire?", widget=GovRadioInput(), choices=LIFETIME_CHOICES, default="90",
                          validators=[InputRequired("Choose when the token should expire")])
    create = SubmitField("Create token", widget=GovSubmitInput())

    @property
    def lifetime_delta(self) -> timedelta | None:
        return LIFETIMES[self.lifetime.data]


class AdminTokenForm(TokenForm):
    """An administrator makes a token for any active account, a service account included."""

    user_id = SelectField("Whose token is it?", widget=GovSelect(), coerce=optional_id,
                          description="The token reads exactly what this account may see. For a report "
                                      "shared across the force, use a service account with the viewer role.",
                          validators=[DataRequired("Choose the account the token belongs to")])

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.user_id.choices = [SelectChoice("", "Choose an account")] + [
            SelectChoice(user.id, f"{user.name} ({user.email})")
            for user in db.session.scalars(select(User).where(User.active).order_by(User.name))]
