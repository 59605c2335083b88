"""The portfolio list: who may read it, its filters, and its fixed number of queries."""
import pytest
from sqlalchemy import event

from pmo_web.extensions import db
from tests import factories


@pytest.mark.parametrize(("role", "rank", "status"), [
    ("pmo", "constable", 200), ("approver", "constable", 200), ("admin", "constable", 200),
    ("viewer", "sergeant", 200), ("requester", "inspector", 200),
    ("viewer", "constable", 403), ("requester", "constable", 403),
])
def test_who_may_read_the_portfolio(client, auth, app, role, rank, status):
    user = factories.make_user(roles=(role,), rank=rank)
    db.session.commit()
    auth.login(user)
    response = client.get("/initiatives")
    assert response.status_code == status


def test_a_signed_out_user_is_asked_to_sign_in(client):
    response = client.get("/initiatives")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_portfolio_lists_submitted_work_with_its_manager_and_programme(client, auth, users):
    programme = factories.make_programme("Estates capital programme")
    delivering = factories.make_initiative(owner=users["requester"], state="delivery", title="New custody suite",
                                           manager=users["pmo"], programme=programme)
    draft = factories.make_initiative(owner=users["requester"], state="draft")
    db.session.commit()
    auth.login(users["approver"])
    page = client.get("/initiatives").get_data(as_text=True)
    assert delivering.reference in page and "New custody suite" in page
    assert users["pmo"].name in page and "Estates capital programme" in page
    assert draft.reference not in page


@pytest.mark.parametrize("filter_name", ["department", "programme", "stage"])
def test_each_filter_narrows_the_list(client, auth, users, filter_name):
    programme = factories.make_programme()
    other_department = factories.make_department()
    wanted = factories.make_initiative(owner=users["requester"], state="scoring", programme=programme)
    other = factories.make_initiative(owner=factories.make_user(department=other_department), state="delivery")
    db.session.commit()
    value = {"department": users["requester"].department_id, "programme": programme.id, "stage": "scoring"}[filter_name]
    auth.login(users["pmo"])
    page = client.get(f"/initiatives?{filter_name}={value}").get_data(as_text=True)
    assert wanted.reference in page
    assert other.reference not in page


def test_a_bad_filter_value_is_ignored(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="scoring")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.get("/initiatives?stage=nowhere&department=abc")
    assert response.status_code == 200
    assert initiative.reference in response.get_data(as_text=True)


def test_the_portfolio_loads_in_a_fixed_number_of_queries(client, auth, users):
    def statements_for_page(extra: int) -> int:
        for _ in range(extra):
            factories.make_initiative(owner=factories.make_user(), state="delivery",
                                      manager=factories.make_user(roles=("pmo",)),
                                      programme=factories.make_programme())
        db.session.commit()
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/initiatives").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    auth.login(users["pmo"])
    assert statements_for_page(3) == statements_for_page(20)
