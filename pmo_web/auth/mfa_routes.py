"""The second-factor screens: the code step of a password sign-in, enrolment with a QR code,
recovery codes, and resetting a second factor (your own, or an admin for someone else).

The rules (what counts as a right code, who must enrol) live in mfa.py.
"""
import logging

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..access import roles_required
from ..extensions import db
from ..logs import auth_log
from ..models import User
from . import bp, mfa, sessions, throttle
from .forms import ConfirmForm, EnrolForm, SecondFactorForm
from .routes import home_for, safe_target, throttled_page

log = logging.getLogger(__name__)

SETUP_SECRET_KEY = "mfa_setup_secret"


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor_code():
    """Step 2 of a password sign-in: the authenticator code (or a recovery code).

    Public, as the user is not signed in until this step passes; without a fresh right
    password in this browser it sends them back to sign in. Guesses are throttled on the
    account's sign-in attempts, exactly like passwords.
    """
    pending = mfa.pending_user()
    if pending is None:
        session.pop(mfa.PENDING_KEY, None)
        flash("Sign in again to continue.", "info")
        return redirect(url_for("auth.login"))
    user, next_url = pending
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return render_template("auth/second_factor_code.html", form=form), 422 if form.is_submitted() else 200
    attempt = throttle.begin_attempt(user.email, request.remote_addr)
    if throttle.refused(attempt):
        return throttled_page("auth/second_factor_code.html", form)
    factor = mfa.factor_of(user)
    how = mfa.check(user, factor, form.code.data) if factor else "none"
    if how is None:
        db.session.commit()  # only the attempt's outcome
        auth_log.warning("second factor failed", extra={"email": user.email})
        form.code.errors.append("The code is not correct, or has already been used")
        return render_template("auth/second_factor_code.html", form=form), 422
    throttle.succeeded(attempt)
    sessions.begin(user)
    session[mfa.VERIFIED_KEY] = how != "none"
    db.session.commit()
    if how == "recovery":
        flash(f"You used a recovery code. You have {mfa.remaining_recovery_codes(user)} left.", "info")
    return redirect(safe_target(next_url, user))


@bp.get("/account/second-factor")
@login_required
def second_factor():
    """Your second factor: whether it is on, and buttons to replace or remove it."""
    user = current_user._get_current_object()
    factor = mfa.factor_of(user)
    return render_template("auth/second_factor.html", factor=factor, form=ConfirmForm(),
                           required=mfa.required_for(user),
                           remaining=mfa.remaining_recovery_codes(user) if factor else 0)


@bp.route("/account/second-factor/setup", methods=["GET", "POST"])
@login_required
def second_factor_setup():
    """Enrol an authenticator app: scan the QR code (or type the key), then confirm with a code.

    The new secret waits in this browser's session until confirmed, so an abandoned setup
    changes nothing; on success the ten recovery codes are shown, this once only.
    """
    user = current_user._get_current_object()
    secret = session.get(SETUP_SECRET_KEY) or mfa.new_secret()
    session[SETUP_SECRET_KEY] = secret
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        step = mfa.matching_step(secret, form.code.data)
        if step is not None:
            codes = mfa.enrol(user, secret, step)
            session.pop(SETUP_SECRET_KEY, None)
            session[mfa.VERIFIED_KEY] = True
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, enrolled=True,
                                   next_url=home_for(user))
        form.code.errors.append("The code is not correct: check the app shows this account and try the new code")
    if form.is_submitted():
        status = 422
    uri = mfa.provisioning_uri(secret, user)
    return render_template("auth/second_factor_setup.html", form=form, qr=mfa.qr_svg(uri),
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                           required=mfa.required_for(user)), status


@bp.post("/account/second-factor/recovery-codes")
@login_required
def second_factor_recovery_codes():
    """Replace your recovery codes (the old ones stop working); shown once."""
    user = current_user._get_current_object()
    form = ConfirmForm()
    if not form.validate_on_submit() or mfa.factor_of(user) is None:
        return redirect(url_for("auth.second_factor"), 303)
    codes = mfa.new_recovery_codes(user)
    db.session.commit()
    log.info("recovery codes replaced", extra={"user_id": user.id})
    return render_template("auth/recovery_codes.html", codes=codes, enrolled=False,
                           next_url=url_for("auth.second_factor"))


@bp.post("/account/second-factor/remove")
@login_required
def second_factor_remove():
    """Turn your second factor off (to move to a new phone, set it up again afterwards)."""
    user = current_user._get_current_object()
    form = ConfirmForm()
    if form.validate_on_submit():
        mfa.remove(user)
        session.pop(mfa.VERIFIED_KEY, None)
        db.session.commit()
        log.info("second factor removed", extra={"user_id": user.id})
        flash("Your second factor has been turned off.", "success")
    return redirect(url_for("auth.second_factor"), 303)


@bp.post("/admin/users/<int:user_id>/second-factor/reset")
@roles_required("admin")
def second_factor_reset(user_id: int):
    """An admin resets someone's second factor (a lost phone): it is removed and their
    sessions end, so they sign in with their password and enrol again."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        mfa.remove(user)
        if user.id != current_user.id:
            sessions.revoke_all(user)
        else:
            session.pop(mfa.VERIFIED_KEY, None)
        db.session.commit()
        log.warning("second factor reset by an admin", extra={"target_user_id": user.id})
        flash(f"{user.name}’s second factor has been reset. They will set it up again at their next sign-in.",
              "success")
    return redirect(url_for("admin.user_edit", user_id=user.id), 303)
