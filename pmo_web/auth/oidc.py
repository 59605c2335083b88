"""Single sign-on with OpenID Connect (e.g. Microsoft Entra ID), through Authlib.

Authorization code flow with state, nonce and PKCE (S256). Authlib checks the state
against this browser's session (and forgets it, so a replayed callback fails), exchanges
the code, and validates the id_token: signature against the provider's JWKS, issuer,
audience, expiry and nonce. Any failure ends on the sign-in page with a plain message and
one `sso sign-in failed` log line naming the reason; tokens are never logged.

On success the user is found by email (ignoring case) or created, and their roles and
department follow the group maps (OIDC_GROUP_ROLES, OIDC_GROUP_DEPARTMENTS):
- roles named in the role map are *managed*: at each sign-in the user holds exactly the
  managed roles their groups grant. Roles the map never grants are the admin's to give
  and are left alone, so an admin's edit persists unless the mapping says otherwise;
- someone left with no role at all gets LEAST_PRIVILEGE_ROLE;
- the department changes only when a group maps to one (else an admin's choice stays).
Disabled users are refused. The session is started by sessions.begin, exactly as for a
password, so timeouts and revocation apply the same way.
"""
from __future__ import annotations

import json
import logging
import secrets

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, flash, redirect, render_template, session, url_for
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
from sqlalchemy import func, select

from ..extensions import db
from ..logs import auth_log
from ..models import Department, User
from ..models.users import ROLES
from . import mfa, reauthentication, sessions
from .blueprint import bp
from .forms import LoginForm
from .routes import home_for

log = logging.getLogger(__name__)

# Viewer: reads what the portfolio rules let them read and can change nothing; a
# requester could already submit requests in a department's name. Least privilege wins.
LEAST_PRIVILEGE_ROLE = "viewer"
CLIENT_NAME = "oidc"

# What the user reads for each reason a sign-in was refused (the log line names the reason).
MESSAGES = {
    "state": "Your sign-in could not be completed because it had expired or was already used. Start again.",
    "expired": "Your sign-in had expired. Start again.",
    "audience": "The sign-in response was not meant for this service, so it was refused. Start again, "
                "and if this keeps happening contact the service desk.",
    "issuer": "The sign-in response did not come from the expected identity provider, so it was refused.",
    "nonce": "Your sign-in could not be completed because it had expired or was already used. Start again.",
    "signature": "The sign-in response could not be verified, so it was refused. Start again, "
                 "and if this keeps happening contact the service desk.",
    "invalid_token": "The sign-in response could not be verified, so it was refused.",
    "provider_error": "The identity provider did not sign you in. Start again.",
    "provider_unreachable": "The identity provider could not be reached. Try again in a few minutes.",
    "no_email": "Your account at the identity provider has no email address, so it cannot be used here. "
                "Contact the service desk.",
    "disabled": "Your account has been disabled. Contact the PMO if you need access.",
}

# The id_token claim that failed validation, as the reason logged and shown.
CLAIM_REASONS = {"aud": "audience", "azp": "audience", "iss": "issuer", "nonce": "nonce"}


def configured(app=None) -> bool:
    config = (app or current_app).config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def settings_problems(config) -> list[str]:
    """What production refuses in the SSO settings (pmo_web/security.py raises on any)."""
    problems = []
    if config.get("OIDC_ISSUER"):
        if not config["OIDC_ISSUER"].startswith("https://"):
            problems.append("OIDC_ISSUER must be an https:// URL")
        if not (config.get("OIDC_CLIENT_ID") and config.get("OIDC_CLIENT_SECRET")):
            problems.append("OIDC_ISSUER is set without OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")
    for name in ("OIDC_GROUP_ROLES", "OIDC_GROUP_DEPARTMENTS"):
        try:
            if not isinstance(json.loads(config.get(name) or "{}"), dict):
                raise ValueError
        except ValueError:
            problems.append(f"{name} must be a JSON object")
    if not config.get("LOCAL_LOGIN_ENABLED", True) and not config.get("OIDC_ISSUER"):
        problems.append("LOCAL_LOGIN_ENABLED is off and single sign-on is not configured: nobody could sign in")
    return problems


def init_app(app) -> None:
    """Register the provider with Authlib when OIDC_ISSUER and OIDC_CLIENT_ID are set."""
    if not configured(app):
        return
    oauth = OAuth(app)  # one registry per app: tests build many apps in one process
    app.extensions["pmo_oidc"] = oauth
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    oauth.register(
        CLIENT_NAME, overwrite=True,
        client_id=app.config["OIDC_CLIENT_ID"], client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256", "default_timeout": 10},
    )


