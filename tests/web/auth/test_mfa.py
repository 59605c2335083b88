"""The second factor: enrolment with a QR code, the code step after the password, recovery
codes, replay and throttling, enforcement for the roles that need it, resets, and "Confirm
it's you" before changing your own."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from pmo_web.auth import mfa
from pmo_web.extensions import db
from pmo_web.models import RecoveryCode, SecondFactor, UserSession
from tests import factories
from tests.security.test_logging import log_lines
from tests.web.auth.totp import SETUP_KEY

WRONG_PASSWORD = "not-the-password-at-all"
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
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/"  # My work
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
    assert urlsplit(auth.login(users["requester"]).headers["Location"]).path == "/"


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


# ------------------------------------------------------------------- confirm it's you

CONFIRM = "/account/confirm-it-is-you"


def sign_in_with_code(client, auth, user, secret) -> None:
    auth.login(user)
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302


def stored_second_factor(user_id: int) -> tuple:
    """What a change would alter: the secret and the recovery codes, as stored."""
    db.session.expire_all()
    factor = db.session.scalar(select(SecondFactor).where(SecondFactor.user_id == user_id))
    codes = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user_id)
                               .order_by(RecoveryCode.code_hash)).all()
    return (factor.secret_encrypted if factor else None), tuple(codes)


def later(minutes: float):
    """The clock `minutes` from now, still ticking (the session's idle limit is 30 minutes)."""
    return time_machine.travel(datetime.now(UTC) + timedelta(minutes=minutes), tick=True)


@dataclass(frozen=True)
class Change:
    """One change to your own second factor: how it is asked for, and how it shows it was made."""

    name: str
    method: str
    path: str
    done: object  # (response) -> bool


CHANGES = [
    Change("set up or replace", "GET", "/account/second-factor/setup",
           lambda response: (response.status_code == 200
                             and "Set up your second factor" in response.get_data(as_text=True))),
    Change("get new recovery codes", "POST", "/account/second-factor/recovery-codes",
           lambda response: len(CODE_SHOWN.findall(response.get_data(as_text=True))) == 10),
    Change("turn off", "POST", "/account/second-factor/remove",
           lambda response: response.status_code == 303 and db.session.scalar(select(SecondFactor)) is None),
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.name)
@pytest.mark.parametrize("minutes", [0, 4.5])
def test_a_sign_in_in_the_last_five_minutes_is_proof_enough(client, auth, enrolled, change, minutes):
    user, secret, _codes = enrolled
    sign_in_with_code(client, auth, user, secret)
    with later(minutes):
        assert change.done(client.open(change.path, method=change.method))


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.name)
def test_later_a_change_asks_for_the_password_and_a_code_first(client, auth, enrolled, change):
    user, secret, _codes = enrolled
    sign_in_with_code(client, auth, user, secret)
    before = stored_second_factor(user.id)
    with later(6):
        response = client.open(change.path, method=change.method)
        # The page offering the change (the same URL, asked with GET) is where it comes back to.
        assert response.status_code == (302 if change.method == "GET" else 303)
        assert response.headers["Location"] == f"{CONFIRM}?next={change.path}"
        assert stored_second_factor(user.id) == before
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Confirm it’s you" in page and 'name="password"' in page and 'name="code"' in page
        confirmed = client.post(response.headers["Location"],
                                data={"password": factories.PASSWORD, "code": pyotp.TOTP(secret).now()})
        assert confirmed.status_code == 303 and confirmed.headers["Location"] == change.path
        page = client.get(change.path)
        assert page.status_code == 200
        assert f'action="{change.path}"' in page.get_data(as_text=True) or change.method == "GET"
        assert change.done(client.open(change.path, method=change.method))


