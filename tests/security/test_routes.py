"""Route coverage: every endpoint of app.url_map is either public or turns anonymous
visitors away, and every role is allowed or refused exactly as route_matrix declares.

The endpoints come from the URL map itself, so a route added later is checked the day it
is added; one that has no entry in the matrix fails test_matrix_covers_every_endpoint.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for

from pmo_web import create_app
from tests.security.conftest import sign_in
from tests.security.route_matrix import (
    MATRIX,
    PUBLIC,
    ROLES,
    login_redirect_problem,
    matrix_gaps,
    unprotected_endpoints,
)


def test_matrix_covers_every_endpoint(app):
    """The matrix names exactly the endpoints of the URL map: none missing, none stale."""
    missing, stale = matrix_gaps(app)
    assert not missing, f"endpoints with no entry in tests/security/route_matrix.py: {sorted(missing)}"
    assert not stale, f"matrix entries for endpoints that no longer exist: {sorted(stale)}"
    assert PUBLIC <= set(MATRIX), "public endpoints need a matrix entry too"


def test_anonymous_visitors_are_sent_to_sign_in(app, world):
    """Every endpoint outside the public list, every method, normal and htmx: sign in first."""
    assert unprotected_endpoints(app, values_for=world.values) == []


@pytest.mark.parametrize("path", ["/login", "/accessibility", "/health", "/static/css/app.css"])
def test_public_endpoints_answer_anonymous_visitors(client, path):
    """The short public list really is reachable without signing in."""
    with client.get(path) as response:  # closes the static file it streams
        assert response.status_code == 200


def test_htmx_sign_in_comes_back_to_the_page_not_the_fragment(client):
    """An htmx request's `next` is the page the browser shows (HX-Current-URL)."""
    response = client.post("/triage/1/move", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/triage?department=2"})
    assert response.status_code == 401
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/triage?department=2"]


def _leaky_app():
    """The real app plus a route someone forgot to protect."""
    app = create_app({"TESTING": True, "SECRET_KEY": "leak", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"})

    @app.route("/leak/<int:initiative_id>", methods=["GET", "POST"])
    def leak(initiative_id: int):
        return f"initiative {initiative_id} for anyone"

    return app


def test_the_checks_catch_an_unprotected_route():
    """Registering a route without login_required is caught twice: by the anonymous check
    (it answers 200) and by the matrix check (nobody has said who may use it)."""
    app = _leaky_app()
    problems = unprotected_endpoints(app)
    assert problems, "the anonymous check let an unprotected route through"
    assert {problem.split()[0] for problem in problems} == {"leak"}
    assert {problem.split()[1] for problem in problems} == {"GET", "HEAD", "POST"}
    missing, _stale = matrix_gaps(app)
    assert missing == {"leak"}


def test_the_redirect_check_needs_sign_in_and_a_way_back(app):
    """login_redirect_problem refuses a redirect elsewhere, or one that forgets the page."""
    class Response:
        def __init__(self, status, **headers):
            self.status_code, self.headers = status, headers

    assert login_redirect_problem(Response(302, Location="/login?next=%2Fa"), "/a", htmx=False) is None
    assert login_redirect_problem(Response(302, Location="/elsewhere?next=%2Fa"), "/a", htmx=False)
    assert login_redirect_problem(Response(302, Location="/login"), "/a", htmx=False)
    assert login_redirect_problem(Response(200), "/a", htmx=False)
    assert login_redirect_problem(Response(302, Location="/login?next=%2Fa"), "/a", htmx=True)
    assert login_redirect_problem(Response(401, **{"HX-Redirect": "/login?next=%2Fa"}), "/a", htmx=True) is None
    # The API: a Bearer challenge, never a redirect to the sign-in page.
    challenge = {"WWW-Authenticate": 'Bearer realm="PMO Web API"'}
    assert login_redirect_problem(Response(401, **challenge), "/api/v1/x", htmx=False) is None
    assert login_redirect_problem(Response(401, **challenge), "/api/v1/x", htmx=True) is None
    assert login_redirect_problem(Response(401), "/api/v1/x", htmx=False)
    assert login_redirect_problem(Response(302, Location="/login?next=%2Fapi%2Fv1%2Fx"), "/api/v1/x", htmx=False)
    assert login_redirect_problem(Response(200, **challenge), "/api/v1/x", htmx=False)


def _names_someone_elses_draft(world, rule, role: str) -> bool:
    """True when the URL names the world's draft, which only its author (the requester) sees."""
    return role != "requester" and world.values(rule).get("initiative_id") == world.initiatives["draft"].id


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, world, role):
    """Signed in with `role` alone, every endpoint is allowed (any answer but 403) or refused
    (403) exactly as the matrix declares, reached with real rows of the world."""
    client = app.test_client()
    sign_in(client, world.users[role])
    wrong = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        access = MATRIX[rule.endpoint]
        url = url_for(rule.endpoint, **world.values(rule))
        if access.method != "GET":
            # A POST may end the session (sign out): each gets a client of its own.
            client_for_post = app.test_client()
            sign_in(client_for_post, world.users[role])
            response = client_for_post.open(url, method=access.method)
        else:
            # The API takes the user's token and never the session (route_matrix_api.py).
            headers = world.api_headers(role) if rule.rule.startswith("/api/") else {}
            response = client.open(url, method=access.method, headers=headers)
        with response:  # static files stream until closed
            status, location = response.status_code, response.headers.get("Location", "")
        allowed = role in access.roles
        if status == 404 and not allowed and _names_someone_elses_draft(world, rule, role):
            status = 403  # a draft is its author's alone: to others it does not exist (test_drafts)
        if status >= 500 or status in (401, 404) or location.startswith("/login?next="):
            wrong.append(f"{rule.endpoint}: {status} {location} (the world's rows do not reach it)")
        elif allowed == (status == 403):
            wrong.append(f"{rule.endpoint}: {status}, but the matrix says {'allowed' if allowed else 'refused'}")
    assert wrong == [], f"as {role}:\n" + "\n".join(wrong)
