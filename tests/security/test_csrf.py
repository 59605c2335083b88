"""CSRF: every mutating method of every endpoint refuses a request without the token (400)
and accepts one carrying it in the X-CSRFToken header, as htmx sends it from the
`hx-headers` that base.html puts on <body>.

Runs on an app with CSRF protection switched on (the shared `app` fixture turns it off so
that other tests can post forms directly). The endpoints come from app.url_map.
"""
from __future__ import annotations

from flask import url_for

from pmo_web.extensions import db
from pmo_web.models import Department
from tests.security.conftest import World, changed_tables, database_snapshot, page_csrf_token, sign_in
from tests.security.route_matrix import MATRIX, MUTATING, PUBLIC, methods_of

# Who posts to each endpoint: the first role the matrix allows there, in this order.
PREFERRED_ROLES = ("pmo", "admin", "approver", "requester", "viewer")


def _poster(endpoint: str) -> str | None:
    """The role that posts to `endpoint` (None: anonymous, for the public sign-in form)."""
    if endpoint in PUBLIC:
        return None
    return next(role for role in PREFERRED_ROLES if role in MATRIX[endpoint].roles)


def _client_with_token(app, world: World, role: str | None):
    """A client signed in as `role` (or anonymous), and the token its pages give htmx."""
    client = app.test_client()
    if role is not None:
        sign_in(client, world.users[role])
    page = client.get("/", follow_redirects=True) if role else client.get("/login")
    assert page.status_code == 200
    return client, page_csrf_token(page.get_data(as_text=True))


def test_every_mutating_method_needs_the_csrf_token(csrf_app):
    """No token or a wrong token: 400 and nothing written. The page's token in X-CSRFToken:
    accepted (whatever the view then says about the empty form, it is not a 400)."""
    world = World()
    problems = []
    checked = set()
    for rule in sorted(csrf_app.url_map.iter_rules(), key=lambda r: r.endpoint):
        for method in (m for m in methods_of(rule) if m in MUTATING):
            role = _poster(rule.endpoint)
            # A fresh session for each: a sign-out or password change ends the one before.
            client, token = _client_with_token(csrf_app, world, role)
            url = url_for(rule.endpoint, **world.values(rule))
            before = database_snapshot()
            for label, headers in (("no token", {}), ("a wrong token", {"X-CSRFToken": "forged"})):
                response = client.open(url, method=method, headers=headers)
                if response.status_code != 400:
                    problems.append(f"{rule.endpoint} {method} with {label}: {response.status_code}")
            if changes := changed_tables(before, database_snapshot()):
                problems.append(f"{rule.endpoint} {method} without a valid token changed {changes}")
            response = client.open(url, method=method, headers={"X-CSRFToken": token})
            if response.status_code == 400 or response.status_code >= 500:
                problems.append(f"{rule.endpoint} {method} with the page's token: {response.status_code}")
            checked.add(rule.endpoint)
    assert {"auth.login", "triage.move", "gates.decide", "admin.user_edit"} <= checked
    assert problems == []


def test_the_form_field_token_is_accepted_too(csrf_app):
    """Forms without JavaScript send the token as the csrf_token field: sign-in works with it."""
    world = World()
    client = csrf_app.test_client()
    sign_in(client, world.users["viewer"])  # fails unless the form's token is accepted
    assert client.get("/requests/department").status_code == 200


def test_a_token_from_another_session_is_refused(csrf_app):
    """A token is bound to its session: one lifted from someone else's page does not work."""
    world = World()
    _victim, stolen = _client_with_token(csrf_app, world, "pmo")
    attacker, _own = _client_with_token(csrf_app, world, "admin")
    response = attacker.post(url_for("admin.departments"), data={"name": "Forged"},
                             headers={"X-CSRFToken": stolen})
    assert response.status_code == 400
    assert db.session.query(Department).filter_by(name="Forged").count() == 0


def test_every_full_page_gives_htmx_the_token(app, world):
    """base.html puts the token in <body hx-headers> on every page, so every htmx request
    from any page carries it: each full page the PMO can open has it."""
    client = app.test_client()
    sign_in(client, world.users["pmo"])
    pages = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods:
            continue
        with client.get(url_for(rule.endpoint, **world.values(rule))) as response:
            page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        if "<body" in page:
            page_csrf_token(page)
            pages += 1
    assert pages >= 20
