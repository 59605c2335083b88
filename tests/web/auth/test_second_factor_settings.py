"""Where the second factor is required: offered in development (`make run`, so the demo can be
tried without an authenticator app), required of approvers and admins in production, which
refuses to start without it unless MFA_OPTIONAL_IN_PRODUCTION says so on purpose."""
from __future__ import annotations

import pytest

from pmo_web import config
from pmo_web.auth.routes import SECOND_FACTOR_OFFER
from tests.security.test_production import make_app


@pytest.fixture
def environment(monkeypatch):
    """The process environment with none of the settings these tests are about."""
    for variable in ("PMO_ENV", "MFA_REQUIRED_ROLES", "MFA_OPTIONAL_IN_PRODUCTION", "LOCAL_LOGIN_ENABLED"):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_development_requires_it_of_nobody_unless_told(environment, tmp_path):
    assert config.from_environment(str(tmp_path))["MFA_REQUIRED_ROLES"] == ""
    environment.setenv("MFA_REQUIRED_ROLES", "approver,admin")
    assert config.from_environment(str(tmp_path))["MFA_REQUIRED_ROLES"] == "approver,admin"


def test_production_keeps_the_default_of_approvers_and_admins(environment, tmp_path):
    environment.setenv("PMO_ENV", "production")
    settings = config.from_environment(str(tmp_path))
    assert "MFA_REQUIRED_ROLES" not in settings  # DEFAULTS apply
    assert config.DEFAULTS["MFA_REQUIRED_ROLES"] == "approver,admin"
    assert "MFA_OPTIONAL_IN_PRODUCTION" not in settings
    environment.setenv("MFA_OPTIONAL_IN_PRODUCTION", "yes")
    assert config.from_environment(str(tmp_path))["MFA_OPTIONAL_IN_PRODUCTION"] is True
    environment.setenv("MFA_OPTIONAL_IN_PRODUCTION", "0")
    assert config.from_environment(str(tmp_path))["MFA_OPTIONAL_IN_PRODUCTION"] is False


@pytest.mark.parametrize(("roles", "missing"), [
    ("", "approver and admin"),
    ("admin", "approver"),
    ("approver,pmo", "admin"),
])
def test_production_refuses_to_start_without_it_for_approvers_and_admins(roles, missing):
    with pytest.raises(RuntimeError, match=f"MFA_REQUIRED_ROLES leaves out {missing},.*MFA_OPTIONAL_IN_PRODUCTION"):
        make_app(PMO_ENV="production", MFA_REQUIRED_ROLES=roles)


@pytest.mark.parametrize("settings", [
    {"MFA_REQUIRED_ROLES": "approver,admin"},
    {"MFA_REQUIRED_ROLES": "admin, approver, pmo"},
    {"MFA_REQUIRED_ROLES": "", "MFA_OPTIONAL_IN_PRODUCTION": True},
    # Single sign-on only: nobody signs in with a password, the provider's MFA applies.
    {"MFA_REQUIRED_ROLES": "", "LOCAL_LOGIN_ENABLED": False, "OIDC_ISSUER": "https://login.example.test/t/v2.0",
     "OIDC_CLIENT_ID": "a", "OIDC_CLIENT_SECRET": "b"},
])
def test_production_starts_when_it_is_required_or_waived_on_purpose(settings):
    app = make_app(PMO_ENV="production", **settings)
    assert app.config["SESSION_COOKIE_SECURE"]


def test_development_starts_with_nobody_required():
    assert make_app(MFA_REQUIRED_ROLES="").config["PMO_ENV"] == "development"


@pytest.mark.parametrize("role", ["approver", "admin"])
def test_without_the_requirement_approvers_and_admins_sign_in_and_are_offered_it(app, client, auth, users, role):
    app.config["MFA_REQUIRED_ROLES"] = ""
    response = auth.login(users[role])
    assert response.status_code == 302
    assert not response.headers["Location"].endswith("/account/second-factor/setup")
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert page.status_code == 200
    assert SECOND_FACTOR_OFFER in page.get_data(as_text=True).replace("&#39;", "'")


@pytest.mark.parametrize("role", ["requester", "pmo", "viewer"])
def test_roles_production_does_not_require_it_of_are_not_offered_it(app, client, auth, users, role):
    app.config["MFA_REQUIRED_ROLES"] = ""
    page = client.get(auth.login(users[role]).headers["Location"], follow_redirects=True)
    assert "second factor" not in page.get_data(as_text=True)


def test_with_the_requirement_they_enrol_first_and_are_not_offered_it(app, client, auth, users):
    app.config["MFA_REQUIRED_ROLES"] = "approver,admin"
    home = client.get(auth.login(users["approver"]).headers["Location"])
    assert home.status_code == 302 and home.headers["Location"].endswith("/account/second-factor/setup")
    page = client.get(home.headers["Location"])
    assert page.status_code == 200 and "Here it is optional" not in page.get_data(as_text=True)
