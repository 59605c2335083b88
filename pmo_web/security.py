"""Security settings checked at start-up and the security headers sent on every response.

Two jobs, both in one place so that a reviewer finds them together:

- `check_settings` refuses to build the app with settings that would be unsafe: a security
  marking this service is not accredited for, a trusted proxy count that is not a small
  whole number, or (with ``PMO_ENV=production``) a missing, short or well-known SECRET_KEY,
  or DEBUG on. Production also turns on Secure cookies.
- `trust_proxies` believes exactly TRUSTED_PROXIES reverse proxies about the client's
  address and scheme, and no header at all when there are none.
- `add_headers` runs after every request, so pages, htmx fragments, redirects, error pages,
  static files and /health all carry the same Content-Security-Policy and friends.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

# The markings of the Government Security Classifications this service may hold. SECRET and
# above need accredited systems this app is not; refusing them at start-up stops a
# misconfiguration from labelling pages with a marking the data may not live under.
MARKINGS = ("OFFICIAL", "OFFICIAL-SENSITIVE")

# Everything from our own origin and nothing inline: no 'unsafe-inline', no 'unsafe-eval'.
# htmx is configured (meta tag in base.html) not to eval, not to run scripts in swaps and not
# to inject its indicator <style>, so it works under this policy. data: images are GOV.UK
# Frontend's inline SVGs; frame-ancestors 'none' stops clickjacking in modern browsers and
# X-Frame-Options DENY in old ones.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Two years, the HSTS preload list's minimum; sent only in production, where TLS is certain
# (a browser that saw it on http://127.0.0.1 during development would refuse plain HTTP there).
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"

SECRET_KEY_MIN_LENGTH = 32

# More reverse proxies than this in a row is a typing mistake, not a deployment.
MAX_TRUSTED_PROXIES = 5

# Values that appear in tutorials, this repository's tests and docs, or that people type when
# asked for "a secret". A production key must be none of them, whatever its length.
KNOWN_SECRET_KEYS = frozenset({
    "", "dev", "development", "secret", "secret-key", "secret_key", "secretkey", "changeme",
    "change-me", "change_me", "please-change-me", "default", "password", "test", "testing",
    "test-secret", "browser-tests", "map-only", "pmo", "pmo-web", "pmo_web",
    "your-secret-key", "your_secret_key", "super-secret", "supersecret", "notsecret",
    "replace-me", "insecure", "dev-secret", "development-secret-key-change-me",
})


def register(app: Flask) -> None:
    """Check the settings (raising RuntimeError if unsafe), believe the trusted proxies, and
    send the headers on every response."""
    check_settings(app)
    trust_proxies(app)
    app.after_request(add_headers)


def trust_proxies(app: Flask) -> None:
    """Take the client's address and scheme from the last TRUSTED_PROXIES hops of
    X-Forwarded-For and X-Forwarded-Proto (werkzeug's ProxyFix).

    Each trusted proxy appends the address it was reached from, so the last N entries are
    the ones our own proxies wrote; anything further left came from the client and is
    ignored. With none trusted the headers are ignored altogether: request.remote_addr is
    the socket's peer, which a client cannot choose. The sign-in throttle counts per
    remote_addr, so believing a header a client can write would let it pick its address.
    """
    count = app.config["TRUSTED_PROXIES"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def trusted_proxy_count(value) -> int:
    """TRUSTED_PROXIES as a number from 0 to MAX_TRUSTED_PROXIES; RuntimeError otherwise."""
    text = str(value).strip()
    # ASCII digits only: str.isdigit() would also take "²" or Arabic-Indic digits.
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()) or int(text) > MAX_TRUSTED_PROXIES:
        raise RuntimeError(
            f"PMO_TRUSTED_PROXIES is {value!r}; set it to the number of reverse proxies in front of the app "
            f"that add X-Forwarded-For (0 to {MAX_TRUSTED_PROXIES}; 0, the default, when clients reach gunicorn "
            "directly).")
    return int(text)


def is_production(app: Flask) -> bool:
    return app.config.get("PMO_ENV", "development") == "production"


def check_settings(app: Flask) -> None:
    """Refuse settings that would be unsafe; apply what production always needs.

    Raises RuntimeError with a message that says what to change, so a deployment fails at
    start-up rather than running with forgeable sessions or a traceback-leaking debugger.
    """
    marking = str(app.config.get("SECURITY_MARKING") or "").strip().upper()
    if marking not in MARKINGS:
        raise RuntimeError(
            f"PMO_SECURITY_MARKING is {app.config.get('SECURITY_MARKING')!r}; this service may "
            f"only hold {' or '.join(MARKINGS)} information. Set one of those.")
    app.config["SECURITY_MARKING"] = marking
    app.config["TRUSTED_PROXIES"] = trusted_proxy_count(app.config.get("TRUSTED_PROXIES", 0))

    environment = app.config.get("PMO_ENV", "development")
    if environment not in ("development", "production"):
        raise RuntimeError(f"PMO_ENV is {environment!r}; use 'production' or 'development'.")
    if not is_production(app):
        return

    problems = secret_key_problems(app.config.get("SECRET_KEY"))
    if app.debug or app.config.get("DEBUG"):
        problems.append("DEBUG is on: the debugger would show code and data to anyone who "
                        "triggers an error. Unset FLASK_DEBUG / DEBUG")
    from .auth.oidc import settings_problems
    problems += settings_problems(app.config)
    problems += second_factor_problems(app.config)
    if problems:
        raise RuntimeError("PMO_ENV=production refuses to start: " + "; ".join(problems) + ".")

    # Cookies only over TLS: a session cookie sent over plain HTTP can be stolen on the wire.
    app.config["SESSION_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = True


def second_factor_problems(settings) -> list[str]:
    """Production with password sign-in must require a second factor of approvers and admins
    (config.PRODUCTION_MFA_ROLES), unless MFA_OPTIONAL_IN_PRODUCTION says otherwise on purpose."""
    from .config import PRODUCTION_MFA_ROLES

    if not settings.get("LOCAL_LOGIN_ENABLED", True) or settings.get("MFA_OPTIONAL_IN_PRODUCTION"):
        return []
    required = {role.strip() for role in str(settings.get("MFA_REQUIRED_ROLES") or "").split(",")}
    missing = [role for role in PRODUCTION_MFA_ROLES if role not in required]
    if not missing:
        return []
    return [f"MFA_REQUIRED_ROLES leaves out {' and '.join(missing)}, who would sign in with a password "
            f"alone: set MFA_REQUIRED_ROLES={','.join(PRODUCTION_MFA_ROLES)} (or more), or set "
            "MFA_OPTIONAL_IN_PRODUCTION=1 to run without it on purpose"]


def secret_key_problems(secret_key) -> list[str]:
    """What is wrong with a production SECRET_KEY (empty when it is fine)."""
    hint = "set SECRET_KEY to e.g. the output of python3 -c 'import secrets; print(secrets.token_hex(32))'"
    if not secret_key:
        return [f"SECRET_KEY is missing: {hint}"]
    key = secret_key.decode() if isinstance(secret_key, bytes) else str(secret_key)
    if key.strip().lower() in KNOWN_SECRET_KEYS:
        return [f"SECRET_KEY is a well-known default value: {hint}"]
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return [f"SECRET_KEY is shorter than {SECRET_KEY_MIN_LENGTH} characters: {hint}"]
    if len(set(key)) < 8:
        return [f"SECRET_KEY repeats too few characters to be random: {hint}"]
    return []


def add_headers(response):
    """Set the security headers on a response (after_request: runs for errors and static too)."""
    from flask import current_app

    for name, value in HEADERS.items():
        response.headers[name] = value
    if is_production(current_app):
        response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    # Pages and fragments carry OFFICIAL data: no shared (or browser back-button disk) cache
    # may keep them. Static files are public and versioned by deployment, so they may be cached.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response
