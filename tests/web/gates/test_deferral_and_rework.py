"""Deferral and rework as states people can see (docs/rules.md 9): a deferred review stays open
with its date and is asked for again in one step; a gate returned for rework keeps its
comment on the initiative until the PMO requests it again."""
from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import delete, select

from pmo_web.extensions import db
from pmo_web.gates import service
from pmo_web.models import BusinessCase, CaseCost, GateReview, Initiative, Notification
from pmo_web.templating import uk_date

COMMENT = "Come back once the spending review has set the capital budget"
REWORK = "The options appraisal compares only two options; add the shared-service option"
IN_A_MONTH = date.today() + timedelta(days=30)


@pytest.fixture
def deferred(requested, users):
    """A Gate 2 review requested by the PMO with a note, deferred by the approver for a month."""
    def make():
        review = requested("G2")
        review.note = "Costs checked by Finance"
        db.session.commit()
        service.record_decision(review, users["approver"], "defer", comment=COMMENT, defer_until=IN_A_MONTH)
        db.session.commit()
        return review
    return make


@pytest.fixture
def returned(requested, users):
    def make(gate: str = "G2", decision: str = "return_for_rework"):
        review = requested(gate)
        service.record_decision(review, users["approver"], decision, comment=REWORK)
        db.session.commit()
        return review
    return make


def page(client, endpoint: str, **values) -> str:
    return client.get(url_for(endpoint, **values)).get_data(as_text=True)


# ------------------------------------------------------------------------------- deferral

def test_a_deferred_review_stays_open_with_its_date(client, auth, users, deferred, second_approver):
    review = deferred()
    auth.login(users["pmo"])
    body = page(client, "gates.review", review_id=review.id)
    assert ">Deferred</strong>" in body and f"until {uk_date(IN_A_MONTH)}" in body and COMMENT in body
    assert "Request Gate 2 again" in body
    assert service.open_review(review.initiative) is None
    assert service.deferred_review(review.initiative).id == review.id
    auth.logout()
    # Nobody decides it until the PMO asks again; the approvers are not offered the form.
    auth.login(second_approver)
    body = page(client, "gates.review", review_id=review.id)
    assert "Record your decision" not in body and "Request Gate 2 again" not in body
    response = client.post(url_for("gates.decide", review_id=review.id), data={"decision": "approve"})
    assert response.status_code == 409
    assert "Gate G2 has been deferred" in response.get_data(as_text=True)


def test_deferred_reviews_are_listed_with_their_date(client, auth, users, deferred):
    review = deferred()
    auth.login(users["approver"])
    body = page(client, "gates.index")
    listed = body.split('id="deferred"', 1)[1].split('id="rework"', 1)[0]
    assert review.initiative.reference in listed and uk_date(IN_A_MONTH) in listed and COMMENT in listed
    assert "/request-again" not in listed  # the approvers read it; the PMO asks again


def test_the_pmo_requests_a_deferred_gate_again_in_one_step(client, auth, users, deferred):
    review = deferred()
    auth.login(users["pmo"])
    response = client.post(url_for("gates.request_again", review_id=review.id))
    assert response.status_code == 303
    fresh = db.session.scalar(select(GateReview).where(GateReview.initiative_id == review.initiative_id,
                                                       GateReview.state == "requested"))
    assert response.headers["Location"].endswith(f"/gates/{fresh.id}")
    assert (fresh.gate, fresh.note, fresh.requested_by_id) == ("G2", "Costs checked by Finance", users["pmo"].id)
    db.session.refresh(review)
    assert (review.state, review.outcome, review.defer_until) == ("decided", "deferred", IN_A_MONTH)
    # The approvers have it in their queue again, and are told so.
    told = db.session.scalars(select(Notification).where(Notification.kind == "gate_awaiting",
                                                         Notification.link == f"/gates/{fresh.id}")).all()
    assert [n.user_id for n in told] == [users["approver"].id]
    assert "Gate 2 requested again" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/gates/{fresh.id}">See the later Gate 2 review' in page(client, "gates.review", review_id=review.id)
    assert service.deferred_reviews() == []


