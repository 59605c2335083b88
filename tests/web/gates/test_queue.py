"""The approver's queue, the list of every open review, and the count in the navigation."""
import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import event

from pmo_web.extensions import db
from pmo_web.gates import service
from pmo_web.models import GateSetting
from pmo_web.templating import uk_date
from tests import factories

from .helpers import GATE_STATES


@pytest.mark.parametrize("role, status", [
    ("approver", 200), ("requester", 403), ("pmo", 403), ("viewer", 403), ("admin", 403)])
def test_who_has_a_queue(client, auth, users, role, status):
    auth.login(users[role])
    assert client.get(url_for("gates.queue")).status_code == status


@pytest.mark.parametrize("role, status", [
    ("pmo", 200), ("admin", 200), ("approver", 200), ("requester", 403), ("viewer", 403)])
def test_who_sees_every_open_review(client, auth, users, role, status):
    auth.login(users[role])
    assert client.get(url_for("gates.index")).status_code == status


@pytest.mark.parametrize("endpoint", ["gates.queue", "gates.index"])
def test_anonymous_is_sent_to_sign_in(client, endpoint):
    response = client.get(url_for(endpoint))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def listed(page: str) -> list[str]:
    """The initiative references in the reviews table, in order."""
    return re.findall(r'href="/gates/\d+">(CR-\d{4}):', page)


def nav_count(page: str) -> int:
    return int(re.search(r'id="awaiting-count">(\d+)<', page).group(1))


@pytest.fixture
def mixed_reviews(users, requested, second_approver):
    """Open reviews this approver may decide, and ones they may not, plus a decided one."""
    waiting = [requested("G1"), requested("G2"), requested("G3")]
    decided_by_me = requested("G1")
    service.record_decision(decided_by_me, users["approver"], "defer", comment="Later",
                            defer_until=date.today() + timedelta(days=7))
    # The approver owns this initiative, so its gate is not theirs to decide.
    own = factories.make_initiative(owner=users["approver"], state="scoring")
    factories.make_score(own, users["pmo"])
    own_review = service.request_review(own, users["pmo"])
    # A gate for a board role this approver does not hold.
    other_board = requested("G4")
    other_board.approver_role = "admin"
    # Another approver has approved one of a quorum of two: it still waits for this one.
    waiting[1].quorum = 2
    service.record_decision(waiting[1], second_approver, "approve")
    db.session.commit()
    return {"waiting": waiting, "own": own_review, "other_board": other_board, "decided": decided_by_me}


def test_queue_lists_only_what_this_approver_may_decide(client, auth, users, mixed_reviews):
    auth.login(users["approver"])
    page = client.get(url_for("gates.queue")).get_data(as_text=True)
    assert listed(page) == [r.initiative.reference for r in mixed_reviews["waiting"]]
    assert "1 of 2 approvals" in page
    assert "Gate 2: Investment decision" in page
    assert users["requester"].department.name in page
    assert f"by {users['pmo'].name}" in page


def test_nav_count_equals_the_queue(client, auth, users, mixed_reviews):
    auth.login(users["approver"])
    page = client.get(url_for("gates.queue")).get_data(as_text=True)
    assert nav_count(page) == len(listed(page)) == 3


def test_deciding_takes_the_review_off_the_queue(client, auth, users, mixed_reviews):
    auth.login(users["approver"])
    review = mixed_reviews["waiting"][0]
    client.post(url_for("gates.decide", review_id=review.id), data={"decision": "approve"})
    page = client.get(url_for("gates.queue")).get_data(as_text=True)
    assert review.initiative.reference not in listed(page)
    assert nav_count(page) == len(listed(page)) == 2


def test_the_other_approver_no_longer_sees_what_they_approved(client, auth, mixed_reviews, second_approver):
    auth.login(second_approver)
    page = client.get(url_for("gates.queue")).get_data(as_text=True)
    assert mixed_reviews["waiting"][1].initiative.reference not in listed(page)
    assert nav_count(page) == len(listed(page))


def test_index_lists_every_open_review(client, auth, users, mixed_reviews):
    auth.login(users["pmo"])
    page = client.get(url_for("gates.index")).get_data(as_text=True)
    awaiting, deferred = page.split('id="deferred"', 1)
    expected = {r.initiative.reference for r in [*mixed_reviews["waiting"], mixed_reviews["own"],
                                                 mixed_reviews["other_board"]]}
    assert set(listed(awaiting)) == expected
    # Issue 14: a deferred review no longer disappears: it is listed with its date to come back.
    assert listed(deferred.split('id="rework"', 1)[0]) == [mixed_reviews["decided"].initiative.reference]
    assert uk_date(date.today() + timedelta(days=7)) in deferred


def test_empty_queue_says_so(client, auth, users):
    auth.login(users["approver"])
    page = client.get(url_for("gates.queue")).get_data(as_text=True)
    assert "Nothing is awaiting your decision." in page
    assert nav_count(page) == 0


@contextmanager
def counting_queries():
    """Count the SQL statements run inside the block."""
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def open_review_by_strangers(gate: str):
    """An open review whose owner, department, requesting officer and first approver are all
    new to the session, so any per-row lazy load would show up as an extra query."""
    owner = factories.make_user(roles=("requester",))
    officer = factories.make_user(roles=("pmo",))
    initiative = factories.make_initiative(owner=owner, state=GATE_STATES[gate])
    factories.make_score(initiative, officer)
    factories.make_business_case(initiative, officer)
    factories.make_milestone(initiative)
    review = service.request_review(initiative, officer)
    review.quorum = 2
    service.record_decision(review, factories.make_user(roles=("approver",)), "approve")
    return review


@pytest.mark.parametrize("endpoint", ["gates.queue", "gates.index"])
def test_lists_load_in_a_fixed_number_of_queries(client, auth, users, endpoint):
    auth.login(users["approver"])

    def queries_for_page(expected_rows: int) -> int:
        with counting_queries() as statements:
            page = client.get(url_for(endpoint)).get_data(as_text=True)
        assert len(listed(page)) == expected_rows
        return len(statements)

    open_review_by_strangers("G1")
    db.session.commit()
    one = queries_for_page(1)
    for gate in ("G1", "G2", "G3", "G2"):
        open_review_by_strangers(gate)
    db.session.commit()
    assert queries_for_page(5) == one


def test_a_role_set_as_a_gates_approver_gets_the_queue(client, auth, users, at_gate):
    """When the admin gives a gate to another role (here the PMO), its holders get the
    queue and its count; the approver role still does."""
    db.session.add(GateSetting(code="G1", approver_role="pmo", quorum=1))
    db.session.commit()
    review = service.request_review(at_gate("G1"), users["admin"])
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(url_for("gates.queue"))
    assert page.status_code == 200
    assert f'href="/gates/{review.id}"' in page.get_data(as_text=True)
    assert 'id="awaiting-count">1<' in page.get_data(as_text=True)
