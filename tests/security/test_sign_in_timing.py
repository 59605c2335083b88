"""Sign-in costs the same for every account, real or not, so its timing names no account.

A password hash (scrypt in production) is what takes the time, so the rule is checked by
counting the hashes each sign-in computes, and with which method, instead of timing it:
exactly one, with the configured PASSWORD_HASH_METHOD, whether the account exists, is
disabled, or has no usable password; none at all when the attempt is refused by the
throttle, which happens before the account is looked up.
"""
from __future__ import annotations

import pytest
import werkzeug.security

from pmo_web.auth import oidc
from pmo_web.extensions import db
from tests import factories

WRONG = "not-the-password-at-all"


def counting_hashes(monkeypatch) -> list[str]:
    """The methods of the password hashes computed from now on, in order."""
    computed = []
    real = werkzeug.security._hash_internal

    def counting(method, salt, password):
        computed.append(method)
        return real(method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", counting)
    return computed


def an_active_account():
    return factories.make_user(email="officer@example.test")


def a_disabled_account():
    user = factories.make_user(email="officer@example.test")
    user.active = False
    return user


def an_account_made_at_sso_sign_in():
    return oidc._new_user("officer@example.test", "Officer")


def an_account_without_a_usable_password():
    user = factories.make_user(email="officer@example.test")
    user.password_hash = ""
    return user


def no_account():
    return None


@pytest.mark.parametrize(("account", "password", "status"), [
    (an_active_account, factories.PASSWORD, 302),
    (an_active_account, WRONG, 422),
    (a_disabled_account, factories.PASSWORD, 422),
    (a_disabled_account, WRONG, 422),
    (an_account_made_at_sso_sign_in, WRONG, 422),
    (an_account_without_a_usable_password, WRONG, 422),
    (no_account, WRONG, 422),
], ids=lambda value: getattr(value, "__name__", str(value)))
def test_every_sign_in_computes_one_hash_with_the_configured_method(app, client, monkeypatch, account, password,
                                                                   status):
    account()
    db.session.commit()
    # The dummy hash is made once, on first use, with a hash of its own: make it before counting.
    client.post("/login", data={"email": "warm-up@example.test", "password": WRONG})
    hashes = counting_hashes(monkeypatch)
    response = client.post("/login", data={"email": "officer@example.test", "password": password})
    assert response.status_code == status
    assert hashes == [app.config["PASSWORD_HASH_METHOD"]]


@pytest.mark.parametrize("account", [an_active_account, no_account], ids=lambda value: value.__name__)
def test_a_throttled_sign_in_computes_none_whether_or_not_the_account_exists(app, client, monkeypatch, account):
    account()
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert client.post("/login", data={"email": "officer@example.test", "password": WRONG}).status_code == 422
    computed = counting_hashes(monkeypatch)
    response = client.post("/login", data={"email": "officer@example.test", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert computed == []
