"""Similar work while a request is typed (POST /requests/similar, htmx), on the request form
without JavaScript, and for the PMO at triage with a Merge button that opens the lifecycle's
merge form with the duplicate's target chosen."""
import re

import pytest
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import AuditEvent, Initiative, Lesson
from tests import factories

HTMX = {"HX-Request": "true"}


@pytest.fixture
def interpreters(users):
    """Submitted work in the requester's department that a new request might duplicate."""
    made = factories.make_initiative(owner=users["pmo"], state="triage", title="Interpreter booking system for custody",
                                     description="Book face-to-face and video interpreters for detainees.")
    db.session.commit()
    return made


def similar(client, title: str, description: str = ""):
    return client.post("/requests/similar", data={"title": title, "description": description}, headers=HTMX)


def row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_typing_a_near_copy_lists_it_with_the_shared_words_and_a_link(client, auth, users, interpreters):
    auth.login(users["requester"])
    before = row_counts()
    response = similar(client, "Booking interpreters in custody", "Video interpreters for detainees")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page and page.startswith('<div id="similar-requests"')
    link = f'href="/initiatives/{interpreters.id}">{interpreters.reference}: Interpreter booking system for custody'
    assert link in page
    reason = re.search(r"Shares: ([a-z, ]+)", page).group(1).split(", ")
    assert set(reason) == {"booking", "interpreters", "custody", "video", "detainees"}
    assert "Triage" in page and "Possible duplicate" in page
    # What screen readers hear, swapped into the form's live region.
    assert '<p id="similar-requests-status" hx-swap-oob="innerHTML">1 similar request found</p>' in page
    assert row_counts() == before


def test_nothing_telling_typed_lists_nothing_and_says_nothing(client, auth, users, interpreters):
    auth.login(users["requester"])
    page = similar(client, "A new system", "for the project").get_data(as_text=True)
    assert "similar-requests-heading" not in page
    assert '<p id="similar-requests-status" hx-swap-oob="innerHTML"></p>' in page


def test_unrelated_text_finds_nothing_and_says_so(client, auth, users, interpreters):
    auth.login(users["requester"])
    page = similar(client, "Mounted section stables").get_data(as_text=True)
    assert interpreters.reference not in page
    assert "No similar requests found" in page


def test_another_departments_work_is_not_shown_or_hinted_at(client, auth, users, outsider):
    theirs = factories.make_initiative(owner=outsider, state="delivery", title="Drone unit expansion",
                                       description="More drones and pilots.")
    db.session.commit()
    auth.login(users["requester"])
    page = similar(client, "Drone unit expansion", "More drones and pilots.").get_data(as_text=True)
    assert theirs.reference not in page and "Drone unit expansion" not in page
    assert "No similar requests found" in page
    auth.logout()
    auth.login(users["pmo"])
    assert theirs.reference in similar(client, "Drone unit expansion").get_data(as_text=True)


def test_drafts_and_dead_ends_are_not_offered(client, auth, users):
    for state in ("draft", "withdrawn", "rejected", "merged"):
        factories.make_initiative(owner=users["requester"], state=state, title=f"Fleet telematics {state}")
    db.session.commit()
    auth.login(users["requester"])
    page = similar(client, "Fleet telematics").get_data(as_text=True)
    assert "No similar requests found" in page