def test_requesting_the_gate_from_its_request_page_closes_the_deferral(client, auth, users, deferred):
    review = deferred()
    auth.login(users["pmo"])
    body = page(client, "gates.request_review", initiative_id=review.initiative_id)
    assert "Requesting the gate now closes the deferred review" in body
    response = client.post(url_for("gates.request_review", initiative_id=review.initiative_id), data={"note": "Again"})
    assert response.status_code == 303
    db.session.refresh(review)
    assert review.state == "decided"


@pytest.mark.parametrize("role", ["approver", "viewer", "requester"])
def test_only_the_pmo_requests_again(client, auth, users, deferred, role):
    review = deferred()
    auth.login(users[role])
    assert client.post(url_for("gates.request_again", review_id=review.id)).status_code == 403
    db.session.refresh(review)
    assert review.state == "deferred"


def test_a_review_that_is_not_deferred_cannot_be_requested_again(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["pmo"])
    response = client.post(url_for("gates.request_again", review_id=review.id))
    assert response.status_code == 409
    assert "is not waiting to be requested again" in response.get_data(as_text=True)


def test_asking_again_checks_the_entry_criteria_as_any_request_does(client, auth, users, deferred):
    review = deferred()
    case = db.session.scalar(select(BusinessCase).where(BusinessCase.initiative_id == review.initiative_id))
    db.session.execute(delete(CaseCost).where(CaseCost.case_id == case.id))
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(url_for("gates.request_again", review_id=review.id))
    assert response.status_code == 422
    assert "Business case incomplete: Costs" in response.get_data(as_text=True)
    db.session.refresh(review)
    assert review.state == "deferred"


def test_the_initiative_page_shows_the_deferral(client, auth, users, deferred):
    review = deferred()
    auth.login(users["requester"])
    body = page(client, "initiatives.show", initiative_id=review.initiative_id)
    assert "Gate 2 deferred" in body and uk_date(IN_A_MONTH) in body and COMMENT in body
    assert "The PMO requests Gate 2 again when it is due." in body


def test_deferrals_coming_due(users, deferred):
    review = deferred()
    today = date.today()
    assert service.deferrals_coming_due(today, within_days=7) == []
    assert service.deferrals_coming_due(today, within_days=30) == [review]
    assert service.deferrals_coming_due(IN_A_MONTH + timedelta(days=3), within_days=0) == [review]


# -------------------------------------------------------------------------------- rework

@pytest.mark.parametrize("endpoint", ["initiatives.show", "cases.edit"])
def test_the_rework_comment_stays_on_the_initiative_until_the_gate_is_requested_again(
        client, auth, users, returned, endpoint):
    review = returned("G2")
    auth.login(users["pmo"])
    body = page(client, endpoint, initiative_id=review.initiative_id)
    assert 'id="gate-outcome"' in body
    assert "Gate 2 returned for rework" in body and REWORK in body and users["approver"].name in body
    assert f'href="/initiatives/{review.initiative_id}/gates/request">Request Gate 2 again' in body
    assert service.rework_awaiting_request() == [review]

    service.request_review(db.session.get(Initiative, review.initiative_id), users["pmo"])
    db.session.commit()
    body = page(client, endpoint, initiative_id=review.initiative_id)
    assert 'id="gate-outcome"' not in body and "Gate 2 returned for rework" not in body  # (the history keeps it)
    assert service.rework_awaiting_request() == []


def test_a_rejection_at_gate_three_returns_the_initiative_with_its_comment(client, auth, users, returned):
    review = returned("G3", "reject")
    auth.login(users["pmo"])
    body = page(client, "delivery.edit", initiative_id=review.initiative_id)
    assert "Gate 3 rejected" in body and REWORK in body
    assert service.rework_awaiting_request(users["pmo"]) == [review]


def test_returned_for_rework_is_listed_on_the_gate_reviews_page(client, auth, users, returned, outsider):
    review = returned("G2")
    auth.login(users["pmo"])
    listed = page(client, "gates.index").split('id="rework"', 1)[1]
    assert review.initiative.reference in listed and REWORK in listed
    assert service.rework_awaiting_request(outsider) == []
