"""Fixtures for this area's tests."""
import email_validator
import pytest


@pytest.fixture(autouse=True)
def reserved_test_domain_allowed(monkeypatch):
    """The shared fixtures' users live at example.test, a domain email_validator refuses
    unless told it runs under test, and the sign-in form validates addresses."""
    monkeypatch.setattr(email_validator, "TEST_ENVIRONMENT", True)


@pytest.fixture
def outsider(app):
    """A requester of another department: may not even learn the initiative exists."""
    from tests import factories
    from pmo_web.extensions import db

    user = factories.make_user(roles=("requester",), email="outsider@example.test")
    db.session.commit()
    return user
