"""Structured logs: one JSON object a line on stderr, with a request id, and never a secret.

Every line carries time (ISO 8601, UTC), level, logger and message; lines written while
a request is handled add request_id, method and path, and the user_id once someone is
signed in. Each request ends with one access line (status, duration_ms). Sign-in, failed
sign-in, sign-out and every 403 get a line of their own, so an investigator can follow
one person or one request id across several gunicorn workers.

Secrets are kept out in three layers, so a careless `log.info(request.form)` or
`log.info(request.headers)` elsewhere cannot leak them:
1. mappings and pairs in a record (its args, its message, its extra fields) lose the
   value of every key that looks sensitive (password, token, csrf, cookie, session ...);
2. `key=value` and `"key": "value"` shapes in the finished text are masked the same way;
3. the actual secret values of the current request (its password field, cookies, CSRF
   token, Authorization header) are cut out of the finished line wherever they appear.
Paths are logged without their query string, which may carry tokens.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from flask import g, has_request_context, request
from flask_login import user_logged_in, user_logged_out

ROOT_LOGGER = "pmo_web"
REDACTED = "[redacted]"
SENSITIVE_KEY = re.compile(r"password|passwd|secret|token|csrf|cookie|authorization|session", re.IGNORECASE)
# `password=hunter2`, `"csrf_token": "abc"`, `Cookie: session=...` in free text.
SENSITIVE_TEXT = re.compile(
    r"(?P<key>[\w-]*(?:password|passwd|secret|token|csrf|cookie|authorization|session)[\w-]*)"
    # "CSRFError: 400 Bad Request" in a traceback names an exception, not a secret.
    r"(?<!error)(?<!exception)(?<!warning)"
    r"(?P<sep>['\"]?\s*[:=]\s*(?:b?['\"])?)"
    r"(?P<value>\[redacted\]|(?:(?:bearer|basic|digest|token)\s+)?[^'\"&\s,;})\]]+)",
    re.IGNORECASE,
)
# An incoming X-Request-ID is kept only if it is a plain token (no spaces, quotes or
# newlines that could forge log lines or headers); otherwise a fresh id is made.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Secret values shorter than this are not searched for: cutting "1" out of every line
# would mangle the log and protect nothing.
MIN_SECRET_LENGTH = 4

# LogRecord attributes that are not "extra" fields given by the caller.
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Fields written in this order; anything else a caller adds follows them.
_FIELD_ORDER = ("time", "level", "logger", "message", "request_id", "method", "path", "status",
                "duration_ms", "user_id")

access_log = logging.getLogger(f"{ROOT_LOGGER}.access")
auth_log = logging.getLogger(f"{ROOT_LOGGER}.auth")
security_log = logging.getLogger(f"{ROOT_LOGGER}.security")


def redact(value, _depth: int = 0):
    """A copy of `value` with the value of every sensitive-looking key replaced."""
    if _depth > 5:
        return value
    if isinstance(value, (str, bytes, int, float, bool, type(None))):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and hasattr(value, "getlist"):  # a werkzeug MultiDict (request.form)
        value = to_dict(flat=False)
    if isinstance(value, Mapping) or hasattr(value, "items") and hasattr(value, "keys"):
        return {str(key): REDACTED if SENSITIVE_KEY.search(str(key)) else redact(item, _depth + 1)
                for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        if len(items) == 2 and isinstance(items[0], str) and SENSITIVE_KEY.search(items[0]):
            return (items[0], REDACTED)
        redacted = [redact(item, _depth + 1) for item in items]
        return tuple(redacted) if isinstance(value, tuple) else redacted
    return value


def mask_text(text: str) -> str:
    """Mask `key=value` shapes whose key looks sensitive, and the current request's secrets."""
    text = SENSITIVE_TEXT.sub(lambda m: f"{m['key']}{m['sep']}{REDACTED}", text)
    for secret in _request_secrets():
        # As written, and as JSON escapes it (a quote or backslash in a password).
        text = text.replace(secret, REDACTED).replace(json.dumps(secret, ensure_ascii=False)[1:-1], REDACTED)
    return text


