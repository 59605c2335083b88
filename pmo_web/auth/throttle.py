"""Sign-in throttling: too many wrong passwords in a minute and further tries are refused.

Per account (the email, ignoring case): once LOGIN_MAX_FAILURES_PER_ACCOUNT tries have
failed within LOGIN_THROTTLE_WINDOW_SECONDS, the next is refused (429) without the
password even being checked, so guessing gets no answer, right or wrong. Addresses with
no account are counted the same way, so the 429 says nothing about which accounts exist.

Per address, a far more generous LOGIN_MAX_FAILURES_PER_IP blunts one machine spraying
passwords across many accounts. It counts only failures against accounts that exist:
guesses at made-up addresses harm nobody, and counting them let anyone lock every user
out of password sign-in with 51 such guesses whenever all requests share one address
(behind a reverse proxy that is not trusted, see TRUSTED_PROXIES in pmo_web/security.py).
The price is a faint, slow existence oracle: someone who first fails 49 times against
real accounts from one address can learn from whether a 51st try is refused whether the
50th address has an account; one answer per address per minute, each locking real
accounts and logged. The responses themselves never differ (passwords.py evens out the
time too).

The counts live in the `login_attempts` table, not in process memory, so every gunicorn
worker (and every server) sees the same failures. An attempt is written and committed
*before* the password is checked, as a failure, and marked as succeeded only when the
password proves right: concurrent guesses on several workers therefore see each other.
A refused attempt counts too, so hammering a locked account keeps it locked. A success
resets nothing, neither the account's own failures nor anyone else's.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import LoginAttempt, User
from ..models.base import utcnow

log = logging.getLogger(__name__)


def normalise_email(email: str) -> str:
    """The account key: the address as stored on users (trimmed, lower case)."""
    return (email or "").strip().lower()[:254]


def begin_attempt(email: str, ip: str | None) -> LoginAttempt:
    """Record a try at `email`'s password as a failure, commit it, and prune old rows.

    Committed at once (and before anything else in the request is written) so that other
    workers count it while this one is still checking the password.
    """
    config = current_app.config
    now = utcnow()
    attempt = LoginAttempt(email=normalise_email(email), ip=(ip or None) and ip[:45], at=now,
                           succeeded=False)
    db.session.add(attempt)
    retention = timedelta(hours=float(config["LOGIN_ATTEMPT_RETENTION_HOURS"]))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - retention))
    db.session.commit()
    return attempt


def refused(attempt: LoginAttempt) -> bool:
    """True when the account, or the address against real accounts, already has too many
    failures in the window.

    Counts every other failure in the window, including attempts another worker is still
    checking: under a burst, refusing one too many is safer than one too few.
    """
    config = current_app.config
    since = attempt.at - timedelta(seconds=float(config["LOGIN_THROTTLE_WINDOW_SECONDS"]))
    failed = (LoginAttempt.id != attempt.id, LoginAttempt.at > since, LoginAttempt.succeeded.is_(False))
    by_account = (select(func.count()).select_from(LoginAttempt)
                  .where(LoginAttempt.email == attempt.email, *failed).scalar_subquery())
    of_an_account = select(User.id).where(User.email == LoginAttempt.email).exists()
    by_ip = (select(func.count()).select_from(LoginAttempt)
             .where(LoginAttempt.ip == attempt.ip, *failed, of_an_account).scalar_subquery())
    account_failures, ip_failures = db.session.execute(select(by_account, by_ip)).one()
    if account_failures >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        log.warning("sign-in refused: too many failures for the account", extra={"scope": "account"})
        return True
    if attempt.ip and ip_failures >= config["LOGIN_MAX_FAILURES_PER_IP"]:
        log.warning("sign-in refused: too many failures from the address",
                    extra={"scope": "ip", "ip": attempt.ip})
        return True
    return False


def succeeded(attempt: LoginAttempt) -> None:
    """The password was right: this attempt is no longer a failure (the caller commits)."""
    attempt.succeeded = True
