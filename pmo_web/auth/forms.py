"""Sign-in and change-password forms."""
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from ..admin.forms import MinimumPasswordLength
from ..forms import PmoForm


class LoginForm(PmoForm):
    """Email and password."""

    # No format check here: sign-in only compares with stored addresses, and a format
    # check would refuse reserved domains such as the demo accounts' demo.local.
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(PmoForm):
    """The signed-in user's own password: the current one, then the new one twice."""

    current_password = PasswordField("Current password", widget=GovPasswordInput(),
                                     validators=[InputRequired("Enter your current password")])
    new_password = PasswordField("New password", widget=GovPasswordInput(),
                                 validators=[InputRequired("Enter a new password"), MinimumPasswordLength()])
    new_password_confirm = PasswordField("Confirm new password", widget=GovPasswordInput(),
                                         validators=[InputRequired("Enter the new password again"),
                                                     EqualTo("new_password", "The passwords do not match")])
    submit = SubmitField("Change password", widget=GovSubmitInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    @property
    def current_password_right(self) -> bool:
        """After validation: whether the current password was typed correctly."""
        return bool(self.current_password.data) and not self.current_password.errors

    def validate_current_password(self, field):
        if not self.user.check_password(field.data):
            raise ValidationError("Your current password is not correct")

    def validate_new_password(self, field):
        if field.data and self.user.check_password(field.data):
            raise ValidationError("Choose a password different from your current one")


def one_time_code_field() -> StringField:
    """A code from the authenticator app, or a recovery code (both are accepted once)."""
    return StringField("Code", widget=GovTextInput(),
                       description="The 6-digit code from your authenticator app, or one of your recovery codes",
                       validators=[InputRequired("Enter the code from your authenticator app"), Length(max=20)])


class SecondFactorForm(PmoForm):
    """The sign-in's second step: a code from the authenticator app, or a recovery code."""

    code = one_time_code_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmIdentityForm(PmoForm):
    """Confirm it's you: the password, and a code when the account has a second factor."""

    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password")])
    code = one_time_code_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def __init__(self, *args, with_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.code


class EnrolForm(PmoForm):
    """Confirms that the authenticator app has the secret: the code it shows now."""

    code = StringField("Code from the app", widget=GovTextInput(),
                       description="The 6-digit code your authenticator app shows for this account",
                       validators=[InputRequired("Enter the 6-digit code from your authenticator app"),
                                   Length(max=20)])
    submit = SubmitField("Turn on the second factor", widget=GovSubmitInput())


class ConfirmForm(PmoForm):
    """A button only (the CSRF token is the whole form)."""
