"""The demo's registers: RAID logs on every initiative from business case on, a non-empty heat map,
escalations to the boards, dependencies between initiatives, lessons and valued benefits."""
from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from pmo_web.demo import DEMO_PASSWORD, seed
from pmo_web.demo.registers import CHIEF_OFFICER_GROUP, CORPORATE_DELIVERY_BOARD, LOGGED_STATES
from pmo_web.extensions import db
from pmo_web.models import Benefit, Initiative, Lesson, RaidItem, User

LESSON_FIELDS = ("owner", "dependencies", "date_added", "title", "lesson_type", "event", "effect", "cause",
                 "early_warning", "recommendation", "stage", "category", "priority", "logged_by_id")


@pytest.fixture(scope="module")
def demo_portfolio():
    """Seeding takes a while: seed once for the module, on its own app and in-memory database."""
    from pmo_web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"})
    with app.app_context():
        db.create_all()
        assert seed() is True
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def signed_in_client(app):
    client = app.test_client()
    response = client.post("/login", data={"email": "pmo@demo.local", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def test_every_initiative_from_business_case_on_keeps_a_raid_log_of_every_kind(demo_portfolio):
    items = db.session.scalars(select(RaidItem)).all()
    assert Counter(item.kind for item in items).keys() == {"risk", "assumption", "issue", "dependency"}
    by_initiative = Counter(item.initiative_id for item in items if not item.escalated and not item.depends_on_id)
    for initiative in db.session.scalars(select(Initiative)):
        if initiative.state in LOGGED_STATES:
            assert 3 <= by_initiative[initiative.id] <= 8, initiative
        else:
            assert by_initiative[initiative.id] == 0, initiative
    demo_people = set(db.session.scalars(select(User.id).where(User.email.like("%@demo.local"))))
    assert {item.owner_id for item in items} <= demo_people
    # Finished work keeps a closed log; live work has open risks, some with their review overdue.
    assert all(not item.is_open for item in items if item.initiative.state == "closed")
    assert sum(1 for item in items if item.kind == "risk" and item.is_overdue) >= 3


def test_the_heat_map_is_spread_over_the_bands(demo_portfolio):
    page = signed_in_client(demo_portfolio).get("/portfolio/risks").get_data(as_text=True)
    table = page.split('class="govuk-table app-heatmap"', 1)[1].split("</table>", 1)[0]
    cell = r'app-heatmap__cell--(\w+)[^"]*">\s*(?:<a[^>]*>\s*)?<span class="app-heatmap__count[^"]*">(\d+)<'
    cells = re.findall(cell, table)
    assert len(cells) == 25
    per_band = Counter()
    for band, count in cells:
        per_band[band] += int(count)
    total = int(re.search(r"Open risks by likelihood and impact: (\d+) risks", page).group(1))
    assert total == sum(per_band.values()) >= 20
    assert all(per_band[band] > 0 for band in ("low", "medium", "high", "very_high")), per_band
    assert "Top risks by score" in page


def test_items_are_escalated_to_both_boards(demo_portfolio):
    escalated = db.session.scalars(select(RaidItem).where(RaidItem.escalated.is_(True))).all()
    assert 3 <= len(escalated) <= 4
    assert {item.escalated_to for item in escalated} == {CORPORATE_DELIVERY_BOARD, CHIEF_OFFICER_GROUP}
    assert all(item.escalation_note and item.escalated_at for item in escalated)
    page = signed_in_client(demo_portfolio).get("/portfolio/escalations").get_data(as_text=True)
    assert all(item.title in page for item in escalated)


def test_initiatives_wait_on_each_other_and_on_outside_bodies(demo_portfolio):
    dependencies = db.session.scalars(select(RaidItem).where(RaidItem.kind == "dependency")).all()
    between = [item for item in dependencies if item.depends_on_id]
    assert 4 <= len(between) <= 6
    assert any(item.external_party for item in dependencies if not item.depends_on_id)
    page = signed_in_client(demo_portfolio).get("/portfolio/dependencies").get_data(as_text=True)
    assert "Provider on hold" in page and "Provider late" in page


def test_finished_work_has_two_to_four_complete_lessons(demo_portfolio):
    finished = db.session.scalars(select(Initiative).where(Initiative.state.in_(("benefits_review", "closed")))).all()
    assert finished
    for initiative in finished:
        lessons = db.session.scalars(select(Lesson).where(Lesson.initiative_id == initiative.id)).all()
        assert 2 <= len(lessons) <= 4, initiative
        for lesson in lessons:
            assert all(getattr(lesson, name) for name in LESSON_FIELDS), (initiative, lesson.title)


def test_officer_hours_released_are_valued(demo_portfolio):
    hours = db.session.scalars(select(Benefit).where(Benefit.category == "non_cash_releasing")).all()
    assert hours and all(benefit.planned_value for benefit in hours)
    measured = [benefit for benefit in hours if benefit.actual_value]
    assert measured and all(benefit.realised_value for benefit in measured)


def test_seeding_again_adds_no_register_rows(demo_portfolio):
    before = db.session.scalar(select(func.count()).select_from(RaidItem))
    assert seed() is False
    assert db.session.scalar(select(func.count()).select_from(RaidItem)) == before