def _request_secrets() -> list[str]:
    """The secret values the current request carries, longest first."""
    if not has_request_context():
        return []
    found = set()
    try:
        found.update(value for key, value in request.headers.items() if SENSITIVE_KEY.search(key))
        found.update(request.cookies.values())
        for key, values in request.form.to_dict(flat=False).items():
            if SENSITIVE_KEY.search(key):
                found.update(values)
        for key, values in request.args.to_dict(flat=False).items():
            if SENSITIVE_KEY.search(key):
                found.update(values)
    except Exception:  # noqa: BLE001, S110 - a malformed body must not stop a log line being written
        pass
    # The Cookie header holds each cookie's value too; cut them out one by one as well.
    return sorted((s for s in found if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH),
                  key=len, reverse=True)


class RedactingFilter(logging.Filter):
    """Removes secrets from a record's arguments, message and extra fields before formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            record.args = redact(record.args)
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        if not isinstance(record.msg, str):
            record.msg = redact(record.msg)
        for key in set(vars(record)) - _STANDARD_ATTRS:
            value = getattr(record, key)
            setattr(record, key, REDACTED if SENSITIVE_KEY.search(key) else redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line, with the request's id, method, path and user where there is one."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "time": datetime.fromtimestamp(record.created, UTC)
                            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            fields.update(request_id=request_id(), method=request.method, path=request.path)
            user_id = signed_in_user_id()
            if user_id is not None:
                fields["user_id"] = user_id
        for key in sorted(set(vars(record)) - _STANDARD_ATTRS):
            fields.setdefault(key, getattr(record, key))
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        ordered = {key: fields[key] for key in _FIELD_ORDER if key in fields}
        ordered.update((key, value) for key, value in fields.items() if key not in ordered)
        # The last word: whatever went in, the finished line is scrubbed as text.
        return mask_text(json.dumps(ordered, default=str, ensure_ascii=False))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (so test capture and reopened streams work)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def request_id() -> str:
    """This request's id: a sane incoming X-Request-ID, else a new random one (kept in g)."""
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    return g.request_id


def signed_in_user_id() -> int | None:
    """The signed-in user's id if this request has loaded one (no extra database query)."""
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id
    return None


def configure(app) -> None:
    """Send the app's logs to stderr as JSON lines and log every request, sign-in and 403."""
    root = logging.getLogger(ROOT_LOGGER)
    # create_app may run many times in one process (tests): keep exactly one handler.
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # Our lines are complete on their own; a root handler (if a host adds one) would repeat them.
    root.propagate = False

    # First in line, so even a request refused by another before_request (CSRF) is timed.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)


def _start() -> None:
    # Set afresh: g outlives one request where an app context is already pushed (tests).
    g.pop("request_id", None)
    g.request_started = time.perf_counter()
    request_id()


def _finish(response):
    """Echo the request id, log the access line, and the failed sign-ins and refusals."""
    response.headers["X-Request-ID"] = request_id()
    status = response.status_code
    if request.endpoint == "auth.login" and request.method == "POST" and not 300 <= status < 400:
        auth_log.warning("sign-in failed", extra={"email": _submitted_email(), "status": status})
    if status == 403:
        security_log.warning("access denied", extra={"status": status})
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    access_log.info("%s %s %s", request.method, request.path, status,
                    extra={"status": status, "duration_ms": duration_ms})
    return response


def _submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def _signed_in(_sender, user, **_extra) -> None:
    auth_log.info("sign-in", extra={"email": (user.email or "").lower()})


def _signed_out(_sender, user, **_extra) -> None:
    # logout_user has already forgotten the user by now, so name them explicitly.
    auth_log.info("sign-out", extra={"user_id": getattr(user, "id", None)})


# Flask-Login announces every sign-in and sign-out, wherever in the app they happen.
user_logged_in.connect(_signed_in)
user_logged_out.connect(_signed_out)