@pytest.mark.parametrize(("password", "code", "message"), [
    (WRONG_PASSWORD, "now", "Your password is not correct"),
    (factories.PASSWORD, "000000", "The code is not correct, or has already been used"),
    (factories.PASSWORD, "", "Enter the code from your authenticator app"),
])
def test_a_wrong_password_or_code_confirms_nothing(client, auth, enrolled, password, code, message):
    user, secret, _codes = enrolled
    sign_in_with_code(client, auth, user, secret)  # uses the current code
    with later(6):
        codes = {"now": pyotp.TOTP(secret).now()}
        response = client.post(f"{CONFIRM}?next=/account/second-factor/recovery-codes",
                               data={"password": password, "code": codes.get(code, code)})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "govuk-error-summary" in page and message in page
        assert client.post("/account/second-factor/recovery-codes").headers["Location"].startswith(CONFIRM)
        # A right code sent with a wrong password was not used up.
        confirmed = client.post(CONFIRM, data={"password": factories.PASSWORD, "code": codes["now"]})
        assert confirmed.status_code == 303


def test_a_code_confirms_once(client, auth, enrolled):
    user, secret, _codes = enrolled
    sign_in_with_code(client, auth, user, secret)
    with later(6):
        code = pyotp.TOTP(secret).now()
        assert client.post(CONFIRM, data={"password": factories.PASSWORD, "code": code}).status_code == 303
        replay = client.post(CONFIRM, data={"password": factories.PASSWORD, "code": code})
        assert replay.status_code == 422
        assert "The code is not correct, or has already been used" in replay.get_data(as_text=True)


def test_confirming_is_throttled_like_signing_in(app, client, auth, enrolled):
    user, secret, _codes = enrolled
    sign_in_with_code(client, auth, user, secret)
    with later(6):
        for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
            assert client.post(CONFIRM, data={"password": WRONG_PASSWORD, "code": "000000"}).status_code == 422
        refused = client.post(CONFIRM, data={"password": factories.PASSWORD, "code": pyotp.TOTP(secret).now()})
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
        assert "Too many attempts" in refused.get_data(as_text=True)
        assert client.post("/account/second-factor/remove").headers["Location"].startswith(CONFIRM)
        assert db.session.scalar(select(SecondFactor)) is not None
        # The same count guards the sign-in page.
        assert auth.login(user).status_code == 429


def test_an_account_without_a_second_factor_confirms_with_its_password(client, auth, users):
    auth.login(users["requester"])
    with later(6):
        asked = client.get("/account/second-factor/setup")
        page = client.get(asked.headers["Location"]).get_data(as_text=True)
        assert 'name="password"' in page and 'name="code"' not in page
        confirmed = client.post(asked.headers["Location"], data={"password": factories.PASSWORD})
        assert confirmed.headers["Location"] == "/account/second-factor/setup"
        assert client.get("/account/second-factor/setup").status_code == 200


def test_an_admin_turning_off_their_own_second_factor_confirms_first(client, auth, users):
    admin = users["admin"]
    auth.login(admin)
    secret, _codes = enrol(client)
    with later(6):
        reset = f"/admin/users/{admin.id}/second-factor/reset"
        response = client.post(reset)
        assert response.status_code == 303
        assert response.headers["Location"] == f"{CONFIRM}?next=/admin/users/{admin.id}/edit"
        assert db.session.scalar(select(SecondFactor)) is not None
        client.post(response.headers["Location"], data={"password": factories.PASSWORD,
                                                        "code": pyotp.TOTP(secret).now()})
        assert client.post(reset).status_code == 303
        assert db.session.scalar(select(SecondFactor)) is None


def test_changing_the_password_keeps_the_second_factor_this_browser_passed(app, client, auth, enrolled):
    """The new session after a password change is the same person's: an approver is not sent
    to set up a second factor they already have and just used."""
    user, secret, _codes = enrolled
    app.config["MFA_REQUIRED_ROLES"] = "approver,admin"
    sign_in_with_code(client, auth, user, secret)
    new = "a-brand-new-password"
    changed = client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                      "new_password": new, "new_password_confirm": new})
    assert changed.status_code == 303
    assert client.get("/gates/queue").status_code == 200
