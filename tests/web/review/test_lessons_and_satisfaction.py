"""The lessons log (docs/rules.md 5) and stakeholder satisfaction: who records them, when, and what is required."""
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from flask import url_for

from pmo_web.extensions import db
from pmo_web.models import Initiative, Lesson
from pmo_web.workflow import lifecycle_for
from tests import factories

TODAY = date.today()


def make(users, state):
    initiative = factories.make_initiative(owner=users["requester"], state=state)
    db.session.commit()
    return initiative


def lesson_url(initiative):
    return url_for("lessons.new", initiative_id=initiative.id)


def satisfaction_url(initiative):
    return url_for("review.satisfaction", initiative_id=initiative.id)


def lesson_data(**changes) -> dict:
    data = {"title": "Book custody-suite access early", "owner": "Ch Insp. Custody",
            "dependencies": "Estates programme (CR-0007)",
            "date_added": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
            "lesson_type": "both", "event": "Installers were turned away twice.", "effect": "Go-live slipped 3 weeks.",
            "cause": "Access requests went through the wrong team.", "early_warning": "Unanswered access emails.",
            "recommendation": "Name a custody sergeant as the access contact.", "stage": "delivery",
            "category": "Stakeholders", "priority": "high"}
    data.update(changes)
    return {f"lesson-new-{name}": value for name, value in data.items()}  # the inline form's prefix


def reload(initiative) -> Initiative:
    db.session.expire_all()
    return db.session.get(Initiative, initiative.id)


# ---------------------------------------------------------------- lessons


@pytest.mark.parametrize("state", ["delivery", "on_hold", "benefits_review"])
@pytest.mark.parametrize("role", ["pmo", "admin"])
def test_pmo_and_admin_add_lessons_in_delivery_and_review(client, auth, users, state, role):
    initiative = make(users, state)
    auth.login(users[role])
    form = client.get(lesson_url(initiative))
    assert form.status_code == 200 and b"<html" in form.data
    # The date added defaults to today.
    assert f'value="{TODAY:%d}"'.encode() in form.data
    response = client.post(lesson_url(initiative), data=lesson_data())
    assert response.status_code == 303
    lesson = db.session.query(Lesson).filter_by(initiative_id=initiative.id).one()
    assert response.headers["Location"].endswith(f"/initiatives/{initiative.id}/lessons#lesson-{lesson.id}")
    assert lesson.owner == "Ch Insp. Custody" and lesson.date_added == TODAY
    assert lesson.dependencies == "Estates programme (CR-0007)"
    assert (lesson.lesson_type, lesson.stage, lesson.priority) == ("both", "delivery", "high")
    assert lesson.logged_by_id == users[role].id


@pytest.mark.parametrize("role", ["requester", "approver", "viewer"])
def test_other_roles_may_not_add_lessons(client, auth, users, role):
    initiative = make(users, "benefits_review")
    auth.login(users[role])
    assert client.get(lesson_url(initiative)).status_code == 403
    assert client.post(lesson_url(initiative), data=lesson_data()).status_code == 403
    assert db.session.query(Lesson).count() == 0


def test_lessons_are_hidden_from_other_departments_and_anonymous(client, auth, users, outsider):
    initiative = make(users, "benefits_review")
    response = client.get(lesson_url(initiative))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login(outsider)
    assert client.post(lesson_url(initiative), data=lesson_data()).status_code == 404


@pytest.mark.parametrize("state", ["business_case", "closed", "cancelled"])
def test_lessons_are_added_only_in_delivery_or_review(client, auth, users, state):
    initiative = make(users, state)
    auth.login(users["pmo"])
    assert client.post(lesson_url(initiative), data=lesson_data()).status_code == 409
    assert db.session.query(Lesson).count() == 0


@pytest.mark.parametrize("changes, message", [
    ({"owner": ""}, "Enter who owns the lesson"),
    ({"dependencies": "  "}, "Enter the lesson’s dependencies"),
    ({"date_added": ["", "", ""]}, "Enter the date the lesson was added"),
    ({"date_added": ["1", "1", str(TODAY.year + 1)]}, "Date added must be today or in the past"),
    ({"priority": "urgent"}, "Not a valid choice"),
    ({"stage": "somewhere"}, "Not a valid choice"),
])
def test_invalid_lessons_are_refused_and_nothing_saved(client, auth, users, changes, message):
    initiative = make(users, "benefits_review")
    auth.login(users["pmo"])
    response = client.post(lesson_url(initiative), data=lesson_data(**changes))
    assert response.status_code == 422
    assert message.encode() in response.data
    assert db.session.query(Lesson).count() == 0


def test_lessons_show_on_the_review_and_delivery_pages(client, auth, users):
    initiative = make(users, "benefits_review")
    factories.make_lesson(initiative, title="Book custody-suite access early", logged_by_id=users["pmo"].id)
    db.session.commit()
    auth.login(users["viewer"])
    for endpoint in ("review.benefits", "delivery.edit"):
        body = client.get(url_for(endpoint, initiative_id=initiative.id)).get_data(as_text=True)
        assert "Book custody-suite access early" in body


def test_a_lesson_meets_the_closure_criterion(client, auth, users):
    initiative = make(users, "benefits_review")
    assert "At least one lesson is required" in lifecycle_for(initiative).gate_entry_failures("G4")
    auth.login(users["pmo"])
    client.post(lesson_url(initiative), data=lesson_data())
    db.session.expire_all()
    assert "At least one lesson is required" not in lifecycle_for(reload(initiative)).gate_entry_failures("G4")


