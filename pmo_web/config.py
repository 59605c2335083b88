"""Configuration read from the environment, with safe local defaults."""
import os


def from_environment(instance_path: str) -> dict:
    """Settings for a normal run: SECRET_KEY and DATABASE_URL from the environment.

    Without DATABASE_URL the app uses a SQLite file in the instance folder, so a laptop
    needs nothing installed. Without SECRET_KEY a random key is generated per instance
    folder and kept there, so sessions survive a restart of `make run`.
    """
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(instance_path, "pmo_web.sqlite")
    )
    # Some platforms still hand out postgres:// URLs, which SQLAlchemy 2 rejects.
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ORGANISATION_NAME": os.environ.get("PMO_ORGANISATION_NAME", "Northshire Police"),
        "SECURITY_MARKING": os.environ.get("PMO_SECURITY_MARKING", "OFFICIAL"),
    }


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
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # Demo and test passwords are short; production accounts are created with the CLI.
    "PASSWORD_MIN_LENGTH": 10,
}
