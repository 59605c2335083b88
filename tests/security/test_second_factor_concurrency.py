"""One second-factor code signs in one browser, even when several send it at the same moment.

Four browsers give the approver's right password, then all send the same code: the current
TOTP code, or one recovery code. Each code step runs as a request would, in its own thread
with its own test client, app context, session and transaction. On PostgreSQL the four are
released together by a barrier, and each waits a moment right after reading the second
factor (or the recovery code), so all four have read "not used yet" before any of them
writes: without an atomic claim every one of them would sign in. SQLite runs writing
transactions one at a time (and the in-memory test database is one connection), so there
the four browsers send the code one after the other. Either way exactly one signs in.
"""
from __future__ import annotations

import threading
import time

import pyotp
import pytest
from sqlalchemy import event, func, select

from pmo_web.auth import mfa
from pmo_web.extensions import db
from pmo_web.models import RecoveryCode, SecondFactor, UserSession
from tests import factories

BROWSERS = 4
# How long each request waits after reading what it is about to claim: long enough that,
# without an atomic claim, all four read "not used yet" before the first one commits.
WINDOW_SECONDS = 0.4


@pytest.fixture
def enrolled(app, users):
    """The approver with an authenticator app and ten recovery codes: (user id, secret, codes)."""
    user = users["approver"]
    secret = mfa.new_secret()
    db.session.add(SecondFactor(user_id=user.id, secret_encrypted=mfa.encrypt(secret), last_step=0))
    codes = mfa.new_recovery_codes(user)
    db.session.commit()
    return user.id, secret, codes


def browsers_past_the_password(app, email: str) -> list:
    """BROWSERS test clients, each having given the right password (so each owes a code)."""
    clients = []
    for _ in range(BROWSERS):
        client = app.test_client()
        with app.app_context():  # a context of its own, as a separate request would have
            response = client.post("/login", data={"email": email, "password": factories.PASSWORD})
        assert response.headers["Location"].endswith("/login/code")
        clients.append(client)
    return clients


def send_code(client, code: str, start: threading.Barrier | None, answers: list, errors: list) -> None:
    """One browser's code step, as one request."""
    try:
        if start is not None:
            start.wait(timeout=10)
        response = client.post("/login/code", data={"code": code})
        answers.append(response.status_code)
    except Exception as error:  # noqa: BLE001 (any failure in a thread is reported to the test)
        errors.append(error)


@pytest.fixture
def race_window(app):
    """On PostgreSQL, hold each code step open just after it reads the second factor or a
    recovery code; counts those reads, so the test can show the window was held."""
    reads = []
    if db.engine.dialect.name != "postgresql":
        yield reads
        return

    def hold(_conn, _cursor, statement, _parameters, _context, _executemany):
        if (threading.current_thread() is not threading.main_thread()
                and statement.lstrip().upper().startswith("SELECT")
                and ("FROM second_factors" in statement or "FROM recovery_codes" in statement)
                and "count(" not in statement):
            reads.append(statement)
            time.sleep(WINDOW_SECONDS)

    event.listen(db.engine, "after_cursor_execute", hold)
    yield reads
    event.remove(db.engine, "after_cursor_execute", hold)


@pytest.mark.parametrize("kind", ["totp", "recovery"])
def test_one_code_sent_by_several_browsers_at_once_signs_in_one(app, enrolled, race_window, kind):
    user_id, secret, codes = enrolled
    code = pyotp.TOTP(secret).now() if kind == "totp" else codes[0]
    clients = browsers_past_the_password(app, "approver@example.test")
    answers: list[int] = []
    errors: list = []
    if db.engine.dialect.name == "postgresql":
        start = threading.Barrier(BROWSERS)
        threads = [threading.Thread(target=send_code, args=(client, code, start, answers, errors))
                   for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(race_window) >= BROWSERS  # every browser's read was held open
    else:
        for client in clients:
            send_code(client, code, None, answers, errors)
    assert errors == []

    assert sorted(answers) == [302] + [422] * (BROWSERS - 1)
    db.session.expire_all()
    live = db.session.scalar(select(func.count(UserSession.id)).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)))
    assert live == 1
    if kind == "recovery":
        used = db.session.scalar(select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_not(None)))
        assert used == 1