def _client():
    return current_app.extensions["pmo_oidc"].create_client(CLIENT_NAME)


def sign_in_options() -> dict:
    """For every template: whether to offer SSO (and the provider's name) and the password form."""
    return {"sso_provider_name": current_app.config["OIDC_PROVIDER_NAME"] if configured() else None,
            "local_login_enabled": current_app.config["LOCAL_LOGIN_ENABLED"]}


def _json_setting(name: str) -> dict:
    try:
        value = json.loads(current_app.config.get(name) or "{}")
    except ValueError:
        log.error("setting is not valid JSON", extra={"setting": name})
        return {}
    return value if isinstance(value, dict) else {}


@bp.get("/auth/oidc/login")
def oidc_login():
    """Send the browser to the identity provider (a new state, nonce and PKCE verifier)."""
    if not configured():
        return _not_configured()
    client = _client()
    try:
        return client.authorize_redirect(url_for("auth.oidc_callback", _external=True),
                                         nonce=secrets.token_urlsafe(24))
    except requests.RequestException:
        return _refuse("provider_unreachable")


@bp.get("/auth/oidc/callback")
def oidc_callback():
    """The provider sends the browser back here with a code; a valid id_token signs the user in."""
    if not configured():
        return _not_configured()
    try:
        token = _client().authorize_access_token()
    except MismatchingStateError:
        return _refuse("state")
    except OAuthError as error:
        return _refuse("provider_error", provider_error=str(error.error or "")[:60])
    except ExpiredTokenError:
        return _refuse("expired")
    except ClaimError as error:
        reason = CLAIM_REASONS.get(error.claim, "invalid_token")
        return _refuse(reason, claim=error.claim)
    except BadSignatureError:
        return _refuse("signature")
    except JoseError as error:
        return _refuse("invalid_token", error=type(error).__name__)
    except requests.RequestException:
        return _refuse("provider_unreachable")
    claims = token.get("userinfo") or {}
    config = current_app.config
    email = str(claims.get(config["OIDC_EMAIL_CLAIM"]) or claims.get("preferred_username") or "").strip().lower()
    if "@" not in email:
        return _refuse("no_email", subject=str(claims.get("sub", ""))[:64])
    groups = claims.get(config["OIDC_GROUPS_CLAIM"]) or []
    groups = [str(g) for g in groups] if isinstance(groups, list) else [str(groups)]
    user = User.by_email(email) or _new_user(email, str(claims.get(config["OIDC_NAME_CLAIM"]) or email))
    if not user.active:
        return _refuse("disabled", email=email)
    _apply_groups(user, groups)
    sessions.begin(user)
    session[mfa.VERIFIED_KEY] = True  # the provider's own MFA policy applies to SSO
    reauthentication.note_proof()
    db.session.commit()
    auth_log.info("sso sign-in", extra={"email": email, "roles": sorted(user.roles)})
    return redirect(home_for(user))


def _not_configured():
    """SSO is off here: back to the sign-in page, which offers what there is."""
    flash("Single sign-on is not set up for this service.", "info")
    return redirect(url_for("auth.login"))


def _refuse(reason: str, **details):
    """The sign-in page with the reason's message (401) and one log line (no tokens)."""
    db.session.rollback()
    auth_log.warning("sso sign-in failed", extra={"reason": reason, **details})
    return render_template("auth/login.html", form=LoginForm(formdata=None), sso_error=MESSAGES[reason]), 401


def _new_user(email: str, name: str) -> User:
    """A first sign-in: the account is made here (no usable password: SSO only)."""
    user = User(email=email, name=name[:120], active=True)
    user.set_password(secrets.token_urlsafe(32))
    db.session.add(user)
    log.info("user created at first sso sign-in", extra={"email": email})
    return user


def _apply_groups(user: User, groups: list[str]) -> None:
    """Roles and department from the group maps (the rule is in the module docstring)."""
    role_map = {str(k): v for k, v in _json_setting("OIDC_GROUP_ROLES").items() if v in ROLES}
    managed = set(role_map.values())
    granted = {role_map[g] for g in groups if g in role_map}
    roles = (set(user.roles) - managed) | granted
    if not roles:
        roles = {LEAST_PRIVILEGE_ROLE}
    if roles != set(user.roles):
        user.set_roles(roles)
    department_map = _json_setting("OIDC_GROUP_DEPARTMENTS")
    wanted = next((str(department_map[g]) for g in groups if g in department_map), None)
    if wanted:
        department = db.session.scalar(select(Department).where(func.lower(Department.name) == wanted.lower()))
        if department is None:
            log.warning("sso department not found", extra={"department": wanted})
        elif department.id != user.department_id:
            user.department = department
