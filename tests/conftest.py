"""Shared fixtures: app, client, runner, auth helper, and a user per role.

Tests use SQLite in memory by default; set PMO_TEST_DATABASE_URL (e.g.
postgresql://postgres@127.0.0.1:5432/test) to run the same suite on PostgreSQL.
Tests build the schema with create_all for speed; migrations are checked separately.
"""
from __future__ import annotations

import os

import pytest
from pmo_web import create_app
from pmo_web.extensions import db
from tests import factories


@pytest.fixture
def app():
    url = os.environ.get("PMO_TEST_DATABASE_URL", "sqlite://")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign a test client in and out as a given user."""

    def __init__(self, client):
        self._client = client

    def login(self, user, password: str = factories.PASSWORD):
        return self._client.post("/login", data={"email": user.email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def department(app):
    return factories.make_department("Contact Management")


@pytest.fixture
def users(app, department):
    """One user per role, all in the same department, committed."""
    made = {role: factories.make_user(roles=(role,), email=f"{role}@example.test", department=department)
            for role in ("requester", "pmo", "approver", "viewer", "admin")}
    db.session.commit()
    return made
