"""The allocation grid: cells saved one at a time with htmx, totals and over-allocation,
refusals (422) and conflicts (409), who may read and who may change, and a fixed number of
statements per page."""
from datetime import date
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import event, func, select

from pmo_web.extensions import db
from pmo_web.models import Allocation, Assignment, AuditEvent, Leave, Person
from pmo_web.resources import planning, service
from tests import factories

HTMX = {"HX-Request": "true"}
YEAR = planning.financial_year_of(date.today())
MONTHS = planning.months_of_year(YEAR)
MAY = planning.month_key(MONTHS[1])


@pytest.fixture
def initiative(users):
    made = factories.make_initiative(owner=users["requester"], state="delivery", title="Body-worn video refresh")
    db.session.commit()
    return made


@pytest.fixture
def person(users) -> Person:
    return db.session.scalar(select(Person).where(Person.user_id == users["pmo"].id))


def cell_url(initiative, person, month=MAY):
    return url_for("resources.allocation_cell", initiative_id=initiative.id, person_id=person.id, month=month,
                   _external=False)


def saved(person, initiative, month=MONTHS[1]):
    db.session.expire_all()
    return db.session.scalar(select(Allocation.fte).where(
        Allocation.person_id == person.id, Allocation.initiative_id == initiative.id, Allocation.month == month))


def test_every_user_is_a_person_and_their_person_follows_them(app, users):
    user = factories.make_user(roles=("viewer",), name="Jo Bloggs")
    db.session.commit()
    person = db.session.scalar(select(Person).where(Person.user_id == user.id))
    assert (person.name, person.department_id, person.capacity_fte) == ("Jo Bloggs", user.department_id, Decimal("1"))
    user.name, user.active = "Jo Smith", False
    db.session.commit()
    db.session.refresh(person)
    assert (person.name, person.active) == ("Jo Smith", False)


def test_a_cell_saves_and_answers_with_itself_and_the_persons_totals(client, auth, users, initiative, person):
    auth.login(users["pmo"])
    response = client.post(cell_url(initiative, person), data={"fte": "0.5", "version": "0"}, headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith("<td")
    assert f'id="a-{initiative.id}-{person.id}-{MAY}"' in body and 'value="0.50"' in body
    assert f'id="totals-{person.id}" hx-swap-oob="true"' in body
    assert saved(person, initiative) == Decimal("0.50")
    # The person is now on the initiative (a row of the grid), and the edit is audited.
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1
    event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.trigger == "allocation.created"))
    assert event_row.initiative_id == initiative.id and event_row.detail["changes"]["fte"]["after"] == "0.50"
    # Saving again with the version drawn after the first save replaces it.
    response = client.post(cell_url(initiative, person), data={"fte": "0.25", "version": "1"}, headers=HTMX)
    assert response.status_code == 200 and saved(person, initiative) == Decimal("0.25")


def test_totals_flag_over_allocation_in_words_in_the_grid_and_on_the_person(client, auth, users, initiative, person):
    other = factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    auth.login(users["pmo"])
    client.post(cell_url(other, person), data={"fte": "0.6", "version": "0"}, headers=HTMX)
    body = client.post(cell_url(initiative, person), data={"fte": "0.6", "version": "0"},
                       headers=HTMX).get_data(as_text=True)
    assert "1.20" in body and "Over by 0.20" in body and "Over-allocated in 1 month" in body
    grid = client.get(url_for("resources.grid", person=person.id)).get_data(as_text=True)
    assert "Over by 0.20" in grid and "Over-allocated in 1 month" in grid
    page = client.get(url_for("resources.person", person_id=person.id)).get_data(as_text=True)
    assert f"Over-allocated in 1 month of {planning.year_label(YEAR)}" in page
    assert f"{planning.month_label(MONTHS[1])} by 0.20 FTE" in page


def test_leave_comes_off_capacity_and_can_make_someone_over_allocated(client, auth, users, initiative, person):
    auth.login(users["pmo"])
    client.post(cell_url(initiative, person), data={"fte": "0.9", "version": "0"}, headers=HTMX)
    leave = url_for("resources.leave_cell", person_id=person.id, month=MAY)
    body = client.post(leave, data={"fte": "0.25", "version": "0"}, headers=HTMX).get_data(as_text=True)
    assert "of 0.75" in body and "Over by 0.15" in body
    assert db.session.scalar(select(Leave.fte)) == Decimal("0.25")


