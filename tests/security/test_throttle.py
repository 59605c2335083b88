"""Sign-in throttling: the 6th failure in a minute is refused, counted in the database.

The counts must hold across gunicorn workers, so the central test runs two app
instances (two engines, as two worker processes would have) on one SQLite file.
The per-address limit counts failures against real accounts only, per client address:
the socket's peer, or with TRUSTED_PROXIES the address the trusted proxies report.
"""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from pmo_web import create_app
from pmo_web.extensions import db
from pmo_web.models import LoginAttempt
from tests import factories

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WRONG = "not-the-password-at-all"
TOO_MANY = "Too many attempts: wait a minute and try again"


def build_app(database_url: str, **overrides):
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        **overrides,
    })


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def database_url(tmp_path):
    return os.environ.get("PMO_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'throttle.sqlite'}"


@pytest.fixture
def workers(database_url, clock):
    """Two app instances on one database, like two gunicorn workers; the schema and two
    accounts are made through the first."""
    first, second = build_app(database_url), build_app(database_url)
    with first.app_context():
        db.drop_all()
        db.create_all()
        for email in ("officer@example.test", "colleague@example.test"):
            factories.make_user(email=email)
        db.session.commit()
    yield first, second
    with first.app_context():
        db.drop_all()
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def site(workers):
    return workers[0]


@pytest.fixture
def behind_proxy(workers, database_url):
    """The same site behind one trusted reverse proxy (PMO_TRUSTED_PROXIES=1)."""
    app = build_app(database_url, TRUSTED_PROXIES=1)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def staff(site) -> list[str]:
    """Ten more real accounts: enough to fail fifty times at five failures each."""
    with site.app_context():
        emails = [factories.make_user(email=f"staff{n}@example.test").email for n in range(10)]
        db.session.commit()
    return emails


PROXY = "10.0.0.1"


def attempt(app, email: str, password: str = WRONG, ip: str = "127.0.0.1", forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return app.test_client().post("/login", data={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": ip}, headers=headers)


def fail(app, email: str, times: int, ip: str = "127.0.0.1", forwarded_for: str | None = None) -> None:
    for _ in range(times):
        assert attempt(app, email, ip=ip, forwarded_for=forwarded_for).status_code == 422


def spray(app, accounts: list[str], ip: str = "127.0.0.1", forwarded_for=lambda n: None) -> None:
    """Fifty wrong passwords from one address, five at each of ten real accounts."""
    for n in range(50):
        email = accounts[n // 5]
        assert attempt(app, email, ip=ip, forwarded_for=forwarded_for(n)).status_code == 422


def attempts(app, **where) -> list[LoginAttempt]:
    with app.app_context():
        return list(db.session.scalars(select(LoginAttempt).filter_by(**where).order_by(LoginAttempt.id)))


def test_the_sixth_attempt_in_a_minute_is_refused_even_with_the_right_password(site, clock):
    fail(site, "officer@example.test", 5)
    clock.shift(timedelta(seconds=50))
    browser = site.test_client()
    refused = browser.post("/login", data={"email": "officer@example.test", "password": factories.PASSWORD})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    page = refused.get_data(as_text=True)
    assert TOO_MANY in page and "govuk-error-summary" in page
    assert browser.get("/account/password").status_code == 302  # not signed in

    clock.shift(timedelta(seconds=61))  # a minute after the last refused try
    assert attempt(site, "officer@example.test", factories.PASSWORD).status_code == 302


def test_five_failures_are_allowed_and_the_right_password_then_works(site):
    fail(site, "officer@example.test", 4)
    assert attempt(site, "officer@example.test", factories.PASSWORD).status_code == 302


def test_failures_older_than_a_minute_do_not_count(site, clock):
    fail(site, "officer@example.test", 3)
    clock.shift(timedelta(seconds=61))
    fail(site, "officer@example.test", 4)
    assert attempt(site, "officer@example.test", factories.PASSWORD).status_code == 302


def test_the_account_is_the_email_whatever_its_case_or_spaces(site):
    for email in ("Officer@Example.TEST", " officer@example.test ", "OFFICER@EXAMPLE.TEST",
                  "officer@example.test", "officer@EXAMPLE.test"):
        assert attempt(site, email).status_code == 422
    assert attempt(site, "officer@example.test", factories.PASSWORD).status_code == 429
    assert {row.email for row in attempts(site)} == {"officer@example.test"}


def test_failures_on_one_worker_count_on_another(workers):
    first, second = workers
    fail(first, "officer@example.test", 3)
    fail(second, "officer@example.test", 2)
    assert attempt(first, "officer@example.test", factories.PASSWORD).status_code == 429
    assert attempt(second, "officer@example.test", factories.PASSWORD).status_code == 429
    assert len(attempts(second, email="officer@example.test")) == 7


def test_throttling_is_per_account_and_a_success_resets_nobody(site):
    fail(site, "officer@example.test", 5)
    assert attempt(site, "colleague@example.test", factories.PASSWORD).status_code == 302
    assert attempt(site, "officer@example.test", factories.PASSWORD).status_code == 429
    fail(site, "colleague@example.test", 1)  # the colleague's own count started from nothing


def test_unknown_accounts_are_throttled_like_real_ones(site):
    """Otherwise the 429 would tell a guesser which addresses have accounts."""
    fail(site, "nobody@example.test", 5)
    assert attempt(site, "nobody@example.test").status_code == 429


def test_one_address_spraying_real_accounts_is_stopped_at_fifty_failures(site, staff):
    spray(site, staff, ip="203.0.113.9")
    assert attempt(site, "officer@example.test", factories.PASSWORD, ip="203.0.113.9").status_code == 429
    # Another address is not affected, and neither is the account from there.
    assert attempt(site, "officer@example.test", factories.PASSWORD, ip="198.51.100.4").status_code == 302


def test_failures_for_made_up_addresses_lock_out_nobody(site):
    """All requests from the one address a reverse proxy gives them: guesses at accounts that
    do not exist must not lock the real users out."""
    for n in range(60):
        assert attempt(site, f"guess{n}@example.test", ip=PROXY).status_code == 422
    assert attempt(site, "officer@example.test", factories.PASSWORD, ip=PROXY).status_code == 302
    # Each made-up account is still throttled like a real one (the 429 names no account).
    fail(site, "guess0@example.test", 4, ip=PROXY)
    assert attempt(site, "guess0@example.test", ip=PROXY).status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(behind_proxy, staff):
    # Client A also writes an X-Forwarded-For of its own: the proxy appends A's real address,
    # and only that last entry, the one the trusted proxy wrote, is believed.
    spray(behind_proxy, staff, ip=PROXY, forwarded_for=lambda n: f"192.0.2.{n}, 203.0.113.9")
    refused_a = attempt(behind_proxy, "officer@example.test", factories.PASSWORD, ip=PROXY,
                        forwarded_for="203.0.113.9")
    assert refused_a.status_code == 429
    signed_in_b = attempt(behind_proxy, "officer@example.test", factories.PASSWORD, ip=PROXY,
                          forwarded_for="198.51.100.4")
    assert signed_in_b.status_code == 302
    assert {row.ip for row in attempts(behind_proxy)} == {"203.0.113.9", "198.51.100.4"}


def test_behind_a_trusted_proxy_the_account_limit_holds_whatever_the_client_address(behind_proxy):
    for n in range(5):
        fail(behind_proxy, "officer@example.test", 1, ip=PROXY, forwarded_for=f"203.0.113.{n}")
    assert attempt(behind_proxy, "officer@example.test", factories.PASSWORD, ip=PROXY,
                   forwarded_for="198.51.100.4").status_code == 429


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(site, staff):
    """A client cannot step around the address limit by writing a new X-Forwarded-For each time."""
    spray(site, staff, ip="203.0.113.9", forwarded_for=lambda n: f"198.51.100.{n}")
    refused = attempt(site, "officer@example.test", factories.PASSWORD, ip="203.0.113.9",
                      forwarded_for="198.51.100.200")
    assert refused.status_code == 429
    assert {row.ip for row in attempts(site)} == {"203.0.113.9"}


def test_each_attempt_is_recorded_with_its_outcome_and_address(site):
    fail(site, "officer@example.test", 1, ip="198.51.100.4")
    assert attempt(site, "officer@example.test", factories.PASSWORD, ip="198.51.100.4").status_code == 302
    rows = attempts(site)
    assert [(row.email, row.succeeded, row.ip) for row in rows] == [
        ("officer@example.test", False, "198.51.100.4"), ("officer@example.test", True, "198.51.100.4")]
    assert all(row.at == START for row in rows)


def test_old_attempts_are_pruned(site, clock):
    fail(site, "officer@example.test", 3)
    clock.shift(timedelta(hours=25))
    fail(site, "colleague@example.test", 1)
    assert [row.email for row in attempts(site)] == ["colleague@example.test"]


def test_an_invalid_form_is_not_an_attempt(site):
    """A form without a password checks no password, so it neither counts nor is refused."""
    for _ in range(8):
        response = site.test_client().post("/login", data={"email": "officer@example.test", "password": ""})
        assert response.status_code == 422
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_the_current_password_on_the_change_password_page_is_throttled_too(site):
    browser = site.test_client()
    assert browser.post("/login", data={"email": "officer@example.test",
                                        "password": factories.PASSWORD}).status_code == 302
    new = "a-brand-new-password"
    for _ in range(5):
        response = browser.post("/account/password", data={"current_password": WRONG, "new_password": new,
                                                            "new_password_confirm": new})
        assert response.status_code == 422
    refused = browser.post("/account/password", data={"current_password": factories.PASSWORD,
                                                      "new_password": new, "new_password_confirm": new})
    assert refused.status_code == 429
    assert TOO_MANY in refused.get_data(as_text=True)
    # The password was not changed, and the sign-in page is locked for the account as well.
    assert attempt(site, "officer@example.test", factories.PASSWORD).status_code == 429


def test_a_typo_in_the_new_password_is_not_a_failed_guess(site):
    browser = site.test_client()
    browser.post("/login", data={"email": "officer@example.test", "password": factories.PASSWORD})
    for _ in range(6):
        response = browser.post("/account/password", data={"current_password": factories.PASSWORD,
                                                            "new_password": "a-brand-new-password",
                                                            "new_password_confirm": "a-brand-new-pasword"})
        assert response.status_code == 422
    assert not [row for row in attempts(site) if not row.succeeded]


def test_no_password_reaches_the_log(site, capsys):
    fail(site, "officer@example.test", 5)
    attempt(site, "officer@example.test", factories.PASSWORD)
    err = capsys.readouterr().err
    assert "sign-in refused" in err  # the log was written, and read here
    assert WRONG not in err and factories.PASSWORD not in err
