"""Single sign-on against a fake OpenID provider on loopback: the happy path, every way a
response is refused (each with its message on the sign-in page and a log line), the
group maps, and turning local sign-in off."""
from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from pmo_web.auth import oidc
from pmo_web.extensions import db
from pmo_web.models import User, UserSession
from tests import factories
from tests.security.test_logging import log_lines
from tests.web.auth.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeProvider

GROUP_ROLES = {"grp-pmo": "pmo", "grp-approvers": "approver", "grp-requesters": "requester"}
GROUP_DEPARTMENTS = {"grp-contact": "Contact Management"}


@pytest.fixture(scope="module")
def provider():
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@pytest.fixture
def sso(app, provider):
    """The test app with SSO pointed at the fake provider."""
    provider.reset()
    app.config.update(OIDC_ISSUER=provider.url, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET,
                      OIDC_PROVIDER_NAME="Northshire ID", OIDC_GROUP_ROLES=json.dumps(GROUP_ROLES),
                      OIDC_GROUP_DEPARTMENTS=json.dumps(GROUP_DEPARTMENTS))
    oidc.init_app(app)
    return provider


def start(client) -> str:
    """Begin a sign-in and follow the provider's redirect: returns the callback URL (path + query)."""
    response = client.get("/auth/oidc/login")
    assert response.status_code == 302
    at_provider = requests.get(response.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/auth/oidc/callback"
    return f"{back.path}?{back.query}"


def sso_failures(captured: str) -> list[dict]:
    return [line for line in log_lines(captured) if line["message"] == "sso sign-in failed"]


def signed_in_as(client):
    return client.get("/").status_code == 302 and "/login" not in client.get("/").headers["Location"]


def test_happy_path_creates_the_user_with_mapped_roles_and_department(sso, client, department, capsys):
    sso.user["groups"] = ["grp-approvers", "grp-contact", "grp-unrelated"]
    callback = start(client)
    response = client.get(callback)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"  # My work, everyone's home
    user = User.by_email("sso.user@example.test")
    assert user.roles == {"approver"} and user.department == department and user.name == "Sso User"
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is not None
    assert client.get("/initiatives").status_code == 200
    # The token request proved PKCE and the client secret; nothing from it reached the log.
    assert sso.token_requests[-1]["code_verifier"]
    captured = capsys.readouterr().err
    assert any(line["message"] == "sso sign-in" and line["email"] == "sso.user@example.test"
               for line in log_lines(captured))
    code = dict(pair.split("=", 1) for pair in callback.split("?", 1)[1].split("&"))["code"]
    assert code not in captured and CLIENT_SECRET not in captured and "eyJ" not in captured


def test_existing_user_is_matched_ignoring_case_and_admin_roles_persist(sso, client, department):
    existing = factories.make_user(roles=("admin", "pmo"), email="sso.user@example.test", department=department)
    db.session.commit()
    sso.user["groups"] = ["grp-requesters"]
    client.get(start(client))
    db.session.expire_all()
    user = db.session.get(User, existing.id)
    # admin is not in the role map: the admin's grant stays. pmo is mapped and no group grants it.
    assert user.roles == {"admin", "requester"}
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_unknown_or_no_group_gets_least_privilege(sso, client):
    sso.user["groups"] = ["grp-nobody-mapped"]
    client.get(start(client))
    assert User.by_email("sso.user@example.test").roles == {oidc.LEAST_PRIVILEGE_ROLE} == {"viewer"}


def test_session_is_the_ordinary_one_and_signing_out_revokes_it(sso, client):
    client.get(start(client))
    client.post("/logout")
    row = db.session.scalar(select(UserSession))
    assert row.revoked_at is not None
    assert "/login" in client.get("/").headers["Location"]


def refused(client, callback, capsys, reason):
    response = client.get(callback)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and oidc.MESSAGES[reason] in page
    assert "Sign in with Northshire ID" in page
    failures = sso_failures(capsys.readouterr().err)
    assert [line["reason"] for line in failures] == [reason]
    assert User.by_email("sso.user@example.test") is None
    assert db.session.scalar(select(UserSession)) is None
    return failures[0]


def test_wrong_audience_is_refused(sso, client, capsys):
    sso.next_claims = {"aud": "some-other-app"}
    line = refused(client, start(client), capsys, "audience")
    assert line["claim"] in ("aud", "azp")


def test_wrong_issuer_is_refused(sso, client, capsys):
    sso.next_claims = {"iss": "http://127.0.0.1:1/evil"}
    refused(client, start(client), capsys, "issuer")


def test_expired_token_is_refused(sso, client, capsys):
    now = int(time.time())
    sso.next_claims = {"iat": now - 3600, "exp": now - 1800}
    refused(client, start(client), capsys, "expired")


def test_bad_signature_is_refused(sso, client, capsys):
    sso.sign_with_other_key = True
    refused(client, start(client), capsys, "signature")


def test_wrong_nonce_is_refused(sso, client, capsys):
    sso.next_claims = {"nonce": "not-the-one-we-sent"}
    refused(client, start(client), capsys, "nonce")


def test_replayed_state_is_refused(sso, client, capsys):
    callback = start(client)
    assert client.get(callback).status_code == 302
    client.post("/logout")
    capsys.readouterr()
    response = client.get(callback)  # the same state (and code) a second time
    assert response.status_code == 401
    assert oidc.MESSAGES["state"] in response.get_data(as_text=True)
    assert [line["reason"] for line in sso_failures(capsys.readouterr().err)] == ["state"]


def test_state_from_another_browser_is_refused(sso, client, app, capsys):
    callback = start(app.test_client())  # started in another browser
    refused(client, callback, capsys, "state")


def test_provider_error_is_refused(sso, client, capsys):
    client.get("/auth/oidc/login")
    line = refused(client, "/auth/oidc/callback?error=access_denied&state=x", capsys, "provider_error")
    assert line["provider_error"] == "access_denied"


def test_disabled_user_is_refused(sso, client, capsys):
    factories.make_user(email="sso.user@example.test").active = False
    db.session.commit()
    response = client.get(start(client))
    assert response.status_code == 401
    assert oidc.MESSAGES["disabled"] in response.get_data(as_text=True)
    assert [line["reason"] for line in sso_failures(capsys.readouterr().err)] == ["disabled"]
    assert db.session.scalar(select(UserSession)) is None


def test_sign_in_page_offers_sso_and_local_sign_in_can_be_turned_off(sso, app, client, users):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Northshire ID" in page and 'name="password"' in page
    app.config["LOCAL_LOGIN_ENABLED"] = False
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Northshire ID" in page and 'name="password"' not in page
    response = client.post("/login", data={"email": users["pmo"].email, "password": factories.PASSWORD})
    assert response.status_code == 404
    assert db.session.scalar(select(UserSession)) is None


def test_without_sso_configured_the_endpoints_are_not_there(app, client):
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)
    for path in ("/auth/oidc/login", "/auth/oidc/callback?code=x&state=y"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "Single sign-on is not set up" in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("settings, problem", [
    ({"OIDC_ISSUER": "http://login.example.test/tenant/v2.0", "OIDC_CLIENT_ID": "a", "OIDC_CLIENT_SECRET": "b"},
     "OIDC_ISSUER must be an https:// URL"),
    ({"OIDC_ISSUER": "https://login.example.test/tenant/v2.0"}, "without OIDC_CLIENT_ID"),
    ({"OIDC_GROUP_ROLES": "[not json"}, "OIDC_GROUP_ROLES must be a JSON object"),
    ({"LOCAL_LOGIN_ENABLED": False}, "nobody could sign in"),
])
def test_production_refuses_unsafe_sso_settings(settings, problem):
    from tests.security.test_production import make_app

    with pytest.raises(RuntimeError, match=problem):
        make_app(PMO_ENV="production", **settings)
