"""Configuration read from the environment, with safe local defaults."""
import os


def from_environment(instance_path: str) -> dict:
    """Settings for a normal run: SECRET_KEY and DATABASE_URL from the environment.

    Without DATABASE_URL the app uses a SQLite file in the instance folder, so a laptop
    needs nothing installed. Without SECRET_KEY a random key is generated per instance
    folder and kept there, so sessions survive a restart of `make run`; with
    PMO_ENV=production there is no such fallback (see pmo_web/security.py).
    """
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(instance_path, "pmo_web.sqlite")
    )
    # Some platforms still hand out postgres:// URLs, which SQLAlchemy 2 rejects.
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    environment = os.environ.get("PMO_ENV", "development").strip().lower()
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key and environment != "production":
        # Production must be given its key (pmo_web.security refuses to start without one):
        # a key generated on one server would differ on the next and sign nobody's session.
        secret_key = _instance_secret(instance_path)
    return {
        "PMO_ENV": environment,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ORGANISATION_NAME": os.environ.get("PMO_ORGANISATION_NAME", "Northshire Police"),
        "SECURITY_MARKING": os.environ.get("PMO_SECURITY_MARKING", "OFFICIAL"),
        **_session_limits_from_environment(),
        **_proxies_from_environment(),
        **_identity_from_environment(environment),
        **_mail_from_environment(),
    }


def _mail_from_environment() -> dict:
    """SMTP settings for notification emails; README "Notifications and email".
    Without SMTP_HOST no email is sent: notifications stay in the app."""
    settings = {variable: os.environ[variable] for variable in (
        "SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD", "MAIL_FROM", "PUBLIC_BASE_URL")
        if os.environ.get(variable)}
    if os.environ.get("SMTP_PORT"):
        settings["SMTP_PORT"] = int(os.environ["SMTP_PORT"])
    if os.environ.get("SMTP_STARTTLS"):
        settings["SMTP_STARTTLS"] = os.environ["SMTP_STARTTLS"].strip().lower() not in ("0", "false", "no", "off")
    return settings


def _identity_from_environment(environment: str = "development") -> dict:
    """Single sign-on (OpenID Connect) and second-factor settings; README "Single sign-on".

    Unset variables keep the DEFAULTS below: no SSO, local sign-in on, a second factor
    required of approvers and admins who sign in with a password. In development (`make run`)
    an unset MFA_REQUIRED_ROLES requires it of nobody: approvers and admins are offered it
    at sign-in, so the demo can be tried without an authenticator app.
    """
    settings = {}
    for variable in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_PROVIDER_NAME",
                     "OIDC_EMAIL_CLAIM", "OIDC_NAME_CLAIM", "OIDC_GROUPS_CLAIM",
                     "OIDC_GROUP_ROLES", "OIDC_GROUP_DEPARTMENTS", "MFA_REQUIRED_ROLES"):
        if os.environ.get(variable) is not None:
            settings[variable] = os.environ[variable]
    if environment != "production" and "MFA_REQUIRED_ROLES" not in settings:
        settings["MFA_REQUIRED_ROLES"] = ""
    for variable in ("LOCAL_LOGIN_ENABLED", "MFA_OPTIONAL_IN_PRODUCTION"):
        if os.environ.get(variable):
            settings[variable] = os.environ[variable].strip().lower() not in ("0", "false", "no", "off")
    return settings


def _session_limits_from_environment() -> dict:
    """Session timeouts a force may tighten or relax (PMO_SESSION_IDLE_MINUTES and
    PMO_SESSION_ABSOLUTE_HOURS); unset means the DEFAULTS below."""
    limits = {}
    for variable, setting in (("PMO_SESSION_IDLE_MINUTES", "SESSION_IDLE_MINUTES"),
                              ("PMO_SESSION_ABSOLUTE_HOURS", "SESSION_ABSOLUTE_HOURS")):
        if os.environ.get(variable):
            limits[setting] = float(os.environ[variable])
    return limits


def _proxies_from_environment() -> dict:
    """PMO_TRUSTED_PROXIES: how many reverse proxies stand in front of the app. Kept as
    typed here; pmo_web/security.py checks it at start-up (a bad value stops the app).
    Unset or empty means the default, 0."""
    value = os.environ.get("PMO_TRUSTED_PROXIES")
    return {"TRUSTED_PROXIES": value} if value else {}


