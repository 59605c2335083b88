"""Fixtures for the admin area's tests."""
import pytest


@pytest.fixture
def admin(auth, users):
    """The signed-in administrator."""
    auth.login(users["admin"])
    return users["admin"]