@pytest.mark.parametrize("typed, message", [("-0.5", "cannot be negative"), ("1.5", "cannot be more than 1.0"),
                                            ("half", "as a number"), ("0.333", "2 decimal places")])
def test_a_bad_value_is_refused_in_the_cell_and_nothing_is_saved(client, auth, users, initiative, person,
                                                                 typed, message):
    auth.login(users["pmo"])
    client.post(cell_url(initiative, person), data={"fte": "0.4", "version": "0"}, headers=HTMX)
    response = client.post(cell_url(initiative, person), data={"fte": typed, "version": "1"}, headers=HTMX)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body and message in body and 'aria-invalid="true"' in body
    assert f'value="{typed}"' in body  # what they typed stays in the cell to correct
    assert "hx-swap-oob" not in body
    assert saved(person, initiative) == Decimal("0.40")


def test_a_bad_value_in_a_new_cell_writes_no_row(client, auth, users, initiative, person):
    auth.login(users["pmo"])
    response = client.post(cell_url(initiative, person), data={"fte": "2", "version": "0"}, headers=HTMX)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == 0
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_a_stale_cell_is_a_conflict_showing_the_other_persons_value(client, auth, users, initiative, person):
    auth.login(users["pmo"])
    client.post(cell_url(initiative, person), data={"fte": "0.4", "version": "0"}, headers=HTMX)
    client.post(cell_url(initiative, person), data={"fte": "0.6", "version": "1"}, headers=HTMX)  # someone else
    response = client.post(cell_url(initiative, person), data={"fte": "0.2", "version": "1"}, headers=HTMX)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "changed this to 0.60" in body and 'value="0.2"' in body and 'name="version" value="2"' in body
    assert saved(person, initiative) == Decimal("0.60")
    # Saving again, now from the version shown, is a deliberate replacement.
    assert client.post(cell_url(initiative, person), data={"fte": "0.2", "version": "2"},
                       headers=HTMX).status_code == 200
    assert saved(person, initiative) == Decimal("0.20")


def test_a_cell_someone_else_filled_first_is_a_conflict(client, auth, users, initiative, person):
    """Drawn empty (version 0); meanwhile another officer booked it."""
    db.session.add(Allocation(person_id=person.id, initiative_id=initiative.id, month=MONTHS[1],
                              fte=Decimal("0.3")))
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(cell_url(initiative, person), data={"fte": "0.5", "version": "0"}, headers=HTMX)
    assert response.status_code == 409 and saved(person, initiative) == Decimal("0.30")


def test_without_javascript_a_cell_posts_and_comes_back_to_the_grid(client, auth, users, initiative, person):
    auth.login(users["pmo"])
    page = client.get(cell_url(initiative, person))
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    response = client.post(cell_url(initiative, person), data={"fte": "0.5", "version": "0"})
    assert response.status_code == 303 and "/resources?" in response.location
    refused = client.post(cell_url(initiative, person), data={"fte": "-1", "version": "1"})
    assert refused.status_code == 422 and "govuk-error-summary" in refused.get_data(as_text=True)


def test_cells_of_a_closed_initiative_cannot_be_booked(client, auth, users, person):
    closed = factories.make_initiative(owner=users["requester"], state="closed")
    db.session.commit()
    auth.login(users["pmo"])
    assert client.post(cell_url(closed, person), data={"fte": "0.5", "version": "0"}, headers=HTMX).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == 0


@pytest.mark.parametrize("role, reads, edits", [("pmo", 200, 200), ("admin", 200, 200), ("approver", 200, 403),
                                                ("viewer", 200, 403), ("requester", 200, 403)])
def test_the_pmo_and_admins_edit_others_who_may_read_the_portfolio_read(client, auth, users, initiative, person,
                                                                        role, reads, edits):
    auth.login(users[role])
    for endpoint in ("resources.grid", "resources.people", "resources.gaps", "resources.skills"):
        assert client.get(url_for(endpoint)).status_code == reads, endpoint
    assert client.get(url_for("resources.person", person_id=person.id)).status_code == reads
    response = client.post(cell_url(initiative, person), data={"fte": "0.5", "version": "0"}, headers=HTMX)
    assert response.status_code == edits
    assert (saved(person, initiative) is not None) == (edits == 200)
    grid = client.get(url_for("resources.grid")).get_data(as_text=True)
    assert ('hx-post="' + cell_url(initiative, person)) in grid if edits == 200 else "hx-post" not in grid


