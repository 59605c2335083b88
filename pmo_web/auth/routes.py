"""Sign-in views. Each user's home page depends on their main role."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..models import User
from . import bp
from .forms import LoginForm

login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str):
    user = db.session.get(User, int(user_id))
    return user if user and user.active else None


def home_for(user) -> str:
    """Where a user lands after sign-in: the screen of their main job."""
    if user.has_role("pmo"):
        return url_for("triage.board")
    if user.has_role("approver"):
        return url_for("gates.queue")
    if user.has_role("admin"):
        return url_for("admin.index")
    if user.has_role("requester"):
        return url_for("intake.mine")
    return url_for("initiatives.portfolio")


@bp.get("/")
@login_required
def index():
    """Send the user to their home screen."""
    return redirect(home_for(current_user))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password; one message for any wrong detail."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user and user.active and user.check_password(form.password.data):
            login_user(user)
            target = request.args.get("next", "")
            # Only same-site paths: never redirect to another host after sign-in.
            if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
                target = home_for(user)
            return redirect(target)
        form.password.errors.append("The email address or password is not correct")
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST, so a link or image cannot sign someone out)."""
    logout_user()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
