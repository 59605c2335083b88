"""Moves that cannot be undone (accept, reject ...) are confirmed before they are made: from the
Move menu, from a drop, and without JavaScript."""
import re

import pytest
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import AuditEvent
from tests import factories
from tests.web.triage.test_board import HTMX, state_of


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def triaged(users):
    initiative = factories.make_initiative(owner=users["requester"], state="triage")
    db.session.commit()
    return initiative


def test_accept_from_the_move_menu_asks_to_confirm_in_place_then_moves(client, auth, users, triaged):
    auth.login(users["pmo"])
    menu = client.get(f"/triage/{triaged.id}/moves", headers=HTMX).get_data(as_text=True)
    assert f'href="/triage/{triaged.id}/confirm/accept"' in menu
    assert 'name="trigger" value="accept"' not in menu  # no one-press accept
    response = client.get(f"/triage/{triaged.id}/confirm/accept", headers=HTMX)
    step = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in step
    assert step.lstrip().startswith(f'<div class="app-card__moves app-card__confirm" id="moves-{triaged.id}"')
    assert f"Accept {triaged.reference}?" in step
    assert f"This moves {triaged.reference} from Triage to Scoring. It cannot be undone." in step
    assert 'name="confirmed" value="yes"' in step and 'name="trigger" value="accept"' in step
    assert state_of(triaged) == "triage" and audit_count() == 0
    moved = client.post(f"/triage/{triaged.id}/move", data={"trigger": "accept", "confirmed": "yes"}, headers=HTMX)
    assert moved.status_code == 200 and state_of(triaged) == "scoring" and audit_count() == 1


def test_without_javascript_the_confirmation_is_a_page_of_its_own(client, auth, users, triaged):
    auth.login(users["pmo"])
    page = client.get(f"/triage/{triaged.id}/confirm/accept").get_data(as_text=True)
    assert "<html" in page and f"<h1 class=\"govuk-heading-l\">Accept {triaged.reference}" in page
    assert 'href="/triage"' in page  # cancel, and back
    response = client.post(f"/triage/{triaged.id}/move", data={"trigger": "accept", "confirmed": "yes"})
    assert response.status_code == 303 and state_of(triaged) == "scoring"


@pytest.mark.parametrize("headers", [HTMX, {}])
def test_an_unconfirmed_irreversible_move_asks_first_and_changes_nothing(client, auth, users, triaged, headers):
    """A drop sends accept without confirmation: the answer is the confirmation step."""
    auth.login(users["pmo"])
    response = client.post(f"/triage/{triaged.id}/move", data={"trigger": "accept"}, headers=headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Accept {triaged.reference}?" in page and "It cannot be undone." in page
    if headers:
        assert response.headers["HX-Retarget"] == f"#moves-{triaged.id}"
        assert response.headers["HX-Reswap"] == "outerHTML"
    else:
        assert "<html" in page
    assert state_of(triaged) == "triage" and audit_count() == 0


def test_a_rejection_sent_with_its_reason_is_confirmed_keeping_the_reason(client, auth, users, triaged):
    auth.login(users["pmo"])
    reason = 'Covered by the "national" programme'
    response = client.post(f"/triage/{triaged.id}/move", data={"trigger": "reject", "reason": reason}, headers=HTMX)
    step = response.get_data(as_text=True)
    assert "from Triage to Rejected. It cannot be undone." in step
    assert 'name="reason" value="Covered by the &#34;national&#34; programme"' in step
    assert state_of(triaged) == "triage"
    sent = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', step))
    sent["reason"] = reason
    assert client.post(f"/triage/{triaged.id}/move", data=sent, headers=HTMX).status_code == 200
    assert state_of(triaged) == "rejected"


def test_a_move_that_is_not_confirmable_is_refused_not_confirmed(client, auth, users, triaged):
    submitted = factories.make_initiative(owner=users["requester"], state="submitted")
    db.session.commit()
    auth.login(users["pmo"])
    assert client.get(f"/triage/{triaged.id}/confirm/start_triage").status_code == 404  # can be undone: no step
    refused = client.get(f"/triage/{submitted.id}/confirm/accept", headers=HTMX)
    assert refused.status_code == 409 and "Accept is not possible from Submitted" in refused.get_data(as_text=True)
    # A reason missing is refused at once, not confirmed first.
    missing = client.post(f"/triage/{triaged.id}/move", data={"trigger": "reject"}, headers=HTMX)
    assert missing.status_code == 422 and "A reason is required" in missing.get_data(as_text=True)


def test_the_reject_form_the_menu_opens_says_it_cannot_be_undone(client, auth, users, triaged):
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{triaged.id}/transitions/reject").get_data(as_text=True)
    assert "This cannot be undone." in page
    page = client.get(f"/initiatives/{triaged.id}/transitions/request_info").get_data(as_text=True)
    assert "This cannot be undone." not in page
