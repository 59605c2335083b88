"""Only administrators reach the admin area (docs/rules.md 2); everyone else is refused."""
import pytest
from flask import url_for

from tests import factories

# Each admin endpoint, with the ids its URL needs (made per test by `targets`).
ENDPOINTS = [
    ("admin.index", None),
    ("admin.users", None),
    ("admin.user_new", None),
    ("admin.user_edit", "user_id"),
    ("admin.departments", None),
    ("admin.department_edit", "department_id"),
    ("admin.programmes", None),
    ("admin.programme_edit", "programme_id"),
    ("admin.priorities", None),
    ("admin.priority_edit", "priority_id"),
    ("admin.weights", None),
    ("admin.gates", None),
]
POST_ENDPOINTS = [(endpoint, arg) for endpoint, arg in ENDPOINTS
                  if endpoint not in ("admin.index", "admin.users")]
NOT_ADMIN = ["requester", "pmo", "approver", "viewer"]


@pytest.fixture
def targets(users, department):
    return {
        "user_id": users["requester"].id,
        "department_id": department.id,
        "programme_id": factories.make_programme("Estates 2030").id,
        "priority_id": factories.make_priority("Leveraging technology").id,
    }


def url(endpoint, arg, targets):
    return url_for(endpoint, **({arg: targets[arg]} if arg else {}))


@pytest.mark.parametrize("endpoint, arg", ENDPOINTS)
def test_admin_opens_every_screen(client, admin, targets, endpoint, arg):
    response = client.get(url(endpoint, arg, targets))
    assert response.status_code == 200
    assert b"<html" in response.data


@pytest.mark.parametrize("role", NOT_ADMIN)
@pytest.mark.parametrize("endpoint, arg", ENDPOINTS)
def test_other_roles_are_refused(client, auth, users, targets, role, endpoint, arg):
    auth.login(users[role])
    assert client.get(url(endpoint, arg, targets)).status_code == 403


@pytest.mark.parametrize("role", NOT_ADMIN)
@pytest.mark.parametrize("endpoint, arg", POST_ENDPOINTS)
def test_other_roles_cannot_post(client, auth, users, targets, role, endpoint, arg):
    auth.login(users[role])
    assert client.post(url(endpoint, arg, targets), data={"name": "Anything"}).status_code == 403


@pytest.mark.parametrize("endpoint, arg", ENDPOINTS)
def test_anonymous_is_sent_to_sign_in(client, targets, endpoint, arg):
    response = client.get(url(endpoint, arg, targets))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("endpoint, arg", [
    ("admin.user_edit", "user_id"), ("admin.department_edit", "department_id"),
    ("admin.programme_edit", "programme_id"), ("admin.priority_edit", "priority_id"),
])
def test_unknown_rows_are_not_found(client, admin, endpoint, arg):
    assert client.get(url_for(endpoint, **{arg: 9999})).status_code == 404


def test_admin_home_links_every_screen_with_counts(client, admin, targets):
    page = client.get(url_for("admin.index")).get_data(as_text=True)
    for endpoint, arg in ENDPOINTS:
        if arg is None and endpoint not in ("admin.index", "admin.user_new"):
            assert f'href="{url_for(endpoint, _external=False)}"' in page
    # Five users from the fixture, all active; one programme.
    assert "5 active of 5 users" in page
    assert "1 programme" in page


def test_admin_area_is_in_the_menu(client, admin):
    page = client.get(url_for("admin.users")).get_data(as_text=True)
    assert f'href="{url_for("admin.index", _external=False)}"' in page
