"""Pressing lifecycle buttons: inputs, refusals by status, htmx fragments and full pages."""
import pytest
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import AuditEvent
from tests import factories

HTMX = {"HX-Request": "true"}


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def reloaded(initiative):
    db.session.expire_all()
    return db.session.get(type(initiative), initiative.id)


@pytest.fixture
def submitted(users):
    initiative = factories.make_initiative(owner=users["requester"], state="submitted")
    db.session.commit()
    return initiative


@pytest.fixture
def in_triage(users):
    initiative = factories.make_initiative(owner=users["requester"], state="triage")
    db.session.commit()
    return initiative


def test_a_button_without_inputs_fires_and_returns_to_the_initiative(client, auth, users, submitted):
    auth.login(users["pmo"])
    response = client.post(f"/initiatives/{submitted.id}/transitions/start_triage")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/initiatives/{submitted.id}")
    assert reloaded(submitted).state == "triage"
    assert audit_count() == 1
    assert f"{submitted.reference} is now at Triage." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_htmx_gets_the_lifecycle_panel_and_the_timeline_out_of_band(client, auth, users, submitted):
    auth.login(users["pmo"])
    response = client.post(f"/initiatives/{submitted.id}/transitions/start_triage", headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page
    assert page.startswith('<section id="lifecycle-panel"')
    assert 'id="timeline" aria-labelledby="timeline-heading" hx-swap-oob="true"' in page
    assert "is now at Triage" in page and "Start triage" in page
    assert "HX-Request" in response.headers["Vary"]


def test_the_form_for_a_reason_is_a_full_page(client, auth, users, in_triage):
    auth.login(users["pmo"])
    response = client.get(f"/initiatives/{in_triage.id}/transitions/reject")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in page and "Why is it being rejected?" in page


def test_a_blank_reason_is_refused_and_nothing_changes(client, auth, users, in_triage):
    auth.login(users["pmo"])
    response = client.post(f"/initiatives/{in_triage.id}/transitions/reject", data={"reason": "   "})
    assert response.status_code == 422
    assert "Enter a reason" in response.get_data(as_text=True)
    assert reloaded(in_triage).state == "triage"
    assert audit_count() == 0


def test_a_rejection_keeps_its_reason(client, auth, users, in_triage):
    auth.login(users["pmo"])
    response = client.post(f"/initiatives/{in_triage.id}/transitions/reject",
                           data={"reason": "Already covered by the regional programme"})
    assert response.status_code == 303
    initiative = reloaded(in_triage)
    assert (initiative.state, initiative.outcome_reason) == ("rejected", "Already covered by the regional programme")
    event = db.session.scalar(select(AuditEvent))
    assert (event.trigger, event.reason) == ("reject", "Already covered by the regional programme")


def test_asking_for_information_sends_the_question_to_the_requester(client, auth, users, in_triage):
    auth.login(users["pmo"])
    client.post(f"/initiatives/{in_triage.id}/transitions/request_info", data={"question": "How many users?"})
    assert reloaded(in_triage).state == "info_requested"
    auth.logout()
    auth.login(users["requester"])
    form = client.get(f"/initiatives/{in_triage.id}/transitions/resubmit").get_data(as_text=True)
    assert "The PMO asked: How many users?" in form
    response = client.post(f"/initiatives/{in_triage.id}/transitions/resubmit", data={"answer": "About 300"})
    assert response.status_code == 303
    initiative = reloaded(in_triage)
    assert (initiative.state, initiative.info_answer) == ("triage", "About 300")


def test_the_wrong_state_is_a_conflict_and_nothing_changes(client, auth, users, submitted):
    auth.login(users["pmo"])
    response = client.post(f"/initiatives/{submitted.id}/transitions/accept")
    assert response.status_code == 409
    assert "Accept is not possible from Submitted" in response.get_data(as_text=True)
    assert reloaded(submitted).state == "submitted"
    assert audit_count() == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_requester_may_not_accept(client, auth, users, in_triage, method):
    auth.login(users["requester"])
    response = getattr(client, method)(f"/initiatives/{in_triage.id}/transitions/accept")
    assert response.status_code == 403
    assert reloaded(in_triage).state == "triage"


def test_a_gate_move_cannot_be_pressed_by_hand(client, auth, users):
    scoring = factories.make_initiative(owner=users["requester"], state="scoring")
    factories.make_score(scoring, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(f"/initiatives/{scoring.id}/transitions/advance")
    assert response.status_code == 403
    assert "only through a gate decision" in response.get_data(as_text=True)
    assert reloaded(scoring).state == "scoring"


def test_a_guard_refusal_names_what_is_missing(client, auth, users):
    draft = factories.make_initiative(owner=users["requester"], sponsor="", problem="")
    db.session.commit()
    auth.login(users["requester"])
    response = client.post(f"/initiatives/{draft.id}/transitions/submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Required field missing: Problem to solve" in page and "Required field missing: Sponsor" in page
    assert reloaded(draft).state == "draft"
    assert audit_count() == 0


def test_a_refusal_to_htmx_is_shown_on_the_lifecycle_panel(client, auth, users):
    draft = factories.make_initiative(owner=users["requester"], sponsor="")
    db.session.commit()
    auth.login(users["requester"])
    response = client.post(f"/initiatives/{draft.id}/transitions/submit", headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in page and page.startswith('<section id="lifecycle-panel"')
    assert "Required field missing: Sponsor" in page


def test_merge_offers_only_other_open_initiatives(client, auth, users, in_triage):
    open_one = factories.make_initiative(owner=users["pmo"], state="delivery", title="Open one")
    closed_one = factories.make_initiative(owner=users["pmo"], state="closed", title="Closed one")
    draft_one = factories.make_initiative(owner=users["pmo"], state="draft", title="Draft one")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{in_triage.id}/transitions/merge").get_data(as_text=True)
    assert f'value="{open_one.id}"' in page
    for hidden in (closed_one, draft_one, in_triage):
        assert f'value="{hidden.id}"' not in page


def test_merging_points_the_duplicate_at_the_survivor(client, auth, users, in_triage):
    survivor = factories.make_initiative(owner=users["pmo"], state="scoring")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(f"/initiatives/{in_triage.id}/transitions/merge", data={"target_id": str(survivor.id)})
    assert response.status_code == 303
    initiative = reloaded(in_triage)
    assert (initiative.state, initiative.merged_into_id) == ("merged", survivor.id)


def test_merging_into_a_closed_initiative_is_refused(client, auth, users, in_triage):
    closed = factories.make_initiative(owner=users["pmo"], state="closed")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(f"/initiatives/{in_triage.id}/transitions/merge", data={"target_id": str(closed.id)})
    assert response.status_code == 422
    assert reloaded(in_triage).state == "triage"


def test_an_unknown_trigger_is_not_found(client, auth, users, in_triage):
    auth.login(users["pmo"])
    assert client.get(f"/initiatives/{in_triage.id}/transitions/promote").status_code == 404


def test_another_departments_requester_cannot_reach_the_buttons(client, auth, in_triage):
    auth.login(factories.make_user(roles=("requester",)))
    db.session.commit()
    assert client.post(f"/initiatives/{in_triage.id}/transitions/withdraw", data={"reason": "x"}).status_code == 404
    assert reloaded(in_triage).state == "triage"


def test_a_signed_out_user_is_asked_to_sign_in(client, in_triage):
    response = client.post(f"/initiatives/{in_triage.id}/transitions/accept")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
