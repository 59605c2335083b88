"""Gate conditions tracked to closure (docs/rules.md 9): shown where later stages are worked on,
met with evidence or waived by an approver, in place or without JavaScript, and a later
gate waits for them."""
import re
from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import select, update

from pmo_web.extensions import db
from pmo_web.gates import conditions as gate_conditions
from pmo_web.gates import service
from pmo_web.models import AuditEvent, Benefit, GateCondition, Initiative
from tests import factories
from workflows.gate import Condition
from workflows.lifecycle import GuardRefused

from .helpers import criteria_shown

HX = {"HX-Request": "true"}
EVIDENCE = "Data-sharing agreement signed on 3 June, filed in the SharePoint contract folder"
REASON = "The national contract now covers data sharing"
OPEN_CONDITION = ("Condition set at Gate 2 is still open: Agree the data-sharing terms "
                  "(owner: Head of Information, due {due})")


def the_condition(review) -> GateCondition:
    db.session.expire_all()
    return db.session.scalar(select(GateCondition).where(GateCondition.initiative_id == review.initiative_id))


def action_url(condition, word: str) -> str:
    return url_for(f"gates.condition_{word}", initiative_id=condition.initiative_id, condition_id=condition.id,
                   _external=False)


def close(client, condition, word: str, note: str, htmx: bool = False, version: str | None = None):
    data = {"note": note, "version": version or str(condition.version)}
    return client.post(action_url(condition, word), data=data, headers=HX if htmx else {})


def ready_for_closure(initiative_id: int) -> Initiative:
    """Arrange an initiative in benefits review with Gate 4's own criteria met: every benefit
    measured, a lesson, satisfaction recorded."""
    initiative = move_to(initiative_id, "benefits_review", satisfaction_score=4)
    for benefit in db.session.scalars(select(Benefit).where(Benefit.initiative_id == initiative_id)):
        benefit.actual_value = "350 hours"
    factories.make_lesson(initiative)
    db.session.commit()
    return initiative


def move_to(initiative_id: int, state: str, **fields) -> Initiative:
    """Arrange an initiative in `state` directly (tests only: the app moves it through gates)."""
    initiative = db.session.get(Initiative, initiative_id)
    initiative.state = state
    for name, value in fields.items():
        setattr(initiative, name, value)
    db.session.commit()
    return initiative


# ------------------------------------------------------------------- where they are shown

def test_conditions_are_tracked_from_the_approval(approved_with):
    review = approved_with("G2")
    condition = the_condition(review)
    assert (condition.state, condition.gate, condition.owner_name, condition.version) == (
        "open", "G2", "Head of Information", 1)
    assert gate_conditions.conditions_of(review.initiative_id) == [condition]


@pytest.mark.parametrize("page, state", [
    ("delivery.edit", "delivery"),
    ("review.benefits", "benefits_review"),
    ("initiatives.show", "delivery"),
])
def test_shown_where_later_stages_are_worked_on(client, auth, users, approved_with, page, state):
    review = approved_with("G2")
    move_to(review.initiative_id, state)
    auth.login(users["viewer"])
    body = client.get(url_for(page, initiative_id=review.initiative_id)).get_data(as_text=True)
    if page == "initiatives.show":  # in "What happens next": each with its owner, due date and page
        listed = body.split('id="next-conditions"')[1].split("</ul>")[0]
        assert "Agree the data-sharing terms" in listed and "Owner: Head of Information" in listed
        condition = the_condition(review)
        assert f"Due {condition.due.day} {condition.due:%B %Y}" in listed
        assert f'href="/initiatives/{review.initiative_id}/conditions/{condition.id}"' in listed
        return
    assert 'id="conditions"' in body and "Agree the data-sharing terms" in body and "Head of Information" in body
    assert ">Open</strong>" in body
    # A viewer reads them but is offered no action.
    assert "Mark as met" not in body and "Waive" not in body


