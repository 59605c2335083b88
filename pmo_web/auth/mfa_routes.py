"""The second-factor screens: the code step of a password sign-in, enrolment with a QR code,
recovery codes, and resetting a second factor (your own, or an admin for someone else), and
"Confirm it's you", which changing your own second factor needs first.

The rules (what counts as a right code, who must enrol) live in mfa.py; when a fresh proof
of identity is needed, in reauthentication.py.
"""
import logging

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..access import roles_required
from ..extensions import db
from ..logs import auth_log
from ..models import User
from . import mfa, reauthentication, sessions, throttle
from .blueprint import bp
from .forms import ConfirmForm, ConfirmIdentityForm, EnrolForm, SecondFactorForm
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
        return render_template("auth/second_factor_code.html", form=form), form.status()
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
    reauthentication.note_proof()
    db.session.commit()
    if how == "recovery":
        flash(f"You used a recovery code. You have {mfa.remaining_recovery_codes(user)} left.", "info")
    return redirect(safe_target(next_url, user))


@bp.route("/account/confirm-it-is-you", methods=["GET", "POST"])
@login_required
def confirm_identity():
    """Confirm it's you: your password, and a code when you have a second factor, before
    changing the second factor; then back to the page you were on (`next`).

    Guesses are throttled on the account's sign-in attempts, exactly like the sign-in page,
    and a code used here is used up like one used to sign in.
    """
    user = current_user._get_current_object()
    factor = mfa.factor_of(user)
    form = ConfirmIdentityForm(with_code=factor is not None)
    if not form.validate_on_submit():
        return render_template("auth/confirm_identity.html", form=form), form.status()
    attempt = throttle.begin_attempt(user.email, request.remote_addr)
    if throttle.refused(attempt):
        return throttled_page("auth/confirm_identity.html", form)
    if not user.check_password(form.password.data):
        form.password.errors.append("Your password is not correct")
    elif factor is not None and mfa.check(user, factor, form.code.data) is None:
        form.code.errors.append("The code is not correct, or has already been used")
    else:
        throttle.succeeded(attempt)
        reauthentication.note_proof()
        db.session.commit()
        log.info("identity confirmed", extra={"user_id": user.id})
        return redirect(safe_target(request.args.get("next") or url_for("auth.second_factor"), user), 303)
    db.session.commit()  # only the attempt's outcome
    auth_log.warning("identity confirmation failed", extra={"email": user.email})
    return render_template("auth/confirm_identity.html", form=form), 422


@bp.get("/account/second-factor")
@login_required
def second_factor():
    """Your second factor: whether it is on, and links to replace it, get new recovery codes
    or turn it off (each behind "Confirm it's you" unless you proved it is you just now)."""
    user = current_user._get_current_object()
    factor = mfa.factor_of(user)
    return render_template("auth/second_factor.html", factor=factor,
                           required=mfa.required_for(user),
                           remaining=mfa.remaining_recovery_codes(user) if factor else 0)


@bp.route("/account/second-factor/setup", methods=["GET", "POST"])
@login_required
@reauthentication.required
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


@bp.route("/account/second-factor/recovery-codes", methods=["GET", "POST"])
@login_required
@reauthentication.required
def second_factor_recovery_codes():
    """Replace your recovery codes (the old ones stop working); shown once. GET asks first."""
    user = current_user._get_current_object()
    form = ConfirmForm()
    if mfa.factor_of(user) is None:
        return redirect(url_for("auth.second_factor"), 303)
    if not form.validate_on_submit():
        return render_template("auth/second_factor_change.html", form=form, change="recovery_codes")
    codes = mfa.new_recovery_codes(user)
    db.session.commit()
    log.info("recovery codes replaced", extra={"user_id": user.id})
    return render_template("auth/recovery_codes.html", codes=codes, enrolled=False,
                           next_url=url_for("auth.second_factor"))


@bp.route("/account/second-factor/remove", methods=["GET", "POST"])
@login_required
@reauthentication.required
def second_factor_remove():
    """Turn your second factor off (to move to a new phone, set it up again afterwards). GET asks first."""
    user = current_user._get_current_object()
    form = ConfirmForm()
    if mfa.factor_of(user) is None:
        return redirect(url_for("auth.second_factor"), 303)
    if not form.validate_on_submit():
        return render_template("auth/second_factor_change.html", form=form, change="remove",
                               required=mfa.required_for(user))
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
    sessions end, so they sign in with their password and enrol again. An admin's own is
    theirs to turn off, after "Confirm it's you" like on their own page."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id and not reauthentication.is_recent():
        # Your own second factor, turned off here: the same proof as on your own page.
        return reauthentication.confirm_first(url_for("admin.user_edit", user_id=user.id))
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
