"""API token pages: your own tokens under your account, and every token for administrators.

A new token's secret is on the page that made it and nowhere else: it is not kept (only its
SHA-256 is), not flashed (flash messages travel in the session cookie) and not redirected
to, so that page answers the POST itself, with 200, instead of redirecting.
"""
from __future__ import annotations

import logging

from flask import abort, flash, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import access
from ..extensions import db
from ..htmx import redirect_to
from ..models import ApiToken, User
from ..models.base import utcnow
from .blueprint import bp
from .forms import AdminTokenForm, TokenForm

log = logging.getLogger(__name__)

# Live tokens one account may hold: enough for every report, few enough to keep track of.
MAX_LIVE_TOKENS = 10


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@access.portfolio_readers_only(description="API tokens read the portfolio, which your account may not read.")
def tokens():
    """Your API tokens: make one (its secret shown once), see when each was last used, revoke."""
    form = TokenForm()
    if form.validate_on_submit() and _room_for_another(form, current_user):
        token, secret = _issue(form, current_user)
        return _tokens_page(TokenForm(formdata=None), new_token=token, secret=secret)
    return _tokens_page(form, status=form.status())


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@login_required
def token_revoke(token_id: int):
    """Revoke a token at once: your own, or as an administrator anyone's."""
    token = db.get_or_404(ApiToken, token_id)
    own = token.user_id == current_user.id
    if not (own or current_user.has_role("admin")):
        abort(403, description="You can revoke only your own tokens.")
    if token.revoked_at is None:
        token.revoke(current_user, utcnow())
        db.session.commit()
        log.info("api token revoked", extra={"token_id": token.id, "token_user_id": token.user_id})
    flash(f"The token “{token.name}” is revoked: nothing can read the API with it any more.", "success")
    return redirect_to(url_for("api.tokens" if own else "api.admin_tokens"))


@bp.route("/admin/api-tokens", methods=["GET", "POST"])
@access.roles_required("admin")
def admin_tokens():
    """Every account's API tokens; make one for any account, a service account included."""
    form = AdminTokenForm()
    if form.validate_on_submit():
        owner = db.session.get(User, form.user_id.data)
        if owner is None or not owner.active:
            form.user_id.errors.append("Choose an active account")
        elif _room_for_another(form, owner):
            token, secret = _issue(form, owner)
            return _admin_page(AdminTokenForm(formdata=None), new_token=token, secret=secret)
    return _admin_page(form, status=form.status())


def _issue(form: TokenForm, owner: User):
    """Make the token the form describes for `owner`, and commit it."""
    token, secret = ApiToken.issue(owner, form.name.data, current_user, form.lifetime_delta)
    db.session.commit()
    log.info("api token created", extra={"token_id": token.id, "token_user_id": owner.id})
    return token, secret


def _room_for_another(form: TokenForm, owner: User) -> bool:
    """False (with the reason on the form) when `owner` already holds the most live tokens."""
    now = utcnow()
    live = db.session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == owner.id, ApiToken.revoked_at.is_(None),
        (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now)))
    if live < MAX_LIVE_TOKENS:
        return True
    whose = "You have" if owner.id == current_user.id else f"{owner.name} has"
    form.name.errors.append(f"{whose} {MAX_LIVE_TOKENS} tokens already: revoke one you no longer use first")
    return False


def _tokens_page(form: TokenForm, status: int = 200, **context):
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all()
    return render_template("api/tokens.html", form=form, tokens=rows, now=utcnow(), **context), status


def _admin_page(form: AdminTokenForm, status: int = 200, **context):
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all()
    return render_template("api/admin_tokens.html", form=form, tokens=rows, now=utcnow(), **context), status
