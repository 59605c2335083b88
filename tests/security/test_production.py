"""Production mode: unsafe settings stop the app at start-up; safe ones turn on Secure cookies
and HSTS. Development (make run) keeps working with its generated key. The security marking
is refused at start-up unless it is one this service may hold."""
from __future__ import annotations

import pytest

from pmo_web import config, create_app
from pmo_web.extensions import db
from tests import factories

GOOD_KEY = "9f2c4e7a1b8d3f6e0a5c2b9d8e7f6a1b3c4d5e6f7a8b9c0d"
HSTS = "max-age=63072000; includeSubDomains"


def make_app(**settings):
    base = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SECRET_KEY": GOOD_KEY}
    return create_app({**base, **settings})


@pytest.fixture
def production_app():
    app = make_app(PMO_ENV="production")
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


# ----------------------------------------------------------------------------- refusals

@pytest.mark.parametrize(("secret_key", "reason"), [
    (None, "SECRET_KEY is missing"),
    ("", "SECRET_KEY is missing"),
    ("too-short-but-random-9f2c4e", "shorter than 32 characters"),
    ("dev", "well-known default"),
    ("test-secret", "well-known default"),
    # Long enough, but published: length alone must not make a key acceptable.
    ("development-secret-key-change-me", "well-known default"),
    ("a" * 64, "too few characters"),
])
def test_production_refuses_an_unsafe_secret_key(secret_key, reason):
    with pytest.raises(RuntimeError, match=reason) as refused:
        make_app(PMO_ENV="production", SECRET_KEY=secret_key)
    assert "PMO_ENV=production refuses to start" in str(refused.value)


@pytest.mark.parametrize("debug", [{"DEBUG": True}, {"DEBUG": 1}])
def test_production_refuses_to_run_with_debug_on(debug):
    with pytest.raises(RuntimeError, match="DEBUG is on"):
        make_app(PMO_ENV="production", **debug)


def test_production_refuses_debug_from_the_flask_environment_variable(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="DEBUG is on"):
        make_app(PMO_ENV="production")


def test_every_problem_is_named_at_once():
    with pytest.raises(RuntimeError) as refused:
        make_app(PMO_ENV="production", SECRET_KEY="dev", DEBUG=True)
    assert "SECRET_KEY" in str(refused.value) and "DEBUG" in str(refused.value)


def test_an_unknown_environment_name_is_refused():
    with pytest.raises(RuntimeError, match="PMO_ENV"):
        make_app(PMO_ENV="prod")


def test_production_from_the_environment_refuses_without_a_secret_key(monkeypatch, tmp_path):
    """The real start-up path (gunicorn 'pmo_web:create_app()'): no key in the environment
    is refused, and no key is quietly generated for this one server."""
    monkeypatch.setenv("PMO_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = config.from_environment(str(tmp_path))
    assert settings["SECRET_KEY"] is None
    assert not (tmp_path / "secret_key").exists()
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY is missing"):
        create_app()


def test_development_from_the_environment_still_generates_its_key(monkeypatch, tmp_path):
    """make run needs nothing set: the key is made once and kept in instance/."""
    monkeypatch.delenv("PMO_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.from_environment(str(tmp_path))
    assert first["PMO_ENV"] == "development" and len(first["SECRET_KEY"]) == 64
    assert config.from_environment(str(tmp_path))["SECRET_KEY"] == first["SECRET_KEY"]


# ----------------------------------------------------------------------------- safe production

def test_production_with_a_good_key_starts_with_secure_cookies(production_app):
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    assert production_app.config["REMEMBER_COOKIE_SECURE"] is True


def test_production_sends_hsts_on_every_response(production_app):
    client = production_app.test_client()
    for path in ("/login", "/health", "/static/css/app.css", "/no-such-page", "/"):
        response = client.get(path)
        assert response.headers["Strict-Transport-Security"] == HSTS, path
        response.close()


def test_production_session_cookie_is_secure(production_app):
    user = factories.make_user(roles=("pmo",), email="pmo@example.test")
    db.session.commit()
    client = production_app.test_client()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD},
                           base_url="https://localhost")
    cookies = [value for name, value in response.headers.items() if name == "Set-Cookie"]
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie


def test_development_sends_no_hsts_and_plain_cookies(app, client):
    assert app.config["PMO_ENV"] == "development"
    assert not app.config.get("SESSION_COOKIE_SECURE")
    assert "Strict-Transport-Security" not in client.get("/login").headers


# ----------------------------------------------------------------------------- marking

@pytest.mark.parametrize("marking", ["SECRET", "TOP SECRET", "UNCLASSIFIED", "RESTRICTED", "", None,
                                     "OFFICIAL SENSITIVE"])
def test_a_marking_this_service_may_not_hold_is_refused(marking):
    with pytest.raises(RuntimeError, match="PMO_SECURITY_MARKING"):
        make_app(SECURITY_MARKING=marking)


@pytest.mark.parametrize(("given", "shown"), [
    ("OFFICIAL", "OFFICIAL"), ("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"),
    (" official-sensitive ", "OFFICIAL-SENSITIVE"),
])
def test_the_accepted_markings(given, shown):
    assert make_app(SECURITY_MARKING=given).config["SECURITY_MARKING"] == shown


def test_the_marking_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PMO_SECURITY_MARKING", "OFFICIAL-SENSITIVE")
    assert config.from_environment(str(tmp_path))["SECURITY_MARKING"] == "OFFICIAL-SENSITIVE"
    monkeypatch.delenv("PMO_SECURITY_MARKING")
    assert config.from_environment(str(tmp_path))["SECURITY_MARKING"] == "OFFICIAL"
