"""The initiative hub page: who may see it, which buttons and links it offers, its timeline."""
from datetime import timedelta

import pytest

from pmo_web.extensions import db
from pmo_web.gates import service as gates
from pmo_web.models import AuditEvent
from pmo_web.models.base import utcnow
from pmo_web.workflow import fire
from tests import factories


@pytest.fixture
def in_triage(users):
    initiative = factories.make_initiative(owner=users["requester"], state="triage", title="Body-worn video")
    db.session.commit()
    return initiative


@pytest.mark.parametrize("role", ["requester", "pmo", "approver", "viewer", "admin"])
def test_everyone_who_may_see_the_initiative_gets_its_page(client, auth, users, in_triage, role):
    auth.login(users[role])
    response = client.get(f"/initiatives/{in_triage.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in page
    assert in_triage.reference in page and "Body-worn video" in page
    assert 'id="lifecycle-panel"' in page and 'id="timeline"' in page


def test_a_requester_of_another_department_gets_not_found(client, auth, in_triage):
    auth.login(factories.make_user(roles=("requester",)))
    db.session.commit()
    assert client.get(f"/initiatives/{in_triage.id}").status_code == 404


def test_a_signed_out_user_is_asked_to_sign_in(client, in_triage):
    response = client.get(f"/initiatives/{in_triage.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_pmo_gets_the_triage_buttons(client, auth, users, in_triage):
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{in_triage.id}").get_data(as_text=True)
    assert f'action="/initiatives/{in_triage.id}/transitions/accept"' in page
    for trigger in ("request_info", "merge", "reject", "withdraw"):
        assert f'href="/initiatives/{in_triage.id}/transitions/{trigger}"' in page


def test_the_requester_may_only_withdraw_from_triage(client, auth, users, in_triage):
    auth.login(users["requester"])
    page = client.get(f"/initiatives/{in_triage.id}").get_data(as_text=True)
    assert f"/initiatives/{in_triage.id}/transitions/withdraw" in page
    for trigger in ("accept", "reject", "request_info", "merge"):
        assert f"/transitions/{trigger}" not in page


def test_gate_triggers_never_appear_as_buttons(client, auth, users):
    scoring = factories.make_initiative(owner=users["requester"], state="scoring")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{scoring.id}").get_data(as_text=True)
    assert "/transitions/advance" not in page and "/transitions/close" not in page
    assert f'href="/initiatives/{scoring.id}/score"' in page
    assert f'href="/initiatives/{scoring.id}/gates/request"' in page


def test_stage_screens_work_for_the_pmo_and_read_for_everyone_who_can_see(client, auth, users):
    delivering = factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{delivering.id}").get_data(as_text=True)
    for path in ("business-case", "delivery", "gates/request"):
        assert f'href="/initiatives/{delivering.id}/{path}"' in page
    assert f"/initiatives/{delivering.id}/benefits-review" not in page
    auth.logout()
    auth.login(users["viewer"])
    page = client.get(f"/initiatives/{delivering.id}").get_data(as_text=True)
    for path in ("business-case", "delivery"):
        assert f'href="/initiatives/{delivering.id}/{path}"' in page
    # Requesting a gate is PMO work: readers get no link to it.
    assert f"/initiatives/{delivering.id}/gates/request" not in page


@pytest.mark.parametrize(("state", "lessons", "resources"), [
    ("scoring", False, False),
    ("business_case", False, True),
    ("delivery", True, True),
    ("benefits_review", True, True),
    ("closed", True, True),
    ("cancelled", True, True),
    ("rejected", False, False),
])
def test_the_lessons_log_and_skills_page_are_linked_beside_the_raid_log(client, auth, users, state, lessons,
                                                                        resources):
    initiative = factories.make_initiative(owner=users["requester"], state=state)
    db.session.commit()
    auth.login(users["viewer"])
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert f'href="/initiatives/{initiative.id}/raid">RAID log' in page
    assert (f'href="/initiatives/{initiative.id}/lessons">Lessons log' in page) is lessons
    assert (f'href="/initiatives/{initiative.id}/resources">Skills needed and people booked' in page) is resources
    # Each link leads to a page this reader may open.
    for shown, path in ((lessons, "lessons"), (resources, "resources")):
        if shown:
            assert client.get(f"/initiatives/{initiative.id}/{path}").status_code == 200


def test_the_skills_page_is_not_linked_for_those_below_the_portfolio_rank(client, auth, users, department):
    constable = factories.make_user(roles=("requester",), rank="constable", department=department)
    delivering = factories.make_initiative(owner=constable, state="delivery")
    db.session.commit()
    auth.login(constable)
    page = client.get(f"/initiatives/{delivering.id}").get_data(as_text=True)
    assert f'href="/initiatives/{delivering.id}/lessons">Lessons log' in page
    assert f"/initiatives/{delivering.id}/resources" not in page
    assert client.get(f"/initiatives/{delivering.id}/resources").status_code == 403


def test_benefits_review_links_to_its_screen(client, auth, users):
    reviewing = factories.make_initiative(owner=users["requester"], state="benefits_review")
    db.session.commit()
    auth.login(users["admin"])
    page = client.get(f"/initiatives/{reviewing.id}").get_data(as_text=True)
    assert f'href="/initiatives/{reviewing.id}/benefits-review"' in page
    assert f'href="/initiatives/{reviewing.id}/gates/request">Request the gate G4 review' in page


def test_an_open_gate_review_is_linked_and_not_requested_twice(client, auth, users):
    scoring = factories.make_initiative(owner=users["requester"], state="scoring")
    factories.make_score(scoring, users["pmo"])
    review = gates.request_review(scoring, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{scoring.id}").get_data(as_text=True)
    assert f'href="/gates/{review.id}"' in page
    assert "Gate G1 is awaiting a decision" in page
    assert "/gates/request" not in page
    assert "Gate G1 review requested" in page


def test_the_owner_of_a_draft_can_edit_and_submit_it(client, auth, users):
    draft = factories.make_initiative(owner=users["requester"])
    db.session.commit()
    auth.login(users["requester"])
    page = client.get(f"/initiatives/{draft.id}").get_data(as_text=True)
    assert f'href="/requests/{draft.id}/edit"' in page
    assert f'action="/initiatives/{draft.id}/transitions/submit"' in page


def test_the_timeline_lists_events_oldest_first_with_who_and_why(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="triage")
    fire(initiative, "request_info", users["pmo"], question="Which stations?")
    fire(initiative, "resubmit", users["requester"], answer="All twelve")
    fire(initiative, "reject", users["pmo"], reason="Covered by the national programme")
    db.session.commit()
    auth.login(users["requester"])
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    asked, answered, rejected = (page.index(text) for text in
                                 ("Question: Which stations?", "Answer: All twelve",
                                  "Reason: Covered by the national programme"))
    assert asked < answered < rejected
    assert users["pmo"].name in page and "From Triage to Rejected" in page
    assert "Rejected because" in page


def test_time_in_each_stage_comes_from_the_transitions(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="submitted",
                                           created_at=utcnow() - timedelta(days=9))
    db.session.add(AuditEvent(initiative_id=initiative.id, kind="transition", trigger="submit",
                              from_state="draft", to_state="submitted", actor_id=users["requester"].id,
                              created_at=utcnow() - timedelta(days=6)))
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Time spent in each stage" in page
    assert "9 days so far" in page


def test_a_merged_request_links_to_the_one_it_duplicates(client, auth, users):
    survivor = factories.make_initiative(owner=users["requester"], state="scoring", title="The survivor")
    duplicate = factories.make_initiative(owner=users["requester"], state="triage")
    fire(duplicate, "merge", users["pmo"], target_id=survivor.id)
    db.session.commit()
    auth.login(users["requester"])
    page = client.get(f"/initiatives/{duplicate.id}").get_data(as_text=True)
    assert f'href="/initiatives/{survivor.id}">{survivor.reference}: The survivor</a>' in page
