"""The request form, editing a draft, and the lists of my and my department's requests."""
import pytest
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import AuditEvent, Initiative
from tests import factories


@pytest.fixture
def priority(app):
    made = factories.make_priority("Leveraging technology")
    db.session.commit()
    return made


@pytest.fixture
def complete_request(users, priority):
    """Form data with every field a submission needs."""
    return {
        "title": "Mobile fingerprint scanners",
        "description": "Officers confirm identity at the roadside.",
        "problem": "Suspects are brought to custody only to be identified.",
        "department": str(users["requester"].department_id),
        "sponsor": "Supt B. Example",
        "desired_outcome": "Identity confirmed in minutes.",
        "deadline_driver": "",
        "cost_band": "100k_500k",
        "strategic_priority": str(priority.id),
    }


def initiative_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Initiative))


@pytest.mark.parametrize(("role", "status"), [
    ("requester", 200), ("pmo", 200), ("approver", 200), ("admin", 200), ("viewer", 403),
])
def test_who_may_open_the_request_form(client, auth, users, role, status):
    auth.login(users[role])
    assert client.get("/requests/new").status_code == status


def test_the_form_asks_a_signed_out_user_to_sign_in(client):
    response = client.get("/requests/new")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_department_defaults_to_the_users_own(client, auth, users, priority):
    auth.login(users["requester"])
    page = client.get("/requests/new").get_data(as_text=True)
    assert f'<option value="{users["requester"].department_id}" selected>' in page
    assert "Leveraging technology" in page
    assert "Under £10,000" in page


def test_saving_a_draft_needs_only_a_title(client, auth, users):
    auth.login(users["requester"])
    response = client.post("/requests/new", data={"title": "Drone for missing people", "save_draft": "y"})
    initiative = db.session.scalar(select(Initiative))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/initiatives/{initiative.id}")
    assert (initiative.state, initiative.owner_id) == ("draft", users["requester"].id)
    assert initiative.title == "Drone for missing people"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_draft_without_a_title_is_refused_and_nothing_saved(client, auth, users):
    auth.login(users["requester"])
    response = client.post("/requests/new", data={"title": "  ", "save_draft": "y"})
    assert response.status_code == 422
    assert "Enter a title" in response.get_data(as_text=True)
    assert initiative_count() == 0


