"""The lessons log of an initiative (docs/rules.md 5): inline add, edit and delete with undo,
what is refused (422 in the row, nothing saved; 409 on a conflict), who may do what, and
the audit of every change with its before and after values."""
import re
from datetime import date

import pytest
from flask import url_for
from sqlalchemy import select

from pmo_web.extensions import db
from pmo_web.models import AuditEvent, Lesson
from pmo_web.workflow import lifecycle_for
from tests import factories

HX = {"HX-Request": "true"}
TODAY = date.today()


def make(users, state="delivery", **fields):
    initiative = factories.make_initiative(owner=users["requester"], state=state, **fields)
    db.session.commit()
    return initiative


def lesson_data(prefix: str, version: str | None = None, **changes) -> dict:
    data = {"title": "Book custody-suite access early", "owner": "Ch Insp. Custody",
            "dependencies": "Estates programme", "date_added": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
            "lesson_type": "both", "stage": "delivery", "category": "Stakeholders", "priority": "high",
            "event": "Installers were turned away twice.", "effect": "Go-live slipped three weeks.",
            "cause": "Access requests went to the wrong team.", "early_warning": "Unanswered access emails.",
            "recommendation": "Name a custody sergeant as the access contact."}
    data.update(changes)
    posted = {f"{prefix}-{name}": value for name, value in data.items()}
    if version is not None:
        posted[f"{prefix}-version"] = version
    return posted


def url(endpoint, initiative, lesson=None, **values):
    if lesson is not None:
        values["lesson_id"] = lesson.id
    return url_for(f"lessons.{endpoint}", initiative_id=initiative.id, **values)


def reload(lesson) -> Lesson:
    db.session.expire_all()
    return db.session.get(Lesson, lesson.id)


def record_edits(lesson_id=None) -> list[AuditEvent]:
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "record_edit")
                                .order_by(AuditEvent.id)).all()
    return [e for e in events if e.detail["record"] == "lesson" and lesson_id in (None, e.detail["id"])]


def is_fragment(response) -> bool:
    return b"<html" not in response.data and b"govuk-template" not in response.data


# ------------------------------------------------------------------ reading


@pytest.mark.parametrize("role", ["requester", "viewer", "approver", "pmo", "admin"])
def test_everyone_who_sees_the_initiative_reads_its_log(client, auth, users, role):
    initiative = make(users)
    factories.make_lesson(initiative, title="Plan the data migration early", recommendation="Start in discovery.")
    db.session.commit()
    auth.login(users[role])
    response = client.get(url("log", initiative))
    assert response.status_code == 200
    assert "Plan the data migration early" in response.get_data(as_text=True)
    assert "Start in discovery." in response.get_data(as_text=True)
    # Only the PMO and admins are offered the controls.
    assert (b"Add a lesson" in response.data) == (role in ("pmo", "admin"))


def test_the_log_is_hidden_from_other_departments_and_anonymous(client, auth, users, outsider):
    initiative = make(users)
    lesson = factories.make_lesson(initiative)
    db.session.commit()
    response = client.get(url("log", initiative))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login(outsider)
    for endpoint, method in (("log", "GET"), ("row", "GET"), ("edit", "POST"), ("delete", "POST")):
        target = url(endpoint, initiative, None if endpoint == "log" else lesson)
        assert client.open(target, method=method).status_code == 404


def test_dependencies_link_the_initiatives_the_reader_may_see(client, auth, users, outsider):
    initiative = make(users)
    other = make(users, title="Estates rationalisation")
    hidden = factories.make_initiative(owner=outsider, state="delivery", title="Secret estates work")
    factories.make_lesson(initiative, dependencies=f"Needs {other.reference} and {hidden.reference}; CR-99999")
    db.session.commit()
    auth.login(users["requester"])
    body = client.get(url("log", initiative)).get_data(as_text=True)
    assert f'href="/initiatives/{other.id}">{other.reference}' in body
    assert f"/initiatives/{hidden.id}\"" not in body and "Secret estates work" not in body
    assert hidden.reference in body and "CR-99999" in body  # still shown, as plain text


# ------------------------------------------------------------------ adding