def test_shown_at_every_later_gate_review(client, auth, users, approved_with):
    review = approved_with("G2")
    initiative = ready_for_closure(review.initiative_id)
    gate_conditions.close_condition(the_condition(review), users["pmo"], "meet", EVIDENCE)
    db.session.commit()
    later = service.request_review(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["approver"])
    body = client.get(url_for("gates.review", review_id=later.id)).get_data(as_text=True)
    assert "Agree the data-sharing terms" in body and ">Met</strong>" in body and EVIDENCE in body
    assert criteria_shown(body)["Conditions set at earlier gates met or waived"] is True


def test_a_condition_past_due_is_flagged_overdue(client, auth, users, approved_with):
    review = approved_with("G2", conditions=(Condition("Name a benefits owner", "Sponsor",
                                                       date.today() - timedelta(days=1)),))
    auth.login(users["pmo"])
    body = client.get(url_for("delivery.edit", initiative_id=review.initiative_id)).get_data(as_text=True)
    assert ">Overdue</strong>" in body and "1 overdue" in body


def test_a_condition_of_an_approval_that_did_not_pass_is_not_tracked(client, auth, users, requested,
                                                                     second_approver):
    review = requested("G1")
    review.quorum = 2
    db.session.commit()
    service.record_decision(review, users["approver"], "approve_with_conditions", comment="Subject to",
                            conditions=(Condition("Revise the costs", "Finance", date.today()),))
    service.record_decision(review, second_approver, "return_for_rework", comment="Not yet")
    db.session.commit()
    assert gate_conditions.conditions_of(review.initiative_id) == []
    outvoted = the_condition(review)
    auth.login(users["pmo"])
    assert client.get(action_url(outvoted, "met")).status_code == 404


# --------------------------------------------------------------- met, waived, and by whom

# (role, word) -> the status a POST gets: the PMO marks met, an approver waives (docs/rules.md 9).
WHO = [
    ("pmo", "met", 303), ("admin", "met", 303), ("approver", "met", 403), ("viewer", "met", 403),
    ("requester", "met", 403),
    ("approver", "waive", 303), ("pmo", "waive", 403), ("admin", "waive", 403), ("viewer", "waive", 403),
    ("requester", "waive", 403),
]


@pytest.mark.parametrize("role, word, status", WHO)
def test_who_may_close_a_condition(client, auth, users, approved_with, role, word, status):
    review = approved_with("G2")
    condition = the_condition(review)
    auth.login(users[role])
    assert client.get(action_url(condition, word)).status_code == (200 if status == 303 else 403)
    response = close(client, condition, word, EVIDENCE)
    assert response.status_code == status
    closed = the_condition(review)
    if status == 403:
        assert closed.state == "open" and closed.version == 1
        return
    assert response.headers["Location"].endswith(f"/initiatives/{review.initiative_id}/delivery#condition-{closed.id}")
    assert closed.state == ("met" if word == "met" else "waived")
    assert (closed.evidence if word == "met" else closed.waiver_reason) == EVIDENCE
    assert (closed.closed_by_id, closed.version) == (users[role].id, 2)
    assert closed.closed_at is not None


def test_the_owner_when_a_user_marks_it_met(client, auth, users, approved_with):
    owner = users["viewer"]
    review = approved_with("G2", conditions=(Condition("Brief the control room", owner.name, date.today(),
                                                       owner_id=owner.id),))
    condition = the_condition(review)
    assert condition.owner_name == owner.name
    auth.login(owner)
    page = client.get(url_for("delivery.edit", initiative_id=review.initiative_id)).get_data(as_text=True)
    assert "Mark as met" in page
    assert close(client, condition, "met", EVIDENCE).status_code == 303
    assert the_condition(review).state == "met"