def test_submitting_a_complete_request_fires_submit_with_its_audit_event(client, auth, users, complete_request):
    auth.login(users["requester"])
    response = client.post("/requests/new", data={**complete_request, "submit_request": "y"})
    initiative = db.session.scalar(select(Initiative))
    assert response.status_code == 303
    assert initiative.state == "submitted"
    assert initiative.submitted_at is not None
    event = db.session.scalar(select(AuditEvent))
    assert (event.trigger, event.from_state, event.to_state, event.actor_id) == (
        "submit", "draft", "submitted", users["requester"].id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{initiative.reference} has been submitted to the PMO." in page


def test_submitting_an_incomplete_request_names_every_missing_field(client, auth, users):
    auth.login(users["requester"])
    response = client.post("/requests/new", data={"title": "Half a request", "department": "", "submit_request": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    for message in ("Enter a description of the change", "Enter the problem the change would solve",
                    "Select the department making the request", "Enter the name of the sponsor",
                    "Enter the outcome you want", "Select a rough cost",
                    "Select the strategic priority the change serves"):
        assert message in page
    assert initiative_count() == 0


def test_the_form_never_takes_state_or_owner_from_the_request(client, auth, users, complete_request):
    auth.login(users["requester"])
    client.post("/requests/new", data={**complete_request, "save_draft": "y", "state": "delivery",
                                       "owner_id": str(users["pmo"].id), "owner": str(users["pmo"].id)})
    initiative = db.session.scalar(select(Initiative))
    assert (initiative.state, initiative.owner_id) == ("draft", users["requester"].id)


def test_an_unknown_department_is_refused(client, auth, users, complete_request):
    auth.login(users["requester"])
    response = client.post("/requests/new", data={**complete_request, "department": "9999", "save_draft": "y"})
    assert response.status_code == 422
    assert initiative_count() == 0


# -- editing a draft


def test_the_owner_sees_their_draft_in_the_form(client, auth, users):
    draft = factories.make_initiative(owner=users["requester"], title="Automatic number plate cameras")
    db.session.commit()
    auth.login(users["requester"])
    response = client.get(f"/requests/{draft.id}/edit")
    assert response.status_code == 200
    assert 'value="Automatic number plate cameras"' in response.get_data(as_text=True)


def test_the_owner_saves_changes_to_their_draft(client, auth, users):
    draft = factories.make_initiative(owner=users["requester"])
    db.session.commit()
    auth.login(users["requester"])
    response = client.post(f"/requests/{draft.id}/edit",
                           data={"title": "Renamed", "save_draft": "y", "version": str(draft.version)})
    assert response.status_code == 303
    db.session.refresh(draft)
    assert (draft.title, draft.state) == ("Renamed", "draft")


def test_the_owner_submits_their_draft_from_the_form(client, auth, users, complete_request):
    draft = factories.make_initiative(owner=users["requester"], description="")
    db.session.commit()
    auth.login(users["requester"])
    response = client.post(f"/requests/{draft.id}/edit",
                           data={**complete_request, "submit_request": "y", "version": str(draft.version)})
    assert response.status_code == 303
    db.session.refresh(draft)
    assert draft.state == "submitted"
    assert draft.description == complete_request["description"]
    assert db.session.scalar(select(func.count()).where(AuditEvent.trigger == "submit")) == 1


def test_an_incomplete_submission_from_the_edit_form_changes_nothing(client, auth, users, complete_request):
    draft = factories.make_initiative(owner=users["requester"], title="Original")
    db.session.commit()
    auth.login(users["requester"])
    response = client.post(f"/requests/{draft.id}/edit",
                           data={**complete_request, "title": "Changed", "sponsor": "", "submit_request": "y"})
    assert response.status_code == 422
    db.session.refresh(draft)
    assert (draft.title, draft.state) == ("Original", "draft")


def test_someone_else_in_the_department_may_not_edit_a_draft(client, auth, users):
    # A draft is its author's alone (docs/rules.md 10): to anyone else it does not exist.
    draft = factories.make_initiative(owner=users["requester"])
    colleague = factories.make_user(roles=("requester",), department=users["requester"].department)
    db.session.commit()
    auth.login(colleague)
    assert client.get(f"/requests/{draft.id}/edit").status_code == 404
    assert client.post(f"/requests/{draft.id}/edit", data={"title": "Mine now", "save_draft": "y"}).status_code == 404
    db.session.refresh(draft)
    assert draft.title != "Mine now"


def test_a_requester_of_another_department_gets_not_found(client, auth, users):
    draft = factories.make_initiative(owner=users["requester"])
    outsider = factories.make_user(roles=("requester",))
    db.session.commit()
    auth.login(outsider)
    assert client.get(f"/requests/{draft.id}/edit").status_code == 404


@pytest.mark.parametrize("role", ["pmo", "admin"])
def test_even_the_pmo_may_not_edit_someone_elses_draft(client, auth, users, role):
    draft = factories.make_initiative(owner=users["requester"])
    db.session.commit()
    auth.login(users[role])
    assert client.get(f"/requests/{draft.id}/edit").status_code == 404


def test_a_submitted_request_can_no_longer_be_edited(client, auth, users):
    submitted = factories.make_initiative(owner=users["requester"], state="submitted", title="Kept")
    db.session.commit()
    auth.login(users["requester"])
    response = client.post(f"/requests/{submitted.id}/edit", data={"title": "Changed", "save_draft": "y"})
    assert response.status_code == 409
    assert "can no longer be edited" in response.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.title == "Kept"


# -- my requests and my department's requests


def test_my_requests_lists_only_mine(client, auth, users):
    mine = factories.make_initiative(owner=users["requester"], state="triage", title="Mine")
    theirs = factories.make_initiative(owner=users["pmo"], state="triage", title="Theirs")
    db.session.commit()
    auth.login(users["requester"])
    page = client.get("/requests/mine").get_data(as_text=True)
    assert mine.reference in page and "Triage" in page and "Contact Management" in page
    assert theirs.reference not in page


def test_my_requests_explains_an_empty_list(client, auth, users):
    auth.login(users["requester"])
    page = client.get("/requests/mine").get_data(as_text=True)
    assert "You have not made any requests yet" in page
    assert 'href="/requests/new"' in page


def test_the_viewer_has_no_requests_of_their_own(client, auth, users):
    auth.login(users["viewer"])
    assert client.get("/requests/mine").status_code == 403


@pytest.mark.parametrize("role", ["requester", "pmo", "approver", "viewer", "admin"])
def test_department_requests_list_the_departments_submitted_work(client, auth, users, role):
    colleague = factories.make_user(roles=("requester",), department=users["requester"].department)
    submitted = factories.make_initiative(owner=colleague, state="submitted")
    draft = factories.make_initiative(owner=colleague, state="draft")
    elsewhere = factories.make_initiative(state="submitted")
    db.session.commit()
    auth.login(users[role])
    page = client.get("/requests/department").get_data(as_text=True)
    assert submitted.reference in page
    assert draft.reference not in page
    assert elsewhere.reference not in page


def test_the_request_lists_ask_a_signed_out_user_to_sign_in(client):
    assert client.get("/requests/mine").status_code == 302
    assert client.get("/requests/department").status_code == 302
