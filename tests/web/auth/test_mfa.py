"""The second factor: enrolment with a QR code, the code step after the password, recovery
codes, replay and throttling, enforcement for the roles that need it, and resets."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from pmo_web.auth import mfa
from pmo_web.extensions import db
from pmo_web.models import RecoveryCode, SecondFactor, UserSession
from tests import factories
from tests.security.test_logging import log_lines
from tests.web.auth.totp import SETUP_KEY

CODE_SHOWN = re.compile(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>")


def enrol(client) -> tuple[str, list[str]]:
    """Set up the signed-in user's second factor; returns the secret and the recovery codes."""
    page = client.get("/account/second-factor/setup").get_data(as_text=True)
    assert "<svg" in page and "<title>QR code for your authenticator app</title>" in page
    assert "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    secret = SETUP_KEY.search(page)[1].replace(" ", "")
    # The previous step's code (still inside the drift window), leaving the current one unused.
    response = client.post("/account/second-factor/setup", data={"code": previous_code(secret)})
    assert response.status_code == 200
    codes = CODE_SHOWN.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def previous_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(time.time() - 30)


@pytest.fixture
def enrolled(client, auth, users):
    """The approver, signed out again after enrolling; returns (user, secret, recovery codes)."""
    auth.login(users["approver"])
    secret, codes = enrol(client)
    auth.logout()
    return users["approver"], secret, codes


def test_enrolment_stores_the_secret_encrypted_and_the_codes_hashed(client, auth, users):
    auth.login(users["requester"])
    secret, codes = enrol(client)
    factor = db.session.scalar(select(SecondFactor))
    assert factor.user_id == users["requester"].id
    assert secret not in factor.secret_encrypted and mfa.decrypt(factor.secret_encrypted) == secret
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert "10" in client.get("/account/second-factor").get_data(as_text=True)


def test_a_wrong_code_does_not_enrol(client, auth, users):
    auth.login(users["requester"])
    client.get("/account/second-factor/setup")
    response = client.post("/account/second-factor/setup", data={"code": "000000"})
    assert response.status_code == 422 and "The code is not correct" in response.get_data(as_text=True)
    assert db.session.scalar(select(SecondFactor)) is None


def test_sign_in_asks_for_the_code_after_the_password(client, auth, enrolled):
    user, secret, _codes = enrolled
    response = auth.login(user)
    assert response.headers["Location"].endswith("/login/code")
    assert "/login" in client.get("/").headers["Location"]  # not signed in yet
    assert db.session.scalar(select(UserSession).where(UserSession.revoked_at.is_(None))) is None
    page = client.get("/login/code").get_data(as_text=True)
    assert "Enter the code from your authenticator app" in page
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/gates/queue")
    assert client.get("/initiatives").status_code == 200


def test_a_used_code_cannot_be_replayed(client, auth, enrolled):
    user, secret, _codes = enrolled
    auth.login(user)
    code = pyotp.TOTP(secret).now()
    assert client.post("/login/code", data={"code": code}).status_code == 302
    auth.logout()
    auth.login(user)
    response = client.post("/login/code", data={"code": code})
    assert response.status_code == 422
    assert "already been used" in response.get_data(as_text=True)
    # An older code than the last one used is refused too.
    assert client.post("/login/code", data={"code": previous_code(secret)}).status_code == 422


def test_a_recovery_code_works_once_and_is_logged(client, auth, enrolled, capsys):
    user, _secret, codes = enrolled
    auth.login(user)
    capsys.readouterr()
    assert client.post("/login/code", data={"code": codes[3].upper()}).status_code == 302
    assert any(line["message"] == "recovery code used" for line in log_lines(capsys.readouterr().err))
    auth.logout()
    auth.login(user)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 422


def test_the_code_step_is_throttled_like_the_password(app, client, auth, enrolled, capsys):
    user, secret, _codes = enrolled
    auth.login(user)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert client.post("/login/code", data={"code": "123456"}).status_code == 422
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    lines = log_lines(capsys.readouterr().err)
    assert any(line["message"] == "second factor failed" for line in lines)
    assert "/login" in client.get("/").headers["Location"]


def test_the_code_step_needs_a_right_password_first(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.post("/login/code", data={"code": "123456"}).status_code == 302


def test_enforcement_sends_approvers_and_admins_to_enrol_first(app, client, auth, users):
    app.config["MFA_REQUIRED_ROLES"] = "approver,admin"
    auth.login(users["admin"])
    response = client.get("/admin")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/second-factor/setup")
    htmx = client.get("/admin", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].endswith("/account/second-factor/setup")
    enrol(client)
    assert client.get("/admin").status_code == 200
    auth.logout()
    auth.login(users["requester"])  # not a role that needs it
    assert client.get("/requests/mine").status_code == 200


def test_regenerating_recovery_codes_replaces_the_old_ones(client, auth, enrolled):
    user, secret, codes = enrolled
    auth.login(user)
    client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    new_codes = CODE_SHOWN.findall(client.post("/account/second-factor/recovery-codes").get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    auth.logout()
    auth.login(user)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 422
    assert client.post("/login/code", data={"code": new_codes[0]}).status_code == 302


def test_a_user_can_turn_it_off(client, auth, users):
    auth.login(users["requester"])
    enrol(client)
    client.post("/account/second-factor/remove")
    assert db.session.scalar(select(SecondFactor)) is None
    assert db.session.scalar(select(RecoveryCode)) is None
    auth.logout()
    assert auth.login(users["requester"]).headers["Location"].endswith("/requests/mine")


def test_an_admin_resets_someone_elses_second_factor(client, auth, users, enrolled):
    user, _secret, _codes = enrolled
    other = factories.make_user(email="other@example.test")
    db.session.commit()
    auth.login(users["admin"])
    response = client.post(f"/admin/users/{user.id}/second-factor/reset")
    assert response.status_code == 303
    assert db.session.scalar(select(SecondFactor)) is None
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id,
                                                       UserSession.revoked_at.is_(None))) is None
    auth.logout()
    auth.login(users["pmo"])
    assert client.post(f"/admin/users/{other.id}/second-factor/reset").status_code == 403


def test_the_page_asked_for_before_sign_in_survives_the_code_step(client, enrolled):
    user, secret, _codes = enrolled
    response = client.post("/login?next=/initiatives", data={"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Location"].endswith("/login/code")
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"].endswith("/initiatives")
