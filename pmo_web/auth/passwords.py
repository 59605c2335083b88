"""Checking a password typed at sign-in so that the time taken does not say whether the account exists.

A right password costs one hash (scrypt by default, ~0.1 s). Answering "no such account"
or "account disabled" without hashing would answer in a fraction of that, and the
difference tells anyone timing the sign-in form which addresses have accounts. So every
sign-in hashes once: against the account's own hash when it has a usable one (a disabled
account's too), otherwise against a dummy hash made with PASSWORD_HASH_METHOD, the method
new passwords are hashed with, so it costs what a real account's check costs.

A refused (throttled) attempt hashes nothing: it is refused before the account is looked up,
by counts that do not depend on the account existing, so it takes the same time for any
address.
"""
from __future__ import annotations

import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import User

# One dummy hash per method, made on first use (making it costs a hash too).
_dummy_hashes: dict[str, str] = {}


def hash_method() -> str:
    """The method new passwords are hashed with (User.set_password uses the same setting)."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


def _dummy_hash() -> str:
    method = hash_method()
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_urlsafe(24), method=method)
    return _dummy_hashes[method]


def _usable(password_hash: str | None) -> bool:
    """A hash werkzeug can check ("method$salt$hash"); anything else matches no password."""
    return bool(password_hash) and password_hash.count("$") >= 2


def signs_in(user: User | None, password: str) -> bool:
    """True when `user` exists, is active and `password` is theirs; one hash whatever the case."""
    if user is None or not _usable(user.password_hash):
        check_password_hash(_dummy_hash(), password)
        return False
    right = check_password_hash(user.password_hash, password)
    return right and user.active
