"""Sign-in form."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    """Email and password."""

    # No format check here: sign-in only compares with stored addresses, and a format
    # check would refuse reserved domains such as the demo accounts' demo.local.
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())