def test_the_requester_of_the_initiative_cannot_waive_even_as_an_approver(client, auth, users, approved_with):
    review = approved_with("G2")
    initiative = db.session.get(Initiative, review.initiative_id)
    users["requester"].set_roles(("requester", "approver"))
    db.session.commit()
    assert initiative.owner_id == users["requester"].id
    auth.login(users["requester"])
    response = close(client, the_condition(review), "waive", REASON)
    assert response.status_code == 403
    assert "The requester of an initiative cannot waive its conditions" in response.get_data(as_text=True)


def test_closing_is_audited_with_its_evidence(client, auth, users, approved_with):
    review = approved_with("G2")
    condition = the_condition(review)
    auth.login(users["approver"])
    close(client, condition, "waive", REASON)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.trigger == "gate_condition.waived"))
    assert (event.initiative_id, event.subject_kind, event.subject_id, event.actor_id) == (
        review.initiative_id, "gate_condition", condition.id, users["approver"].id)
    changes = event.detail["changes"]
    assert changes["state"] == {"before": "open", "after": "waived"}
    assert changes["waiver_reason"] == {"before": "", "after": REASON}


@pytest.mark.parametrize("word, message", [
    ("met", "Enter the evidence that the condition is met"),
    ("waive", "Enter why the condition is waived"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_evidence_or_a_reason_is_required(client, auth, users, approved_with, word, message, htmx):
    review = approved_with("G2")
    auth.login(users["pmo" if word == "met" else "approver"])
    response = close(client, the_condition(review), word, "   ", htmx=htmx)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and "govuk-error-summary" in body
    assert ("<html" in body) is not htmx
    assert the_condition(review).state == "open"


def test_inline_the_row_becomes_a_form_and_comes_back_closed(client, auth, users, approved_with):
    review = approved_with("G2")
    condition = the_condition(review)
    auth.login(users["pmo"])
    form = client.get(action_url(condition, "met"), headers=HX).get_data(as_text=True)
    assert form.startswith("<tr") and f'id="condition-{condition.id}"' in form
    assert f'hx-post="{action_url(condition, "met")}"' in form and 'name="version" type="hidden" value="1"' in form
    response = close(client, condition, "met", EVIDENCE, htmx=True)
    row = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in row
    assert ">Met</strong>" in row and EVIDENCE in row and f"By {users['pmo'].name}" in row
    assert "Condition marked as met: Agree the data-sharing terms" in row
    cancel = client.get(url_for("gates.condition", initiative_id=condition.initiative_id,
                                condition_id=condition.id), headers=HX).get_data(as_text=True)
    assert cancel.startswith("<tr") and ">Met</strong>" in cancel


def test_without_javascript_the_condition_has_a_page_of_its_own(client, auth, users, approved_with):
    review = approved_with("G2")
    condition = the_condition(review)
    auth.login(users["pmo"])
    page = client.get(action_url(condition, "met")).get_data(as_text=True)
    assert "<html" in page and "Mark as met: condition set at Gate 2" in page
    assert f'action="{action_url(condition, "met")}"' in page and "hx-post" not in page
    response = close(client, condition, "met", EVIDENCE)
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Condition marked as met: Agree the data-sharing terms" in follow


@pytest.mark.parametrize("htmx", [False, True])
def test_a_condition_closed_meanwhile_is_a_conflict(client, auth, users, approved_with, second_approver, htmx):
    review = approved_with("G2")
    condition = the_condition(review)
    stale_version = str(condition.version)
    gate_conditions.close_condition(condition, second_approver, "waive", REASON)
    db.session.commit()
    auth.login(users["pmo"])
    response = close(client, condition, "met", EVIDENCE, htmx=htmx, version=stale_version)
    assert response.status_code == 409
    assert f"This condition has already been waived by {second_approver.name}" in response.get_data(as_text=True)
    assert the_condition(review).waiver_reason == REASON


def test_a_stale_form_is_a_conflict_and_saves_nothing(client, auth, users, approved_with):
    review = approved_with("G2")
    condition = the_condition(review)
    db.session.execute(update(GateCondition).where(GateCondition.id == condition.id)
                       .values(version=GateCondition.version + 1, changed_by="Someone else"))
    db.session.commit()
    auth.login(users["pmo"])
    response = close(client, condition, "met", EVIDENCE, version="1")
    assert response.status_code == 409
    assert "Someone else saved this condition while you were editing it" in response.get_data(as_text=True)
    assert the_condition(review).state == "open"


def test_a_condition_of_another_initiative_is_not_found(client, auth, users, approved_with):
    first, second = approved_with("G2"), approved_with("G2")
    condition = the_condition(first)
    auth.login(users["pmo"])
    wrong = url_for("gates.condition_met", initiative_id=second.initiative_id, condition_id=condition.id)
    assert client.get(wrong).status_code == 404
    assert client.post(wrong, data={"note": EVIDENCE, "version": "1"}).status_code == 404


def test_another_departments_requester_is_not_told_it_exists(client, auth, approved_with, outsider):
    condition = the_condition(approved_with("G2"))
    auth.login(outsider)
    assert client.get(action_url(condition, "met")).status_code == 404


# ------------------------------------------------------------- a later gate waits for them

@pytest.mark.parametrize("closing", ["meet", "waive"])
def test_gate_four_refused_while_a_gate_two_condition_is_open_allowed_once_met_or_waived(
        client, auth, users, approved_with, closing):
    review = approved_with("G2")
    condition = the_condition(review)
    # Arranged straight into benefits review with Gate 4's own criteria met, so only the
    # condition stands in the way (in the app Gate 3 would have waited for it already).
    initiative = ready_for_closure(review.initiative_id)
    due = f"{condition.due.day} {condition.due:%B %Y}"

    with pytest.raises(GuardRefused) as refused:
        service.request_review(initiative, users["pmo"])
    assert refused.value.reasons == [OPEN_CONDITION.format(due=due)]
    db.session.rollback()

    auth.login(users["pmo"])
    page = client.get(url_for("gates.request_review", initiative_id=initiative.id)).get_data(as_text=True)
    assert criteria_shown(page)["Conditions set at earlier gates met or waived"] is False
    assert "still open: Agree the data-sharing terms (Gate 2)" in page
    assert "Request gate review</button>" not in page
    response = client.post(url_for("gates.request_review", initiative_id=initiative.id), data={"note": ""})
    assert response.status_code == 422
    assert OPEN_CONDITION.format(due=due) in response.get_data(as_text=True)
    summary = client.get(url_for("review.benefits", initiative_id=initiative.id)).get_data(as_text=True)
    assert "Conditions set at earlier gates met or waived" in summary

    closer = users["pmo"] if closing == "meet" else users["approver"]
    gate_conditions.close_condition(the_condition(review), closer, closing, EVIDENCE)
    db.session.commit()
    page = client.get(url_for("gates.request_review", initiative_id=initiative.id)).get_data(as_text=True)
    assert criteria_shown(page)["Conditions set at earlier gates met or waived"] is True
    response = client.post(url_for("gates.request_review", initiative_id=initiative.id), data={"note": ""})
    assert response.status_code == 303


def test_gate_three_waits_for_gate_two_conditions_too(users, approved_with):
    review = approved_with("G2")
    initiative = db.session.get(Initiative, review.initiative_id)
    factories.make_milestone(initiative, done=True)
    db.session.commit()
    assert initiative.state == "delivery"
    assert service.entry_failures(initiative)[-1].startswith("Condition set at Gate 2 is still open")


def test_an_initiative_that_never_had_conditions_is_not_asked_about_them(client, auth, users, at_gate):
    initiative = at_gate("G4")
    auth.login(users["pmo"])
    page = client.get(url_for("gates.request_review", initiative_id=initiative.id)).get_data(as_text=True)
    assert "Conditions set at earlier gates met or waived" not in criteria_shown(page)


# ------------------------------------------------------------ the conditions My work reads

def test_due_and_overdue_conditions_for_the_pmo_and_per_owner(users, approved_with, outsider):
    today = date.today()
    owner = users["viewer"]
    review = approved_with("G2", conditions=(
        Condition("Overdue", owner.name, today - timedelta(days=2), owner_id=owner.id),
        Condition("Due today", "Head of Finance", today),
        Condition("Due in a week", owner.name, today + timedelta(days=7), owner_id=owner.id),
        Condition("Due next month", "Head of Finance", today + timedelta(days=31)),
    ))
    texts = lambda rows: [c.text for c in rows]  # noqa: E731
    assert texts(gate_conditions.open_conditions(review.initiative_id)) == [
        "Overdue", "Due today", "Due in a week", "Due next month"]
    assert texts(gate_conditions.conditions_due(today)) == ["Overdue", "Due today"]
    assert texts(gate_conditions.conditions_due(today, within_days=7)) == ["Overdue", "Due today", "Due in a week"]
    assert texts(gate_conditions.conditions_due(today, within_days=7, owner=owner)) == ["Overdue", "Due in a week"]
    assert texts(gate_conditions.conditions_overdue(today)) == ["Overdue"]
    assert texts(gate_conditions.conditions_due(today, viewer=users["pmo"])) == ["Overdue", "Due today"]
    assert gate_conditions.conditions_due(today, viewer=outsider) == []
    # Work that ended early leaves nothing to chase.
    move_to(review.initiative_id, "cancelled")
    assert gate_conditions.conditions_due(today, within_days=60) == []


def test_the_owner_picker_offers_users_and_keeps_a_typed_name(client, auth, users, requested):
    review = requested("G1")
    auth.login(users["approver"])
    page = client.get(url_for("gates.review", review_id=review.id)).get_data(as_text=True)
    assert re.search(r'<select[^>]*name="conditions-0-owner_id"', page)
    assert f'value="{users["viewer"].id}">{users["viewer"].name}</option>' in page
    in_a_month = date.today() + timedelta(days=30)
    due = [str(in_a_month.day), str(in_a_month.month), str(in_a_month.year)]
    blank = {f"conditions-{n}-{part}": "" for n in (1, 2) for part in ("text", "owner", "owner_id")}
    response = client.post(url_for("gates.decide", review_id=review.id), data={
        "decision": "approve_with_conditions", "comment": "Subject to", "defer_until": ["", "", ""], **blank,
        "conditions-0-text": "Brief the control room", "conditions-0-owner_id": str(users["viewer"].id),
        "conditions-0-owner": "", "conditions-0-due": due,
        "conditions-1-due": ["", "", ""], "conditions-2-due": ["", "", ""]})
    assert response.status_code == 303
    condition = the_condition(review)
    assert (condition.owner_id, condition.owner, condition.owner_name) == (
        users["viewer"].id, users["viewer"].name, users["viewer"].name)


@pytest.mark.parametrize("owner_id, owner, message", [
    ("", "", "Enter who owns the condition: choose them from the list or type their name or role"),
    ("me", "Head of Finance", "Choose the owner from the list or type their name, not both"),
])
def test_one_owner_per_condition(client, auth, users, requested, owner_id, owner, message):
    review = requested("G1")
    auth.login(users["approver"])
    in_a_month = date.today() + timedelta(days=30)
    response = client.post(url_for("gates.decide", review_id=review.id), data={
        "decision": "approve_with_conditions", "comment": "Subject to", "defer_until": ["", "", ""],
        "conditions-0-text": "Brief the control room", "conditions-0-owner": owner,
        "conditions-0-owner_id": str(users["viewer"].id) if owner_id == "me" else "",
        "conditions-0-due": [str(in_a_month.day), str(in_a_month.month), str(in_a_month.year)]})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