def test_titles_from_users_are_escaped(client, auth, users):
    factories.make_initiative(owner=users["requester"], state="submitted",
                              title='Drone <script>alert(1)</script> "unit" expansion')
    db.session.commit()
    auth.login(users["requester"])
    page = similar(client, "Drone unit expansion <b>now</b>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<b>" not in page
    assert "Drone &lt;script&gt;alert(1)&lt;/script&gt; &#34;unit&#34; expansion" in page


@pytest.mark.parametrize(("role", "status"), [
    ("requester", 200), ("pmo", 200), ("approver", 200), ("admin", 200), ("viewer", 403),
])
def test_who_may_ask(client, auth, users, role, status):
    auth.login(users[role])
    assert similar(client, "Fleet telematics").status_code == status


def test_it_is_a_post_only_lookup(client, auth, users):
    auth.login(users["requester"])
    assert client.get("/requests/similar?title=Fleet").status_code == 405


def test_the_form_looks_up_as_the_title_and_description_are_typed(client, auth, users):
    auth.login(users["requester"])
    page = client.get("/requests/new").get_data(as_text=True)
    for name in ("title", "description"):
        control = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'hx-post="/requests/similar"' in control
        assert 'hx-trigger="input changed delay:500ms"' in control
        assert 'hx-params="title,description"' in control and 'hx-target="#similar-requests"' in control
    assert '<p id="similar-requests-status" class="govuk-visually-hidden" role="status" aria-live="polite"></p>' in page
    assert '<div id="similar-requests"' in page and "similar-requests-heading" not in page


def test_without_javascript_a_saved_draft_shows_its_similar_work(client, auth, users, interpreters):
    draft = factories.make_initiative(owner=users["requester"], title="Custody interpreter booking")
    db.session.commit()
    auth.login(users["requester"])
    page = client.get(f"/requests/{draft.id}/edit").get_data(as_text=True)
    assert f'href="/initiatives/{interpreters.id}"' in page
    assert f'href="/initiatives/{draft.id}"' not in page.split('id="similar-requests"')[1]  # not itself


def test_a_refused_submission_shows_similar_work_too(client, auth, users, interpreters):
    auth.login(users["requester"])
    response = client.post("/requests/new", data={"title": "Custody interpreter booking", "submit_request": "y"})
    assert response.status_code == 422
    assert f'href="/initiatives/{interpreters.id}"' in response.get_data(as_text=True)


def test_lessons_from_similar_closed_work(client, auth, users):
    closed = factories.make_initiative(owner=users["pmo"], state="closed", title="Victim updates by SMS",
                                       description="Text messages to victims at key points in their case.")
    factories.make_lesson(closed, title="Agree message wording with victims' groups",
                          recommendation="Test the wording with victims before the build.", priority="high")
    live = factories.make_initiative(owner=users["pmo"], state="delivery", title="Victim updates by SMS phase 2")
    factories.make_lesson(live, title="A lesson of work still in delivery")
    db.session.commit()
    auth.login(users["requester"])
    page = similar(client, "Text message updates for victims").get_data(as_text=True)
    lessons = page.split("Lessons from similar past work")[1]
    assert "Agree message wording with victims&#39; groups" in lessons
    assert "Test the wording with victims before the build." in lessons
    assert f'href="/initiatives/{closed.id}">{closed.reference}: Victim updates by SMS' in lessons
    assert "still in delivery" not in page
    assert "and 1 lesson from similar past work" in page


def test_a_soft_deleted_lesson_is_not_offered(client, auth, users):
    if not hasattr(Lesson, "deleted_at"):
        pytest.fail("Lesson has no deleted_at column: this test needs the soft delete of lessons")
    from pmo_web.models.base import utcnow

    closed = factories.make_initiative(owner=users["pmo"], state="closed", title="Victim updates by SMS")
    factories.make_lesson(closed, title="Removed lesson", deleted_at=utcnow())
    factories.make_lesson(closed, title="Kept lesson")
    db.session.commit()
    auth.login(users["requester"])
    page = similar(client, "Victim updates by SMS").get_data(as_text=True)
    assert "Kept lesson" in page and "Removed lesson" not in page


# --------------------------------------------------------------------- triage and merge


@pytest.fixture
def duplicate(users):
    made = factories.make_initiative(owner=users["requester"], state="triage", title="Custody interpreter booking",
                                     description="Book interpreters for detainees.")
    db.session.commit()
    return made


def test_the_pmo_sees_possible_duplicates_with_a_merge_button(client, auth, users, interpreters, duplicate):
    closed = factories.make_initiative(owner=users["pmo"], state="closed", title="Custody interpreter booking pilot")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{duplicate.id}").get_data(as_text=True)
    panel = page.split('<div id="similar-requests"')[1].split("</ul>")[0]
    assert f'href="/initiatives/{interpreters.id}"' in panel and f'href="/initiatives/{closed.id}"' in panel
    merge = f'href="/initiatives/{duplicate.id}/transitions/merge?target_id={interpreters.id}"'
    assert merge in panel and f"Merge into {interpreters.reference}" in panel
    # A closed initiative cannot be merged into, so it has no button.
    assert f"target_id={closed.id}" not in panel
    assert f'href="/initiatives/{duplicate.id}"' not in panel  # never itself


@pytest.mark.parametrize("role", ["requester", "viewer", "approver"])
def test_others_do_not_get_the_merge_panel(client, auth, users, interpreters, duplicate, role):
    auth.login(users[role])
    page = client.get(f"/initiatives/{duplicate.id}").get_data(as_text=True)
    assert 'id="similar-requests"' not in page


def test_no_merge_panel_once_past_triage(client, auth, users, interpreters):
    scoring = factories.make_initiative(owner=users["requester"], state="scoring", title="Custody interpreter booking")
    db.session.commit()
    auth.login(users["pmo"])
    assert 'id="similar-requests"' not in client.get(f"/initiatives/{scoring.id}").get_data(as_text=True)


def test_the_pmo_is_told_when_nothing_looks_similar(client, auth, users):
    lonely = factories.make_initiative(owner=users["requester"], state="submitted", title="Mounted section stables")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{lonely.id}").get_data(as_text=True)
    assert f"No existing request or initiative looks like {lonely.reference}." in page


def test_merge_opens_the_lifecycle_form_with_the_target_chosen_then_merges(client, auth, users, interpreters,
                                                                             duplicate):
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{duplicate.id}/transitions/merge?target_id={interpreters.id}")
    assert page.status_code == 200
    assert f'<option value="{interpreters.id}" selected>' in page.get_data(as_text=True)
    assert duplicate.state == "triage"  # opening the form changes nothing
    response = client.post(f"/initiatives/{duplicate.id}/transitions/merge", data={"target_id": str(interpreters.id)})
    assert response.status_code == 303
    merged = db.session.get(Initiative, duplicate.id)
    assert (merged.state, merged.merged_into_id) == ("merged", interpreters.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.initiative_id == duplicate.id,
                                                       AuditEvent.trigger == "merge"))
    assert (event.from_state, event.to_state, event.actor_id) == ("triage", "merged", users["pmo"].id)


def test_a_target_in_the_address_is_only_a_preselection(client, auth, users, duplicate):
    """A target that is not among the open initiatives offered selects nothing and merges nothing."""
    auth.login(users["pmo"])
    page = client.get(f"/initiatives/{duplicate.id}/transitions/merge?target_id=999999").get_data(as_text=True)
    choices = page.split('name="target_id"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d+)" selected>', choices) == []
    assert db.session.get(Initiative, duplicate.id).state == "triage"