def test_a_new_row_is_a_form_fragment_dated_today(client, auth, users):
    initiative = make(users)
    auth.login(users["pmo"])
    response = client.get(url("new", initiative), headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    body = response.get_data(as_text=True)
    assert 'id="lesson-new"' in body and "app-editing-row" in body
    # The date boxes hold today, as the GOV.UK date input writes it (day and month in two digits).
    for box, value in (("day", f"{TODAY:%d}"), ("month", f"{TODAY:%m}"), ("year", f"{TODAY:%Y}")):
        assert re.search(rf'<input[^>]*id="lesson-new-date_added-{box}"[^>]*value="{value}"', body), box
    # Without JavaScript the same URL is the whole log with the form at the top.
    page = client.get(url("new", initiative))
    assert page.status_code == 200 and b"<html" in page.data and b'id="lesson-new"' in page.data


@pytest.mark.parametrize("role", ["pmo", "admin"])
@pytest.mark.parametrize("state", ["delivery", "on_hold", "benefits_review"])
def test_pmo_and_admin_add_a_lesson_inline(client, auth, users, role, state):
    initiative = make(users, state)
    auth.login(users[role])
    response = client.post(url("new", initiative), data=lesson_data("lesson-new"), headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    lesson = db.session.scalars(select(Lesson)).one()
    body = response.get_data(as_text=True)
    assert f'id="lesson-{lesson.id}"' in body and "Book custody-suite access early" in body
    assert (lesson.owner, lesson.dependencies, lesson.date_added) == ("Ch Insp. Custody", "Estates programme", TODAY)
    assert (lesson.lesson_type, lesson.stage, lesson.priority, lesson.category) == ("both", "delivery", "high",
                                                                                     "Stakeholders")
    assert lesson.logged_by_id == users[role].id and lesson.version == 1
    # Audited with the values it was created with.
    [created] = record_edits(lesson.id)
    assert created.trigger == "lesson.created" and created.actor_id == users[role].id
    assert created.detail["changes"]["owner"] == {"after": "Ch Insp. Custody"}


def test_without_javascript_adding_goes_back_to_the_log(client, auth, users):
    initiative = make(users)
    auth.login(users["pmo"])
    response = client.post(url("new", initiative), data=lesson_data("lesson-new"))
    lesson = db.session.scalars(select(Lesson)).one()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/initiatives/{initiative.id}/lessons#lesson-{lesson.id}")


@pytest.mark.parametrize("changes, message", [
    ({"title": " "}, "Enter a short title for the lesson"),
    ({"owner": ""}, "Enter who owns the lesson"),
    ({"dependencies": "  "}, "Enter the lesson’s dependencies"),
    ({"date_added": ["", "", ""]}, "Enter the date the lesson was added"),
    ({"date_added": ["31", "2", "2024"]}, "Not a valid date value"),
    ({"date_added": ["1", "1", str(TODAY.year + 1)]}, "Date added must be today or in the past"),
    ({"priority": "urgent"}, "Not a valid choice"),
    ({"stage": "somewhere"}, "Not a valid choice"),
    ({"lesson_type": ""}, "Select the lesson type"),
])
def test_an_invalid_lesson_is_refused_in_the_row_and_nothing_saved(client, auth, users, changes, message):
    initiative = make(users)
    auth.login(users["pmo"])
    response = client.post(url("new", initiative), data=lesson_data("lesson-new", **changes), headers=HX)
    assert response.status_code == 422 and is_fragment(response)
    body = response.get_data(as_text=True)
    assert 'id="lesson-new"' in body and "govuk-error-summary" in body
    assert message in body.replace("&#39;", "’")
    assert db.session.scalar(select(Lesson.id)) is None
    assert record_edits() == []


# ------------------------------------------------------------------ editing


def test_edit_turns_the_row_into_a_form_and_saving_returns_the_row_audited(client, auth, users):
    initiative = make(users)
    lesson = factories.make_lesson(initiative, owner="Project manager", title="Old title")
    db.session.commit()
    auth.login(users["pmo"])
    form = client.get(url("edit", initiative, lesson), headers=HX)
    assert form.status_code == 200 and is_fragment(form)
    assert f'id="lesson-{lesson.id}"' in form.get_data(as_text=True)
    assert f'name="lesson-{lesson.id}-version" type="hidden" value="1"' in form.get_data(as_text=True)
    response = client.post(url("edit", initiative, lesson), headers=HX,
                           data=lesson_data(f"lesson-{lesson.id}", "1", owner="Head of Estates", title="New title"))
    assert response.status_code == 200 and is_fragment(response)
    body = response.get_data(as_text=True)
    assert "New title" in body and "Head of Estates" in body and "app-editing-row" not in body
    saved = reload(lesson)
    assert (saved.title, saved.owner, saved.version, saved.changed_by) == ("New title", "Head of Estates", 2,
                                                                          users["pmo"].name)
    updated = [e for e in record_edits(lesson.id) if e.trigger == "lesson.updated"]
    assert len(updated) == 1
    changes = updated[0].detail["changes"]
    assert changes["owner"] == {"before": "Project manager", "after": "Head of Estates"}
    assert changes["title"] == {"before": "Old title", "after": "New title"}
    assert updated[0].actor_id == users["pmo"].id


def test_cancel_returns_the_row(client, auth, users):
    initiative = make(users)
    lesson = factories.make_lesson(initiative, title="Keep me")
    db.session.commit()
    auth.login(users["viewer"])
    response = client.get(url("row", initiative, lesson), headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert f'<tr class="govuk-table__row" id="lesson-{lesson.id}">' in response.get_data(as_text=True)


def test_an_invalid_edit_is_refused_in_the_row_and_nothing_saved(client, auth, users):
    initiative = make(users)
    lesson = factories.make_lesson(initiative, owner="Project manager")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(url("edit", initiative, lesson), headers=HX,
                           data=lesson_data(f"lesson-{lesson.id}", "1", owner=""))
    assert response.status_code == 422 and is_fragment(response)
    assert "Enter who owns the lesson" in response.get_data(as_text=True)
    saved = reload(lesson)
    assert (saved.owner, saved.version) == ("Project manager", 1)
    assert [e.trigger for e in record_edits(lesson.id)] == ["lesson.created"]


def test_a_stale_edit_is_a_conflict_showing_both_versions_then_can_be_reapplied(client, auth, users):
    initiative = make(users)
    lesson = factories.make_lesson(initiative, owner="Project manager")
    db.session.commit()
    auth.login(users["pmo"])
    # Someone else saves first (version 1 -> 2).
    first = client.post(url("edit", initiative, lesson), headers=HX,
                        data=lesson_data(f"lesson-{lesson.id}", "1", owner="Head of Estates"))
    assert first.status_code == 200
    # A save made from the form drawn at version 1 is refused, nothing written.
    stale = client.post(url("edit", initiative, lesson), headers=HX,
                        data=lesson_data(f"lesson-{lesson.id}", "1", owner="Custody sergeant"))
    assert stale.status_code == 409 and is_fragment(stale)
    body = stale.get_data(as_text=True)
    assert "Someone else saved this lesson" in body
    assert "Head of Estates" in body and "Custody sergeant" in body  # theirs and yours
    assert f'name="lesson-{lesson.id}-version" type="hidden" value="2"' in body  # moved on
    assert reload(lesson).owner == "Head of Estates"
    # Saving again from the conflict form is a deliberate replace.
    again = client.post(url("edit", initiative, lesson), headers=HX,
                        data=lesson_data(f"lesson-{lesson.id}", "2", owner="Custody sergeant"))
    assert again.status_code == 200
    assert (reload(lesson).owner, reload(lesson).version) == ("Custody sergeant", 3)


# ------------------------------------------------------------------ deleting and undoing


def test_delete_asks_then_hides_the_lesson_everywhere_and_undo_brings_it_back(client, auth, users):
    initiative = make(users, "benefits_review")
    lesson = factories.make_lesson(initiative, title="Soon gone", recommendation="Remember this")
    db.session.commit()
    auth.login(users["pmo"])
    confirm = client.get(url("delete", initiative, lesson), headers=HX)
    assert confirm.status_code == 200 and is_fragment(confirm)
    assert "Delete the lesson ‘Soon gone’?" in confirm.get_data(as_text=True)
    assert reload(lesson).deleted_at is None  # asking changes nothing

    deleted = client.post(url("delete", initiative, lesson), headers=HX)
    assert deleted.status_code == 200 and is_fragment(deleted)
    body = deleted.get_data(as_text=True)
    assert "Lesson ‘Soon gone’ deleted." in body and "Undo" in body
    assert 'id="deleted-lessons" hx-swap-oob="true"' in body
    assert reload(lesson).deleted_at is not None
    # Hidden from the log, the review page, the library and the closure criterion ...
    for page in (url("log", initiative), url_for("review.benefits", initiative_id=initiative.id),
                 url_for("lessons.library")):
        assert "Remember this" not in client.get(page).get_data(as_text=True), page
    assert "At least one lesson is required" in lifecycle_for(initiative).gate_entry_failures("G4")
    # ... but listed for restoring, and its row is gone for editing.
    assert "Soon gone" in client.get(url("log", initiative)).get_data(as_text=True)
    assert client.get(url("edit", initiative, lesson), headers=HX).status_code == 404

    restored = client.post(url("restore", initiative, lesson, in_place="1"), headers=HX)
    assert restored.status_code == 200 and is_fragment(restored)
    assert f'id="lesson-{lesson.id}"' in restored.get_data(as_text=True)
    assert reload(lesson).deleted_at is None
    assert "Remember this" in client.get(url_for("lessons.library")).get_data(as_text=True)
    db.session.expire_all()
    assert "At least one lesson is required" not in lifecycle_for(initiative).gate_entry_failures("G4")
    assert [e.trigger for e in record_edits(lesson.id)] == ["lesson.created", "lesson.removed", "lesson.restored"]
    removed = record_edits(lesson.id)[1]
    assert removed.detail["changes"]["deleted_at"]["before"] is None
    assert removed.detail["changes"]["deleted_at"]["after"]


def test_without_javascript_delete_and_restore_go_back_to_the_log(client, auth, users):
    initiative = make(users)
    lesson = factories.make_lesson(initiative)
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(url("delete", initiative, lesson))
    assert page.status_code == 200 and b"<html" in page.data and b"Delete lesson" in page.data
    response = client.post(url("delete", initiative, lesson))
    assert response.status_code == 303 and response.headers["Location"].endswith("#deleted-lessons")
    response = client.post(url("restore", initiative, lesson))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#lesson-{lesson.id}")
    assert reload(lesson).deleted_at is None
    # A second restore (a double press) changes nothing.
    assert client.post(url("restore", initiative, lesson)).status_code == 303
    assert len(record_edits(lesson.id)) == 3


# ------------------------------------------------------------------ who may change it, and when


@pytest.mark.parametrize("role", ["requester", "approver", "viewer"])
def test_other_roles_may_not_change_lessons(client, auth, users, role):
    initiative = make(users)
    lesson = factories.make_lesson(initiative)
    db.session.commit()
    auth.login(users[role])
    assert client.get(url("new", initiative)).status_code == 403
    assert client.post(url("new", initiative), data=lesson_data("lesson-new")).status_code == 403
    assert client.post(url("edit", initiative, lesson),
                       data=lesson_data(f"lesson-{lesson.id}", "1", owner="Me")).status_code == 403
    assert client.post(url("delete", initiative, lesson)).status_code == 403
    assert client.post(url("restore", initiative, lesson)).status_code == 403
    saved = reload(lesson)
    assert (saved.owner, saved.deleted_at, saved.version) == ("Project manager", None, 1)
    assert db.session.query(Lesson).count() == 1


@pytest.mark.parametrize("state", ["business_case", "closed", "cancelled"])
def test_lessons_change_only_in_delivery_on_hold_or_review(client, auth, users, state):
    initiative = make(users, state)
    lesson = factories.make_lesson(initiative)
    db.session.commit()
    auth.login(users["pmo"])
    assert client.post(url("new", initiative), data=lesson_data("lesson-new"), headers=HX).status_code == 409
    assert client.post(url("delete", initiative, lesson), headers=HX).status_code == 409
    assert db.session.query(Lesson).count() == 1 and reload(lesson).deleted_at is None
    page = client.get(url("log", initiative)).get_data(as_text=True)
    assert "Add a lesson" not in page and "can be added and changed while" in page


def test_a_lesson_of_another_initiative_is_not_found(client, auth, users):
    initiative, other = make(users), make(users)
    lesson = factories.make_lesson(other)
    db.session.commit()
    auth.login(users["pmo"])
    for endpoint in ("row", "edit", "delete", "restore"):
        method = "POST" if endpoint == "restore" else "GET"
        assert client.open(url(endpoint, initiative, lesson), method=method).status_code == 404


def test_the_review_page_keeps_the_same_inline_log(client, auth, users):
    initiative = make(users, "benefits_review")
    factories.make_lesson(initiative, title="Shown on the review")
    db.session.commit()
    auth.login(users["pmo"])
    body = client.get(url_for("review.benefits", initiative_id=initiative.id)).get_data(as_text=True)
    assert "Shown on the review" in body and 'id="lessons-body"' in body
    # A delete there refreshes its deleted list out of band, so the page must have one.
    assert 'id="deleted-lessons"' in body
    assert f'hx-get="/initiatives/{initiative.id}/lessons/new"' in body


def test_restoring_from_the_deleted_list_takes_away_the_stale_deleted_row(client, auth, users):
    """From the deleted list the restored row is added at the top of the log: the "deleted / Undo"
    row still standing in its place is removed out of band, so no two rows share the id. From the
    row's own Undo the row is replaced in place, and nothing else is removed."""
    initiative = make(users, "benefits_review")
    lesson = factories.make_lesson(initiative, title="Soon back")
    db.session.commit()
    auth.login(users["pmo"])
    client.post(url("delete", initiative, lesson), headers=HX)
    body = client.post(url("restore", initiative, lesson), headers=HX).get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr class="govuk-table__row" id="lesson-{lesson.id}">')
    assert body.count(f'id="lesson-{lesson.id}"') == 2
    assert re.search(rf'<template>\s*<tr id="lesson-{lesson.id}" hx-swap-oob="delete"></tr>\s*</template>', body)
    client.post(url("delete", initiative, lesson), headers=HX)
    in_place = client.post(url("restore", initiative, lesson, in_place="1"), headers=HX).get_data(as_text=True)
    assert in_place.count(f'id="lesson-{lesson.id}"') == 1 and 'hx-swap-oob="delete"' not in in_place
