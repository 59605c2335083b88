"""Sign in, sign out and change your password. Each user's home page depends on their main role.

The session rules live in sessions.py and the throttling rules in throttle.py; these views
only put them in order. Sign-ins, failures and sign-outs are logged by pmo_web/logs.py.
"""
import logging
from datetime import date
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_url

from .. import access, mywork
from ..accessibility import statement_facts
from ..extensions import db, login_manager
from ..htmx import htmx_response
from ..models import User
from . import mfa, passwords, reauthentication, sessions, throttle
from .blueprint import bp
from .forms import ChangePasswordForm, LoginForm

log = logging.getLogger(__name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"

TOO_MANY_ATTEMPTS = "Too many attempts: wait a minute and try again"
SECOND_FACTOR_OFFER = ("In production approvers and admins must use a second factor. Here it is optional: "
                       "to try it, go to Change your password, then Your second factor.")


@login_manager.unauthorized_handler
def unauthorised():
    """Not signed in: send the user to sign in, coming back to where they were afterwards.

    An htmx request would swap the sign-in page into a fragment of the page, so it gets
    401 with HX-Redirect instead, which htmx follows with a full page load; `next` is then
    the page the browser shows, not the fragment's URL (which may accept only POST).
    """
    flash(login_manager.login_message, login_manager.login_message_category)
    htmx_headers = getattr(request, "htmx", None)
    if htmx_headers:
        back_to = htmx_headers.current_url or request.url
        return htmx_response("", 401, redirect=login_url(login_manager.login_view, next_url=back_to))
    return redirect(login_url(login_manager.login_view, next_url=request.url))




def home_for(user) -> str:
    """Where a user lands after sign-in: My work, what waits on them (pmo_web/mywork.py)."""
    return url_for("auth.index")


def _safe_next(user) -> str:
    """The page asked for before sign-in, if it is on this site; else the user's home."""
    return safe_target(request.args.get("next", ""), user)


def safe_target(target: str, user) -> str:
    """`target` if it is a path on this site, else `user`'s home."""
    # Only same-site paths: never redirect to another host after sign-in.
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return home_for(user)
    return target


def throttled_page(template: str, form):
    """The form again with the throttling message, as 429 with a Retry-After."""
    return render_template(template, form=form, throttled=TOO_MANY_ATTEMPTS), 429, {"Retry-After": "60"}


@bp.get("/")
@access.page_permission(access.signed_in)
def index():
    """My work: what waits on the signed-in person, by the roles they hold."""
    work = mywork.build(current_user, date.today())
    return render_template("mywork/index.html", work=work)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password; one message, and one password hash's time, for any
    wrong detail (passwords.py).

    A sign-in always starts a new session, even over one that is still live.
    """
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(home_for(current_user))
    if request.method == "POST" and not current_app.config["LOCAL_LOGIN_ENABLED"]:
        abort(404)  # single sign-on only: the password form is not offered either
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), form.status()
    attempt = throttle.begin_attempt(form.email.data, request.remote_addr)
    if throttle.refused(attempt):
        return throttled_page("auth/login.html", form)
    user = User.by_email(form.email.data)
    if not passwords.signs_in(user, form.password.data):
        form.password.errors.append("The email address or password is not correct")
        return render_template("auth/login.html", form=form), 422
    throttle.succeeded(attempt)
    if mfa.factor_of(user) is not None:
        # Not signed in yet: the code step (mfa_routes.py) finishes the sign-in.
        mfa.set_pending(user, _safe_next(user))
        db.session.commit()
        return redirect(url_for("auth.second_factor_code"))
    sessions.begin(user)
    reauthentication.note_proof()  # the password is all the proof an account without a second factor has
    db.session.commit()
    if mfa.offered_to(user):
        flash(SECOND_FACTOR_OFFER, "info")
    return redirect(_safe_next(user))


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST, so a link or image cannot sign someone out); the session is revoked."""
    sessions.end()
    db.session.commit()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change your own password; every other session of yours ends, and this one restarts."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(user=user)
    if not form.is_submitted():
        return render_template("auth/change_password.html", form=form)
    # The current password is a password guess like any other: throttled the same way.
    attempt = throttle.begin_attempt(user.email, request.remote_addr)
    if throttle.refused(attempt):
        return throttled_page("auth/change_password.html", form)
    valid = form.validate()
    if form.current_password_right:
        throttle.succeeded(attempt)
    if not valid:
        db.session.commit()  # only the attempt's outcome: nothing else was changed
        return render_template("auth/change_password.html", form=form), 422
    user.set_password(form.new_password.data)
    sessions.restart(user)
    db.session.commit()
    log.info("password changed", extra={"user_id": user.id})
    flash("Your password has been changed. You have been signed out everywhere else.", "success")
    return redirect(home_for(user), 303)


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement: public, so anyone can read it before (or without) signing in."""
    return render_template("accessibility.html", **statement_facts())
