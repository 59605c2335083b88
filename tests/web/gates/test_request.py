"""Requesting a gate review: PMO and admins only, entry criteria shown and enforced by name."""
import re
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import select

from pmo_web.extensions import db
from pmo_web.models import AuditEvent, GateReview, GateSetting
from tests import factories

from .helpers import count, criteria_shown


def request_url(initiative) -> str:
    return url_for("gates.request_review", initiative_id=initiative.id)


@pytest.mark.parametrize("role, status", [
    ("pmo", 200), ("admin", 200), ("requester", 403), ("approver", 403), ("viewer", 403)])
def test_who_may_open_the_request_page(client, auth, users, at_gate, role, status):
    initiative = at_gate("G1")
    auth.login(users[role])
    response = client.get(request_url(initiative))
    assert response.status_code == status


@pytest.mark.parametrize("role", ["requester", "approver", "viewer"])
def test_other_roles_cannot_request(client, auth, users, at_gate, role):
    initiative = at_gate("G1")
    auth.login(users[role])
    assert client.post(request_url(initiative)).status_code == 403
    assert count(GateReview) == 0


def test_anonymous_is_sent_to_sign_in(client, at_gate):
    response = client.get(request_url(at_gate("G1")))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_initiative_is_not_found(client, auth, users):
    auth.login(users["pmo"])
    assert client.get(url_for("gates.request_review", initiative_id=9999)).status_code == 404


def test_page_names_the_gate_approvers_and_quorum(client, auth, users, at_gate):
    auth.login(users["pmo"])
    page = client.get(request_url(at_gate("G2"))).get_data(as_text=True)
    assert "Gate 2: Investment decision" in page
    assert "Users with the Approver role" in page
    assert re.search(r"Approvals needed</dt>\s*<dd[^>]*>\s*1 approval\s*</dd>", page)


def test_capital_quorum_is_shown_for_capital_funded_work(client, auth, users, at_gate):
    db.session.add(GateSetting(code="G2", approver_role="approver", quorum=1, capital_quorum=2))
    initiative = at_gate("G2", capital=Decimal("180000"))
    auth.login(users["pmo"])
    page = client.get(request_url(initiative)).get_data(as_text=True)
    assert re.search(r"Approvals needed</dt>\s*<dd[^>]*>\s*2 approvals from different approvers\s*"
                     r"\(capital-funded\)\s*</dd>", page)


def test_g1_checklist_fails_without_a_score(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="scoring")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(request_url(initiative)).get_data(as_text=True)
    assert criteria_shown(page) == {"A current score exists": False}
    assert "Request gate review</button>" not in page


def test_g2_checklist_names_every_part_of_the_business_case(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="business_case")
    factories.make_business_case(initiative, users["pmo"], complete=False)
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(request_url(initiative)).get_data(as_text=True)
    assert criteria_shown(page) == {
        "Strategic case written": True,
        "Economic case written": False,
        "Commercial case written": False,
        "Financial case written": False,
        "Management case written": False,
        "At least one option appraised": False,
        "Costs entered": False,
        "At least one planned benefit": False,
    }


def test_g2_checklist_all_met_offers_the_request(client, auth, users, at_gate):
    auth.login(users["pmo"])
    page = client.get(request_url(at_gate("G2"))).get_data(as_text=True)
    shown = criteria_shown(page)
    assert len(shown) == 8 and all(shown.values())
    assert "Request gate review" in page


def test_g3_checklist_names_the_open_milestone(client, auth, users, at_gate):
    initiative = at_gate("G3")
    factories.make_milestone(initiative, done=False, name="Train custody staff")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(request_url(initiative)).get_data(as_text=True)
    assert criteria_shown(page) == {"No open milestone without an accepted variance": False}
    assert "Train custody staff" in page


def test_g4_checklist(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="benefits_review")
    factories.make_benefit(initiative, name="Fewer court errors")
    factories.make_lesson(initiative)
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(request_url(initiative)).get_data(as_text=True)
    assert criteria_shown(page) == {
        "Every planned benefit has an actual or a reason": False,
        "At least one lesson recorded": True,
        "Stakeholder satisfaction recorded": False,
    }
    assert "Fewer court errors" in page


def test_request_opens_the_review_and_audits_it(client, auth, users, at_gate):
    initiative = at_gate("G1")
    auth.login(users["pmo"])
    response = client.post(request_url(initiative), data={"note": "Scored High; please look first."})
    review = db.session.scalar(select(GateReview))
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("gates.review", review_id=review.id, _external=False)
    assert (review.gate, review.state, review.quorum, review.requested_by_id) == ("G1", "requested", 1, users["pmo"].id)
    assert review.note == "Scored High; please look first."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "gate_requested"))
    assert event.gate_review_id == review.id and event.actor_id == users["pmo"].id
    assert "Gate 1 review requested" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_request_with_failed_criteria_is_refused_by_name_and_saves_nothing(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="benefits_review")
    factories.make_benefit(initiative, name="Fewer court errors")
    db.session.commit()
    events_before = count(AuditEvent)  # adding the benefit was audited; the refusal must add nothing
    auth.login(users["pmo"])
    response = client.post(request_url(initiative))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Benefit has no actual or reason: Fewer court errors" in page
    assert "At least one lesson is required" in page
    assert "Satisfaction score not recorded" in page
    assert count(GateReview) == 0
    assert count(AuditEvent) == events_before


def test_a_second_request_while_one_is_open_conflicts(client, auth, users, requested):
    review = requested("G2")
    auth.login(users["pmo"])
    response = client.post(request_url(review.initiative))
    assert response.status_code == 409
    assert "Gate G2 is already awaiting a decision" in response.get_data(as_text=True)
    assert count(GateReview) == 1


def test_the_page_points_at_the_open_review(client, auth, users, requested):
    review = requested("G2")
    auth.login(users["pmo"])
    page = client.get(request_url(review.initiative)).get_data(as_text=True)
    assert url_for("gates.review", review_id=review.id, _external=False) in page
    assert "Request gate review</button>" not in page


@pytest.mark.parametrize("state", ["draft", "triage", "on_hold", "closed"])
def test_no_gate_follows_this_state(client, auth, users, state):
    # A draft is seen by its author alone, so the PMO's own draft stands in for one.
    initiative = factories.make_initiative(owner=users["pmo" if state == "draft" else "requester"], state=state)
    db.session.commit()
    auth.login(users["pmo"])
    assert client.get(request_url(initiative)).status_code == 409
    assert client.post(request_url(initiative)).status_code == 409
    assert count(GateReview) == 0


def test_an_overlong_note_is_refused(client, auth, users, at_gate):
    initiative = at_gate("G1")
    auth.login(users["pmo"])
    response = client.post(request_url(initiative), data={"note": "x" * 2001})
    assert response.status_code == 422
    assert "2,000 characters or fewer" in response.get_data(as_text=True)
    assert count(GateReview) == 0
