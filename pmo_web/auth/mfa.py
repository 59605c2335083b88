"""The second factor for password sign-ins: TOTP from an authenticator app, plus recovery codes.

After a right password, a user with a second factor is not signed in yet: the session
holds only a short-lived "pending" mark, and the code step (throttled on the same
`login_attempts` counts as passwords) finishes the sign-in. Users holding a role in
MFA_REQUIRED_ROLES who signed in with a password and have no second factor are sent to
enrol before any other page (`enforce`, run before every request). SSO sign-ins are
left to the identity provider's own MFA policy.

The TOTP secret is kept encrypted (Fernet, with a key derived from SECRET_KEY): a copy of
the database alone gives nobody the codes. Rotating SECRET_KEY therefore means everyone
enrols again. A code is accepted once: the time step it belongs to is remembered and
codes of that step or earlier are refused afterwards; a recovery code is marked used.
Both are claimed with a conditional UPDATE whose row count decides, so of several
requests sending one code at the same moment exactly one signs in (see `check`).
"""
from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, redirect, request, session, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import delete, func, select, update

from ..extensions import db
from ..htmx import htmx_response
from ..models import RecoveryCode, SecondFactor, User
from ..models.base import utcnow

log = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
# A code from the step before or after the server's is accepted (clock drift).
VALID_WINDOW = 1
# Seconds between the right password and the code before the user must start again.
PENDING_SECONDS = 300
PENDING_KEY = "mfa_pending"
# Set in the session once this sign-in has passed a second factor, or came through SSO.
VERIFIED_KEY = "mfa_verified"
# Endpoints a user who must enrol may still reach.
ALLOWED_BEFORE_ENROLMENT = {"auth.second_factor_setup", "auth.confirm_identity", "auth.logout",
                            "auth.accessibility", "static", "health"}


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"pmo-web second factor|" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str | None:
    """The secret, or None when SECRET_KEY has changed since enrolment."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def required_roles() -> set[str]:
    return {r.strip() for r in current_app.config.get("MFA_REQUIRED_ROLES", "").split(",") if r.strip()}


def required_for(user: User) -> bool:
    """True when `user` holds a role that must use a second factor with a password."""
    return bool(user.roles & required_roles())


def offered_to(user: User) -> bool:
    """True for someone production would require a second factor of who is not required to
    here (development) and has none: sign-in offers it to them."""
    from ..config import PRODUCTION_MFA_ROLES

    return (bool(user.roles & set(PRODUCTION_MFA_ROLES)) and not required_for(user)
            and factor_of(user) is None)


def factor_of(user: User) -> SecondFactor | None:
    return db.session.scalar(select(SecondFactor).where(SecondFactor.user_id == user.id))


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User) -> str:
    issuer = f"{current_app.config['ORGANISATION_NAME']} PMO"
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The QR code of `uri` as inline SVG: no script, no style attribute (strict CSP).

    Safe to mark up: segno writes only path data; the title is fixed text.
    """
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#0b0c0c", light="#ffffff",
        title="QR code for your authenticator app")
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))


def matching_step(secret: str, code: str, after_step: int = 0) -> int | None:
    """The time step whose code is `code` (within the drift window), if later than `after_step`."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if step > after_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def new_recovery_codes(user: User) -> list[str]:
    """Replace `user`'s recovery codes with ten new ones; returns them (shown once, kept hashed)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)  # 40 random bits each, single use and throttled
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    return codes


def enrol(user: User, secret: str, step: int) -> list[str]:
    """Store `secret` as `user`'s second factor (replacing any) and return new recovery codes."""
    factor = factor_of(user)
    if factor is None:
        factor = SecondFactor(user_id=user.id)
        db.session.add(factor)
    factor.secret_encrypted = encrypt(secret)
    factor.enrolled_at = utcnow()
    factor.last_step = step
    log.info("second factor enrolled", extra={"user_id": user.id})
    return new_recovery_codes(user)


def remove(user: User) -> None:
    """Forget `user`'s second factor and recovery codes (the caller commits)."""
    db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def check(user: User, factor: SecondFactor, code: str) -> str | None:
    """How `code` proves `user`: "totp", "recovery", or None. Claims what was used (caller commits).

    Reading "not used yet" and then marking it used would let several requests sending
    the same code at once all read "not used" and all sign in. So the claim is one
    conditional UPDATE (the step only if later than the last one, the recovery code only
    if still unused) and only the request whose UPDATE changed the row is let in. On
    PostgreSQL the other UPDATEs wait for that row's lock, then find the condition false;
    SQLite runs writing transactions one at a time.
    """
    secret = decrypt(factor.secret_encrypted)
    step = matching_step(secret, code, factor.last_step) if secret else None
    if step is not None:
        return "totp" if _claimed(update(SecondFactor).where(
            SecondFactor.id == factor.id, SecondFactor.last_step < step).values(last_step=step)) else None
    if not normalise_recovery_code(code):
        return None
    row_id = db.session.scalar(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
        RecoveryCode.code_hash == _code_hash(code)).limit(1))
    if row_id is not None and _claimed(update(RecoveryCode).where(
            RecoveryCode.id == row_id, RecoveryCode.used_at.is_(None)).values(used_at=utcnow())):
        log.warning("recovery code used", extra={"user_id": user.id})
        return "recovery"
    return None


def _claimed(statement) -> bool:
    """Run a conditional UPDATE of one row; True if this transaction changed it."""
    # Not synchronised into the objects in the session: the row count is the only answer.
    result = db.session.execute(statement, execution_options={"synchronize_session": False})
    return result.rowcount == 1


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def set_pending(user: User, next_url: str) -> None:
    session[PENDING_KEY] = {"user_id": user.id, "at": int(time.time()), "next": next_url}


def pending_user() -> tuple[User, str] | None:
    """The user who gave the right password and still owes a code, with where to go next."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.active:
        return None
    return user, pending.get("next") or ""


def enforce():
    """Before every request: a user who must have a second factor and signed in without one
    goes to enrol first (htmx gets HX-Redirect, so the whole page changes)."""
    if not current_user.is_authenticated or session.get(VERIFIED_KEY):
        return None
    if request.endpoint in ALLOWED_BEFORE_ENROLMENT or not required_roles():
        return None
    if not required_for(current_user):
        return None
    target = url_for("auth.second_factor_setup")
    if getattr(request, "htmx", None):
        return htmx_response("", 401, redirect=target)
    return redirect(target)
