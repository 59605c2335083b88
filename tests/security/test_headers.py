"""Security headers on every kind of response, the error pages, and the security marking.

Every response the app can give (a page, an htmx fragment, a redirect, each error status as
page and as fragment, a static file, /health) carries the same Content-Security-Policy and
friends; dynamic responses are never cached; errors are friendly GOV.UK pages with the
marking, and a 500 shows a reference, never a traceback.
"""
from __future__ import annotations

import logging

import pytest
from flask import abort
from werkzeug.exceptions import TooManyRequests

# Written out in full, not imported: a change to the policy must be a change to this test too.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
EXPECTED = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HX = {"HX-Request": "true"}
ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 413, 422, 429, 500)
SECRET_IN_EXCEPTION = "database password is hunter2"


def assert_security_headers(response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{name} on {response.status}"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    # Development and tests run over plain HTTP: HSTS there would lock browsers out of it.
    assert "Strict-Transport-Security" not in response.headers


def reference_in(page: str) -> str:
    """The error reference a 500 page shows the user."""
    return page.split('id="error-reference">', 1)[1].split("<", 1)[0]


@pytest.fixture
def app(own_app):
    """These tests add routes to the app, which the shared app refuses once it has served."""
    return own_app


@pytest.fixture
def failing_app(app):
    """The app with routes that fail in each way, and exceptions handled as in production."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_test/abort/<int:status>")
    def abort_with(status):
        if status == 429:
            raise TooManyRequests(retry_after=60)
        abort(status)

    @app.get("/_test/boom")
    def boom():
        raise RuntimeError(SECRET_IN_EXCEPTION)

    return app


@pytest.fixture
def failing_client(failing_app):
    return failing_app.test_client()


# ----------------------------------------------------------------------------- headers

def test_a_page_has_the_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_signed_in_page_is_never_cached(client, auth, users):
    auth.login(users["admin"])
    response = client.get("/admin/users")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert_security_headers(response)
    # OFFICIAL data must not sit in a proxy's or the browser's disk cache.
    assert response.headers["Cache-Control"] == "no-store"


def test_an_htmx_fragment_has_the_security_headers(client, auth, users):
    auth.login(users["admin"])
    response = client.get("/admin/users", headers=HX)
    assert response.status_code == 200
    assert b"<html" not in response.data  # a fragment, not the page
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_redirect_has_the_security_headers(client):
    response = client.get("/")
    assert response.status_code in (302, 303)
    assert_security_headers(response)


def test_a_static_file_has_the_security_headers_and_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert_security_headers(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_health_has_the_security_headers(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("status", ERROR_STATUSES)
def test_an_error_page_is_a_marked_gov_uk_page_with_the_headers(failing_client, status):
    response = failing_client.get(f"/_test/abort/{status}")
    assert response.status_code == status
    assert_security_headers(response)
    page = response.get_data(as_text=True)
    assert "govuk-template" in page and 'class="govuk-heading-l"' in page
    assert page.count('<div class="app-marking') == 2  # top and bottom
    assert "OFFICIAL" in page


@pytest.mark.parametrize("status", ERROR_STATUSES)
def test_an_error_for_htmx_is_a_small_fragment_with_the_headers(failing_client, status):
    response = failing_client.get(f"/_test/abort/{status}", headers=HX)
    assert response.status_code == status
    assert_security_headers(response)
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and 'id="app-error"' in fragment
    assert "HX-Request" in response.headers["Vary"]


def test_real_errors_from_the_app_have_the_headers(client, auth, users):
    """Not only errors raised by a test route: a missing page, a wrong method, a refusal."""
    assert_security_headers(client.get("/no-such-page"))
    wrong_method = client.get("/logout")
    assert wrong_method.status_code == 405
    assert_security_headers(wrong_method)
    assert "POST" in wrong_method.headers["Allow"]  # the handler keeps what 405 must say
    auth.login(users["requester"])
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403
    assert_security_headers(forbidden)
    assert "You do not have access to this page" in forbidden.get_data(as_text=True)


def test_a_missing_csrf_token_is_a_400_page_with_the_headers(app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = app.test_client().post("/login", data={"email": "a@example.test", "password": "x"})
    assert response.status_code == 400
    assert_security_headers(response)
    assert "Sorry, there is a problem with your request" in response.get_data(as_text=True)


def test_throttling_keeps_its_retry_after(failing_client):
    response = failing_client.get("/_test/abort/429")
    assert response.headers["Retry-After"] == "60"
    assert "Too many attempts" in response.get_data(as_text=True)


def test_a_reason_given_with_abort_is_shown_instead_of_the_default(failing_app):
    @failing_app.get("/_test/reason")
    def reason():
        abort(409, description="REF-1 was submitted a minute ago.")

    page = failing_app.test_client().get("/_test/reason").get_data(as_text=True)
    assert "REF-1 was submitted a minute ago." in page
    assert "Someone else changed this" not in page


# ----------------------------------------------------------------------------- the 500 page

def test_a_crash_shows_a_reference_and_logs_the_traceback_under_it(failing_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = failing_client.get("/_test/boom")
    assert response.status_code == 500
    assert_security_headers(response)
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "Traceback" not in page and SECRET_IN_EXCEPTION not in page and "RuntimeError" not in page
    reference = reference_in(page)
    assert len(reference) == 12 and int(reference, 16) >= 0

    logged = [record for record in caplog.records if reference in record.getMessage()]
    assert len(logged) == 1, "the reference the user reads out must find the traceback"
    assert logged[0].exc_info[0] is RuntimeError
    # Logged once, with its reference; not a second time by Flask without one.
    assert sum(record.exc_info is not None for record in caplog.records) == 1


def test_each_crash_gets_its_own_reference(failing_client):
    first, second = (failing_client.get("/_test/boom").get_data(as_text=True) for _ in range(2))
    assert reference_in(first) != reference_in(second)


def test_a_crash_during_htmx_gives_a_fragment_with_the_reference(failing_client):
    response = failing_client.get("/_test/boom", headers=HX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "<html" not in fragment and 'id="error-reference"' in fragment
    assert SECRET_IN_EXCEPTION not in fragment


def test_when_the_error_page_itself_fails_a_plain_marked_page_is_shown(failing_client, monkeypatch):
    """The usual cause of a 500 (the database is down) also breaks base.html's queries."""
    from pmo_web import errors

    def broken(*args, **kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(errors, "render", broken)
    response = failing_client.get("/_test/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert_security_headers(response)
    assert 'id="error-reference"' in page and "Sorry, there is a problem with the service" in page
    assert page.count('<div class="app-marking') == 2
    assert "database unavailable" not in page and SECRET_IN_EXCEPTION not in page


# ----------------------------------------------------------------------------- marking

def test_every_signed_in_page_is_marked_top_and_bottom(client, auth, users):
    auth.login(users["pmo"])
    page = client.get("/triage").get_data(as_text=True)
    body = page.split("<body", 1)[1]
    assert body.count('<div class="app-marking') == 2
    first, last = body.index('class="app-marking"'), body.rindex('app-marking--footer')
    assert first < body.index("<main") < body.index("</main>") < last


def test_the_marking_is_configurable(app, client):
    app.config["SECURITY_MARKING"] = "OFFICIAL-SENSITIVE"
    page = client.get("/login").get_data(as_text=True)
    assert page.count('aria-label="Security marking">OFFICIAL-SENSITIVE<') == 2


def test_an_error_page_carries_the_configured_marking(failing_app):
    failing_app.config["SECURITY_MARKING"] = "OFFICIAL-SENSITIVE"
    page = failing_app.test_client().get("/_test/abort/404").get_data(as_text=True)
    assert page.count('aria-label="Security marking">OFFICIAL-SENSITIVE<') == 2
