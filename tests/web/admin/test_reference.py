"""Departments, programmes and strategic priorities: add, rename, order, retire."""
import pytest
from flask import url_for
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import Department, Programme, StrategicPriority
from tests import factories


def count(model):
    return db.session.scalar(select(func.count(model.id)))


def version_of(row) -> str:
    """The row's saved version, which the edit page carries in its hidden field."""
    model = type(row)
    return str(db.session.scalar(select(model.version).where(model.id == row.id)))


# ------------------------------------------------------------------------ departments


def test_add_department(client, admin):
    response = client.post(url_for("admin.departments"), data={"name": "  Digital Forensics  "})
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("admin.departments", _external=False)
    department = db.session.scalar(select(Department).where(Department.name == "Digital Forensics"))
    assert department.active


@pytest.mark.parametrize("name, message", [
    ("", "Enter the department&#39;s name"),
    ("contact management", "A department with this name already exists"),
])
def test_invalid_department_is_refused(client, admin, department, name, message):
    before = count(Department)
    response = client.post(url_for("admin.departments"), data={"name": name})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(Department) == before


def test_department_list_counts_users(client, admin, users, department):
    factories.make_department("Estates")
    db.session.commit()
    page = client.get(url_for("admin.departments")).get_data(as_text=True)
    assert "Contact Management" in page and "Estates" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">5</td>' in page


def test_rename_and_retire_department(client, admin, department):
    response = client.post(url_for("admin.department_edit", department_id=department.id),
                           data={"version": version_of(department), "name": "Contact and Control"})
    assert response.status_code == 303
    db.session.refresh(department)
    assert department.name == "Contact and Control"
    assert not department.active


def test_rename_department_to_an_existing_name_is_refused(client, admin, department):
    factories.make_department("Estates")
    db.session.commit()
    response = client.post(url_for("admin.department_edit", department_id=department.id),
                           data={"version": version_of(department), "name": "ESTATES", "active": "y"})
    assert response.status_code == 422
    db.session.refresh(department)
    assert department.name == "Contact Management"


def test_department_keeps_its_own_name(client, admin, department):
    response = client.post(url_for("admin.department_edit", department_id=department.id),
                           data={"version": version_of(department), "name": "Contact Management", "active": "y"})
    assert response.status_code == 303


def test_retired_department_is_still_offered_to_its_members_only(client, admin, users, department):
    factories.make_department("Old Unit").active = False
    department.active = False
    db.session.commit()
    new_page = client.get(url_for("admin.user_new")).get_data(as_text=True)
    assert "Old Unit" not in new_page and "Contact Management" not in new_page
    edit_page = client.get(url_for("admin.user_edit", user_id=users["pmo"].id)).get_data(as_text=True)
    assert "Contact Management" in edit_page and "Old Unit" not in edit_page


# ------------------------------------------------------------------------- programmes


def test_add_programme(client, admin):
    response = client.post(url_for("admin.programmes"), data={
        "name": "Estates 2030", "description": "Replacing the custody suites.",
        "start_year": "2026", "end_year": "2030"})
    assert response.status_code == 303
    programme = db.session.scalar(select(Programme))
    assert (programme.name, programme.description, programme.start_year, programme.end_year) == (
        "Estates 2030", "Replacing the custody suites.", 2026, 2030)


def test_programme_years_are_optional(client, admin):
    assert client.post(url_for("admin.programmes"), data={"name": "Digital"}).status_code == 303
    programme = db.session.scalar(select(Programme))
    assert programme.start_year is None and programme.end_year is None