def test_ranks_below_the_dashboard_minimum_are_refused(client, auth, initiative, person):
    constable = factories.make_user(roles=("viewer", "requester"), rank="constable")
    db.session.commit()
    auth.login(constable)
    for url in (url_for("resources.grid"), url_for("resources.people"), url_for("resources.gaps"),
                url_for("resources.person", person_id=person.id)):
        assert client.get(url).status_code == 403, url


def test_readers_see_the_time_booked_on_initiatives_they_cannot_open_without_their_names(
        client, auth, users, person):
    elsewhere = factories.make_initiative(state="delivery", title="Secret estates move")
    db.session.add(Allocation(person_id=person.id, initiative_id=elsewhere.id, month=MONTHS[1], fte=Decimal("0.7")))
    db.session.add(Assignment(person_id=person.id, initiative_id=elsewhere.id))
    db.session.commit()
    auth.login(users["requester"])  # a sergeant: reads the portfolio, but only their department's initiatives
    page = client.get(url_for("resources.grid", person=person.id)).get_data(as_text=True)
    assert "Secret estates move" not in page
    assert "Other initiatives you cannot open" in page and "0.70" in page


def test_the_grid_filters_and_pages(client, auth, users, initiative):
    for n in range(20):
        factories.make_user(roles=("viewer",), name=f"Person {n:02d}")
    db.session.commit()
    auth.login(users["pmo"])
    first = client.get(url_for("resources.grid")).get_data(as_text=True)
    assert "page 1 of 2" in first
    only = client.get(url_for("resources.grid", name="Person 07")).get_data(as_text=True)
    assert "1 person" in only and "Person 07" in only and "Person 08" not in only
    assert client.get(url_for("resources.grid", page="999", year="bogus")).status_code == 200


def _statements(app, fetch) -> int:
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert fetch().status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_the_grid_takes_the_same_number_of_statements_for_few_or_many_people(app, client, auth, users):
    initiatives = [factories.make_initiative(owner=users["requester"], state="delivery") for _ in range(4)]

    def staff(count):
        for _ in range(count):
            user = factories.make_user(roles=("viewer",))
            person = db.session.scalar(select(Person).where(Person.user_id == user.id))
            for initiative in initiatives:
                db.session.add(Assignment(person_id=person.id, initiative_id=initiative.id))
                db.session.add_all(Allocation(person_id=person.id, initiative_id=initiative.id, month=month,
                                              fte=Decimal("0.2")) for month in MONTHS)
        db.session.commit()

    auth.login(users["pmo"])
    staff(2)
    few = _statements(app, lambda: client.get(url_for("resources.grid")))
    staff(10)
    many = _statements(app, lambda: client.get(url_for("resources.grid")))
    assert few == many


def test_utilisation_for_the_dashboard(app, users, initiative, person):
    booked = dict(person_id=person.id, initiative_id=initiative.id)
    db.session.add_all([Allocation(**booked, month=MONTHS[0], fte=Decimal("0.8")),
                        Allocation(**booked, month=MONTHS[1], fte=Decimal("1")),
                        Leave(person_id=person.id, month=MONTHS[1], fte=Decimal("0.5"))])
    db.session.commit()
    people = db.session.scalar(select(func.count()).select_from(Person).where(Person.active))
    figures = service.utilisation(MONTHS[0], MONTHS[1])
    # Everyone has 1.0 a month; one of them half a month away in May: 2n - 0.5 FTE-months.
    assert figures.capacity == 2 * people - Decimal("0.5")
    assert figures.allocated == Decimal("1.8") and figures.over_allocated_people == 1
    assert figures.ratio == Decimal("1.8") / figures.capacity
    department = service.utilisation(MONTHS[0], MONTHS[1], department_id=users["pmo"].department_id)
    assert department.allocated == Decimal("1.8")