def test_an_inline_lesson_change_refreshes_the_closure_readiness(client, auth, users):
    """On the review page the lessons log is inline: its changes announce themselves
    (HX-Trigger), and the readiness panel, which listens, fetches itself again."""
    initiative = make(users, "benefits_review")
    auth.login(users["pmo"])
    summary_url = url_for("review.summary", initiative_id=initiative.id)
    page = client.get(url_for("review.benefits", initiative_id=initiative.id)).get_data(as_text=True)
    assert f'hx-get="{urlsplit(summary_url).path}" hx-trigger="lessons-changed from:body"' in page
    before = client.get(summary_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in before and lesson_criterion(before) == "Not met"

    added = client.post(lesson_url(initiative), data=lesson_data(), headers={"HX-Request": "true"})
    assert added.status_code == 200 and added.headers["HX-Trigger"] == "lessons-changed"
    after = client.get(summary_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="review-summary"' in after and lesson_criterion(after) == "Met"
    # Deleting it reopens the criterion, and says so the same way.
    lesson = db.session.query(Lesson).filter_by(initiative_id=initiative.id).one()
    deleted = client.post(url_for("lessons.delete", initiative_id=initiative.id, lesson_id=lesson.id),
                          headers={"HX-Request": "true"})
    assert deleted.headers["HX-Trigger"] == "lessons-changed"
    assert lesson_criterion(client.get(summary_url, headers={"HX-Request": "true"}).get_data(as_text=True)) == "Not met"


def lesson_criterion(html: str) -> str:
    """Met or Not met: the lessons criterion of the closure readiness panel."""
    found = re.search(r"At least one lesson recorded\s*</dt>\s*<dd[^>]*>\s*<strong[^>]*>(Met|Not met)</strong>", html)
    assert found, "no lessons criterion in the panel"
    return found.group(1)


def test_the_summary_alone_is_only_for_initiatives_under_review(client, auth, users):
    auth.login(users["pmo"])
    in_delivery = make(users, "delivery")
    assert client.get(url_for("review.summary", initiative_id=in_delivery.id)).status_code == 404


# ---------------------------------------------------------- satisfaction


@pytest.mark.parametrize("role", ["pmo", "admin"])
def test_pmo_and_admin_record_satisfaction(client, auth, users, role):
    initiative = make(users, "benefits_review")
    auth.login(users[role])
    page = client.get(satisfaction_url(initiative))
    assert page.status_code == 200 and b"Very dissatisfied" in page.data and b"Very satisfied" in page.data
    response = client.post(satisfaction_url(initiative),
                           data={"satisfaction_score": "4", "satisfaction_comment": " Sponsor pleased with go-live. ",
                                 "version": str(initiative.version)})
    assert response.status_code == 303
    saved = reload(initiative)
    assert (saved.satisfaction_score, saved.satisfaction_comment) == (4, "Sponsor pleased with go-live.")
    assert "Satisfaction score not recorded" not in lifecycle_for(saved).gate_entry_failures("G4")
    body = client.get(url_for("review.benefits", initiative_id=initiative.id)).get_data(as_text=True)
    assert "4 out of 5: Satisfied" in body


@pytest.mark.parametrize("role", ["requester", "approver", "viewer"])
def test_other_roles_may_not_record_satisfaction(client, auth, users, role):
    initiative = make(users, "benefits_review")
    auth.login(users[role])
    assert client.get(satisfaction_url(initiative)).status_code == 403
    assert client.post(satisfaction_url(initiative), data={"satisfaction_score": "5"}).status_code == 403
    assert reload(initiative).satisfaction_score is None


def test_satisfaction_is_hidden_from_other_departments_and_anonymous(client, auth, users, outsider):
    initiative = make(users, "benefits_review")
    assert client.get(satisfaction_url(initiative)).status_code == 302
    auth.login(outsider)
    assert client.post(satisfaction_url(initiative), data={"satisfaction_score": "5"}).status_code == 404


@pytest.mark.parametrize("state", ["delivery", "on_hold", "closed"])
def test_satisfaction_is_recorded_only_in_benefits_review(client, auth, users, state):
    initiative = make(users, state)
    auth.login(users["pmo"])
    assert client.post(satisfaction_url(initiative), data={"satisfaction_score": "5"}).status_code == 409
    assert reload(initiative).satisfaction_score is None


@pytest.mark.parametrize("score", ["0", "6", "", "five", "4.5"])
def test_satisfaction_out_of_range_is_refused(client, auth, users, score):
    initiative = make(users, "benefits_review")
    auth.login(users["pmo"])
    response = client.post(satisfaction_url(initiative), data={"satisfaction_score": score})
    assert response.status_code == 422
    assert b"Select" in response.data and b"There is a problem" in response.data
    assert reload(initiative).satisfaction_score is None


def test_lesson_date_may_be_backdated(client, auth, users):
    initiative = make(users, "delivery")
    auth.login(users["pmo"])
    earlier = TODAY - timedelta(days=40)
    data = lesson_data(date_added=[str(earlier.day), str(earlier.month), str(earlier.year)])
    assert client.post(lesson_url(initiative), data=data).status_code == 303
    assert db.session.query(Lesson).one().date_added == earlier