def _instance_secret(instance_path: str) -> str:
    """Return the development secret kept in instance/, creating it on first use."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        with open(path, "w") as handle:
            handle.write(os.urandom(32).hex())
    with open(path) as handle:
        return handle.read().strip()


DEFAULTS = {
    # "production" turns on the start-up refusals, Secure cookies and HSTS (pmo_web/security.py).
    "PMO_ENV": "development",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Remember-me is not offered (pmo_web/auth/sessions.py signs in from the server-side
    # session only); should a remember cookie ever be set, it gets the same protections.
    # Both cookies become Secure with PMO_ENV=production (pmo_web/security.py).
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # A signed-in session ends after this long without a request, and this long after
    # sign-in whatever the activity (pmo_web/auth/sessions.py).
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 8,
    # Sign-in throttling (pmo_web/auth/throttle.py): failures allowed per account and per
    # address within the window before further attempts are refused with 429.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 50,
    "LOGIN_THROTTLE_WINDOW_SECONDS": 60,
    "LOGIN_ATTEMPT_RETENTION_HOURS": 24,
    # How many reverse proxies in front of the app to believe about the client's address
    # and scheme (X-Forwarded-For, X-Forwarded-Proto); 0 believes no such header, so a
    # client cannot pick the address the sign-in throttle counts (pmo_web/security.py).
    "TRUSTED_PROXIES": 0,
    # Setting up, replacing or turning off the second factor, or getting new recovery codes,
    # needs a proof of identity this recent: a sign-in or "Confirm it's you"
    # (pmo_web/auth/reauthentication.py).
    "REAUTHENTICATION_MINUTES": 5,
    "WTF_CSRF_TIME_LIMIT": None,
    # Request size limits (README "Security and reliability"): past any of them the answer
    # is 413 and the body is read no further. The whole body: room for the import's 5 MB
    # file and its form. One text part of a multipart form, and the number of parts of one
    # (Flask's defaults, written down). Typed text has its own limits (pmo_web/forms.py).
    "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    # Demo and test passwords are short; production accounts are created with the CLI.
    "PASSWORD_MIN_LENGTH": 10,
    # Single sign-on with OpenID Connect (pmo_web/auth/oidc.py): on when OIDC_ISSUER is set.
    # The group maps are JSON objects: {"<group id or name>": "<role>"} and
    # {"<group id or name>": "<department name>"}.
    "OIDC_ISSUER": "",
    "OIDC_CLIENT_ID": "",
    "OIDC_CLIENT_SECRET": "",
    "OIDC_PROVIDER_NAME": "Microsoft",
    "OIDC_EMAIL_CLAIM": "email",
    "OIDC_NAME_CLAIM": "name",
    "OIDC_GROUPS_CLAIM": "groups",
    "OIDC_GROUP_ROLES": "{}",
    "OIDC_GROUP_DEPARTMENTS": "{}",
    # Email and password sign-in; a force using SSO only turns it off.
    "LOCAL_LOGIN_ENABLED": True,
    # Roles that must use a second factor (TOTP) when signing in with a password
    # (comma-separated; empty for none). SSO sign-ins rely on the provider's own MFA.
    # Development without the variable set requires it of nobody (_identity_from_environment).
    "MFA_REQUIRED_ROLES": "approver,admin",
    # Production refuses to start when password sign-in is on and MFA_REQUIRED_ROLES leaves
    # out any of PRODUCTION_MFA_ROLES, unless this is set (pmo_web/security.py).
    "MFA_OPTIONAL_IN_PRODUCTION": False,
    # Notification email (pmo_web/notifications/mail.py): off while SMTP_HOST is empty.
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    "MAIL_FROM": "pmo@localhost",
    # The address people open the app at, for links in emails.
    "PUBLIC_BASE_URL": "http://localhost:5000",
    # Tests send in the committing thread; a real run hands emails to a background thread.
    "NOTIFICATIONS_SEND_INLINE": False,
}

# The roles production requires a second factor of, whatever MFA_REQUIRED_ROLES says, unless
# MFA_OPTIONAL_IN_PRODUCTION is set: they decide gates and administer the service.
PRODUCTION_MFA_ROLES = ("approver", "admin")
