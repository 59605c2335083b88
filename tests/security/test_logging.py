"""Structured logs: JSON lines with a request id; sign-ins, failures and 403s logged; no secret ever.

The app writes its log to stderr, so these tests read exactly what an operator would see.
"""
from __future__ import annotations

import json
import logging
import re

import pytest
from flask import g, request

from pmo_web import logs
from tests import factories

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BEARER = "Bearer s3cr3t-bearer-value-9f2c"
EVERY_LINE = ("time", "level", "logger", "message")
IN_A_REQUEST = ("request_id", "method", "path")


def log_lines(captured: str) -> list[dict]:
    """Every line of stderr, parsed as JSON (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


@pytest.fixture
def app(own_app):
    """These tests add routes to the app, which the shared app refuses once it has served."""
    return own_app


@pytest.fixture
def careless_route(app):
    """A view that logs the whole form, the headers and the raw body, as careless code might."""

    def careless():
        log = logging.getLogger("pmo_web.careless")
        log.info("form %s", request.form)
        log.info(request.headers)
        # Bare values with no key beside them: only the request's own secrets can catch these.
        log.info("cookie header %s; checking %s for %s", request.headers["Cookie"],
                 request.form["csrf_token"], request.form["password"])
        log.info("form as extra", extra={"form": request.form.to_dict(), "csrf_token": request.form["csrf_token"]})
        log.info({"password": request.form["password"], "note": "dict message"})
        return "logged"

    app.add_url_rule("/careless", "careless", careless, methods=["POST"])
    return "/careless"


def test_sign_in_failure_form_and_403_are_logged_as_json_without_secrets(app, client, users, careless_route,
                                                                         capsys):
    """Wrong then right password, a form with a CSRF token logged carelessly, a 403, sign-out."""
    app.config["WTF_CSRF_ENABLED"] = True
    requester = users["requester"]
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True)).group(1)

    wrong = client.post("/login", data={"email": "  Requester@Example.TEST ", "password": "not-the-password-77",
                                        "csrf_token": token})
    assert wrong.status_code == 422
    right = client.post("/login", data={"email": requester.email, "password": factories.PASSWORD,
                                        "csrf_token": token})
    assert right.status_code in (302, 303)
    session_cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    # Signing in starts a new session, and with it a new CSRF token. Flask-WTF caches the
    # token in g, which here (one app context for the whole test) outlives the request.
    g.pop("csrf_token", None)
    login_token, token = token, CSRF_FIELD.search(client.get("/requests/new").get_data(as_text=True)).group(1)
    assert token != login_token
    careless = client.post(careless_route, headers={"Authorization": BEARER, "X-CSRFToken": token},
                           data={"csrf_token": token, "password": factories.PASSWORD, "title": "A plain title"})
    assert careless.status_code == 200
    assert client.get("/triage").status_code == 403  # the board is for the PMO
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code in (302, 303)

    captured = capsys.readouterr().err
    for secret in (factories.PASSWORD, "not-the-password-77", session_cookie, login_token, token, BEARER,
                   BEARER.split()[1]):
        assert secret not in captured
    lines = log_lines(captured)
    for line in lines:
        assert all(line.get(field) for field in EVERY_LINE + IN_A_REQUEST), line
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])

    access = [line for line in lines if line["logger"] == "pmo_web.access"]
    assert [(line["method"], line["path"], line["status"]) for line in access] == [
        ("GET", "/login", 200), ("POST", "/login", 422), ("POST", "/login", 302),
        ("GET", "/requests/new", 200), ("POST", "/careless", 200), ("GET", "/triage", 403), ("POST", "/logout", 302)]
    assert all(isinstance(line["duration_ms"], float) for line in access)
    assert [line.get("user_id") for line in access] == [None, None, requester.id, requester.id,
                                                       requester.id, requester.id, None]

    def one(message: str) -> dict:
        matching = [line for line in lines if line["message"] == message
                    and line["logger"] in ("pmo_web.auth", "pmo_web.security")]
        assert len(matching) == 1, (message, lines)
        return matching[0]

    failed = one("sign-in failed")
    assert (failed["level"], failed["email"], failed["status"]) == ("WARNING", requester.email, 422)
    assert "user_id" not in failed
    assert (one("sign-in")["user_id"], one("sign-in")["email"]) == (requester.id, requester.email)
    denied = one("access denied")
    assert (denied["level"], denied["user_id"], denied["path"]) == ("WARNING", requester.id, "/triage")
    assert one("sign-out")["user_id"] == requester.id

    careless_lines = [line for line in lines if line["logger"] == "pmo_web.careless"]
    assert len(careless_lines) == 5
    assert "A plain title" in careless_lines[0]["message"]  # redaction keeps what is harmless
    assert "Werkzeug" in careless_lines[1]["message"]
    assert careless_lines[2]["message"].count(logs.REDACTED) >= 3  # redaction keeps what is harmless
    assert careless_lines[3]["form"]["title"] == "A plain title"
    assert careless_lines[3]["form"]["password"] == careless_lines[3]["csrf_token"] == logs.REDACTED


def test_one_request_id_per_request_echoed_and_on_every_line(client, capsys):
    """A sane incoming X-Request-ID is kept; the response echoes it; its log lines carry it."""
    response = client.get("/login", headers={"X-Request-ID": "lb-7f3a.42_x"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.42_x"
    lines = log_lines(capsys.readouterr().err)
    assert lines and {line["request_id"] for line in lines} == {"lb-7f3a.42_x"}

    first, second = client.get("/health"), client.get("/health")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-ID"])


@pytest.mark.parametrize("incoming", [
    "has space", 'quote"d', "new\nline", "x" * 65, "", "semi;colon", "{json}",
])
def test_an_insane_request_id_is_replaced(client, capsys, incoming):
    """Anything but a short plain token could forge log lines or headers: a fresh id is made."""
    response = client.get("/health", environ_base={"HTTP_X_REQUEST_ID": incoming})
    echoed = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)
    assert incoming not in capsys.readouterr().err or incoming == ""


def test_errors_reach_the_log_with_their_traceback_and_request_id(app, client, capsys):
    """An unhandled exception is logged as one JSON line with the traceback, not as raw text."""

    def broken():
        raise RuntimeError("the database went away")

    app.add_url_rule("/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, not as under TESTING
    response = client.get("/broken", headers={"X-Request-ID": "trace-me"})
    assert response.status_code == 500
    lines = log_lines(capsys.readouterr().err)
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert errors and all(line["request_id"] == "trace-me" for line in errors)
    assert any("RuntimeError: the database went away" in line.get("exception", "") for line in errors)


@pytest.mark.parametrize("text, kept", [
    ("password=hunter2&email=a@b.test", "email=a@b.test"),
    ('{"csrf_token": "abc123def", "title": "x"}', '"title": "x"'),
    ("Cookie: session=eyJhbGciOi.abc", "Cookie"),
    ("Authorization: Bearer abc.def.ghi", "Authorization"),
    ("new_password='swordfish'", "new_password"),
])
def test_secrets_in_free_text_are_masked(text, kept):
    """Outside a request there is no value to search for, so the key=value shape is masked."""
    masked = logs.mask_text(text)
    assert kept in masked and logs.REDACTED in masked
    for secret in ("hunter2", "abc123def", "eyJhbGciOi", "abc.def.ghi", "swordfish"):
        assert secret not in masked


def test_redact_handles_the_shapes_code_logs():
    """Mappings, werkzeug multidicts and header pairs lose their sensitive values, and only those."""
    from werkzeug.datastructures import Headers, MultiDict

    form = MultiDict([("password", "p1"), ("title", "t"), ("csrf_token", "c")])
    headers = Headers([("Cookie", "session=x"), ("Accept", "text/html"), ("Authorization", "Basic y")])
    assert logs.redact(form) == {"password": logs.REDACTED, "title": ["t"], "csrf_token": logs.REDACTED}
    assert logs.redact(headers) == {"Cookie": logs.REDACTED, "Accept": "text/html",
                                    "Authorization": logs.REDACTED}
    assert logs.redact([("Set-Cookie", "session=z"), ("Vary", "Cookie")]) == [
        ("Set-Cookie", logs.REDACTED), ("Vary", "Cookie")]
    assert logs.redact({"user": {"SESSION_ID": "s", "name": "n"}}) == {
        "user": {"SESSION_ID": logs.REDACTED, "name": "n"}}