@pytest.mark.parametrize("data, message", [
    ({"name": "Estates 2030", "start_year": "2030", "end_year": "2026"},
     "The end year must be the same as or after the start year"),
    ({"name": "Estates 2030", "start_year": "twenty"}, "Not a valid integer value"),
    ({"name": "Estates 2030", "start_year": "1066"}, "Enter a year between 2000 and 2100"),
    ({"name": ""}, "Enter the programme&#39;s name"),
])
def test_invalid_programme_is_refused(client, admin, data, message):
    response = client.post(url_for("admin.programmes"), data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(Programme) == 0


def test_duplicate_programme_is_refused(client, admin):
    factories.make_programme("Estates 2030")
    db.session.commit()
    response = client.post(url_for("admin.programmes"), data={"name": "estates 2030"})
    assert response.status_code == 422
    assert count(Programme) == 1


def test_edit_programme(client, admin):
    programme = factories.make_programme("Estates 2030")
    db.session.commit()
    response = client.post(url_for("admin.programme_edit", programme_id=programme.id), data={
        "version": version_of(programme), "name": "Estates 2031", "start_year": "2027", "end_year": "2031"})
    assert response.status_code == 303
    db.session.refresh(programme)
    assert (programme.name, programme.start_year, programme.end_year) == ("Estates 2031", 2027, 2031)


def test_edit_programme_refuses_years_out_of_order(client, admin):
    programme = factories.make_programme("Estates 2030")
    db.session.commit()
    response = client.post(url_for("admin.programme_edit", programme_id=programme.id), data={
        "version": version_of(programme), "name": "Renamed", "start_year": "2031", "end_year": "2027"})
    assert response.status_code == 422
    db.session.refresh(programme)
    assert programme.name == "Estates 2030"


# ----------------------------------------------------------------- strategic priorities


def priority_names_in_page(client):
    page = client.get(url_for("admin.priorities")).get_data(as_text=True)
    table = page[page.index("<table"):page.index("</table>")]  # not the flash above it
    names = db.session.scalars(select(StrategicPriority.name)).all()
    return sorted(names, key=table.index)


def test_priorities_are_listed_in_position_order(client, admin):
    factories.make_priority("Leveraging technology", position=3)
    factories.make_priority("Enhancing service and standards", position=1)
    factories.make_priority("Reducing demand through partnership working", position=4)
    factories.make_priority("Empowering individuals and supporting wellbeing", position=2)
    db.session.commit()
    assert priority_names_in_page(client) == [
        "Enhancing service and standards", "Empowering individuals and supporting wellbeing",
        "Leveraging technology", "Reducing demand through partnership working"]


def test_add_priority_offers_the_next_position(client, admin):
    factories.make_priority("Leveraging technology", position=4)
    db.session.commit()
    page = client.get(url_for("admin.priorities")).get_data(as_text=True)
    assert 'name="position" type="text" value="5"' in page


def test_add_priority(client, admin):
    response = client.post(url_for("admin.priorities"), data={"name": "Protecting the vulnerable", "position": "2"})
    assert response.status_code == 303
    priority = db.session.scalar(select(StrategicPriority))
    assert (priority.name, priority.position, priority.active) == ("Protecting the vulnerable", 2, True)


@pytest.mark.parametrize("data, message", [
    ({"name": "", "position": "1"}, "Enter the strategic priority"),
    ({"name": "Leveraging Technology", "position": "1"}, "A strategic priority with this name already exists"),
    ({"name": "New", "position": ""}, "Enter a position, like 1"),
    ({"name": "New", "position": "0"}, "Enter a position between 1 and 99"),
])
def test_invalid_priority_is_refused(client, admin, data, message):
    factories.make_priority("Leveraging technology", position=1)
    db.session.commit()
    response = client.post(url_for("admin.priorities"), data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(StrategicPriority) == 1


def test_moving_a_priority_reorders_the_list(client, admin):
    first = factories.make_priority("Enhancing service and standards", position=1)
    factories.make_priority("Leveraging technology", position=2)
    db.session.commit()
    response = client.post(url_for("admin.priority_edit", priority_id=first.id),
                           data={"version": version_of(first), "name": first.name, "position": "3", "active": "y"})
    assert response.status_code == 303
    assert priority_names_in_page(client) == ["Leveraging technology", "Enhancing service and standards"]


def test_retire_a_priority_while_another_stays_in_use(client, admin):
    retiring = factories.make_priority("Leveraging technology", position=1)
    factories.make_priority("Enhancing service and standards", position=2)
    db.session.commit()
    response = client.post(url_for("admin.priority_edit", priority_id=retiring.id),
                           data={"version": version_of(retiring), "name": retiring.name, "position": "1"})
    assert response.status_code == 303
    db.session.refresh(retiring)
    assert not retiring.active
    assert [p.name for p in StrategicPriority.active_ordered()] == ["Enhancing service and standards"]


def test_the_last_priority_in_use_cannot_be_retired(client, admin):
    last = factories.make_priority("Leveraging technology", position=1)
    factories.make_priority("Retired one", position=2).active = False
    db.session.commit()
    response = client.post(url_for("admin.priority_edit", priority_id=last.id),
                           data={"version": version_of(last), "name": last.name, "position": "1"})
    assert response.status_code == 422
    assert "At least one strategic priority must stay in use" in response.get_data(as_text=True)
    db.session.refresh(last)
    assert last.active
