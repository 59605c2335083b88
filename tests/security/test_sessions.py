"""Server-side sessions: timeouts on a frozen clock, revocation, a new session on sign-in, cookie flags.

These tests build their own app and leave no app context pushed while the client makes
requests: the shared `app` fixture keeps one context for the whole test, so Flask's `g`
(where Flask-Login caches the signed-in user) would outlive a request and a replayed
cookie would never reach the session checks. Here every request starts from nothing, as
it does under gunicorn.
"""
from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from pmo_web import create_app
from pmo_web.auth.sessions import TOKEN_KEY, token_digest
from pmo_web.extensions import db
from pmo_web.models import User, UserSession
from tests import factories

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NEW_PASSWORD = "a-brand-new-password"
PROBE = "/account/password"  # a page every signed-in user may open, and nobody else


def build_app(tmp_path, **overrides):
    """The app on its own SQLite file (or PMO_TEST_DATABASE_URL), schema created, with no context left pushed."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": os.environ.get("PMO_TEST_DATABASE_URL")
        or f"sqlite:///{tmp_path / 'sessions.sqlite'}",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "MFA_REQUIRED_ROLES": "",  # admins here sign in with a password alone (tests/web/auth covers MFA)
        **overrides,
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def close(app) -> None:
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def clock():
    """Time stands still at START until a test moves it."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def built(tmp_path, clock):
    """built(**settings) -> an app; every app built is closed after the test."""
    apps = []

    def build(**overrides):
        apps.append(build_app(tmp_path, **overrides))
        return apps[-1]

    yield build
    for app in apps:
        close(app)


@pytest.fixture
def site(built):
    return built()


def add_user(app, roles=("requester",), email="officer@example.test") -> tuple[int, str]:
    with app.app_context():
        user = factories.make_user(roles=roles, email=email)
        db.session.commit()
        return user.id, user.email


@pytest.fixture
def officer(site):
    """(id, email) of an ordinary user."""
    return add_user(site)


def sign_in(app, email: str, password: str = factories.PASSWORD):
    """A new browser (test client) signed in as `email`."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.status_code
    return client


def cookie(client) -> str:
    return client.get_cookie("session").value


def browser_with(app, cookie_value: str):
    """A second browser holding a copy of someone's session cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie_value)
    return client


def signed_in(client) -> bool:
    """True when the client is signed in; otherwise it must be sent to the sign-in page."""
    response = client.get(PROBE)
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.location, response.status_code
    return False


def session_row(app, client) -> UserSession | None:
    with client.session_transaction() as session:
        token = session.get(TOKEN_KEY)
    with app.app_context():
        return token and db.session.scalar(select(UserSession).where(UserSession.token_hash == token_digest(token)))


# ------------------------------------------------------------------------- timeouts


@pytest.mark.parametrize(("idle", "still_signed_in"), [(29, True), (31, False)])
def test_idle_timeout_is_thirty_minutes(site, officer, clock, idle, still_signed_in):
    browser = sign_in(site, officer[1])
    clock.shift(timedelta(minutes=idle))
    assert signed_in(browser) is still_signed_in


def test_absolute_timeout_is_eight_hours_however_busy(site, officer, clock):
    browser = sign_in(site, officer[1])
    for _ in range(23):  # a request every 20 minutes up to 7h40
        clock.shift(timedelta(minutes=20))
        assert signed_in(browser)
    clock.move_to(START + timedelta(hours=7, minutes=59))
    assert signed_in(browser)
    clock.move_to(START + timedelta(hours=8, minutes=1))  # two minutes after the last request
    assert not signed_in(browser)


def test_timeouts_are_configurable(built, clock):
    app = built(SESSION_IDLE_MINUTES=5, SESSION_ABSOLUTE_HOURS=1)
    _, email = add_user(app)
    browser = sign_in(app, email)
    clock.shift(timedelta(minutes=4))
    assert signed_in(browser)
    clock.shift(timedelta(minutes=6))
    assert not signed_in(browser)

    browser = sign_in(app, email)
    for _ in range(14):  # busy every 4 minutes, but an hour is the limit
        clock.shift(timedelta(minutes=4))
        assert signed_in(browser)
    clock.shift(timedelta(minutes=3))  # 59 minutes
    assert signed_in(browser)
    clock.shift(timedelta(minutes=2))  # 61 minutes, 2 after the last request
    assert not signed_in(browser)


