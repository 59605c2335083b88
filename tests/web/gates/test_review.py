"""The review page: who may read it, and who is offered the decision form."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import url_for

from pmo_web.extensions import db
from pmo_web.gates import service
from pmo_web.models import GateSetting
from tests import factories
from workflows.gate import Condition

from .helpers import criteria_shown


def review_url(review) -> str:
    return url_for("gates.review", review_id=review.id)


@pytest.mark.parametrize("role", ["requester", "pmo", "approver", "viewer", "admin"])
def test_readers(client, auth, users, requested, role):
    review = requested("G1")
    auth.login(users[role])
    response = client.get(review_url(review))
    assert response.status_code == 200
    assert b"<html" in response.data
    assert "Gate 1: Approve to develop a business case" in response.get_data(as_text=True)


def test_requester_of_another_department_gets_not_found(client, auth, requested, outsider):
    review = requested("G1")
    auth.login(outsider)
    assert client.get(review_url(review)).status_code == 404


def test_unknown_review_is_not_found(client, auth, users):
    auth.login(users["pmo"])
    assert client.get(url_for("gates.review", review_id=9999)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, requested):
    response = client.get(review_url(requested("G1")))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role, offered", [
    ("approver", True), ("requester", False), ("pmo", False), ("viewer", False), ("admin", False)])
def test_decision_form_only_for_an_approver_who_may_decide(client, auth, users, requested, role, offered):
    review = requested("G2")
    auth.login(users[role])
    page = client.get(review_url(review)).get_data(as_text=True)
    assert ("Record your decision" in page) is offered


def test_owner_holding_the_approver_role_is_not_offered_the_form(client, auth, users):
    owner = factories.make_user(roles=("requester", "approver"), department=users["requester"].department)
    initiative = factories.make_initiative(owner=owner, state="scoring")
    factories.make_score(initiative, users["pmo"])
    review = service.request_review(initiative, users["pmo"])
    db.session.commit()
    auth.login(owner)
    page = client.get(review_url(review)).get_data(as_text=True)
    assert "Record your decision" not in page


def test_page_shows_progress_decisions_and_conditions(client, auth, users, requested, second_approver):
    db.session.add(GateSetting(code="G2", approver_role="approver", quorum=1, capital_quorum=2))
    review = requested("G2", capital=Decimal("180000"))
    condition = Condition("Revise the costs", "Head of Finance", date.today() + timedelta(days=30))
    service.record_decision(review, second_approver, "approve_with_conditions", comment="Subject to costs",
                            conditions=(condition,))
    db.session.commit()
    auth.login(users["approver"])
    page = client.get(review_url(review)).get_data(as_text=True)
    assert "1 of 2 approvals" in page
    assert f"{second_approver.name}: Approve with conditions" in page
    assert "Revise the costs (owner: Head of Finance" in page
    assert "Subject to costs" in page
    assert "Record your decision" in page
    assert f"by {users['pmo'].name}" in page


def test_entry_criteria_are_checked_again_on_the_review_page(client, auth, users, requested):
    review = requested("G3")
    factories.make_milestone(review.initiative, done=False, name="Decommission old system")
    db.session.commit()
    auth.login(users["approver"])
    page = client.get(review_url(review)).get_data(as_text=True)
    assert criteria_shown(page) == {"No open milestone without an accepted variance": False}
    assert "Decommission old system" in page


def test_htmx_request_gets_the_decision_panel_only(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    response = client.get(review_url(review), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.data
    assert b'id="gate-decision"' in response.data
    assert "HX-Request" in response.headers["Vary"]
