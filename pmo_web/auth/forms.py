"""Sign-in form."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import Email, InputRequired


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired("Enter your email address"),
                                   Email("Enter an email address in the correct format, like name@example.police.uk")])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())