def test_activity_is_written_at_most_once_a_minute(site, officer, clock):
    browser = sign_in(site, officer[1])
    clock.shift(timedelta(seconds=30))
    assert signed_in(browser)
    assert session_row(site, browser).last_seen_at == START  # too soon to write again
    clock.shift(timedelta(seconds=40))
    assert signed_in(browser)
    assert session_row(site, browser).last_seen_at == START + timedelta(seconds=70)


def test_an_expired_session_is_forgotten_by_the_browser(site, officer, clock):
    browser = sign_in(site, officer[1])
    clock.shift(timedelta(minutes=31))
    assert not signed_in(browser)
    with browser.session_transaction() as session:
        assert TOKEN_KEY not in session and "_user_id" not in session


# ------------------------------------------------------------------------- revocation


def test_a_cookie_copied_before_sign_out_is_refused_after_it(site, officer):
    browser = sign_in(site, officer[1])
    copied = cookie(browser)
    assert signed_in(browser_with(site, copied))  # the copy works while the session lives

    assert browser.post("/logout").status_code == 302
    assert session_row(site, browser_with(site, copied)).revoked_at is not None
    assert not signed_in(browser_with(site, copied))
    assert not signed_in(browser)


def test_changing_your_password_ends_every_other_session_and_keeps_you_signed_in(site, officer):
    user_id, email = officer
    here, elsewhere = sign_in(site, email), sign_in(site, email)
    copied = cookie(here)

    response = here.post(PROBE, data={"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD,
                                      "new_password_confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert signed_in(here)
    assert cookie(here) != copied
    assert not signed_in(elsewhere)
    assert not signed_in(browser_with(site, copied))
    with site.app_context():
        assert db.session.get(User, user_id).check_password(NEW_PASSWORD)
        live = db.session.scalars(select(UserSession).where(UserSession.user_id == user_id,
                                                            UserSession.revoked_at.is_(None))).all()
    assert len(live) == 1
    sign_in(site, email, NEW_PASSWORD)


@pytest.mark.parametrize(("form", "error"), [
    ({"current_password": "not-my-password", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
     "Your current password is not correct"),
    ({"current_password": factories.PASSWORD, "new_password": "short", "new_password_confirm": "short"},
     "at least 10 characters"),
    ({"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": "different-one"},
     "The passwords do not match"),
    ({"current_password": factories.PASSWORD, "new_password": factories.PASSWORD,
      "new_password_confirm": factories.PASSWORD}, "different from your current one"),
])
def test_a_refused_password_change_changes_nothing(site, officer, form, error):
    user_id, email = officer
    here, elsewhere = sign_in(site, email), sign_in(site, email)
    response = here.post(PROBE, data=form)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert signed_in(here) and signed_in(elsewhere)
    with site.app_context():
        assert db.session.get(User, user_id).check_password(factories.PASSWORD)


def admin_edit(site, admin_browser, user_id: int, **changes):
    """Post the admin's edit-user form for `user_id` with `changes` over the saved values."""
    with site.app_context():
        user = db.session.get(User, user_id)
        data = {"name": user.name, "email": user.email, "department_id": str(user.department_id),
                "rank": user.rank, "roles": sorted(user.roles), "active": "y",
                "version": str(getattr(user, "version", ""))}
    data.update(changes)
    data = {key: value for key, value in data.items() if value != ""}
    return admin_browser.post(f"/admin/users/{user_id}/edit", data=data)


@pytest.mark.parametrize("change", [
    {"active": ""},
    {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
], ids=["account-disabled", "password-reset-by-admin"])
def test_an_admin_disabling_an_account_or_resetting_its_password_ends_its_sessions(site, officer, change):
    user_id, email = officer
    _, admin_email = add_user(site, roles=("admin",), email="admin@example.test")
    browser = sign_in(site, email)
    copied = cookie(browser)
    admin = sign_in(site, admin_email)

    assert admin_edit(site, admin, user_id, **change).status_code == 303
    assert not signed_in(browser)
    assert not signed_in(browser_with(site, copied))
    assert signed_in(admin)
    # Revoked for good: turning the account back on does not bring the old session back.
    assert admin_edit(site, admin, user_id, active="y").status_code == 303
    assert not signed_in(browser_with(site, copied))


def test_an_admin_renaming_a_user_leaves_them_signed_in(site, officer):
    user_id, email = officer
    _, admin_email = add_user(site, roles=("admin",), email="admin@example.test")
    browser = sign_in(site, email)
    admin = sign_in(site, admin_email)
    assert admin_edit(site, admin, user_id, name="Sgt Renamed").status_code == 303
    assert signed_in(browser)


def test_an_admin_resetting_their_own_password_stays_signed_in_on_a_fresh_session(site):
    admin_id, admin_email = add_user(site, roles=("admin",), email="admin@example.test")
    admin, other_device = sign_in(site, admin_email), sign_in(site, admin_email)
    copied = cookie(admin)
    assert admin_edit(site, admin, admin_id, new_password=NEW_PASSWORD,
                      new_password_confirm=NEW_PASSWORD).status_code == 303
    assert signed_in(admin)
    assert not signed_in(other_device)
    assert not signed_in(browser_with(site, copied))


def test_a_disabled_account_is_refused_even_before_its_sessions_are_revoked(site, officer):
    """Belt and braces: the loader itself checks the account is active."""
    user_id, email = officer
    browser = sign_in(site, email)
    with site.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert not signed_in(browser)


# ------------------------------------------------------------------------- sign-in


def test_signing_in_starts_a_new_session_and_the_old_one_is_worthless(site, officer):
    _, email = officer
    browser = site.test_client()
    with browser.session_transaction() as session:
        session["planted"] = "by someone else"  # as if a session id had been fixed on the victim
    before_sign_in = cookie(browser)
    assert browser.post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 302
    first = cookie(browser)
    assert first != before_sign_in
    with browser.session_transaction() as session:
        assert "planted" not in session
        first_token = session[TOKEN_KEY]

    # Signing in again, even over a live session, replaces it.
    assert browser.post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 302
    second = cookie(browser)
    with browser.session_transaction() as session:
        assert session[TOKEN_KEY] != first_token
    assert second != first
    assert not signed_in(browser_with(site, first))
    assert signed_in(browser_with(site, second))


def test_tokens_are_random_and_stored_only_as_hashes(site, officer):
    _, email = officer
    tokens = set()
    for _ in range(3):
        browser = sign_in(site, email)
        with browser.session_transaction() as session:
            tokens.add(session[TOKEN_KEY])
    assert len(tokens) == 3 and all(len(token) >= 43 for token in tokens)  # 32 random bytes
    with site.app_context():
        stored = set(db.session.scalars(select(UserSession.token_hash)))
    assert stored == {token_digest(token) for token in tokens}
    assert not stored & tokens


def test_a_session_without_a_server_side_token_is_refused(site, officer):
    """A cookie that names a user (as Flask-Login's alone would) but no live token signs nobody in."""
    user_id, _ = officer
    browser = site.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    assert not signed_in(browser)


def test_a_token_of_another_user_does_not_sign_in_as_this_one(site, officer):
    user_id, _ = officer
    _, other_email = add_user(site, email="other@example.test")
    browser = sign_in(site, other_email)
    with browser.session_transaction() as session:
        session["_user_id"] = str(user_id)  # keeps the other user's live token
    assert not signed_in(browser)


def test_the_header_links_to_change_your_password(site, officer):
    browser = sign_in(site, officer[1])
    page = browser.get(PROBE).get_data(as_text=True)
    assert 'href="/account/password"' in page and "Change your password" in page
    assert "<h1 class=\"govuk-heading-l\">Change your password</h1>" in page


# ------------------------------------------------------------------------- cookies


def set_cookie_header(response, name: str) -> str:
    return next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}="))


def test_the_session_cookie_is_httponly_and_samesite_lax(site, officer):
    response = site.test_client().post("/login", data={"email": officer[1], "password": factories.PASSWORD})
    header = set_cookie_header(response, "session")
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header  # development runs over plain http on loopback


def test_in_production_the_cookies_are_secure(tmp_path, monkeypatch, clock):
    monkeypatch.setenv("PMO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-key-of-decent-length-0123456789abcdef")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    app.config.update(PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    with app.app_context():
        db.create_all()
        factories.make_user(email="officer@example.test")
        db.session.commit()
    browser = app.test_client()
    # CSRF protection is on, as in production: take the form's token like a browser would.
    page = browser.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = browser.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                            data={"email": "officer@example.test", "password": factories.PASSWORD,
                                  "csrf_token": token})
    assert response.status_code == 302
    header = set_cookie_header(response, "session")
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    with app.app_context():
        db.engine.dispose()


def test_remember_me_is_never_offered(site, officer):
    response = site.test_client().post("/login", data={"email": officer[1], "password": factories.PASSWORD,
                                                       "remember": "y"})
    assert response.status_code == 302
    assert not any(value.startswith("remember_token=") for value in response.headers.getlist("Set-Cookie"))
