"""Users and roles: create, edit, filter; passwords only hashed; an admin cannot lock themselves out."""
import pytest
from flask import url_for
from sqlalchemy import event, func, select

from pmo_web.extensions import db
from pmo_web.models import User
from tests import factories

NEW_PASSWORD = "a-long-enough-password"


def new_user_form(department, **overrides):
    data = {
        "name": "Sgt Priya Shah",
        "email": "Priya.Shah@Northshire.Police.UK",
        "department_id": str(department.id),
        "rank": "sergeant",
        "roles": ["requester", "viewer"],
        "active": "y",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def edit_form(user, **overrides):
    """What the edit page posts back for `user` when nothing is changed."""
    data = {
        "name": user.name,
        "email": user.email,
        "department_id": str(user.department_id),
        "rank": user.rank,
        "roles": sorted(user.roles),
        "active": "y" if user.active else "",
        # The version the page was drawn from: the user's saved version now.
        "version": str(db.session.scalar(select(User.version).where(User.id == user.id))),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def user_count():
    return db.session.scalar(select(func.count(User.id)))


def test_create_user_with_roles_and_a_hashed_password(client, admin, department):
    response = client.post(url_for("admin.user_new"), data=new_user_form(department))
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("admin.users", _external=False)

    user = User.by_email("priya.shah@northshire.police.uk")
    assert user.email == "priya.shah@northshire.police.uk"  # stored lower-case
    assert user.name == "Sgt Priya Shah"
    assert user.department_id == department.id
    assert user.rank == "sergeant"
    assert user.roles == {"requester", "viewer"}
    assert user.active
    assert user.password_hash != NEW_PASSWORD
    assert NEW_PASSWORD not in user.password_hash
    assert user.check_password(NEW_PASSWORD)


def test_new_user_can_sign_in(client, admin, auth, department):
    client.post(url_for("admin.user_new"), data=new_user_form(department))
    auth.logout()
    response = client.post("/login", data={"email": "priya.shah@northshire.police.uk", "password": NEW_PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("overrides, message", [
    ({"name": ""}, "Enter the user&#39;s full name"),
    ({"email": "not-an-email"}, "Enter an email address in the correct format"),
    ({"email": "ADMIN@example.test"}, "Another user already has this email address"),
    ({"department_id": ""}, "Select the user&#39;s department"),
    ({"rank": "general"}, "Select a rank or grade from the list"),
    ({"department_id": "999"}, "Select a department from the list"),
    ({"roles": []}, "Select at least one role"),
    ({"roles": ["requester", "superuser"]}, "Select roles from the list (&#39;superuser&#39; is not a role)"),
    ({"password": "", "password_confirm": ""}, "Enter a password"),
    ({"password": "short", "password_confirm": "short"}, "at least 10 characters"),
    ({"password_confirm": "something-else-entirely"}, "The passwords do not match"),
])
def test_invalid_new_user_is_refused_and_nothing_saved(client, admin, department, overrides, message):
    before = user_count()
    response = client.post(url_for("admin.user_new"), data=new_user_form(department, **overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert message in page
    assert user_count() == before


def test_duplicate_email_ignores_case_and_spaces(client, admin, department, users):
    response = client.post(url_for("admin.user_new"),
                           data=new_user_form(department, email="  Requester@Example.TEST "))
    assert response.status_code == 422
    assert "Another user already has this email address" in response.get_data(as_text=True)


def test_password_minimum_follows_the_configuration(app, client, admin, department):
    app.config["PASSWORD_MIN_LENGTH"] = 30
    response = client.post(url_for("admin.user_new"), data=new_user_form(department))
    assert response.status_code == 422
    assert "at least 30 characters" in response.get_data(as_text=True)


def test_edit_changes_details_and_roles_and_keeps_the_password(client, admin, users):
    user = users["requester"]
    old_hash = user.password_hash
    response = client.post(url_for("admin.user_edit", user_id=user.id), data=edit_form(
        user, name="Insp Sam Cole", email="Sam.Cole@Example.test", rank="inspector", roles=["pmo", "approver"]))
    assert response.status_code == 303

    db.session.refresh(user)
    assert (user.name, user.email, user.rank) == ("Insp Sam Cole", "sam.cole@example.test", "inspector")
    assert user.roles == {"pmo", "approver"}
    assert user.password_hash == old_hash


def test_edit_keeps_own_email_without_calling_it_a_duplicate(client, admin, users):
    user = users["pmo"]
    response = client.post(url_for("admin.user_edit", user_id=user.id), data=edit_form(user, name="Renamed"))
    assert response.status_code == 303


def test_edit_refuses_another_users_email(client, admin, users):
    user = users["pmo"]
    response = client.post(url_for("admin.user_edit", user_id=user.id),
                           data=edit_form(user, email="approver@example.test"))
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.email == "pmo@example.test"


def test_edit_sets_a_new_password_when_given(client, admin, users):
    user = users["viewer"]
    response = client.post(url_for("admin.user_edit", user_id=user.id), data=edit_form(
        user, new_password=NEW_PASSWORD, new_password_confirm=NEW_PASSWORD))
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(factories.PASSWORD)


def test_edit_refuses_a_mismatched_new_password(client, admin, users):
    user = users["viewer"]
    old_hash = user.password_hash
    response = client.post(url_for("admin.user_edit", user_id=user.id), data=edit_form(
        user, name="Changed", new_password=NEW_PASSWORD, new_password_confirm="different-password"))
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.password_hash == old_hash
    assert user.name != "Changed"


def test_admin_can_deactivate_someone_else(client, admin, users):
    user = users["requester"]
    response = client.post(url_for("admin.user_edit", user_id=user.id), data=edit_form(user, active=""))
    assert response.status_code == 303
    db.session.refresh(user)
    assert not user.active


def test_admin_cannot_deactivate_themselves(client, admin):
    response = client.post(url_for("admin.user_edit", user_id=admin.id), data=edit_form(admin, active=""))
    assert response.status_code == 422
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active


def test_admin_cannot_remove_their_own_admin_role(client, admin):
    response = client.post(url_for("admin.user_edit", user_id=admin.id),
                           data=edit_form(admin, roles=["pmo"]))
    assert response.status_code == 422
    assert "You cannot remove your own administrator role" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.roles == {"admin"}


def test_admin_may_add_roles_to_themselves(client, admin):
    response = client.post(url_for("admin.user_edit", user_id=admin.id),
                           data=edit_form(admin, roles=["admin", "pmo"]))
    assert response.status_code == 303
    db.session.refresh(admin)
    assert admin.roles == {"admin", "pmo"}


def test_edit_ignores_fields_it_does_not_offer(client, admin, users):
    user = users["requester"]
    before = (user.id, user.password_hash, user.created_at)
    data = edit_form(user, name="Only this changes")
    data.update({"id": "999", "password_hash": "plain-text", "created_at": "2000-01-01",
                 "password": "sneaky-password-1", "role_rows": "admin"})
    response = client.post(url_for("admin.user_edit", user_id=user.id), data=data)
    assert response.status_code == 303

    db.session.expire_all()
    user = db.session.get(User, before[0])
    assert (user.id, user.password_hash, user.created_at) == before
    assert user.name == "Only this changes"
    assert user.roles == {"requester"}
    assert db.session.get(User, 999) is None


def test_edit_page_shows_the_users_current_values(client, admin, users):
    page = client.get(url_for("admin.user_edit", user_id=users["approver"].id)).get_data(as_text=True)
    assert 'value="approver@example.test"' in page
    assert 'value="approver" checked' in page
    assert 'value="requester" checked' not in page


# -------------------------------------------------------------------------- list


def test_list_shows_each_user_with_labels(client, admin, users):
    page = client.get(url_for("admin.users")).get_data(as_text=True)
    for user in users.values():
        assert user.email in page
    assert "Sergeant / staff grade SO1-SO2" in page
    assert "Administrator" in page
    assert "5 users" in page


@pytest.mark.parametrize("role", ["requester", "pmo", "approver", "viewer", "admin"])
def test_list_filters_by_role(client, admin, users, role):
    page = client.get(url_for("admin.users", role=role)).get_data(as_text=True)
    assert users[role].email in page
    assert all(other.email not in page for name, other in users.items() if name != role)


def test_list_filters_by_department(client, admin, users):
    elsewhere = factories.make_user(email="custody@example.test", department=factories.make_department("Custody"))
    db.session.commit()
    page = client.get(url_for("admin.users", department=elsewhere.department_id)).get_data(as_text=True)
    assert "custody@example.test" in page
    assert "requester@example.test" not in page
    assert "1 user matches the filter" in page


def test_list_ignores_a_nonsense_filter(client, admin, users):
    response = client.get(url_for("admin.users", role="superuser", department="abc"))
    assert response.status_code == 200
    assert "5 users" in response.get_data(as_text=True)


def test_filter_over_htmx_returns_only_the_table(client, admin, users):
    response = client.get(url_for("admin.users", role="pmo"), headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="users-table">')
    assert "pmo@example.test" in page
    assert "HX-Request" in response.headers["Vary"]


def count_queries(client, url):
    """Statements one page load runs, starting from a cold session as a real request does."""
    db.session.expire_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (cursor_execute's statement)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_list_loads_in_a_fixed_number_of_queries(client, admin, users, department):
    few = count_queries(client, url_for("admin.users"))
    for _ in range(12):
        factories.make_user(roles=("requester", "viewer"), department=factories.make_department())
    db.session.commit()
    assert count_queries(client, url_for("admin.users")) == few


def test_edit_keeps_an_existing_reserved_domain_address(client, admin, department):
    """The demo accounts live at demo.local, which the format check refuses for new
    addresses; editing such a user without changing the address must still work."""
    demo = factories.make_user(roles=("viewer",), email="viewer@demo.local", department=department)
    db.session.commit()
    response = client.post(url_for("admin.user_edit", user_id=demo.id), data=edit_form(demo, name="Insp Demo"))
    assert response.status_code == 303
    assert db.session.get(User, demo.id).name == "Insp Demo"
    changed = client.post(url_for("admin.user_edit", user_id=demo.id),
                          data=edit_form(demo, email="someone@not an address"))
    assert changed.status_code == 422
    assert db.session.get(User, demo.id).email == "viewer@demo.local"
