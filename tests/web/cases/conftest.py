"""Fixtures shared by this area's view tests."""
import email_validator
import pytest

from pmo_web.extensions import db
from tests import factories


@pytest.fixture(autouse=True)
def reserved_test_domain_allowed(monkeypatch):
    """The shared users live at example.test, which email_validator refuses outside its
    test mode, and the sign-in form validates addresses."""
    monkeypatch.setattr(email_validator, "TEST_ENVIRONMENT", True)


@pytest.fixture
def outsider(app):
    """A requester of another department: may not learn the initiative exists."""
    user = factories.make_user(roles=("requester",), email="outsider@example.test")
    db.session.commit()
    return user
